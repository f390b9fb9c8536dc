"""Migrations build exactly the schema the models describe, and go down and up again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.core.db import make_engine
from bot.core.migrate import downgrade, upgrade
from models import Base


async def _schema_diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await engine.dispose()


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    assert await _schema_diff(database_url) == []


async def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    await downgrade(database_url, "base")
    assert await _tables(database_url) <= {"alembic_version"}
    await upgrade(database_url)
    assert set(Base.metadata.tables) <= await _tables(database_url)
    assert await _schema_diff(database_url) == []


async def test_notes_and_files_stored_before_the_upgrade_are_kept(database_url: str) -> None:
    """A report's one note and one file become its first entries of the notes table."""
    import importlib.util
    from pathlib import Path

    from sqlalchemy import text

    [path] = Path(__file__).parent.parent.glob("migrations/versions/*_task_report_notes.py")
    spec = importlib.util.spec_from_file_location("report_notes_migration", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    await downgrade(database_url, migration.down_revision)
    engine = make_engine(database_url)
    try:
        async with engine.begin() as connection:
            for statement in (
                "INSERT INTO units (id, code, name, kind, active) "
                "VALUES (1, 'TT-VA', 'UBND thị trấn Vĩnh An', 'township', true)",
                "INSERT INTO members (id, telegram_id, full_name, language, role, unit_id, "
                "active, reachable, created_at) "
                "VALUES (1, 1501, 'Nguyễn Văn An', 'vi', 'head', 1, true, true, "
                "'2020-05-15 02:00:00')",
                "INSERT INTO plans (id, year, title, created_at) "
                "VALUES (1, 2020, 'Kế hoạch', '2020-01-02 02:00:00')",
                "INSERT INTO tasks (id, plan_id, quarter, position, title, deadline) "
                "VALUES (1, 1, 2, 1, 'Hội nghị', '2020-06-30'), "
                "(2, 1, 2, 2, 'Báo cáo', '2020-06-30'), (3, 1, 2, 3, 'Sơ kết', '2020-06-30')",
                "INSERT INTO task_reports (id, task_id, unit_id, done, done_at, reported_by_id, "
                "note, file_id, file_name, updated_at) VALUES "
                "(1, 1, 1, true, '2020-05-15 02:00:00', 1, 'Đã tổ chức', 'file-bb', "
                "'bien-ban.pdf', '2020-05-15 03:00:00'), "
                "(2, 2, 1, true, '2020-05-15 02:00:00', 1, NULL, NULL, NULL, "
                "'2020-05-15 02:00:00'), "
                "(3, 3, 1, true, '2020-05-15 02:00:00', 1, 'Chỉ ghi chú', NULL, NULL, "
                "'2020-05-16 02:00:00')",
            ):
                await connection.execute(text(statement))
    finally:
        await engine.dispose()
    await upgrade(database_url)
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        "SELECT report_id, member_id, note, file_id, file_name "
                        "FROM task_report_notes ORDER BY id"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    assert [tuple(row) for row in rows] == [
        (1, 1, "Đã tổ chức", "file-bb", "bien-ban.pdf"),
        (3, 1, "Chỉ ghi chú", None, None),
    ]
    assert await _schema_diff(database_url) == []
