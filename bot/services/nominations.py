"""Nominations (đề nghị khen thưởng): the guided draft, submission into rounds, withdrawal,
editing, review decisions. The draft and the step it is at live in the database, so a
half-finished nomination survives restarts and works with several bot processes."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import PurePath
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.services import audit
from bot.services.notices import queue_decision_notice, queue_round_notices

if TYPE_CHECKING:
    from bot.services.eligibility import RuleSet
from models import (
    AchievementKind,
    AwardForm,
    Member,
    Nomination,
    NominationFile,
    NominationRound,
    NominationStatus,
    Target,
)

MAX_FILES = 10
MAX_FILE_BYTES = 20 * 1024 * 1024
ALLOWED_EXTENSIONS = {
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".odt",
    ".ods",
    ".rtf",
    ".txt",
    ".jpg",
    ".jpeg",
    ".png",
    ".zip",
    ".rar",
    ".7z",
}
DRAFT_TIMEOUT = timedelta(minutes=60)
PENDING_NOMINATION = "nomination"


class Step(enum.StrEnum):
    TARGET = "target"
    NAME = "name"
    POSITION = "position"
    WORKPLACE = "workplace"
    AWARD = "award"
    KIND = "kind"
    CAMPAIGN = "campaign"
    SUMMARY = "summary"
    FILES = "files"
    REVIEW = "review"


TEXT_LIMITS = {
    Step.NAME: 200,
    Step.POSITION: 200,
    Step.WORKPLACE: 300,
    Step.CAMPAIGN: 300,
    Step.SUMMARY: 3000,
}
TEXT_FIELDS = {
    Step.NAME: "nominee_name",
    Step.POSITION: "position_title",
    Step.WORKPLACE: "workplace",
    Step.CAMPAIGN: "campaign",
    Step.SUMMARY: "summary",
}
OPEN_STATUSES = (NominationStatus.SUBMITTED.value, NominationStatus.RETURNED.value)
FILED_STATUSES = (
    NominationStatus.SUBMITTED.value,
    NominationStatus.APPROVED.value,
    NominationStatus.REJECTED.value,
    NominationStatus.RETURNED.value,
)


class InputProblem(enum.StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too-long"
    TOO_MANY_FILES = "too-many-files"
    FILE_TOO_LARGE = "file-too-large"
    FILE_TYPE = "file-type"
    WRONG_STEP = "wrong-step"
    UNKNOWN_AWARD = "unknown-award"


def steps_for(draft: Nomination) -> list[Step]:
    """The steps of this draft in order; they depend on its answers so far."""
    steps = [Step.TARGET, Step.NAME]
    if draft.target == Target.INDIVIDUAL.value:
        steps += [Step.POSITION, Step.WORKPLACE]
    steps += [Step.AWARD, Step.KIND]
    if draft.achievement_kind == AchievementKind.THEMATIC.value:
        steps.append(Step.CAMPAIGN)
    return [*steps, Step.SUMMARY, Step.FILES, Step.REVIEW]


def _advance(draft: Nomination, now: datetime) -> None:
    steps = steps_for(draft)
    current = Step(draft.step or Step.TARGET)
    draft.step = steps[min(steps.index(current) + 1, len(steps) - 1)].value
    draft.updated_at = now


def _load() -> Select[tuple[Nomination]]:
    return select(Nomination).options(
        selectinload(Nomination.files),
        selectinload(Nomination.award_form),
        selectinload(Nomination.replaces),
    )


async def get_nomination(session: AsyncSession, nomination_id: int) -> Nomination | None:
    return await session.scalar(
        _load().where(Nomination.id == nomination_id).execution_options(populate_existing=True)
    )


async def active_draft(session: AsyncSession, member: Member) -> Nomination | None:
    """The draft this member is filling in, if any (at most one at a time)."""
    pending = member.pending_input or {}
    if pending.get("kind") != PENDING_NOMINATION:
        return None
    draft = await get_nomination(session, int(pending["id"]))
    if draft is None or draft.status != NominationStatus.DRAFT.value:
        return None
    return draft


async def _set_pending(session: AsyncSession, member: Member, value: dict | None) -> None:
    stored = await session.get(Member, member.id)
    assert stored is not None
    stored.pending_input = value
    member.pending_input = value


async def remember_prompt(session: AsyncSession, member: Member, message_id: int) -> None:
    """Notes the message that carries the draft's buttons now, so that the next question can
    take them off it."""
    stored = await session.get(Member, member.id)
    assert stored is not None
    pending = stored.pending_input or {}
    if pending.get("kind") != PENDING_NOMINATION:
        return
    stored.pending_input = {**pending, "prompt": message_id}
    member.pending_input = stored.pending_input
    await session.commit()


@dataclass
class DraftStart:
    draft: Nomination
    resumed: bool


async def start_draft(session: AsyncSession, member: Member, *, now: datetime) -> DraftStart:
    """Resumes the member's unfinished draft, or starts a new one at the first step."""
    existing = await active_draft(session, member)
    if existing is not None:
        return DraftStart(existing, True)
    assert member.unit_id is not None
    draft = Nomination(
        unit_id=member.unit_id,
        submitted_by_id=member.id,
        status=NominationStatus.DRAFT.value,
        step=Step.TARGET.value,
        created_at=now,
        updated_at=now,
    )
    session.add(draft)
    await session.flush()
    await _set_pending(session, member, {"kind": PENDING_NOMINATION, "id": draft.id})
    audit.record(
        session,
        at=now,
        action="start-nomination",
        entity="nomination",
        entity_id=draft.id,
        member=member,
    )
    await session.commit()
    loaded = await get_nomination(session, draft.id)
    assert loaded is not None
    return DraftStart(loaded, False)


async def start_prefilled(
    session: AsyncSession,
    member: Member,
    *,
    target: str,
    name: str | None,
    position: str | None,
    workplace: str | None,
    award_form_id: int,
    now: datetime,
) -> DraftStart:
    """A new draft filled in from a suggestion, at the kind-of-achievement step; an unfinished
    draft is resumed instead (nothing is overwritten)."""
    started = await start_draft(session, member, now=now)
    if started.resumed:
        return started
    draft = started.draft
    draft.target = target
    draft.nominee_name = (name or "")[: TEXT_LIMITS[Step.NAME]] or None
    if target == Target.INDIVIDUAL.value:
        draft.position_title = position
        draft.workplace = workplace
    draft.award_form_id = award_form_id
    draft.step = Step.KIND.value if draft.nominee_name else Step.NAME.value
    draft.updated_at = now
    await session.commit()
    loaded = await get_nomination(session, draft.id)
    assert loaded is not None
    return DraftStart(loaded, False)


async def set_target(
    session: AsyncSession, draft: Nomination, target: Target, *, now: datetime
) -> InputProblem | None:
    if draft.step != Step.TARGET.value:
        return InputProblem.WRONG_STEP
    if draft.target != target.value:
        draft.target = target.value
        # An award chosen for the other kind of nominee no longer fits.
        if draft.award_form is not None and draft.award_form.target != target.value:
            draft.award_form_id = None
    _advance(draft, now)
    await session.commit()
    return None


async def set_text(
    session: AsyncSession, draft: Nomination, text: str | None, *, now: datetime
) -> InputProblem | None:
    step = Step(draft.step or Step.TARGET)
    if step not in TEXT_FIELDS:
        return InputProblem.WRONG_STEP
    value = (text or "").strip()
    if not value:
        return InputProblem.EMPTY
    if len(value) > TEXT_LIMITS[step]:
        return InputProblem.TOO_LONG
    setattr(draft, TEXT_FIELDS[step], value)
    _advance(draft, now)
    await session.commit()
    return None


async def award_choices(session: AsyncSession, target: str | None) -> list[AwardForm]:
    return list(
        await session.scalars(
            select(AwardForm)
            .where(AwardForm.active.is_(True), AwardForm.target == target)
            .order_by(AwardForm.position, AwardForm.id)
        )
    )


async def set_award(
    session: AsyncSession, draft: Nomination, award_id: int, *, now: datetime
) -> InputProblem | None:
    if draft.step != Step.AWARD.value:
        return InputProblem.WRONG_STEP
    award = await session.get(AwardForm, award_id)
    if award is None or not award.active or award.target != draft.target:
        return InputProblem.UNKNOWN_AWARD
    draft.award_form = award
    _advance(draft, now)
    await session.commit()
    return None


async def set_kind(
    session: AsyncSession, draft: Nomination, kind: AchievementKind, *, now: datetime
) -> InputProblem | None:
    if draft.step != Step.KIND.value:
        return InputProblem.WRONG_STEP
    draft.achievement_kind = kind.value
    if kind is not AchievementKind.THEMATIC:
        draft.campaign = None
    _advance(draft, now)
    await session.commit()
    return None


async def add_file(
    session: AsyncSession,
    draft: Nomination,
    *,
    kind: str,
    file_id: str,
    file_name: str | None,
    size: int | None,
    now: datetime,
) -> InputProblem | None:
    if draft.step != Step.FILES.value:
        return InputProblem.WRONG_STEP
    if len(draft.files) >= MAX_FILES:
        return InputProblem.TOO_MANY_FILES
    if (size or 0) > MAX_FILE_BYTES:
        return InputProblem.FILE_TOO_LARGE
    if kind == "document" and PurePath(file_name or "").suffix.lower() not in ALLOWED_EXTENSIONS:
        return InputProblem.FILE_TYPE
    draft.files.append(
        NominationFile(kind=kind, file_id=file_id, file_name=file_name, size=size, created_at=now)
    )
    draft.updated_at = now
    await session.commit()
    return None


async def finish_files(session: AsyncSession, draft: Nomination, *, now: datetime) -> bool:
    if draft.step != Step.FILES.value:
        return False
    _advance(draft, now)
    await session.commit()
    return True


async def go_back(session: AsyncSession, draft: Nomination, *, now: datetime) -> bool:
    """One step back, keeping every answer; False at the first step."""
    steps = steps_for(draft)
    current = Step(draft.step or Step.TARGET)
    index = steps.index(current) if current in steps else 0
    if index == 0:
        return False
    draft.step = steps[index - 1].value
    draft.updated_at = now
    await session.commit()
    return True


async def cancel_draft(
    session: AsyncSession,
    member: Member,
    draft: Nomination,
    *,
    now: datetime,
    action: str = "cancel-nomination",
) -> None:
    """Drops the draft: nothing half-filled is ever submitted; an edit leaves the original."""
    await _abandon(session, member, draft, now=now)
    audit.record(
        session,
        at=now,
        action=action,
        entity="nomination",
        entity_id=draft.id,
        member=member,
        details={"replaces": draft.replaces_id},
    )
    await session.commit()


async def _abandon(
    session: AsyncSession, member: Member, draft: Nomination, *, now: datetime
) -> None:
    """The draft is closed and the member no longer asked about it (not yet committed)."""
    draft.status = NominationStatus.ABANDONED.value
    draft.step = None
    draft.updated_at = now
    await _set_pending(session, member, None)


def is_complete(draft: Nomination) -> bool:
    required = [
        draft.target,
        draft.nominee_name,
        draft.award_form_id,
        draft.achievement_kind,
        draft.summary,
    ]
    if draft.target == Target.INDIVIDUAL.value:
        required += [draft.position_title, draft.workplace]
    if draft.achievement_kind == AchievementKind.THEMATIC.value:
        required.append(draft.campaign)
    return all(required)


class SubmitOutcome(enum.StrEnum):
    SUBMITTED = "submitted"
    RESUBMITTED = "resubmitted"
    ROUND_CLOSED = "round-closed"
    INCOMPLETE = "incomplete"
    WRONG_STEP = "wrong-step"
    # The nomination being edited was decided or withdrawn meanwhile; the edit is dropped.
    ORIGINAL_CLOSED = "original-closed"


@dataclass
class SubmitResult:
    outcome: SubmitOutcome
    nomination: Nomination | None = None
    round: NominationRound | None = None


async def current_round(session: AsyncSession) -> NominationRound | None:
    return await session.scalar(
        select(NominationRound)
        .where(NominationRound.open.is_(True))
        .order_by(NominationRound.id.desc())
        .limit(1)
    )


def round_accepts(round_: NominationRound | None, today: date) -> bool:
    return round_ is None or today <= round_.deadline


async def submit(
    session: AsyncSession, member: Member, draft: Nomination, *, now: datetime, tz: ZoneInfo
) -> SubmitResult:
    """Files the draft (into the open round, if any); refused after the round's deadline."""
    if draft.step != Step.REVIEW.value:
        return SubmitResult(SubmitOutcome.WRONG_STEP)
    if not is_complete(draft):
        return SubmitResult(SubmitOutcome.INCOMPLETE)
    round_ = await current_round(session)
    original = await get_nomination(session, draft.replaces_id) if draft.replaces_id else None
    if draft.replaces_id is not None and (
        original is None or original.status not in OPEN_STATUSES
    ):
        return await _drop_edit(session, member, draft, original, now=now)
    target_round = original.round_id if original is not None else (round_.id if round_ else None)
    if (
        target_round is not None
        and round_ is not None
        and target_round == round_.id
        and (not round_accepts(round_, now.astimezone(tz).date()))
    ):
        return SubmitResult(SubmitOutcome.ROUND_CLOSED, round=round_)
    if original is not None:
        before = _snapshot(original)
        # The officer may decide, or the unit withdraw, the original at this very moment:
        # only a row still open takes the edit, so an edit never files a second nomination.
        claimed = await session.execute(
            update(Nomination)
            .where(Nomination.id == original.id, Nomination.status.in_(OPEN_STATUSES))
            .values(status=NominationStatus.SUBMITTED.value, submitted_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            current = await get_nomination(session, original.id)
            return await _drop_edit(session, member, draft, current, now=now)
        for name in (
            "target",
            "nominee_name",
            "position_title",
            "workplace",
            "award_form_id",
            "achievement_kind",
            "campaign",
            "summary",
        ):
            setattr(original, name, getattr(draft, name))
        for stored in list(original.files):
            original.files.remove(stored)
        for attached in draft.files:
            original.files.append(
                NominationFile(
                    kind=attached.kind,
                    file_id=attached.file_id,
                    file_name=attached.file_name,
                    size=attached.size,
                    created_at=attached.created_at,
                )
            )
        original.status = NominationStatus.SUBMITTED.value
        original.submitted_at = now
        original.updated_at = now
        original.decision_reason = None
        await _abandon(session, member, draft, now=now)
        if original.number is None:
            await _give_number(session, original.id)
        audit.record(
            session,
            at=now,
            action="resubmit-nomination",
            entity="nomination",
            entity_id=original.id,
            member=member,
            details={"before": before, "after": _snapshot(original)},
        )
        await session.commit()
        return SubmitResult(
            SubmitOutcome.RESUBMITTED, await get_nomination(session, original.id), round_
        )
    draft.status = NominationStatus.SUBMITTED.value
    draft.step = None
    draft.round_id = round_.id if round_ else None
    draft.submitted_at = now
    draft.updated_at = now
    await _set_pending(session, member, None)
    await _give_number(session, draft.id)
    audit.record(
        session,
        at=now,
        action="submit-nomination",
        entity="nomination",
        entity_id=draft.id,
        member=member,
        details={"after": _snapshot(draft)},
    )
    await session.commit()
    return SubmitResult(SubmitOutcome.SUBMITTED, await get_nomination(session, draft.id), round_)


async def _give_number(session: AsyncSession, nomination_id: int) -> None:
    """The next number after the highest given, once a nomination is filed.

    Two processes filing at once may pick the same number: the unique constraint refuses the
    second, which tries again in a savepoint and reads the number the first one committed.
    """
    next_number = select(func.coalesce(func.max(Nomination.number), 0) + 1).scalar_subquery()
    for _attempt in range(20):
        try:
            async with session.begin_nested():
                await session.execute(
                    update(Nomination)
                    .where(Nomination.id == nomination_id, Nomination.number.is_(None))
                    .values(number=next_number)
                    .execution_options(synchronize_session=False)
                )
            return
        except IntegrityError:
            continue
    raise RuntimeError(f"no free number for nomination {nomination_id}")


async def _drop_edit(
    session: AsyncSession,
    member: Member,
    draft: Nomination,
    original: Nomination | None,
    *,
    now: datetime,
) -> SubmitResult:
    """Closes an edit whose original is no longer open; nothing is filed."""
    await _abandon(session, member, draft, now=now)
    audit.record(
        session,
        at=now,
        action="refuse-nomination-edit",
        entity="nomination",
        entity_id=draft.replaces_id,
        member=member,
        details={"draft": draft.id, "original_status": original.status if original else None},
    )
    await session.commit()
    return SubmitResult(SubmitOutcome.ORIGINAL_CLOSED, original)


def _snapshot(nomination: Nomination) -> dict[str, object]:
    return {
        "status": nomination.status,
        "target": nomination.target,
        "nominee_name": nomination.nominee_name,
        "position_title": nomination.position_title,
        "workplace": nomination.workplace,
        "award_form_id": nomination.award_form_id,
        "achievement_kind": nomination.achievement_kind,
        "campaign": nomination.campaign,
        "summary": nomination.summary,
        "files": len(nomination.files),
    }


async def unit_nominations(
    session: AsyncSession, unit_id: int, limit: int = 20
) -> list[Nomination]:
    return list(
        await session.scalars(
            _load()
            .where(
                Nomination.unit_id == unit_id,
                Nomination.status.in_((*FILED_STATUSES, NominationStatus.WITHDRAWN.value)),
            )
            .order_by(Nomination.id.desc())
            .limit(limit)
        )
    )


class ChangeOutcome(enum.StrEnum):
    DONE = "done"
    NOT_ALLOWED = "not-allowed"
    WRONG_STATUS = "wrong-status"
    DRAFT_OPEN = "draft-open"


@dataclass
class ChangeResult:
    outcome: ChangeOutcome
    nomination: Nomination | None = None
    draft: Nomination | None = None


async def _own(session: AsyncSession, member: Member, nomination_id: int) -> Nomination | None:
    nomination = await get_nomination(session, nomination_id)
    if nomination is None or member.unit_id is None or nomination.unit_id != member.unit_id:
        return None
    return nomination


async def withdraw(
    session: AsyncSession, member: Member, nomination_id: int, *, now: datetime
) -> ChangeResult:
    """A nomination not yet reviewed can be withdrawn by its unit."""
    nomination = await _own(session, member, nomination_id)
    if nomination is None:
        return ChangeResult(ChangeOutcome.NOT_ALLOWED)
    if nomination.status != NominationStatus.SUBMITTED.value:
        return ChangeResult(ChangeOutcome.WRONG_STATUS, nomination)
    nomination.status = NominationStatus.WITHDRAWN.value
    nomination.updated_at = now
    audit.record(
        session,
        at=now,
        action="withdraw-nomination",
        entity="nomination",
        entity_id=nomination.id,
        member=member,
        details={
            "before": NominationStatus.SUBMITTED.value,
            "after": NominationStatus.WITHDRAWN.value,
        },
    )
    await session.commit()
    return ChangeResult(ChangeOutcome.DONE, nomination)


async def begin_edit(
    session: AsyncSession, member: Member, nomination_id: int, *, now: datetime
) -> ChangeResult:
    """Opens a draft copy of a submitted or returned nomination at its review screen."""
    nomination = await _own(session, member, nomination_id)
    if nomination is None:
        return ChangeResult(ChangeOutcome.NOT_ALLOWED)
    if nomination.status not in OPEN_STATUSES:
        return ChangeResult(ChangeOutcome.WRONG_STATUS, nomination)
    if await active_draft(session, member) is not None:
        return ChangeResult(ChangeOutcome.DRAFT_OPEN, nomination)
    copy = Nomination(
        unit_id=nomination.unit_id,
        submitted_by_id=member.id,
        round_id=nomination.round_id,
        replaces_id=nomination.id,
        target=nomination.target,
        nominee_name=nomination.nominee_name,
        position_title=nomination.position_title,
        workplace=nomination.workplace,
        award_form_id=nomination.award_form_id,
        achievement_kind=nomination.achievement_kind,
        campaign=nomination.campaign,
        summary=nomination.summary,
        status=NominationStatus.DRAFT.value,
        step=Step.REVIEW.value,
        created_at=now,
        updated_at=now,
        files=[
            NominationFile(
                kind=f.kind,
                file_id=f.file_id,
                file_name=f.file_name,
                size=f.size,
                created_at=f.created_at,
            )
            for f in nomination.files
        ],
    )
    session.add(copy)
    await session.flush()
    await _set_pending(session, member, {"kind": PENDING_NOMINATION, "id": copy.id})
    audit.record(
        session,
        at=now,
        action="edit-nomination",
        entity="nomination",
        entity_id=nomination.id,
        member=member,
        details={"draft": copy.id},
    )
    await session.commit()
    return ChangeResult(ChangeOutcome.DONE, nomination, await get_nomination(session, copy.id))


@dataclass
class Expired:
    member: Member
    draft_id: int


async def expire_stale_drafts(
    session: AsyncSession, *, now: datetime, older_than: timedelta = DRAFT_TIMEOUT
) -> list[Expired]:
    """Closes drafts untouched for `older_than`; their authors learn nothing was submitted."""
    stale = list(
        await session.scalars(
            select(Nomination).where(
                Nomination.status == NominationStatus.DRAFT.value,
                Nomination.updated_at < now - older_than,
            )
        )
    )
    expired = []
    for draft in stale:
        member = (
            await session.get(Member, draft.submitted_by_id) if draft.submitted_by_id else None
        )
        draft.status = NominationStatus.ABANDONED.value
        draft.step = None
        draft.updated_at = now
        audit.record(
            session,
            at=now,
            action="expire-nomination",
            entity="nomination",
            entity_id=draft.id,
            member=member,
        )
        if member is not None and (member.pending_input or {}).get("id") == draft.id:
            member.pending_input = None
            expired.append(Expired(member, draft.id))
    await session.commit()
    return expired


# --------------------------------------------------------------------------- review
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
    waiting = select(Nomination).where(Nomination.status == NominationStatus.SUBMITTED.value)
    count = await session.scalar(select(func.count()).select_from(waiting.subquery())) or 0
    query = _load().where(Nomination.status == NominationStatus.SUBMITTED.value)
    if after_id is not None:
        query = query.where(Nomination.id > after_id)
    nomination = await session.scalar(query.order_by(Nomination.id).limit(1))
    if nomination is None and after_id is not None:
        nomination = await session.scalar(
            _load()
            .where(Nomination.status == NominationStatus.SUBMITTED.value)
            .order_by(Nomination.id)
            .limit(1)
        )
    return nomination, int(count)


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
    if nomination.status != NominationStatus.SUBMITTED.value:
        return DecideResult(DecideOutcome.ALREADY_DECIDED, nomination)
    reason = (reason or "").strip() or None
    if decision is not Decision.APPROVE and reason is None:
        return DecideResult(DecideOutcome.REASON_REQUIRED, nomination)
    if reason is not None and len(reason) > 1000:
        return DecideResult(DecideOutcome.TOO_LONG, nomination)
    claimed = await session.execute(
        update(Nomination)
        .where(
            Nomination.id == nomination_id,
            Nomination.status == NominationStatus.SUBMITTED.value,
        )
        .values(
            status=decision.value,
            decision_reason=reason,
            decided_by_id=officer.id,
            decided_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    nomination = await get_nomination(session, nomination_id)
    assert nomination is not None
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
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


# --------------------------------------------------------------------------- rounds
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
