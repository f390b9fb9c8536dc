"""B1: planning the daily reminder pass for N units (nothing is sent), against a bare
`SELECT count(*)` over the task reports in the same database and run."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bench.datagen import generate
from bench.statements import counting_statements
from bot.core.db import make_engine, make_sessionmaker
from bot.services.deadlines import quarter_end
from bot.services.reminders import ReminderRules, plan_reminders, reminder_triggered
from bot.services.working_days import WorkingCalendar

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR = 2026
RUNS = 5


@dataclass
class PlanningFigures:
    database: str
    units: int
    reports: int
    day: date
    planned: int
    statements: int
    pass_seconds: float
    count_seconds: float

    @property
    def ratio(self) -> float:
        return self.pass_seconds / self.count_seconds


def busiest_day(year: int, rules: ReminderRules) -> date:
    """The working day of quarter II that reminds of the most deadlines, a Monday if tied
    (Mondays add the weekly escalation)."""
    calendar = WorkingCalendar(rules.working_days_only)
    deadlines = [quarter_end(year, quarter) for quarter in (1, 2)]
    best: tuple[int, bool, date] | None = None
    day = date(year, 4, 1)
    while day <= quarter_end(year, 2):
        if calendar.is_working_day(day):
            hits = sum(reminder_triggered(d, day, rules, calendar) for d in deadlines)
            key = (hits, day.weekday() == 0, day)
            if best is None or key[:2] > best[:2]:
                best = key
        day += timedelta(days=1)
    assert best is not None
    return best[2]


async def measure(database: str, url: str, units: int) -> PlanningFigures:
    rules = ReminderRules()
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    try:
        async with sessionmaker() as session:
            dataset = await generate(session, units, year=YEAR)
        if engine.dialect.name == "postgresql":
            async with engine.begin() as connection:
                await connection.execute(text("ANALYZE"))
        day = busiest_day(YEAR, rules)
        now = datetime.combine(day, datetime.min.time().replace(hour=8), TZ)
        count_times, pass_times = [], []
        planned = statements = 0
        for _ in range(RUNS):
            async with sessionmaker() as session:
                started = time.perf_counter()
                await session.scalar(text("SELECT count(*) FROM task_reports"))
                count_times.append(time.perf_counter() - started)
            async with sessionmaker() as session:
                with counting_statements(engine) as counter:
                    started = time.perf_counter()
                    result = await plan_reminders(session, now=now, tz=TZ, rules=rules)
                    pass_times.append(time.perf_counter() - started)
            planned, statements = len(result.planned), counter.count
        return PlanningFigures(
            database,
            units,
            dataset.reports,
            day,
            planned,
            statements,
            min(pass_times),
            min(count_times),
        )
    finally:
        await engine.dispose()
