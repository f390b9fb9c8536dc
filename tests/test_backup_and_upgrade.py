"""Backups of a live SQLite database, and upgrades from the first schema keeping all data."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import text

from bot.core.db import make_engine
from bot.core.migrate import upgrade
from tests.test_cli import atdkt

NOW = datetime(2020, 5, 15, 2, 0, tzinfo=UTC)


async def test_backup_of_a_database_in_use(tmp_path: Path) -> None:
    path = tmp_path / "live.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    writer = sqlite3.connect(path)
    writer.execute("INSERT INTO clusters (name) VALUES ('Cụm thi đua số 1')")
    writer.commit()
    writer.execute("BEGIN")  # a write in progress, not committed: not in the copy
    writer.execute("INSERT INTO clusters (name) VALUES ('Chưa ghi')")
    try:
        code, out, err = await atdkt(
            "backup",
            "--out",
            str(tmp_path / "copy.sqlite3"),
            env={"TDKT_DATABASE_URL": url, "TDKT_LANGUAGE": "en"},
        )
    finally:
        writer.rollback()
        writer.close()
    assert code == 0, err
    assert out.strip() == f"Backup written to {tmp_path / 'copy.sqlite3'}."
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert [row[0] for row in copy.execute("SELECT name FROM clusters")] == ["Cụm thi đua số 1"]
    copy.close()
    again, _out, err = await atdkt(
        "backup",
        "--out",
        str(tmp_path / "copy.sqlite3"),
        env={"TDKT_DATABASE_URL": url, "TDKT_LANGUAGE": "en"},
    )
    assert again == 1 and "already exists" in err
    pg, _out, err = await atdkt(
        "backup",
        "--out",
        str(tmp_path / "x"),
        env={"TDKT_DATABASE_URL": "postgresql://x@127.0.0.1/none", "TDKT_LANGUAGE": "en"},
    )
    assert pg == 1 and "pg_dump" in err


async def test_upgrade_from_the_first_schema_keeps_the_data(database_url: str) -> None:
    """Data written by revision 0001 survives every later migration unchanged."""
    from bot.core.migrate import downgrade

    await downgrade(database_url, "base")
    await upgrade(database_url, "0001")
    engine = make_engine(database_url)
    rows = {
        "clusters": "INSERT INTO clusters (id, name) VALUES (1, 'Cụm thi đua số 1')",
        "units": "INSERT INTO units (id, code, name, kind, cluster_id, active) "
        "VALUES (1, 'TT-VA', 'UBND thị trấn Vĩnh An', 'township', 1, true)",
        "members": "INSERT INTO members (id, telegram_id, full_name, language, role, unit_id, "
        "active, created_at) VALUES (1, 42, 'Nguyễn Văn An', 'vi', 'head', 1, true, "
        ":now)",
        "plans": "INSERT INTO plans (id, year, title, created_at) VALUES (1, 2020, "
        "'Công tác thi đua, khen thưởng năm 2020', :now)",
        "tasks": "INSERT INTO tasks (id, plan_id, quarter, position, title, deadline) VALUES "
        "(1, 1, 2, 1, 'Tổ chức Hội nghị', :deadline)",
        "task_reports": "INSERT INTO task_reports (id, task_id, unit_id, done, done_at, "
        "reported_by_id, note, updated_at) VALUES (1, 1, 1, true, :now, 1, "
        "'Đã xong', :now)",
    }
    stamp = NOW.replace(tzinfo=None) if database_url.startswith("sqlite") else NOW
    async with engine.begin() as connection:
        for statement in rows.values():
            await connection.execute(
                text(statement), {"now": stamp, "deadline": date(2020, 6, 30)}
            )
    await engine.dispose()
    await upgrade(database_url)
    engine = make_engine(database_url)
    async with engine.connect() as connection:
        member = (
            await connection.execute(
                text("SELECT full_name, reachable, pending_input FROM members")
            )
        ).one()
        # The report's note now lives in the notes table.
        report = (
            await connection.execute(
                text(
                    "SELECT r.done, n.note FROM task_reports r "
                    "JOIN task_report_notes n ON n.report_id = r.id"
                )
            )
        ).one()
        task = (
            await connection.execute(
                text("SELECT title, deadline, year_round, responsible FROM tasks")
            )
        ).one()
        awards = (await connection.execute(text("SELECT count(*) FROM award_forms"))).scalar()
        # Links survive too: SQLite rebuilds a table to alter it, and with foreign keys on,
        # dropping the old one set these to NULL (0002 rebuilt clusters and members).
        links = (
            await connection.execute(
                text(
                    "SELECT u.cluster_id, r.reported_by_id FROM units u, task_reports r "
                    "WHERE u.id = 1 AND r.id = 1"
                )
            )
        ).one()
    await engine.dispose()
    assert tuple(links) == (1, 1)
    assert tuple(member) == ("Nguyễn Văn An", True, None)
    assert tuple(report) == (True, "Đã xong")
    assert task[0] == "Tổ chức Hội nghị" and str(task[1]) == "2020-06-30"
    assert (bool(task[2]), task[3]) == (False, None)
    assert awards == 10
