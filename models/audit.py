"""The audit log: who did what to which record, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CleanString, UTCDateTime


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(CleanString(100))
    action: Mapped[str] = mapped_column(CleanString(50))
    entity: Mapped[str] = mapped_column(CleanString(50))
    entity_id: Mapped[int | None]
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
