"""A small world for the nomination services' tests: two units with a head each, an officer,
and helpers that fill in and file a nomination through the services (no bot)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.nominations import drafts, filing
from bot.services.nominations.common import Step
from bot.services.unit_import import import_units, read_unit_rows
from models import AchievementKind, AwardForm, Member, Nomination, Role, Target, Unit
from tests.conftest import TZ, UNITS_CSV, local

NOW = local(2020, 5, 15)
TODAY = date(2020, 5, 15)


@dataclass
class World:
    head_a: Member
    head_b: Member
    officer: Member


async def make_world(session: AsyncSession) -> World:
    await import_units(session, read_unit_rows(UNITS_CSV), now=NOW)
    units = list(await session.scalars(select(Unit).order_by(Unit.id).limit(2)))

    def member(telegram_id: int, role: Role, unit: Unit | None) -> Member:
        return Member(
            telegram_id=telegram_id,
            full_name=f"Member {telegram_id}",
            language="vi",
            role=role.value,
            unit_id=unit.id if unit else None,
            created_at=NOW,
        )

    world = World(
        member(101, Role.HEAD, units[0]),
        member(102, Role.HEAD, units[1]),
        member(900, Role.OFFICER, None),
    )
    session.add_all([world.head_a, world.head_b, world.officer])
    await session.commit()
    return world


async def award(session: AsyncSession, code: str = "LDTT") -> AwardForm:
    found = await session.scalar(select(AwardForm).where(AwardForm.code == code))
    assert found is not None
    return found


async def filled_draft(
    session: AsyncSession, head: Member, *, name: str = "Tổ Văn thư"
) -> Nomination:
    """A collective nomination answered up to its review screen."""
    draft = (await drafts.start_draft(session, head, now=NOW)).draft
    assert await drafts.set_target(session, draft, Target.COLLECTIVE, now=NOW) is None
    assert await drafts.set_text(session, draft, name, now=NOW) is None
    form = await session.scalar(
        select(AwardForm).where(AwardForm.target == Target.COLLECTIVE, AwardForm.active)
    )
    assert form is not None
    assert await drafts.set_award(session, draft, form.id, now=NOW) is None
    assert await drafts.set_kind(session, draft, AchievementKind.YEARLY, now=NOW) is None
    assert await drafts.set_text(session, draft, "Hoàn thành xuất sắc.", now=NOW) is None
    assert await drafts.finish_files(session, draft, now=NOW)
    assert draft.step == Step.REVIEW
    return draft


async def filed(session: AsyncSession, head: Member, *, name: str = "Tổ Văn thư") -> Nomination:
    draft = await filled_draft(session, head, name=name)
    result = await filing.submit(session, head, draft, now=NOW + timedelta(minutes=1), tz=TZ)
    assert result.nomination is not None, result.outcome
    return result.nomination
