"""Members: who is writing to the bot, their role, unit and language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from bot.services import audit
from models import HEAD_ROLES, OFFICER_ROLES, ChannelIdentity, Cluster, Member, Role, Unit


@dataclass(frozen=True)
class Sender:
    """The channel-neutral description of the person behind an incoming message."""

    user_id: int
    full_name: str
    username: str | None
    language_code: str | None


def vietnamese_name(first_name: str, last_name: str | None) -> str:
    """A person's name in Vietnamese order, family name first: Telegram's "last name" Phạm Minh
    and "first name" Phước make "Phạm Minh Phước". A name given in one field stays as given."""
    parts = [part.strip() for part in (last_name or "", first_name or "") if part and part.strip()]
    return " ".join(parts)


# Built once: it runs on every update.
_MEMBER_BY_TELEGRAM_ID = (
    select(Member)
    .where(Member.telegram_id == bindparam("user_id"))
    .options(joinedload(Member.unit).joinedload(Unit.cluster))
    .execution_options(populate_existing=True)
)


async def find_member(session: AsyncSession, user_id: int) -> Member | None:
    """The member with their unit and its cluster, in one statement."""
    found = await session.scalar(_MEMBER_BY_TELEGRAM_ID, {"user_id": user_id})
    return found


async def find_member_on(session: AsyncSession, channel: str, external_id: str) -> Member | None:
    """The member with this id on a channel other than Telegram, with their unit."""
    return await session.scalar(
        select(Member)
        .join(ChannelIdentity, ChannelIdentity.member_id == Member.id)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
        .options(joinedload(Member.unit).joinedload(Unit.cluster))
        .execution_options(populate_existing=True)
    )


async def identify(
    session: AsyncSession,
    sender: Sender,
    *,
    officer_ids: frozenset[int],
    default_language: str,
    now: datetime,
) -> tuple[Member | None, bool]:
    """The member for this sender, and whether they were just enrolled: officers named in the
    configuration are enrolled on sight (each start restores those already enrolled)."""
    member = await find_member(session, sender.user_id)
    if member is None and sender.user_id in officer_ids:
        member = Member(
            telegram_id=sender.user_id,
            full_name=sender.full_name,
            username=sender.username,
            language=_language_for(sender.language_code, default_language),
            role=Role.OFFICER,
            active=True,
            created_at=now,
        )
        session.add(member)
        await session.flush()
        audit.record(
            session,
            at=now,
            action="enrol-officer",
            entity="member",
            entity_id=member.id,
            member=member,
            details={"source": "TDKT_OFFICER_IDS"},
        )
        await session.commit()
        return await find_member(session, sender.user_id), True
    if member is not None and (
        not member.reachable or (sender.full_name and member.full_name != sender.full_name)
    ):
        # Writing to the bot shows the member has not blocked it (any more).
        member.reachable = True
        member.unreachable_since = None
        member.full_name = sender.full_name or member.full_name
        member.username = sender.username
        await session.commit()
    return member, False


def _restore_officer(session: AsyncSession, member: Member, *, now: datetime) -> bool:
    """A configured officer is active and an officer (keeping a unit head's role as both);
    True when that took a change. The caller commits."""
    role = Role.BOTH if member.role in HEAD_ROLES and member.unit_id else Role.OFFICER
    if member.active and member.role in OFFICER_ROLES:
        return False
    before = {"role": member.role, "active": member.active}
    member.active = True
    member.role = role
    audit.record(
        session,
        at=now,
        action="restore-officer",
        entity="member",
        entity_id=member.id,
        member=member,
        details={"source": "TDKT_OFFICER_IDS", "before": before, "after": {"role": role}},
    )
    return True


async def restore_configured_officers(
    session: AsyncSession, officer_ids: frozenset[int], *, now: datetime
) -> int:
    """At start: every officer of TDKT_OFFICER_IDS who is in the database is active and an
    officer again, whatever was done from Telegram. Returns how many were restored."""
    if not officer_ids:
        return 0
    members = await session.scalars(select(Member).where(Member.telegram_id.in_(officer_ids)))
    restored = sum(_restore_officer(session, member, now=now) for member in members.all())
    await session.commit()
    return restored


def _language_for(language_code: str | None, default_language: str) -> str:
    short = (language_code or "").split("-")[0].lower()
    return short if short in ("vi", "en") else default_language


async def set_language(
    session: AsyncSession, member: Member, language: str, *, now: datetime
) -> None:
    before = member.language
    member.language = language
    audit.record(
        session,
        at=now,
        action="set-language",
        entity="member",
        entity_id=member.id,
        member=member,
        details={"before": before, "after": language},
    )
    await session.commit()


async def active_officers(session: AsyncSession) -> list[Member]:
    return list(
        await session.scalars(
            select(Member).where(Member.role.in_(OFFICER_ROLES), Member.active.is_(True))
        )
    )


@dataclass(frozen=True)
class ListedMember:
    name: str
    # None for a member reached only on another channel (Zalo): named by that channel.
    telegram_id: int | None
    channel: str = "telegram"


@dataclass
class UnitListing:
    cluster: str
    code: str
    name: str
    heads: list[ListedMember]


async def directory_listing(session: AsyncSession) -> list[UnitListing]:
    """Every active unit by cluster with the names of its registered members."""
    rows = await session.execute(
        select(Unit, Cluster.name)
        .outerjoin(Cluster, Cluster.id == Unit.cluster_id)
        .where(Unit.active.is_(True))
        .order_by(Cluster.name, Unit.name)
    )
    members: dict[int, list[ListedMember]] = {}
    for member in await session.scalars(
        select(Member)
        .where(
            Member.active.is_(True),
            Member.unit_id.is_not(None),
            Member.role.in_(HEAD_ROLES),  # an officer invited for a unit is not its head
        )
        .order_by(Member.full_name)
    ):
        members.setdefault(member.unit_id or 0, []).append(
            ListedMember(member.full_name, member.telegram_id, member.channel)
        )
    return [
        UnitListing(cluster or "", unit.code, unit.name, members.get(unit.id, []))
        for unit, cluster in rows.all()
    ]


class ConfiguredOfficer(Exception):
    """The member is an officer of TDKT_OFFICER_IDS: only the settings can remove them."""


async def deactivate_member(
    session: AsyncSession,
    officer: Member,
    telegram_id: int,
    *,
    now: datetime,
    configured_officers: frozenset[int] = frozenset(),
) -> Member | None:
    """Revokes a member's access at once (their next message is refused). Officers named in
    the configuration cannot be revoked from Telegram: ConfiguredOfficer."""
    if telegram_id in configured_officers and telegram_id != officer.telegram_id:
        # Also before they first wrote: the next start would enrol them anyway.
        raise ConfiguredOfficer(telegram_id)
    member = await find_member(session, telegram_id)
    if member is None or member.id == officer.id:
        return None
    before = member.active
    member.active = False
    member.pending_input = None
    audit.record(
        session,
        at=now,
        action="deactivate-member",
        entity="member",
        entity_id=member.id,
        member=officer,
        details={"before": {"active": before}, "after": {"active": False}},
    )
    await session.commit()
    return member
