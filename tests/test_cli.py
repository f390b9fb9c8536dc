"""The `tdkt-bot` command as an operator runs it: output, exit codes, what gets stored."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.db import make_engine, make_sessionmaker
from models import Invite, Plan, Task, Unit
from tests.auxil.fake_bot_api import BOT_USERNAME, TOKEN, FakeBotApi
from tests.conftest import PLAN_2020, TZ, UNITS_CSV

ROOT = Path(__file__).resolve().parent.parent


def tdkt(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TDKT_")}
    base.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=base,
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            return tuple(
                [  # type: ignore[return-value]
                    int(await session.scalar(select(func.count()).select_from(model)) or 0)
                    for model in (Plan, Task, Unit)
                ]
            )
    finally:
        await engine.dispose()


def test_import_plan_units_and_invite(database_url: str) -> None:
    env = {"TDKT_DATABASE_URL": database_url, "TDKT_BOT_USERNAME": BOT_USERNAME}
    dry = tdkt("import-plan", str(PLAN_2020), "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "Quý I: 5 nhiệm vụ, hạn 31/03/2020" in dry.stdout
    assert "Quý IV: 4 nhiệm vụ, hạn 31/12/2020" in dry.stdout
    assert "Chạy thử: chưa lưu dữ liệu nào." in dry.stdout
    assert asyncio.run(counts(database_url)) == (0, 0, 0)

    first = tdkt("import-plan", str(PLAN_2020), env=env)
    assert first.returncode == 0, first.stderr
    assert "Đã lưu: 20 nhiệm vụ mới, 0 nhiệm vụ đã có." in first.stdout
    again = tdkt("import-plan", str(PLAN_2020), env={**env, "TDKT_LANGUAGE": "en"})
    assert "Stored: 0 new tasks, 20 already present." in again.stdout
    assert asyncio.run(counts(database_url)) == (1, 20, 0)

    units = tdkt("import-units", str(UNITS_CSV), env=env)
    assert units.returncode == 0, units.stderr
    assert "thêm mới 5" in units.stdout

    invite = tdkt("invite", "PGD", env=env)
    assert invite.returncode == 0, invite.stderr
    code, link, unit, role, expiry = invite.stdout.strip().splitlines()
    assert link == f"https://t.me/{BOT_USERNAME}?start={code}"
    assert len(code) >= 22
    assert unit == "Đơn vị: PGD — Phòng Giáo dục và Đào tạo"
    assert role == "Vai trò: thủ trưởng đơn vị"
    expires = (datetime.now(TZ) + timedelta(days=14)).strftime("%d/%m/%Y")
    assert expiry.startswith(f"Hiệu lực đến: {expires} "), expiry

    async def invites() -> int:
        engine = make_engine(database_url)
        async with make_sessionmaker(engine)() as session:
            number = await session.scalar(select(func.count()).select_from(Invite))
        await engine.dispose()
        return int(number or 0)

    assert asyncio.run(invites()) == 1
    officer = tdkt("invite", "PNV", "--role", "officer", env={**env, "TDKT_LANGUAGE": "en"})
    assert officer.stdout.strip().splitlines()[2:4] == [
        "Unit: PNV — Phòng Nội vụ",
        "Role: officer",
    ]
    unknown = tdkt("invite", "NOPE", env=env)
    assert unknown.returncode == 1
    assert (
        unknown.stderr.strip().splitlines()[-1]
        == "Không có đơn vị nào mang mã NOPE. Vui lòng nhập danh sách đơn vị trước."
    )


def test_user_errors_are_one_line_and_store_nothing(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
    env = {"TDKT_DATABASE_URL": url, "TDKT_LANGUAGE": "en"}
    not_a_plan = tmp_path / "minutes.txt"
    not_a_plan.write_text("Biên bản họp\n- Ý kiến\n", encoding="utf-8")
    refused = tdkt("import-plan", str(not_a_plan), env=env)
    assert refused.returncode == 1
    assert len(refused.stderr.strip().splitlines()) == 1
    assert "does not look like a TĐKT plan" in refused.stderr
    missing = tdkt("import-plan", str(tmp_path / "none.txt"), env=env)
    assert (missing.returncode, missing.stderr.strip()) == (
        1,
        f"File not found: {tmp_path / 'none.txt'}",
    )
    bad_units = tmp_path / "units.csv"
    bad_units.write_text("code,name,kind,cluster\nA,Tên,huyện,C\n", encoding="utf-8")
    refused_units = tdkt("import-units", str(bad_units), env=env)
    assert refused_units.returncode == 1
    assert "row 2: unknown kind 'huyện'" in refused_units.stderr
    assert not (tmp_path / "db.sqlite3").exists() or asyncio.run(counts(url)) == (0, 0, 0)


def test_missing_token_and_bad_arguments(tmp_path: Path) -> None:
    run = tdkt(
        "run", env={"TDKT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}, cwd=tmp_path
    )
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        "Chưa đặt TDKT_BOT_TOKEN. Hãy tạo bot với @BotFather trên Telegram (gửi /newbot), sau "
        "đó ghi token vào biến TDKT_BOT_TOKEN hoặc vào tệp .env."
    ]
    assert "Traceback" not in run.stderr
    assert tdkt("frobnicate").returncode == 2
    assert tdkt("invite").returncode == 2
    assert tdkt("invite", "PGD", "--role", "king").returncode == 2
    bad_zone = tdkt("db", "upgrade", env={"TDKT_TIMEZONE": "Mars/Olympus"})
    assert bad_zone.returncode == 1 and "TDKT_TIMEZONE" in bad_zone.stderr
    for command in (
        ["--help"],
        ["run", "--help"],
        ["db", "upgrade", "--help"],
        ["import-plan", "--help"],
        ["import-units", "--help"],
        ["invite", "--help"],
        ["remind", "--help"],
        ["export", "--help"],
        ["backup", "--help"],
    ):
        assert tdkt(*command).returncode == 0, command


def test_help_and_bad_arguments_do_not_depend_on_valid_settings() -> None:
    """Arguments are parsed before the settings are checked: the help helps fix them."""
    bad = {"TDKT_TIMEZONE": "Nowhere/City", "TDKT_LANGUAGE": "en"}
    for command in (
        ["--help"],
        ["run", "--help"],
        ["db", "upgrade", "--help"],
        ["remind", "--help"],
        ["export", "--help"],
        ["backup", "--help"],
    ):
        shown = tdkt(*command, env=bad)
        assert shown.returncode == 0, (command, shown.stderr)
        assert shown.stdout.startswith("usage: tdkt-bot"), command
    assert "act as if the local time were this" in tdkt("remind", "--help", env=bad).stdout
    assert tdkt("frobnicate", env=bad).returncode == 2
    assert tdkt("remind", "--at", "tomorrow", env=bad).returncode == 2
    refused = tdkt("db", "upgrade", env=bad)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "TDKT_TIMEZONE: 'Nowhere/City' is not a known time zone (e.g. Asia/Ho_Chi_Minh)."
    ]


async def test_remind_dry_run_never_migrates(database_url: str, tmp_path: Path) -> None:
    """A dry run stores nothing: no new database file, no migration of an old schema."""
    from alembic.migration import MigrationContext

    from bot.core.migrate import downgrade

    async def revision(url: str) -> str | None:
        engine = make_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(
                    lambda sync: MigrationContext.configure(sync).get_current_revision()
                )
        finally:
            await engine.dispose()

    dry_run = ("remind", "--at", "2020-06-16 08:05", "--dry-run")
    missing = tmp_path / "none.sqlite3"
    code, out, err = await atdkt(
        *dry_run, env={"TDKT_DATABASE_URL": f"sqlite:///{missing}", "TDKT_LANGUAGE": "en"}
    )
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [
        f"The database sqlite+aiosqlite:///{missing} is not up to date, and a dry run changes "
        "nothing: run tdkt-bot db upgrade first."
    ]
    assert not missing.exists()

    head = await revision(database_url)
    await downgrade(database_url, "-1")
    older = await revision(database_url)
    assert older != head
    code, out, err = await atdkt(*dry_run, env={"TDKT_DATABASE_URL": database_url})
    assert code == 1, out
    assert len(err.strip().splitlines()) == 1
    assert "chưa được cập nhật lên phiên bản mới nhất" in err and "db upgrade trước" in err
    assert await revision(database_url) == older

    code, _out, err = await atdkt("db", "upgrade", env={"TDKT_DATABASE_URL": database_url})
    assert code == 0, err
    code, out, err = await atdkt(*dry_run, env={"TDKT_DATABASE_URL": database_url})
    assert code == 0, err
    assert "Chạy thử: chưa lưu dữ liệu nào." in out


def test_env_file_is_read_from_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"TDKT_DATABASE_URL=sqlite:///{tmp_path / 'from-env.sqlite3'}\nTDKT_LANGUAGE=en\n",
        encoding="utf-8",
    )
    result = tdkt("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "The database is up to date."
    assert (tmp_path / "from-env.sqlite3").exists()


async def test_run_migrates_and_answers_through_the_bot_api(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """The real `tdkt-bot run` process: fresh database, long polling, a /start answered."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TDKT_")}
    env.update(
        {
            "TDKT_BOT_TOKEN": TOKEN,
            "TDKT_API_BASE_URL": api.base_url,
            "TDKT_API_FILE_URL": api.file_url,
            "TDKT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        }
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        api.push_update(
            {
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": 42, "type": "private"},
                    "from": {
                        "id": 42,
                        "is_bot": False,
                        "first_name": "Lan",
                        "language_code": "vi",
                    },
                    "text": "/start",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                }
            }
        )
        await api.wait_for_sent(42)
        assert "trợ lý công tác thi đua, khen thưởng" in api.sent(42)[0].text
    finally:
        process.terminate()
        _out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()
    assert (tmp_path / "bot.sqlite3").exists()


@pytest.mark.parametrize("value", ["12,abc", "x"])
def test_bad_officer_ids_are_reported(value: str) -> None:
    result = tdkt("db", "upgrade", env={"TDKT_OFFICER_IDS": value, "TDKT_LANGUAGE": "en"})
    assert result.returncode == 1
    assert "TDKT_OFFICER_IDS" in result.stderr


async def atdkt(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """Run the command while this test's event loop keeps the fake Bot API serving."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("TDKT_")}
    full.update(env)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=full,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode or 0, out.decode(), err.decode()


async def seed_head_of_pgd(session: AsyncSession, plan_file: Path, now: datetime) -> None:
    """The district's units, a plan, and unit head 4242 of PGD (Phạm Minh)."""
    from bot.services.plan_parser import parse_plan_file
    from bot.services.plans import import_plan
    from bot.services.unit_import import import_units, read_unit_rows
    from models import Member

    await import_units(session, read_unit_rows(UNITS_CSV), now=now)
    await import_plan(session, parse_plan_file(plan_file), now=now)
    unit = await session.scalar(select(Unit).where(Unit.code == "PGD"))
    assert unit is not None
    session.add(
        Member(
            telegram_id=4242,
            full_name="Phạm Minh",
            language="vi",
            role="head",
            unit_id=unit.id,
            active=True,
            created_at=now,
        )
    )
    await session.commit()


async def test_remind_dry_run_then_send_once(api: FakeBotApi, database_url: str) -> None:
    from datetime import UTC, datetime

    from models import OutboxMessage

    engine = make_engine(database_url)
    now = datetime(2020, 6, 1, tzinfo=UTC)
    async with make_sessionmaker(engine)() as session:
        await seed_head_of_pgd(session, PLAN_2020, now)
    env = {
        "TDKT_DATABASE_URL": database_url,
        "TDKT_BOT_TOKEN": TOKEN,
        "TDKT_API_BASE_URL": api.base_url,
        "TDKT_API_FILE_URL": api.file_url,
    }

    code, out, err = await atdkt("remind", "--at", "2020-06-16 08:05", "--dry-run", env=env)
    assert code == 0, err
    assert (
        "Phạm Minh [4242] digest: Nhắc việc công tác thi đua, khen thưởng — 16/06/2020 (7)" in out
    )
    assert "Chạy thử: chưa lưu dữ liệu nào." in out
    async with make_sessionmaker(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert api.sent(4242) == []

    code, out, err = await atdkt("remind", "--at", "2020-06-16 08:05", env=env)
    assert code == 0, err
    assert "dự kiến 1 tin, thêm mới 1 tin" in out
    assert "Đã gửi 1," in out
    assert len(api.sent(4242)) == 1
    code, out, _err = await atdkt("remind", "--at", "2020-06-16 17:00", env=env)
    assert "thêm mới 0 tin" in out and "Đã gửi 0," in out
    assert len(api.sent(4242)) == 1

    code, out, _err = await atdkt("remind", "--at", "2020-06-23 06:00", env=env)
    assert code == 0 and "Chưa đến giờ nhắc việc (08:00)" in out
    code, _out, err = await atdkt("remind", "--at", "tomorrow", env=env)
    assert code == 2 and "2020-06-16 08:00" in err
    await engine.dispose()


async def test_remind_at_a_future_time_drains_with_the_real_clock(
    api: FakeBotApi, database_url: str, tmp_path: Path
) -> None:
    """--at plans the pass only: the running bot's live claims and the backoff waits of the
    outbox are judged by the real time, and what the pass planned goes out now."""
    from datetime import UTC, date, datetime, timedelta

    from bot.services.working_days import WorkingCalendar
    from models import OutboxMessage, OutboxStatus

    real_now = datetime.now(UTC)
    year = real_now.year + 2
    plan_file = tmp_path / f"ke-hoach-{year}.txt"
    plan_file.write_text(
        PLAN_2020.read_text(encoding="utf-8").replace("2020", str(year)), encoding="utf-8"
    )
    # Fourteen days before the second quarter's deadline (or the working day before it).
    day = WorkingCalendar().send_day(date(year, 6, 16))

    def outbox_row(key: str, chat_id: int, **values: object) -> OutboxMessage:
        row = {
            "dedupe_key": key,
            "kind": "broadcast",
            "chat_id": chat_id,
            "text": key,
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "not_before": real_now - timedelta(minutes=1),
            "created_at": real_now - timedelta(minutes=2),
        }
        row.update(values)
        return OutboxMessage(**row)

    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as session:
        await seed_head_of_pgd(session, plan_file, real_now)
        session.add_all(
            [
                # Being sent right now by the running bot on another host.
                outbox_row(
                    "live-claim",
                    5001,
                    status=OutboxStatus.SENDING.value,
                    claimed_at=real_now - timedelta(seconds=30),
                    claimed_by="other-host:1:running",
                ),
                # Waiting out a backoff after a network error.
                outbox_row(
                    "backing-off", 5002, attempts=3, not_before=real_now + timedelta(minutes=4)
                ),
                outbox_row("due-now", 5003),
            ]
        )
        await session.commit()
    env = {
        "TDKT_DATABASE_URL": database_url,
        "TDKT_BOT_TOKEN": TOKEN,
        "TDKT_API_BASE_URL": api.base_url,
        "TDKT_API_FILE_URL": api.file_url,
    }
    code, out, err = await atdkt("remind", "--at", f"{day.isoformat()} 08:05", env=env)
    assert code == 0, err
    assert "dự kiến 1 tin, thêm mới 1 tin" in out
    assert "Đã gửi 2," in out
    finished = datetime.now(UTC)
    assert len(api.sent(4242)) == 1 and "Nhắc việc công tác thi đua" in api.sent(4242)[0].text
    assert len(api.sent(5003)) == 1
    assert api.sent(5001) == [] and api.sent(5002) == []
    async with sessionmaker() as session:
        rows = {row.dedupe_key: row for row in await session.scalars(select(OutboxMessage))}
    await engine.dispose()
    live, backing_off = rows["live-claim"], rows["backing-off"]
    assert (live.status, live.claimed_by) == (OutboxStatus.SENDING.value, "other-host:1:running")
    assert (backing_off.status, backing_off.attempts) == (OutboxStatus.PENDING.value, 3)
    for sent in (row for row in rows.values() if row.status == OutboxStatus.SENT.value):
        assert sent.sent_at is not None and real_now <= sent.sent_at <= finished


def test_invite_roles_both_is_said_explicitly(tmp_path: Path) -> None:
    """An officer invited for a unit is not its head; `head,officer` gives both roles."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
    env = {"TDKT_DATABASE_URL": url, "TDKT_BOT_USERNAME": BOT_USERNAME}
    assert tdkt("import-units", str(UNITS_CSV), env=env).returncode == 0
    for role in ("officer", "head,officer", "officer, head", "council"):
        assert tdkt("invite", "PNV", "--role", role, env=env).returncode == 0
    bad = tdkt("invite", "PNV", "--role", "head,chief", env=env)
    assert bad.returncode == 2 and "head,chief" in bad.stderr

    async def roles() -> list[str]:
        engine = make_engine(url)
        async with make_sessionmaker(engine)() as session:
            stored = list(await session.scalars(select(Invite.role).order_by(Invite.id)))
        await engine.dispose()
        return stored

    assert asyncio.run(roles()) == ["officer", "both", "both", "council"]


async def test_concurrent_upgrades_of_a_fresh_postgres_database_all_succeed(
    postgres_template: bool,
) -> None:
    """Three `db upgrade` at once on an empty PostgreSQL database (e.g. several webhook
    processes started together): one migrates, the others wait and find nothing to do."""
    import uuid

    import asyncpg

    from tests.auxil.databases import PG_ADMIN_DSN, pg_url

    name = f"tdkt_fresh_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        env = {"TDKT_DATABASE_URL": pg_url(name), "TDKT_LANGUAGE": "en"}
        results = await asyncio.gather(*(atdkt("db", "upgrade", env=env) for _ in range(3)))
        for code, out, err in results:
            assert (code, out.strip()) == (0, "The database is up to date."), err
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


@pytest.mark.parametrize(
    ("header", "bad_row", "expected"),
    [
        # A row lacking its trailing fields is fine: the cluster is empty.
        ("code,name,kind,cluster", "A2,Xa B,xã", None),
        ("code,name,kind,cluster,leader", "A2,Xa B,xã", None),
        (
            "code,name,kind,cluster",
            "A2,UBND xã Bình Lợi,xã,Cụm 1, Cụm 2",
            "row 3: more fields than the 4 columns; put a name that contains a comma in "
            "double quotes.",
        ),
        (
            "code,name,kind,cluster,leader",
            "A2,UBND xã Bình Lợi,xã,Cụm 1, Cụm 2",
            "row 3: 'Cụm 2' in the leader column; write x for the cluster's leading unit, or "
            "nothing. Put a name that contains a comma in double quotes.",
        ),
    ],
)
def test_import_units_says_which_row_is_wrong(
    tmp_path: Path, header: str, bad_row: str, expected: str | None
) -> None:
    """A ragged CSV is read with its header's delimiter, not refused as "Could not determine
    delimiter"; a row that cannot be right is named."""
    sheet = tmp_path / "units.csv"
    leader = ",x" if header.endswith("leader") else ""
    sheet.write_text(
        f"{header}\nA1,UBND xã An Bình,xã,Cụm thi đua số 1{leader}\n{bad_row}\n"
        "A3,Phòng Nội vụ,cơ quan,Cụm thi đua số 1\n",
        encoding="utf-8",
    )
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
    result = tdkt(
        "import-units", str(sheet), env={"TDKT_DATABASE_URL": url, "TDKT_LANGUAGE": "en"}
    )
    assert "Traceback" not in result.stderr
    if expected is None:
        assert result.returncode == 0, result.stderr
        assert "3 created" in result.stdout
        return
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"{sheet}, {expected}"]
    assert not (tmp_path / "db.sqlite3").exists()


def test_backup_on_a_full_disk_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The disk fills up during the copy (SQLite's own "database or disk is full", as a real
    full disk gives it): one line, no partial file; the next try, with room, succeeds and the
    copy is readable by its owner only."""
    import sqlite3
    import stat

    from bot.cli import main

    source = tmp_path / "live.sqlite3"
    url = f"sqlite+aiosqlite:///{source}"
    monkeypatch.setenv("TDKT_DATABASE_URL", url)
    monkeypatch.setenv("TDKT_LANGUAGE", "en")
    assert main(["db", "upgrade"]) == 0
    backups = tmp_path / "backups"
    backups.mkdir()
    out = backups / "tdkt.sqlite3"
    real_connect = sqlite3.connect

    def connect_to_a_full_disk(database: object, *args: object, **kwargs: object) -> object:
        connection = real_connect(database, *args, **kwargs)  # type: ignore[arg-type]
        if str(database).startswith(str(backups)):
            connection.execute("PRAGMA max_page_count=2")  # the disk has room for two pages
        return connection

    capsys.readouterr()
    monkeypatch.setattr(sqlite3, "connect", connect_to_a_full_disk)
    assert main(["backup", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        f"Database: {source}",
        f"Cannot write the backup {out}: database or disk is full",
    ]
    assert list(backups.iterdir()) == []

    def no_space_left(*_args: object, **_kwargs: object) -> object:
        import errno

        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sqlite3, "connect", no_space_left)
    assert main(["backup", "--out", str(out)]) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"Cannot write the backup {out}: No space left on device"
    )
    assert list(backups.iterdir()) == []

    monkeypatch.setattr(sqlite3, "connect", real_connect)
    assert main(["backup", "--out", str(out)]) == 0
    assert list(backups.iterdir()) == [out]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    copy = sqlite3.connect(out)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copy.close()


def test_the_default_database_is_one_per_user_wherever_a_command_runs(tmp_path: Path) -> None:
    data_home = tmp_path / "data"
    env = {"XDG_DATA_HOME": str(data_home), "TDKT_LANGUAGE": "en"}
    first, second = tmp_path / "here", tmp_path / "elsewhere"
    first.mkdir()
    second.mkdir()
    database = data_home / "tdkt-bot" / "tdkt-bot.sqlite3"
    imported = tdkt("import-units", str(UNITS_CSV), env=env, cwd=first)
    assert imported.returncode == 0, imported.stderr
    assert imported.stderr.splitlines()[0] == f"Database: {database}"
    assert oct(database.parent.stat().st_mode & 0o777) == oct(0o700)
    # The file itself too: it holds names and Telegram ids (and SQLite gives its -wal and -shm
    # files the database's mode).
    assert oct(database.stat().st_mode & 0o777) == oct(0o600)
    invite = tdkt("invite", "PGD", env={**env, "TDKT_BOT_USERNAME": BOT_USERNAME}, cwd=second)
    assert invite.returncode == 0, invite.stderr
    assert invite.stderr.splitlines()[0] == f"Database: {database}"
    assert not list(first.iterdir()) and not list(second.iterdir())

    # A database an earlier version made in the working directory is still the one used.
    legacy = tmp_path / "old"
    legacy.mkdir()
    made_there = tdkt(
        "db", "upgrade", env={"TDKT_DATABASE_URL": "sqlite:///tdkt-bot.sqlite3"}, cwd=legacy
    )
    assert made_there.returncode == 0, made_there.stderr
    upgraded = tdkt("db", "upgrade", env=env, cwd=legacy)
    assert upgraded.stderr.splitlines()[0] == f"Database: {legacy / 'tdkt-bot.sqlite3'}"
    # PostgreSQL: the URL without the password.
    refused = tdkt(
        "db",
        "upgrade",
        env={**env, "TDKT_DATABASE_URL": "postgresql://tdkt:secret@127.0.0.1:1/tdkt"},
    )
    assert refused.returncode == 1 and "secret" not in refused.stderr


def test_an_export_on_a_full_disk_leaves_the_older_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The disk fills up while an export is written: one line, no half-written file, and the
    report written before under that name is still whole; with room again it is replaced."""
    import errno
    import os

    from bot.cli import main

    url = f"sqlite+aiosqlite:///{tmp_path / 'live.sqlite3'}"
    monkeypatch.setenv("TDKT_DATABASE_URL", url)
    monkeypatch.setenv("TDKT_LANGUAGE", "en")
    assert main(["import-units", str(UNITS_CSV)]) == 0
    assert main(["import-plan", str(PLAN_2020)]) == 0
    reports = tmp_path / "reports"
    reports.mkdir()
    out = reports / "progress.xlsx"
    out.write_bytes(b"last week's report")
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, handle: int) -> None:
            self.stream = real_fdopen(handle, "wb")

        def __enter__(self) -> FullDisk:
            return self

        def __exit__(self, *_exc: object) -> None:
            self.stream.close()

        def write(self, data: bytes) -> int:
            self.stream.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

    capsys.readouterr()
    monkeypatch.setattr(os, "fdopen", lambda handle, _mode: FullDisk(handle))
    assert main(["export", "progress", "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"Cannot write {out}: No space left on device"
    assert [path.name for path in reports.iterdir()] == ["progress.xlsx"]
    assert out.read_bytes() == b"last week's report"
    monkeypatch.setattr(os, "fdopen", real_fdopen)
    assert main(["export", "progress", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"PK")  # a workbook now
