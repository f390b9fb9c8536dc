"""The officer's review: the queue of submitted nominations and the decision on one."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.nominations.common import get_nomination, load
from bot.services.notices import queue_decision_notice
from models import Member, Nomination, NominationStatus


class Decision(enum.StrEnum):
    APPROVE = "approved"
    REJECT = "rejected"
    RETURN = "returned"


class DecideOutcome(enum.StrEnum):
    DONE = "done"
    NOT_FOUND = "not-found"
    ALREADY_DECIDED = "already-decided"
    REASON_REQUIRED = "reason-required"
    TOO_LONG = "too-long"


@dataclass
class DecideResult:
    outcome: DecideOutcome
    nomination: Nomination | None = None
    submitter: Member | None = None


async def next_for_review(
    session: AsyncSession, after_id: int | None = None
) -> tuple[Nomination | None, int]:
    """The oldest submitted nomination (after `after_id` when skipping) and how many wait."""
    waiting = select(Nomination).where(Nomination.status == NominationStatus.SUBMITTED)
    count = await session.scalar(select(func.count()).select_from(waiting.subquery())) or 0
    query = load().where(Nomination.status == NominationStatus.SUBMITTED)
    if after_id is not None:
        query = query.where(Nomination.id > after_id)
    nomination = await session.scalar(query.order_by(Nomination.id).limit(1))
    if nomination is None and after_id is not None:
        nomination = await session.scalar(
            load()
            .where(Nomination.status == NominationStatus.SUBMITTED)
            .order_by(Nomination.id)
            .limit(1)
        )
    return nomination, int(count)


# The longest reason an officer may give.
REASON_LIMIT = 1000


async def decide(
    session: AsyncSession,
    officer: Member,
    nomination_id: int,
    decision: Decision,
    reason: str | None,
    *,
    now: datetime,
) -> DecideResult:
    """Records the officer's decision and queues the unit's notice, in one transaction.

    Two presses, two officers or two processes may decide at once: the status changes with a
    conditional UPDATE, so exactly one of them decides and only that one queues a notice.
    """
    nomination = await get_nomination(session, nomination_id)
    if nomination is None:
        return DecideResult(DecideOutcome.NOT_FOUND)
    reason = (reason or "").strip() or None
    refusal = _refusal(nomination, decision, reason)
    if refusal is not None:
        return DecideResult(refusal, nomination)
    claimed = await _claim(session, officer, nomination_id, decision, reason, now=now)
    nomination = await get_nomination(session, nomination_id)
    assert nomination is not None
    if not claimed:
        return DecideResult(DecideOutcome.ALREADY_DECIDED, nomination)
    audit.record(
        session,
        at=now,
        action="decide-nomination",
        entity="nomination",
        entity_id=nomination.id,
        member=officer,
        details={
            "before": NominationStatus.SUBMITTED.value,
            "after": decision.value,
            "reason": reason,
        },
    )
    submitter = (
        await session.get(Member, nomination.submitted_by_id)
        if nomination.submitted_by_id
        else None
    )
    if submitter is not None:
        await queue_decision_notice(session, nomination, submitter, now=now)
    await session.commit()
    return DecideResult(DecideOutcome.DONE, nomination, submitter)


def _refusal(
    nomination: Nomination, decision: Decision, reason: str | None
) -> DecideOutcome | None:
    """Why this decision cannot be taken on this nomination, or None."""
    if nomination.status != NominationStatus.SUBMITTED:
        return DecideOutcome.ALREADY_DECIDED
    if decision is not Decision.APPROVE and reason is None:
        return DecideOutcome.REASON_REQUIRED
    if reason is not None and len(reason) > REASON_LIMIT:
        return DecideOutcome.TOO_LONG
    return None


async def _claim(
    session: AsyncSession,
    officer: Member,
    nomination_id: int,
    decision: Decision,
    reason: str | None,
    *,
    now: datetime,
) -> bool:
    """Writes the decision if the nomination is still submitted; False when another was first."""
    claimed = cast(
        CursorResult[Any],
        await session.execute(
            update(Nomination)
            .where(
                Nomination.id == nomination_id,
                Nomination.status == NominationStatus.SUBMITTED,
            )
            .values(
                status=decision.value,
                decision_reason=reason,
                decided_by_id=officer.id,
                decided_at=now,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        ),
    )
    return claimed.rowcount == 1
