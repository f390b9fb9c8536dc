"""Writes audit-log entries; callers add them inside the transaction that makes the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditLog, Member


def actor_of(member: Member | None) -> str:
    if member is not None and member.telegram_id is None:
        return f"{member.channel}:member-{member.id}"  # a member reached on another channel
    return f"telegram:{member.telegram_id}" if member else "cli"


def record(
    session: AsyncSession,
    *,
    at: datetime,
    action: str,
    entity: str,
    entity_id: int | None,
    member: Member | None = None,
    actor: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditLog:
    entry = AuditLog(
        at=at,
        member_id=member.id if member else None,
        actor=actor or actor_of(member),
        action=action,
        entity=entity,
        entity_id=entity_id,
        details=details,
    )
    session.add(entry)
    return entry
