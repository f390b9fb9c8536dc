"""The guided draft without a bot: starting and resuming, each step's answer and its checks,
going back, cancelling, expiring."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.nominations import drafts
from bot.services.nominations.common import (
    MAX_FILE_BYTES,
    MAX_FILES,
    PENDING_NOMINATION,
    TEXT_LIMITS,
    InputProblem,
    Step,
)
from models import AchievementKind, AwardForm, Member, Nomination, NominationStatus, Target
from tests.services.nominations_seed import NOW, award, filled_draft, make_world


async def test_a_draft_starts_at_the_target_and_is_resumed_not_duplicated(
    session: AsyncSession,
) -> None:
    world = await make_world(session)
    first = await drafts.start_draft(session, world.head_a, now=NOW)
    assert not first.resumed
    assert first.draft.step == Step.TARGET
    assert first.draft.status == NominationStatus.DRAFT
    assert world.head_a.pending_input == {"kind": PENDING_NOMINATION, "id": first.draft.id}
    stored = await session.get(Member, world.head_a.id, populate_existing=True)
    assert stored is not None and stored.pending_input == world.head_a.pending_input

    again = await drafts.start_draft(session, world.head_a, now=NOW + timedelta(minutes=5))
    assert again.resumed
    assert again.draft.id == first.draft.id
    count = len(list(await session.scalars(select(Nomination))))
    assert count == 1


async def test_an_individual_has_position_and_workplace_steps_a_thematic_one_a_campaign(
    session: AsyncSession,
) -> None:
    world = await make_world(session)
    draft = (await drafts.start_draft(session, world.head_a, now=NOW)).draft
    assert await drafts.set_target(session, draft, Target.INDIVIDUAL, now=NOW) is None
    assert draft.step == Step.NAME
    for answer, next_step in (
        ("Nguyễn Văn An", Step.POSITION),
        ("Chuyên viên", Step.WORKPLACE),
        ("Văn phòng", Step.AWARD),
    ):
        assert await drafts.set_text(session, draft, answer, now=NOW) is None
        assert draft.step == next_step
    form = await award(session, "LDTT")
    assert await drafts.set_award(session, draft, form.id, now=NOW) is None
    assert await drafts.set_kind(session, draft, AchievementKind.THEMATIC, now=NOW) is None
    assert draft.step == Step.CAMPAIGN
    assert drafts.steps_for(draft) == [
        Step.TARGET,
        Step.NAME,
        Step.POSITION,
        Step.WORKPLACE,
        Step.AWARD,
        Step.KIND,
        Step.CAMPAIGN,
        Step.SUMMARY,
        Step.FILES,
        Step.REVIEW,
    ]
    assert not drafts.is_complete(draft)
    assert await drafts.set_text(session, draft, "Phong trào Dân vận khéo", now=NOW) is None
    assert await drafts.set_text(session, draft, "Thành tích.", now=NOW) is None
    assert draft.step == Step.FILES
    assert drafts.is_complete(draft)


async def test_typed_answers_are_checked(session: AsyncSession) -> None:
    world = await make_world(session)
    draft = (await drafts.start_draft(session, world.head_a, now=NOW)).draft
    # Typing at the target step (a button step) is refused.
    assert await drafts.set_text(session, draft, "Tổ", now=NOW) is InputProblem.WRONG_STEP
    await drafts.set_target(session, draft, Target.COLLECTIVE, now=NOW)
    assert await drafts.set_text(session, draft, "   ", now=NOW) is InputProblem.EMPTY
    too_long = "x" * (TEXT_LIMITS[Step.NAME] + 1)
    assert await drafts.set_text(session, draft, too_long, now=NOW) is InputProblem.TOO_LONG
    assert draft.step == Step.NAME and draft.nominee_name is None
    assert await drafts.set_text(session, draft, "  Tổ Văn thư ", now=NOW) is None
    assert draft.nominee_name == "Tổ Văn thư"
    # A form for individuals does not fit a collective; the target button is used up.
    individual_form = await award(session, "LDTT")
    problem = await drafts.set_award(session, draft, individual_form.id, now=NOW)
    assert problem is InputProblem.UNKNOWN_AWARD
    assert await drafts.set_award(session, draft, 10**6, now=NOW) is InputProblem.UNKNOWN_AWARD
    again = await drafts.set_target(session, draft, Target.INDIVIDUAL, now=NOW)
    assert again is InputProblem.WRONG_STEP
    assert draft.target == Target.COLLECTIVE


async def test_files_are_checked_by_count_size_and_type(session: AsyncSession) -> None:
    world = await make_world(session)
    draft = await filled_draft(session, world.head_a)
    await drafts.go_back(session, draft, now=NOW)
    assert draft.step == Step.FILES

    async def add(kind: str, name: str | None, size: int | None) -> InputProblem | None:
        return await drafts.add_file(
            session, draft, kind=kind, file_id=f"f{len(draft.files)}", file_name=name,
            size=size, now=NOW,
        )  # fmt: skip

    assert await add("document", "virus.exe", 10) is InputProblem.FILE_TYPE
    assert await add("document", "to.pdf", MAX_FILE_BYTES + 1) is InputProblem.FILE_TOO_LARGE
    assert await add("photo", None, 1000) is None
    for _ in range(MAX_FILES - 1):
        assert await add("document", "Báo cáo.DOCX", 1000) is None
    assert await add("document", "one-more.pdf", 10) is InputProblem.TOO_MANY_FILES
    assert len(draft.files) == MAX_FILES
    assert await drafts.finish_files(session, draft, now=NOW)
    assert draft.step == Step.REVIEW
    assert not await drafts.finish_files(session, draft, now=NOW)


async def test_back_keeps_every_answer_and_stops_at_the_first_step(session: AsyncSession) -> None:
    world = await make_world(session)
    draft = await filled_draft(session, world.head_a)
    steps = drafts.steps_for(draft)
    for expected in reversed(steps[:-1]):
        assert await drafts.go_back(session, draft, now=NOW)
        assert draft.step == expected
    assert not await drafts.go_back(session, draft, now=NOW)
    assert draft.nominee_name == "Tổ Văn thư" and draft.summary == "Hoàn thành xuất sắc."


async def test_a_prefilled_draft_starts_at_the_kind_of_achievement(session: AsyncSession) -> None:
    world = await make_world(session)
    form = await award(session, "LDTT")
    started = await drafts.start_prefilled(
        session,
        world.head_a,
        target=Target.INDIVIDUAL.value,
        name="Trần Thị Bình",
        position="Kế toán",
        workplace="UBND",
        award_form_id=form.id,
        now=NOW,
    )
    assert not started.resumed
    assert started.draft.step == Step.KIND
    assert (started.draft.nominee_name, started.draft.award_form_id) == ("Trần Thị Bình", form.id)
    # An unfinished draft is resumed, not overwritten.
    other = await session.scalar(select(AwardForm).where(AwardForm.code == "CSTDCS"))
    assert other is not None
    again = await drafts.start_prefilled(
        session, world.head_a, target="individual", name="Lê C", position=None,
        workplace=None, award_form_id=other.id, now=NOW,
    )  # fmt: skip
    assert again.resumed and again.draft.award_form_id == form.id


async def test_cancel_closes_the_draft_and_forgets_the_question(session: AsyncSession) -> None:
    world = await make_world(session)
    draft = (await drafts.start_draft(session, world.head_a, now=NOW)).draft
    await drafts.cancel_draft(session, world.head_a, draft, now=NOW)
    assert draft.status == NominationStatus.ABANDONED and draft.step is None
    assert world.head_a.pending_input is None
    assert await drafts.active_draft(session, world.head_a) is None
    fresh = await drafts.start_draft(session, world.head_a, now=NOW)
    assert not fresh.resumed and fresh.draft.id != draft.id


async def test_stale_drafts_expire_and_their_authors_are_listed(session: AsyncSession) -> None:
    world = await make_world(session)
    old = (await drafts.start_draft(session, world.head_a, now=NOW)).draft
    recent = (await drafts.start_draft(session, world.head_b, now=NOW + timedelta(hours=1))).draft
    expired = await drafts.expire_stale_drafts(session, now=NOW + timedelta(minutes=90))
    assert [(e.member.id, e.draft_id) for e in expired] == [(world.head_a.id, old.id)]
    await session.refresh(old)
    await session.refresh(recent)
    assert old.status == NominationStatus.ABANDONED
    assert recent.status == NominationStatus.DRAFT
