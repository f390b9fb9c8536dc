"""The officer's review without a bot: the queue, approve / reject / return, reasons, and a
nomination decided only once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.nominations import review
from bot.services.nominations.review import REASON_LIMIT, DecideOutcome, Decision
from models import AuditLog, NominationStatus, OutboxMessage
from tests.services.nominations_seed import NOW, filed, make_world


async def test_the_queue_is_oldest_first_and_skipping_wraps_around(session: AsyncSession) -> None:
    world = await make_world(session)
    assert await review.next_for_review(session) == (None, 0)
    first = await filed(session, world.head_a, name="Tổ Một")
    second = await filed(session, world.head_b, name="Tổ Hai")
    shown, waiting = await review.next_for_review(session)
    assert (shown and shown.id, waiting) == (first.id, 2)
    shown, _ = await review.next_for_review(session, after_id=first.id)
    assert shown is not None and shown.id == second.id
    shown, _ = await review.next_for_review(session, after_id=second.id)
    assert shown is not None and shown.id == first.id


async def test_approval_needs_no_reason_and_tells_the_unit(session: AsyncSession) -> None:
    world = await make_world(session)
    nomination = await filed(session, world.head_a)
    result = await review.decide(
        session, world.officer, nomination.id, Decision.APPROVE, None, now=NOW
    )
    assert result.outcome is DecideOutcome.DONE
    assert result.nomination is not None
    assert result.nomination.status == NominationStatus.APPROVED
    assert result.nomination.decided_by_id == world.officer.id
    assert result.submitter is not None and result.submitter.id == world.head_a.id
    notices = list(await session.scalars(select(OutboxMessage)))
    assert [n.chat_id for n in notices] == [world.head_a.telegram_id]
    assert (await review.next_for_review(session))[1] == 0


async def test_reject_and_return_need_a_reason_of_bounded_length(session: AsyncSession) -> None:
    world = await make_world(session)
    nomination = await filed(session, world.head_a)
    for decision in (Decision.REJECT, Decision.RETURN):
        missing = await review.decide(
            session, world.officer, nomination.id, decision, "  ", now=NOW
        )
        assert missing.outcome is DecideOutcome.REASON_REQUIRED
    too_long = "x" * (REASON_LIMIT + 1)
    result = await review.decide(
        session, world.officer, nomination.id, Decision.RETURN, too_long, now=NOW
    )
    assert result.outcome is DecideOutcome.TOO_LONG
    result = await review.decide(
        session, world.officer, nomination.id, Decision.RETURN, " Thiếu hồ sơ. ", now=NOW
    )
    assert result.outcome is DecideOutcome.DONE and result.nomination is not None
    assert result.nomination.status == NominationStatus.RETURNED
    assert result.nomination.decision_reason == "Thiếu hồ sơ."


async def test_a_nomination_is_decided_once(session: AsyncSession) -> None:
    world = await make_world(session)
    nomination = await filed(session, world.head_a)
    first = await review.decide(
        session, world.officer, nomination.id, Decision.REJECT, "Chưa đủ.", now=NOW
    )
    second = await review.decide(
        session, world.officer, nomination.id, Decision.APPROVE, None, now=NOW
    )
    assert first.outcome is DecideOutcome.DONE
    assert second.outcome is DecideOutcome.ALREADY_DECIDED
    assert second.nomination is not None
    assert second.nomination.status == NominationStatus.REJECTED
    missing = await review.decide(session, world.officer, 10**6, Decision.APPROVE, None, now=NOW)
    assert missing.outcome is DecideOutcome.NOT_FOUND
    decisions = list(
        await session.scalars(select(AuditLog).where(AuditLog.action == "decide-nomination"))
    )
    assert len(decisions) == 1
