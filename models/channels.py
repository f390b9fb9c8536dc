"""How members are reached: the channels (Telegram, Zalo, …) and members' ids on the channels
other than Telegram (Telegram's id stays on `members.telegram_id`)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CleanString, UTCDateTime


class Channel(enum.StrEnum):
    TELEGRAM = "telegram"
    ZALO = "zalo"


class ChannelIdentity(Base):
    """A member's id on a channel other than Telegram (Zalo's ids are hex strings)."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(CleanString(20))
    external_id: Mapped[str] = mapped_column(CleanString(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
