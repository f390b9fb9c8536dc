"""What every part of the nomination work shares: the steps of the guided draft, the limits
of its answers, the statuses that count as filed or open, and loading a nomination whole."""

from __future__ import annotations

import enum
from datetime import timedelta

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models import Member, Nomination, NominationStatus

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
OPEN_STATUSES = (NominationStatus.SUBMITTED, NominationStatus.RETURNED)
FILED_STATUSES = (
    NominationStatus.SUBMITTED,
    NominationStatus.APPROVED,
    NominationStatus.REJECTED,
    NominationStatus.RETURNED,
)


class InputProblem(enum.StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too-long"
    TOO_MANY_FILES = "too-many-files"
    FILE_TOO_LARGE = "file-too-large"
    FILE_TYPE = "file-type"
    WRONG_STEP = "wrong-step"
    UNKNOWN_AWARD = "unknown-award"


def load() -> Select[tuple[Nomination]]:
    return select(Nomination).options(
        selectinload(Nomination.files),
        selectinload(Nomination.award_form),
        selectinload(Nomination.replaces),
    )


async def get_nomination(session: AsyncSession, nomination_id: int) -> Nomination | None:
    found: Nomination | None = await session.scalar(
        load().where(Nomination.id == nomination_id).execution_options(populate_existing=True)
    )
    return found


async def set_pending(
    session: AsyncSession, member: Member, value: dict[str, object] | None
) -> None:
    """What the bot waits for from this member, in the caller's transaction (not committed)."""
    stored = await session.get(Member, member.id)
    assert stored is not None
    stored.pending_input = value
    member.pending_input = value


def snapshot(nomination: Nomination) -> dict[str, object]:
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
