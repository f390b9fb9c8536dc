"""One-time invite codes: 128-bit random, stored hashed, single use, expiring."""

from __future__ import annotations

import enum
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.members import Sender, find_member, find_member_on
from models import OFFICER_ROLES, AuditLog, ChannelIdentity, Invite, Member, Role, Unit

CODE_BYTES = 16  # 128 bits
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class UnknownUnit(LookupError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Redemption(enum.StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    THROTTLED = "throttled"


# Brute force: after this many refused codes within the window, a user must wait.
MAX_FAILED_ATTEMPTS = 5
FAILED_ATTEMPTS_WINDOW = timedelta(hours=1)


@dataclass
class RedeemResult:
    outcome: Redemption
    member: Member | None = None


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


async def create_invite(
    session: AsyncSession,
    unit_code: str,
    role: Role,
    *,
    now: datetime,
    ttl: timedelta,
    created_by: Member | None = None,
) -> str:
    """Stores an invite for `unit_code`; returns the plain code (shown once, never stored)."""
    unit = await session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise UnknownUnit(unit_code)
    code = secrets.token_urlsafe(CODE_BYTES)
    invite = Invite(
        code_hash=hash_code(code),
        unit_id=unit.id,
        role=role,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(invite)
    await session.flush()
    audit.record(
        session,
        at=now,
        action="create-invite",
        entity="invite",
        entity_id=invite.id,
        member=created_by,
        details={"unit": unit.code, "role": role.value},
    )
    await session.commit()
    return code


async def redeem_invite(
    session: AsyncSession,
    code: str,
    sender: Sender,
    *,
    language: str,
    now: datetime,
    officer_ids: frozenset[int] = frozenset(),
    identity: tuple[str, str] | None = None,
) -> RedeemResult:
    """Binds the sender to the invite's unit and role; each code works once, before it expires.
    An officer named in the configuration stays an officer (a head's invite makes them both).

    Refused codes are logged; after several within an hour the sender is throttled.
    """
    # `identity` (channel, id on it): the sender writes on another channel than Telegram.
    actor = f"{identity[0]}:{identity[1]}" if identity else f"telegram:{sender.user_id}"
    failures = await session.scalar(
        select(func.count())
        .select_from(AuditLog)
        .where(
            AuditLog.actor == actor,
            AuditLog.action == "invite-refused",
            AuditLog.at > now - FAILED_ATTEMPTS_WINDOW,
        )
    )
    if (failures or 0) >= MAX_FAILED_ATTEMPTS:
        return RedeemResult(Redemption.THROTTLED)
    invite = (
        await session.scalar(select(Invite).where(Invite.code_hash == hash_code(code)))
        if _CODE_SHAPE.match(code)
        else None
    )
    outcome = None
    if invite is None:
        outcome = Redemption.UNKNOWN
    elif invite.used_at is not None:
        outcome = Redemption.USED
    elif invite.expires_at <= now:
        outcome = Redemption.EXPIRED
    if outcome is not None:
        audit.record(
            session,
            at=now,
            action="invite-refused",
            entity="invite",
            entity_id=invite.id if invite else None,
            actor=actor,
            details={"outcome": outcome.value},
        )
        await session.commit()
        return RedeemResult(outcome)
    assert invite is not None
    # Claim the invite atomically: of two simultaneous redemptions only one updates the row.
    claimed = cast(
        CursorResult[Any],
        await session.execute(
            update(Invite)
            .where(Invite.id == invite.id, Invite.used_at.is_(None))
            .values(used_at=now)
        ),
    )
    if claimed.rowcount != 1:
        await session.rollback()
        return RedeemResult(Redemption.USED)
    member = await (
        find_member_on(session, *identity) if identity else find_member(session, sender.user_id)
    )
    before = None
    if member is None and identity:
        member = Member(telegram_id=None, channel=identity[0], language=language, created_at=now)
        session.add(member)
        await session.flush()
        session.add(
            ChannelIdentity(
                member_id=member.id, channel=identity[0], external_id=identity[1], created_at=now
            )
        )
    elif member is None:
        member = Member(telegram_id=sender.user_id, language=language, created_at=now)
        session.add(member)
    else:
        before = {"role": member.role, "unit_id": member.unit_id, "active": member.active}
    member.full_name = sender.full_name
    member.username = sender.username
    role = invite.role
    if not identity and sender.user_id in officer_ids and role not in OFFICER_ROLES:
        role = Role.BOTH
    member.role = role
    member.unit_id = invite.unit_id
    member.active = True
    await session.flush()
    invite.used_by_id = member.id
    audit.record(
        session,
        at=now,
        action="redeem-invite",
        entity="member",
        entity_id=member.id,
        member=member,
        details={
            "invite_id": invite.id,
            "before": before,
            "after": {"role": role, "unit_id": invite.unit_id, "active": True},
        },
    )
    await session.commit()
    found = (
        find_member_on(session, *identity) if identity else find_member(session, sender.user_id)
    )
    return RedeemResult(Redemption.OK, await found)
