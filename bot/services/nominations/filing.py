"""Filing a finished draft (into the open round, with a number), resubmitting an edit, and
the unit's own changes afterwards: its list, withdrawal, opening an edit."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.nominations.common import (
    FILED_STATUSES,
    OPEN_STATUSES,
    PENDING_NOMINATION,
    Step,
    get_nomination,
    load,
    set_pending,
    snapshot,
)
from bot.services.nominations.drafts import abandon, active_draft, is_complete
from bot.services.nominations.numbers import give_number
from bot.services.nominations.rounds import current_round, round_accepts
from models import Member, Nomination, NominationFile, NominationRound, NominationStatus


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


async def submit(
    session: AsyncSession, member: Member, draft: Nomination, *, now: datetime, tz: ZoneInfo
) -> SubmitResult:
    """Files the draft (into the open round, if any); refused after the round's deadline."""
    if draft.step != Step.REVIEW:
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
        return await _resubmit(session, member, draft, original, round_, now=now)
    return await _file_new(session, member, draft, round_, now=now)


# What an edit carries over to the nomination it replaces.
EDITED_FIELDS = (
    "target",
    "nominee_name",
    "position_title",
    "workplace",
    "award_form_id",
    "achievement_kind",
    "campaign",
    "summary",
)


async def _resubmit(
    session: AsyncSession,
    member: Member,
    draft: Nomination,
    original: Nomination,
    round_: NominationRound | None,
    *,
    now: datetime,
) -> SubmitResult:
    """The edit's answers and files replace the original's, which is submitted again."""
    before = snapshot(original)
    # The officer may decide, or the unit withdraw, the original at this very moment:
    # only a row still open takes the edit, so an edit never files a second nomination.
    claimed = cast(
        CursorResult[Any],
        await session.execute(
            update(Nomination)
            .where(Nomination.id == original.id, Nomination.status.in_(OPEN_STATUSES))
            .values(status=NominationStatus.SUBMITTED.value, submitted_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    if claimed.rowcount != 1:
        current = await get_nomination(session, original.id)
        return await _drop_edit(session, member, draft, current, now=now)
    _copy_answers(draft, original)
    original.status = NominationStatus.SUBMITTED
    original.submitted_at = now
    original.updated_at = now
    original.decision_reason = None
    await abandon(session, member, draft, now=now)
    if original.number is None:
        await give_number(session, original.id)
    audit.record(
        session,
        at=now,
        action="resubmit-nomination",
        entity="nomination",
        entity_id=original.id,
        member=member,
        details={"before": before, "after": snapshot(original)},
    )
    await session.commit()
    return SubmitResult(
        SubmitOutcome.RESUBMITTED, await get_nomination(session, original.id), round_
    )


def _copy_answers(draft: Nomination, original: Nomination) -> None:
    for name in EDITED_FIELDS:
        setattr(original, name, getattr(draft, name))
    for stored in list(original.files):
        original.files.remove(stored)
    original.files.extend(copy_file(attached) for attached in draft.files)


def copy_file(attached: NominationFile) -> NominationFile:
    return NominationFile(
        kind=attached.kind,
        file_id=attached.file_id,
        file_name=attached.file_name,
        size=attached.size,
        created_at=attached.created_at,
    )


async def _file_new(
    session: AsyncSession,
    member: Member,
    draft: Nomination,
    round_: NominationRound | None,
    *,
    now: datetime,
) -> SubmitResult:
    """The draft becomes a submitted nomination with the next number."""
    draft.status = NominationStatus.SUBMITTED
    draft.step = None
    draft.round_id = round_.id if round_ else None
    draft.submitted_at = now
    draft.updated_at = now
    await set_pending(session, member, None)
    await give_number(session, draft.id)
    audit.record(
        session,
        at=now,
        action="submit-nomination",
        entity="nomination",
        entity_id=draft.id,
        member=member,
        details={"after": snapshot(draft)},
    )
    await session.commit()
    return SubmitResult(SubmitOutcome.SUBMITTED, await get_nomination(session, draft.id), round_)


async def _drop_edit(
    session: AsyncSession,
    member: Member,
    draft: Nomination,
    original: Nomination | None,
    *,
    now: datetime,
) -> SubmitResult:
    """Closes an edit whose original is no longer open; nothing is filed."""
    await abandon(session, member, draft, now=now)
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


async def unit_nominations(
    session: AsyncSession, unit_id: int, limit: int = 20
) -> list[Nomination]:
    return list(
        await session.scalars(
            load()
            .where(
                Nomination.unit_id == unit_id,
                Nomination.status.in_((*FILED_STATUSES, NominationStatus.WITHDRAWN)),
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
    if nomination.status != NominationStatus.SUBMITTED:
        return ChangeResult(ChangeOutcome.WRONG_STATUS, nomination)
    nomination.status = NominationStatus.WITHDRAWN
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
        files=[copy_file(f) for f in nomination.files],
    )
    session.add(copy)
    await session.flush()
    await set_pending(session, member, {"kind": PENDING_NOMINATION, "id": copy.id})
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
