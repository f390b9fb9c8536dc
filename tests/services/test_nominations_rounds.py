"""Rounds without a bot: opening (which closes the previous one), closing, reopening with a
new deadline, and which units filed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.nominations import rounds
from models import NominationRound, OutboxMessage
from tests.services.nominations_seed import NOW, TODAY, filed, make_world


async def test_opening_a_round_closes_the_previous_and_tells_the_heads(
    session: AsyncSession,
) -> None:
    world = await make_world(session)
    assert await rounds.current_round(session) is None
    first = await rounds.open_round(session, world.officer, " Đợt 1 ", date(2020, 6, 1), now=NOW)
    assert first.title == "Đợt 1" and first.open
    second = await rounds.open_round(session, world.officer, "Đợt 2", date(2020, 7, 1), now=NOW)
    await session.refresh(first)
    assert not first.open
    current = await rounds.current_round(session)
    assert current is not None and current.id == second.id
    told = {m.chat_id for m in await session.scalars(select(OutboxMessage))}
    assert {world.head_a.telegram_id, world.head_b.telegram_id} <= told
    assert world.officer.telegram_id not in told


async def test_a_round_accepts_until_its_deadline_inclusive(session: AsyncSession) -> None:
    world = await make_world(session)
    assert rounds.round_accepts(None, TODAY)
    round_ = await rounds.open_round(session, world.officer, "Đợt", TODAY, now=NOW)
    assert rounds.round_accepts(round_, TODAY)
    assert not rounds.round_accepts(round_, date(2020, 5, 16))


async def test_close_and_reopen(session: AsyncSession) -> None:
    world = await make_world(session)
    assert await rounds.close_round(session, world.officer, now=NOW) is None
    assert await rounds.reopen_round(session, world.officer, TODAY, now=NOW) is None
    round_ = await rounds.open_round(session, world.officer, "Đợt", date(2020, 5, 10), now=NOW)
    closed = await rounds.close_round(session, world.officer, now=NOW)
    assert closed is not None and closed.id == round_.id and not closed.open
    assert await rounds.current_round(session) is None
    reopened = await rounds.reopen_round(session, world.officer, date(2020, 6, 30), now=NOW)
    assert reopened is not None and reopened.id == round_.id
    assert reopened.open and reopened.deadline == date(2020, 6, 30)
    assert len(list(await session.scalars(select(NominationRound)))) == 1


async def test_units_with_filings_counts_filed_nominations_of_the_round(
    session: AsyncSession,
) -> None:
    world = await make_world(session)
    round_ = await rounds.open_round(session, world.officer, "Đợt", date(2020, 6, 1), now=NOW)
    assert await rounds.units_with_filings(session, round_.id) == set()
    await filed(session, world.head_a)
    assert await rounds.units_with_filings(session, round_.id) == {world.head_a.unit_id}
