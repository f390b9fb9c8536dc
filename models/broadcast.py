"""Guidance broadcasts from the officer: the message, its audience and each recipient."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CleanString, CleanText, EnumString, UTCDateTime


class Audience(enum.StrEnum):
    ALL = "all"
    CLUSTER = "cluster"
    UNITS = "units"
    OVERDUE = "overdue"


class BroadcastStatus(enum.StrEnum):
    DRAFT = "draft"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Broadcast(Base):
    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(CleanText, default="")
    file_kind: Mapped[str | None] = mapped_column(CleanString(20))  # document | photo
    file_id: Mapped[str | None] = mapped_column(CleanString(300))
    file_name: Mapped[str | None] = mapped_column(CleanString(300))
    audience: Mapped[Audience | None] = mapped_column(EnumString(Audience, 20))
    audience_args: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[BroadcastStatus] = mapped_column(
        EnumString(BroadcastStatus, 20), default=BroadcastStatus.DRAFT
    )
    # The officer's chat and the message updated with progress while it sends.
    status_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    status_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BroadcastRecipient(Base):
    __tablename__ = "broadcast_recipients"
    __table_args__ = (UniqueConstraint("broadcast_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resent: Mapped[int] = mapped_column(default=0)
