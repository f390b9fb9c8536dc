"""The award catalogue: officers list, add, rename, retire and restore forms of award."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.outbox import insert_ignoring_conflicts
from models import AwardForm, Member, Target


class AwardChange(enum.StrEnum):
    DONE = "done"
    NOT_FOUND = "not-found"
    BAD_NAME = "bad-name"
    # A form of an abolished level (the districts): kept for old nominations, not offered.
    HISTORICAL = "historical"


@dataclass(frozen=True)
class SeedForm:
    code: str
    name_vi: str
    name_en: str
    target: str
    proposed_upward: bool
    position: int


def _form(code: str, vi: str, en: str, target: str, upward: bool, position: int) -> SeedForm:
    return SeedForm(code, vi, en, target, upward, position)


# What an authority of each level confers itself (under the Law on Emulation and Commendation
# 2022 and the two-level local government from 01/07/2025), then what it proposes upward.
# The forms common to every level were seeded by migration 0003; positions interleave with
# theirs (0-9) so that each list reads from the lowest form to the highest.
LEVEL_FORMS: dict[str, list[SeedForm]] = {
    "commune": [
        _form(
            "GK-XA-CN",
            "Giấy khen của Chủ tịch UBND cấp xã",
            "Certificate of Commendation of the Commune People's Committee Chairman",
            "individual",
            False,
            2,
        ),
        _form(
            "GK-XA-TT",
            "Giấy khen của Chủ tịch UBND cấp xã",
            "Certificate of Commendation of the Commune People's Committee Chairman",
            "collective",
            False,
            5,
        ),
    ],
    "agency": [
        _form(
            "GK-CQ-CN",
            "Giấy khen của Thủ trưởng cơ quan, đơn vị",
            "Certificate of Commendation of the Head of the Agency",
            "individual",
            False,
            2,
        ),
        _form(
            "GK-CQ-TT",
            "Giấy khen của Thủ trưởng cơ quan, đơn vị",
            "Certificate of Commendation of the Head of the Agency",
            "collective",
            False,
            5,
        ),
    ],
    "province": [
        _form(
            "BK-TTG-CN",
            "Bằng khen của Thủ tướng Chính phủ",
            "Certificate of Merit of the Prime Minister",
            "individual",
            True,
            10,
        ),
        _form(
            "CSTD-TQ",
            "Chiến sĩ thi đua toàn quốc",
            "National Emulation Soldier",
            "individual",
            True,
            11,
        ),
        _form(
            "BK-TTG-TT",
            "Bằng khen của Thủ tướng Chính phủ",
            "Certificate of Merit of the Prime Minister",
            "collective",
            True,
            12,
        ),
        _form(
            "CO-CP",
            "Cờ thi đua của Chính phủ",
            "Emulation Flag of the Government",
            "collective",
            True,
            13,
        ),
        _form(
            "HCLD3-CN",
            "Huân chương Lao động hạng Ba",
            "Labour Order, Third Class",
            "individual",
            True,
            14,
        ),
        _form(
            "HCLD3-TT",
            "Huân chương Lao động hạng Ba",
            "Labour Order, Third Class",
            "collective",
            True,
            15,
        ),
    ],
}


async def seed_catalogue(session: AsyncSession, level: str) -> list[str]:
    """Adds the forms of the authority's level that the catalogue lacks (by code); returns
    their codes. Forms already there, renamed or retired by an officer, are left as they are,
    so this runs at every start, also from several processes at once."""
    forms = LEVEL_FORMS.get(level, [])
    if not forms:
        return []
    existing = set(
        await session.scalars(
            select(AwardForm.code).where(AwardForm.code.in_([f.code for f in forms]))
        )
    )
    missing = [f for f in forms if f.code not in existing]
    if missing:
        await session.execute(
            insert_ignoring_conflicts(session, AwardForm),
            [
                {
                    "code": f.code,
                    "name_vi": f.name_vi,
                    "name_en": f.name_en,
                    "target": f.target,
                    "proposed_upward": f.proposed_upward,
                    "active": True,
                    "historical": False,
                    "position": f.position,
                }
                for f in missing
            ],
        )
        await session.commit()
    return [f.code for f in missing]


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
        target=target,
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
    found = await session.scalar(select(AwardForm).where(AwardForm.code == code.strip().upper()))
    return found


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
    if active and award.historical:
        return AwardResult(AwardChange.HISTORICAL, award)
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
