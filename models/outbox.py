"""Everything the bot sends on its own initiative: the persistent outbox and the reminder log."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CleanString, CleanText, EnumString, UTCDateTime


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNREACHABLE = "unreachable"


class OutboxMessage(Base):
    """One message to one chat; `dedupe_key` makes enqueueing the same message twice a no-op."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_not_before", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(CleanString(200), unique=True)
    kind: Mapped[str] = mapped_column(CleanString(30))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    # Telegram's chat; None on other channels, whose chat is `chat_ref` (Zalo: a hex id).
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(
        CleanString(20), default="telegram", server_default="telegram"
    )
    chat_ref: Mapped[str | None] = mapped_column(CleanString(100))
    text: Mapped[str] = mapped_column(CleanText)
    # Inline buttons as [[{"text": ..., "data": ...}, ...], ...]; the channel renders them.
    buttons: Mapped[list[list[dict[str, Any]]] | None] = mapped_column(JSON)
    # A document or photo sent with `text` as its caption.
    file_kind: Mapped[str | None] = mapped_column(CleanString(20))
    file_id: Mapped[str | None] = mapped_column(CleanString(300))
    status: Mapped[OutboxStatus] = mapped_column(
        EnumString(OutboxStatus, 20), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(CleanString(100))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    channel_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(CleanText)


class ReminderKind(enum.StrEnum):
    DIGEST = "digest"
    KICKOFF = "kickoff"
    ESCALATION = "escalation"
    ROUND = "round"
    # Officers: the nominations filed since their previous digest that wait for review.
    SUBMISSIONS = "submissions"
    UNREACHABLE = "unreachable-notice"


class ReminderLog(Base):
    """What was sent to whom for which local day and kind: at most one row per triple."""

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("member_id", "day", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[ReminderKind] = mapped_column(EnumString(ReminderKind, 30))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    task_ids: Mapped[list[int] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
