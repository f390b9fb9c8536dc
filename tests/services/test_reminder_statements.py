"""The reminder pass reads with the same number of SQL statements for 40 units as for 1,000,
and writes with a fixed number a batch."""

from __future__ import annotations

from datetime import datetime

from bench.b1_planning import TZ, YEAR, busiest_day
from bench.datagen import generate
from bench.statements import counting_statements
from bot.core.db import make_engine, make_sessionmaker
from bot.services.reminders import ReminderRules, plan_reminders, run_reminder_pass
from models import ReminderLog

BATCH = 100


async def test_statements_do_not_grow_with_units(database_url: str) -> None:
    rules = ReminderRules()
    day = busiest_day(YEAR, rules)
    now = datetime.combine(day, datetime.min.time().replace(hour=8), TZ)
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    counts = []
    try:
        for units, seed in ((40, 1), (1000, 2)):
            async with sessionmaker() as session:
                await generate(session, units, year=YEAR, seed=seed)
            async with sessionmaker() as session:
                with counting_statements(engine) as planning:
                    planned = await plan_reminders(session, now=now, tz=TZ, rules=rules)
            async with sessionmaker() as session:
                await session.execute(ReminderLog.__table__.delete())
                await session.commit()
            async with sessionmaker() as session:
                with counting_statements(engine, round_trips=False) as whole_pass:
                    result = await run_reminder_pass(
                        session, now=now, tz=TZ, rules=rules, batch=BATCH
                    )
            counts.append((len(planned.planned), planning.count, whole_pass.count))
            assert result.enqueued == result.count == len(planned.planned)
            assert result.planned == [], "the pass keeps no reminders"
    finally:
        await engine.dispose()
    (small_planned, small_planning, small_pass), (big_planned, big_planning, big_pass) = counts
    assert big_planned > 20 * small_planned > 0
    assert small_planned <= BATCH < big_planned
    assert small_planning >= 5, "the counter sees the queries"
    assert big_planning == small_planning, "planning round trips grew with the units"
    batches = -(-big_planned // BATCH)
    writes = small_pass - small_planning
    assert writes >= 3, "a batch logs, queues and links"
    assert big_pass - big_planning == batches * writes, "a batch's statements grew"
