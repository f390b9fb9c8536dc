"""The guided draft: started or resumed, filled in one step at a time, gone back over,
cancelled, or closed when left untouched too long."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.nominations.common import (
    ALLOWED_EXTENSIONS,
    DRAFT_TIMEOUT,
    MAX_FILE_BYTES,
    MAX_FILES,
    PENDING_NOMINATION,
    TEXT_FIELDS,
    TEXT_LIMITS,
    InputProblem,
    Step,
    get_nomination,
    set_pending,
)
from models import (
    AchievementKind,
    AwardForm,
    Member,
    Nomination,
    NominationFile,
    NominationStatus,
    Target,
)


def steps_for(draft: Nomination) -> list[Step]:
    """The steps of this draft in order; they depend on its answers so far."""
    steps = [Step.TARGET, Step.NAME]
    if draft.target == Target.INDIVIDUAL:
        steps += [Step.POSITION, Step.WORKPLACE]
    steps += [Step.AWARD, Step.KIND]
    if draft.achievement_kind == AchievementKind.THEMATIC:
        steps.append(Step.CAMPAIGN)
    return [*steps, Step.SUMMARY, Step.FILES, Step.REVIEW]


def _advance(draft: Nomination, now: datetime) -> None:
    steps = steps_for(draft)
    current = Step(draft.step or Step.TARGET)
    draft.step = steps[min(steps.index(current) + 1, len(steps) - 1)].value
    draft.updated_at = now


async def active_draft(session: AsyncSession, member: Member) -> Nomination | None:
    """The draft this member is filling in, if any (at most one at a time)."""
    pending = member.pending_input or {}
    if pending.get("kind") != PENDING_NOMINATION:
        return None
    draft = await get_nomination(session, int(pending["id"]))
    if draft is None or draft.status != NominationStatus.DRAFT:
        return None
    return draft


async def remember_prompt(session: AsyncSession, member: Member, message_id: int) -> None:
    """Notes the message that carries the draft's buttons now, so that the next question can
    take them off it."""
    stored = await session.get(Member, member.id)
    assert stored is not None
    pending = stored.pending_input or {}
    if pending.get("kind") != PENDING_NOMINATION:
        return
    await set_pending(session, member, {**pending, "prompt": message_id})
    await session.commit()


async def forget_draft(session: AsyncSession, member: Member) -> None:
    """The member is no longer asked about a draft that is gone (closed meanwhile)."""
    stored = await session.get(Member, member.id)
    if stored is not None and (stored.pending_input or {}).get("kind") == PENDING_NOMINATION:
        await set_pending(session, member, None)
        await session.commit()
    member.pending_input = None


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
    await set_pending(session, member, {"kind": PENDING_NOMINATION, "id": draft.id})
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
    draft.target = Target(target)
    draft.nominee_name = (name or "")[: TEXT_LIMITS[Step.NAME]] or None
    if target == Target.INDIVIDUAL:
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
    if draft.step != Step.TARGET:
        return InputProblem.WRONG_STEP
    if draft.target != target:
        draft.target = target
        # An award chosen for the other kind of nominee no longer fits.
        if draft.award_form is not None and draft.award_form.target != target:
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
    if draft.step != Step.AWARD:
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
    if draft.step != Step.KIND:
        return InputProblem.WRONG_STEP
    draft.achievement_kind = kind
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
    if draft.step != Step.FILES:
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
    if draft.step != Step.FILES:
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
    await abandon(session, member, draft, now=now)
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


async def abandon(
    session: AsyncSession, member: Member, draft: Nomination, *, now: datetime
) -> None:
    """The draft is closed and the member no longer asked about it (not yet committed)."""
    draft.status = NominationStatus.ABANDONED
    draft.step = None
    draft.updated_at = now
    await set_pending(session, member, None)


def is_complete(draft: Nomination) -> bool:
    required = [
        draft.target,
        draft.nominee_name,
        draft.award_form_id,
        draft.achievement_kind,
        draft.summary,
    ]
    if draft.target == Target.INDIVIDUAL:
        required += [draft.position_title, draft.workplace]
    if draft.achievement_kind == AchievementKind.THEMATIC:
        required.append(draft.campaign)
    return all(required)


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
                Nomination.status == NominationStatus.DRAFT,
                Nomination.updated_at < now - older_than,
            )
        )
    )
    expired = []
    for draft in stale:
        member = (
            await session.get(Member, draft.submitted_by_id) if draft.submitted_by_id else None
        )
        draft.status = NominationStatus.ABANDONED
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
            await set_pending(session, member, None)
            expired.append(Expired(member, draft.id))
    await session.commit()
    return expired
