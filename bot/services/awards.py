"""The award catalogue: officers list, add, rename, retire and restore forms of award."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from models import AwardForm, Member, Target


class AwardChange(enum.StrEnum):
    DONE = "done"
    NOT_FOUND = "not-found"
    BAD_NAME = "bad-name"


@dataclass
class AwardResult:
    outcome: AwardChange
    award: AwardForm | None = None


async def catalogue(session: AsyncSession) -> list[AwardForm]:
    return list(
        await session.scalars(
            select(AwardForm).order_by(AwardForm.target, AwardForm.position, AwardForm.id)
        )
    )


def split_names(text: str) -> tuple[str, str] | None:
    """'Tên tiếng Việt | English name' (the English name may be left out)."""
    vi, _bar, en = text.partition("|")
    vi, en = vi.strip(), en.strip() or vi.strip()
    if not vi or len(vi) > 300 or len(en) > 300:
        return None
    return vi, en


async def add_award(
    session: AsyncSession, officer: Member, target: Target, names: str, *, now: datetime
) -> AwardResult:
    parsed = split_names(names)
    if parsed is None:
        return AwardResult(AwardChange.BAD_NAME)
    count = await session.scalar(select(func.count()).select_from(AwardForm)) or 0
    code = re.sub(r"[^A-Z0-9]+", "-", parsed[1].upper()).strip("-")[:30] or "AWARD"
    award = AwardForm(
        code=f"{code}-{count + 1}",
        name_vi=parsed[0],
        name_en=parsed[1],
        target=target.value,
        proposed_upward=False,
        active=True,
        position=count + 1,
    )
    session.add(award)
    await session.flush()
    audit.record(
        session,
        at=now,
        action="add-award",
        entity="award_form",
        entity_id=award.id,
        member=officer,
        details={"after": {"vi": award.name_vi, "en": award.name_en, "target": award.target}},
    )
    await session.commit()
    return AwardResult(AwardChange.DONE, award)


async def _by_code(session: AsyncSession, code: str) -> AwardForm | None:
    return await session.scalar(select(AwardForm).where(AwardForm.code == code.strip().upper()))


async def rename_award(
    session: AsyncSession, officer: Member, code: str, names: str, *, now: datetime
) -> AwardResult:
    award = await _by_code(session, code)
    if award is None:
        return AwardResult(AwardChange.NOT_FOUND)
    parsed = split_names(names)
    if parsed is None:
        return AwardResult(AwardChange.BAD_NAME, award)
    before = {"vi": award.name_vi, "en": award.name_en}
    award.name_vi, award.name_en = parsed
    audit.record(
        session,
        at=now,
        action="rename-award",
        entity="award_form",
        entity_id=award.id,
        member=officer,
        details={"before": before, "after": {"vi": parsed[0], "en": parsed[1]}},
    )
    await session.commit()
    return AwardResult(AwardChange.DONE, award)


async def set_award_active(
    session: AsyncSession, officer: Member, code: str, active: bool, *, now: datetime
) -> AwardResult:
    award = await _by_code(session, code)
    if award is None:
        return AwardResult(AwardChange.NOT_FOUND)
    before = award.active
    award.active = active
    audit.record(
        session,
        at=now,
        action="restore-award" if active else "retire-award",
        entity="award_form",
        entity_id=award.id,
        member=officer,
        details={"before": before, "after": active},
    )
    await session.commit()
    return AwardResult(AwardChange.DONE, award)
