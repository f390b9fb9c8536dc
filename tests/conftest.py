"""Fixtures: a clean database per test (SQLite, and PostgreSQL when reachable), a frozen
clock, the fake Bot API server, and the real Application running against it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import FrozenClock
from bot.core.config import get_settings
from bot.core.db import make_engine, make_sessionmaker
from bot.core.i18n import set_default_language
from bot.services.invites import create_invite
from bot.services.plan_parser import parse_plan_file
from bot.services.plans import import_plan
from bot.services.unit_import import import_units, read_unit_rows
from models import Role, TaskReport, TaskReportNote, Unit
from tests.auxil import databases
from tests.auxil.fake_bot_api import FakeBotApi
from tests.auxil.harness import BotHarness, TelegramUser, settings_for

DATA = Path(__file__).parent / "data"
PLAN_2020 = DATA / "ke-hoach-tdkt-2020.txt"
UNITS_CSV = DATA / "units.csv"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture(scope="session")
def _data_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data-home")


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, _data_home: Path) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("TDKT_"):
            monkeypatch.delenv(name)
    # What the bot keeps in its data folder (the default SQLite database, the updates handled
    # ahead of an unfinished one) goes to a folder of the test run, never to ~/.local/share.
    monkeypatch.setenv("XDG_DATA_HOME", str(_data_home))
    get_settings.cache_clear()
    set_default_language("vi")
    yield
    get_settings.cache_clear()
    set_default_language("vi")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.build_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_template() -> bool:
    reason = databases.postgres_reachable()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {reason}")
        pytest.skip(f"PostgreSQL not reachable: {reason}")
    databases.build_pg_template()
    return True


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield databases.sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
        return
    request.getfixturevalue("postgres_template")
    name = databases.pg_create_from_template()
    try:
        yield databases.pg_url(name)
    finally:
        databases.pg_drop(name)


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    engine = make_engine(database_url)
    async with make_sessionmaker(engine)() as db_session:
        yield db_session
    await engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(local(2020, 5, 15))


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def officer_id() -> int:
    return 900001


@pytest.fixture
async def harness(
    api: FakeBotApi, database_url: str, clock: FrozenClock, officer_id: int
) -> AsyncIterator[BotHarness]:
    bot = BotHarness(
        api, settings_for(api, database_url, officer_ids=frozenset({officer_id})), clock
    )
    await bot.start()
    yield bot
    await bot.stop()


async def seed_directory_and_plan(session: AsyncSession, now: datetime) -> None:
    await import_units(session, read_unit_rows(UNITS_CSV), now=now)
    await import_plan(session, parse_plan_file(PLAN_2020), now=now)


async def invite_code(session: AsyncSession, unit_code: str, role: Role, now: datetime) -> str:
    return await create_invite(session, unit_code, role, now=now, ttl=timedelta(days=7))


@pytest.fixture
async def seeded(harness: BotHarness) -> BotHarness:
    """The harness with the district's units and the 2020 plan loaded."""
    async with harness.ctx.session() as db_session:
        await seed_directory_and_plan(db_session, harness.clock.now())
    return harness


async def join(
    harness: BotHarness, user: TelegramUser, unit_code: str, role: Role = Role.HEAD
) -> None:
    """The user opens a fresh invite link for `unit_code` (the real /start path)."""
    async with harness.ctx.session() as db_session:
        code = await invite_code(db_session, unit_code, role, harness.clock.now())
    reply = await user.send(f"/start {code}")
    assert reply.messages, "no answer to /start"


async def report_notes(
    harness: BotHarness, task_id: int, unit_code: str
) -> list[tuple[str | None, str | None]]:
    """(note, file name) of every note and file on the unit's report on the task, in order."""
    from sqlalchemy import select

    async with harness.ctx.session() as db_session:
        rows = await db_session.execute(
            select(TaskReportNote.note, TaskReportNote.file_name)
            .join(TaskReport, TaskReport.id == TaskReportNote.report_id)
            .join(Unit, Unit.id == TaskReport.unit_id)
            .where(TaskReport.task_id == task_id, Unit.code == unit_code)
            .order_by(TaskReportNote.id)
        )
        return [(note, file_name) for note, file_name in rows.all()]
