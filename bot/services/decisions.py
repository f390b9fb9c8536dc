"""Decisions on approved nominations: the officer records the decision (number, date) and each
nomination becomes an award record in the history, for later eligibility checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.services import audit
from bot.services.eligibility import achievement_year
from bot.services.history_import import person_key
from models import AchievementKind, AwardRecord, Member, Nomination, NominationStatus


@dataclass
class DecisionResult:
    recorded: list[Nomination] = field(default_factory=list)
    already: list[int] = field(default_factory=list)
    not_approved: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)


async def awaiting_decision(session: AsyncSession) -> list[Nomination]:
    """Approved nominations whose decision is not recorded yet, by number."""
    decided = select(AwardRecord.nomination_id).where(AwardRecord.nomination_id.is_not(None))
    return list(
        await session.scalars(
            select(Nomination)
            .options(selectinload(Nomination.award_form))
            .where(
                Nomination.status == NominationStatus.APPROVED,
                Nomination.id.not_in(decided),
            )
            .order_by(Nomination.number)
        )
    )


async def record_decision(
    session: AsyncSession,
    officer: Member | None,
    numbers: list[int] | None,
    *,
    decision_no: str,
    decision_date: date,
    authority: str,
    now: datetime,
    tz: ZoneInfo,
) -> DecisionResult:
    """Records the decision for the approved nominations `numbers` (None: every one awaiting a
    decision); one transaction. A nomination already recorded is left as it is."""
    result = DecisionResult()
    if numbers is None:
        chosen = await awaiting_decision(session)
    else:
        found = {
            n.number: n
            for n in await session.scalars(
                select(Nomination)
                .options(selectinload(Nomination.award_form))
                .where(Nomination.number.in_(numbers))
            )
        }
        chosen = []
        for number in dict.fromkeys(numbers):
            nomination = found.get(number)
            if nomination is None:
                result.unknown.append(number)
            elif nomination.status != NominationStatus.APPROVED:
                result.not_approved.append(number)
            else:
                chosen.append(nomination)
    recorded = set(
        await session.scalars(
            select(AwardRecord.nomination_id).where(
                AwardRecord.nomination_id.in_([n.id for n in chosen])
            )
        )
    )
    for nomination in chosen:
        if nomination.id in recorded or nomination.award_form_id is None:
            result.already.append(nomination.number or nomination.id)
            continue
        individual = nomination.target == "individual"
        filed = (nomination.submitted_at or nomination.created_at).astimezone(tz).date()
        year = achievement_year(filed)
        key = person_key(nomination.nominee_name) if individual else ""
        clash = await session.scalar(
            select(AwardRecord.id).where(
                AwardRecord.unit_id == nomination.unit_id,
                AwardRecord.person_key == key,
                AwardRecord.award_form_id == nomination.award_form_id,
                AwardRecord.year_to == year,
                AwardRecord.decision_no == decision_no,
            )
        )
        if clash is not None:
            result.already.append(nomination.number or nomination.id)
            continue
        session.add(
            AwardRecord(
                target=nomination.target or "individual",
                person_name=nomination.nominee_name if individual else None,
                person_key=key,
                unit_id=nomination.unit_id,
                position=nomination.position_title if individual else None,
                award_form_id=nomination.award_form_id,
                year_from=year,
                year_to=year,
                decision_no=decision_no,
                decision_date=decision_date,
                authority=authority or None,
                # Thematic and one-off achievements never count toward a higher award.
                thematic=nomination.achievement_kind
                in (AchievementKind.THEMATIC, AchievementKind.ADHOC),
                nomination_id=nomination.id,
                created_at=now,
            )
        )
        result.recorded.append(nomination)
    if result.recorded:
        audit.record(
            session,
            at=now,
            action="record-decision",
            entity="nomination",
            entity_id=None,
            member=officer,
            details={
                "decision_no": decision_no,
                "decision_date": decision_date.isoformat(),
                "nominations": [n.number for n in result.recorded],
            },
        )
    await session.commit()
    return result
