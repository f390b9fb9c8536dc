"""Filing without a bot: numbers, rounds open and closed, resubmitting an edit, withdrawing."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.nominations import drafts, filing, review, rounds
from bot.services.nominations.common import Step
from bot.services.nominations.filing import ChangeOutcome, SubmitOutcome
from models import NominationStatus
from tests.conftest import TZ
from tests.services.nominations_seed import NOW, filed, filled_draft, make_world


async def test_filed_nominations_get_consecutive_numbers_outside_any_round(
    session: AsyncSession,
) -> None:
    world = await make_world(session)
    first = await filed(session, world.head_a, name="Tổ Một")
    second = await filed(session, world.head_b, name="Tổ Hai")
    assert (first.number, second.number) == (1, 2)
    assert first.status == NominationStatus.SUBMITTED
    assert first.round_id is None
    assert world.head_a.pending_input is None


async def test_an_unfinished_draft_is_not_filed(session: AsyncSession) -> None:
    world = await make_world(session)
    draft = (await drafts.start_draft(session, world.head_a, now=NOW)).draft
    result = await filing.submit(session, world.head_a, draft, now=NOW, tz=TZ)
    assert result.outcome is SubmitOutcome.WRONG_STEP
    # At the review screen but with an answer missing (forced): still refused.
    complete = await filled_draft(session, world.head_b)
    complete.summary = None
    result = await filing.submit(session, world.head_b, complete, now=NOW, tz=TZ)
    assert result.outcome is SubmitOutcome.INCOMPLETE
    assert complete.status == NominationStatus.DRAFT and complete.number is None


async def test_an_open_round_takes_filings_until_its_deadline(session: AsyncSession) -> None:
    world = await make_world(session)
    round_ = await rounds.open_round(
        session, world.officer, "Tổng kết 2020", date(2020, 5, 20), now=NOW
    )
    accepted = await filed(session, world.head_a)
    assert accepted.round_id == round_.id

    late = await filled_draft(session, world.head_b)
    after_deadline = NOW + timedelta(days=6)
    result = await filing.submit(session, world.head_b, late, now=after_deadline, tz=TZ)
    assert result.outcome is SubmitOutcome.ROUND_CLOSED
    assert result.round is not None and result.round.id == round_.id
    assert late.status == NominationStatus.DRAFT and late.number is None


async def test_an_edit_replaces_the_original_and_keeps_its_number(session: AsyncSession) -> None:
    world = await make_world(session)
    original = await filed(session, world.head_a)
    opened = await filing.begin_edit(session, world.head_a, original.id, now=NOW)
    assert opened.outcome is ChangeOutcome.DONE and opened.draft is not None
    edit = opened.draft
    assert edit.step == Step.REVIEW and edit.replaces_id == original.id
    # A second edit (or a new draft) waits until this one is done.
    blocked = await filing.begin_edit(session, world.head_a, original.id, now=NOW)
    assert blocked.outcome is ChangeOutcome.DRAFT_OPEN
    await drafts.go_back(session, edit, now=NOW)  # files
    await drafts.go_back(session, edit, now=NOW)  # summary
    assert await drafts.set_text(session, edit, "Thành tích mới.", now=NOW) is None
    assert await drafts.finish_files(session, edit, now=NOW)
    result = await filing.submit(session, world.head_a, edit, now=NOW, tz=TZ)
    assert result.outcome is SubmitOutcome.RESUBMITTED
    assert result.nomination is not None
    assert (result.nomination.id, result.nomination.number) == (original.id, original.number)
    assert result.nomination.summary == "Thành tích mới."
    assert edit.status == NominationStatus.ABANDONED


async def test_an_edit_of_a_nomination_decided_meanwhile_is_dropped(session: AsyncSession) -> None:
    world = await make_world(session)
    original = await filed(session, world.head_a)
    edit = (await filing.begin_edit(session, world.head_a, original.id, now=NOW)).draft
    assert edit is not None
    decided = await review.decide(
        session, world.officer, original.id, review.Decision.APPROVE, None, now=NOW
    )
    assert decided.outcome is review.DecideOutcome.DONE
    result = await filing.submit(session, world.head_a, edit, now=NOW, tz=TZ)
    assert result.outcome is SubmitOutcome.ORIGINAL_CLOSED
    assert result.nomination is not None
    assert result.nomination.status == NominationStatus.APPROVED
    assert edit.status == NominationStatus.ABANDONED
    assert world.head_a.pending_input is None


async def test_only_the_units_own_unreviewed_nomination_can_be_withdrawn(
    session: AsyncSession,
) -> None:
    world = await make_world(session)
    mine = await filed(session, world.head_a, name="Tổ Một")
    decided = await filed(session, world.head_a, name="Tổ Hai")
    await review.decide(session, world.officer, decided.id, review.Decision.APPROVE, None, now=NOW)

    other_unit = await filing.withdraw(session, world.head_b, mine.id, now=NOW)
    assert other_unit.outcome is ChangeOutcome.NOT_ALLOWED
    assert (await filing.begin_edit(session, world.head_b, mine.id, now=NOW)).outcome is (
        ChangeOutcome.NOT_ALLOWED
    )
    too_late = await filing.withdraw(session, world.head_a, decided.id, now=NOW)
    assert too_late.outcome is ChangeOutcome.WRONG_STATUS
    done = await filing.withdraw(session, world.head_a, mine.id, now=NOW)
    assert done.outcome is ChangeOutcome.DONE
    assert mine.status == NominationStatus.WITHDRAWN
    again = await filing.withdraw(session, world.head_a, mine.id, now=NOW)
    assert again.outcome is ChangeOutcome.WRONG_STATUS
    listed = await filing.unit_nominations(session, world.head_a.unit_id or 0)
    assert [n.id for n in listed] == [decided.id, mine.id]
