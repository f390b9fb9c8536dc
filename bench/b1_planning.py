"""B1: planning the daily reminder pass for N units (nothing is sent), against its own floor: the
same SQL statements with the same parameters, run by themselves on the same database in the
same run, every row fetched (what any pass must pay to read those rows)."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import b4_pass
from bench.datagen import generate
from bench.statements import counting_statements
from bot.core.db import make_engine, make_sessionmaker
from bot.services.deadlines import quarter_end
from bot.services.reminders import ReminderRules, plan_reminders, reminder_triggered
from bot.services.working_days import WorkingCalendar

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR = 2026
# Runs of the pass and of its bare SQL, taking turns; the figures are their medians.
RUNS = 5


@dataclass
class PlanningFigures:
    database: str
    units: int
    reports: int
    day: date
    planned: int
    statements: int
    # Seconds of each run: the pass, and its statements run by themselves (results fetched).
    pass_seconds: list[float]
    sql_seconds: list[float]
    # The daily pass as the bot runs it (planned and queued a batch at a time, committed),
    # once, in a process of its own: its seconds, reminders queued, and resident memory
    # before it and at the peak (bench.b4_pass).
    queued_seconds: float = 0.0
    queued: int = 0
    rss_before_mb: float = 0.0
    peak_rss_mb: float = 0.0

    @property
    def pass_median(self) -> float:
        return statistics.median(self.pass_seconds)

    @property
    def sql_median(self) -> float:
        return statistics.median(self.sql_seconds)

    @property
    def ratio(self) -> float:
        return self.pass_median / self.sql_median


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


class _Recorder:
    """Keeps each statement the pass sends, with its parameters as the driver got them."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        self.statements.append((statement, parameters))


async def _bare_sql(engine: AsyncEngine, statements: list[tuple[str, Any]]) -> float:
    """Seconds to run the pass's statements by themselves and fetch every row."""
    async with engine.connect() as connection:
        await connection.exec_driver_sql("SELECT 1")  # the connection is open before timing
        started = time.perf_counter()
        for statement, parameters in statements:
            result = await connection.exec_driver_sql(statement, parameters)
            if result.returns_rows:
                result.all()
        return time.perf_counter() - started


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
        recorder = _Recorder()
        event.listen(engine.sync_engine, "before_cursor_execute", recorder)
        try:
            async with sessionmaker() as session:
                await plan_reminders(session, now=now, tz=TZ, rules=rules)  # warm-up
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", recorder)
        sql_times, pass_times = [], []
        planned = statements = 0
        for _ in range(RUNS):
            sql_times.append(await _bare_sql(engine, recorder.statements))
            async with sessionmaker() as session:
                with counting_statements(engine) as counter:
                    started = time.perf_counter()
                    result = await plan_reminders(session, now=now, tz=TZ, rules=rules)
                    pass_times.append(time.perf_counter() - started)
            planned, statements = len(result.planned), counter.count
        del result
        # Last: it writes.
        queued = await b4_pass.measure(url, day)
        return PlanningFigures(
            database,
            units,
            dataset.reports,
            day,
            planned,
            statements,
            pass_times,
            sql_times,
            queued["seconds"],
            queued["enqueued"],
            queued["rss_before_mb"],
            queued["peak_rss_mb"],
        )
    finally:
        await engine.dispose()
