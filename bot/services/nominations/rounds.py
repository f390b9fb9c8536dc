"""Nomination rounds: opened with a deadline, closed, reopened with a new one; which round
accepts filings today and which units filed in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.nominations.common import FILED_STATUSES
from bot.services.notices import queue_round_notices
from models import Member, Nomination, NominationRound

if TYPE_CHECKING:
    from bot.services.eligibility import RuleSet


async def current_round(session: AsyncSession) -> NominationRound | None:
    round_: NominationRound | None = await session.scalar(
        select(NominationRound)
        .where(NominationRound.open.is_(True))
        .order_by(NominationRound.id.desc())
        .limit(1)
    )
    return round_


def round_accepts(round_: NominationRound | None, today: date) -> bool:
    return round_ is None or today <= round_.deadline


@dataclass
class RoundChange:
    round: NominationRound | None
    closed: list[NominationRound] = field(default_factory=list)


async def open_round(
    session: AsyncSession,
    officer: Member,
    title: str,
    deadline: date,
    *,
    now: datetime,
    rules: RuleSet | None = None,
    today: date | None = None,
) -> NominationRound:
    """Opens a new round (closing any open one) that accepts nominations until `deadline`;
    with `rules`, each unit head also hears who in the unit meets a higher title this year."""
    for previous in await session.scalars(
        select(NominationRound).where(NominationRound.open.is_(True))
    ):
        previous.open = False
    round_ = NominationRound(
        title=title.strip()[:300],
        deadline=deadline,
        open=True,
        created_by_id=officer.id,
        created_at=now,
    )
    session.add(round_)
    await session.flush()
    audit.record(
        session,
        at=now,
        action="open-round",
        entity="nomination_round",
        entity_id=round_.id,
        member=officer,
        details={"title": round_.title, "deadline": deadline.isoformat()},
    )
    await queue_round_notices(session, round_, reopened=False, now=now)
    if rules is not None:
        from bot.services.suggestions import queue_suggestions

        await queue_suggestions(
            session, rules, round_id=round_.id, today=today or now.date(), now=now
        )
    await session.commit()
    return round_


async def reopen_round(
    session: AsyncSession, officer: Member, deadline: date, *, now: datetime
) -> NominationRound | None:
    """Gives the latest round a new deadline and opens it again."""
    round_ = await session.scalar(
        select(NominationRound).order_by(NominationRound.id.desc()).limit(1)
    )
    if round_ is None:
        return None
    before = round_.deadline
    round_.deadline = deadline
    round_.open = True
    audit.record(
        session,
        at=now,
        action="reopen-round",
        entity="nomination_round",
        entity_id=round_.id,
        member=officer,
        details={"before": before.isoformat(), "after": deadline.isoformat()},
    )
    await queue_round_notices(session, round_, reopened=True, now=now)
    await session.commit()
    return round_


async def close_round(
    session: AsyncSession, officer: Member, *, now: datetime
) -> NominationRound | None:
    round_ = await current_round(session)
    if round_ is None:
        return None
    round_.open = False
    audit.record(
        session,
        at=now,
        action="close-round",
        entity="nomination_round",
        entity_id=round_.id,
        member=officer,
    )
    await session.commit()
    return round_


async def units_with_filings(session: AsyncSession, round_id: int) -> set[int]:
    return set(
        await session.scalars(
            select(Nomination.unit_id)
            .where(Nomination.round_id == round_id, Nomination.status.in_(FILED_STATUSES))
            .distinct()
        )
    )
