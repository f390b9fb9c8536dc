"""Migrations build exactly the schema the models describe, and go down and up again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.db import make_engine
from bot.migrate import downgrade, upgrade
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
