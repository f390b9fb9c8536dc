"""Applies Alembic migrations from the packaged `migrations/` folder to a database URL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.core.db import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
# Several processes may migrate one PostgreSQL database at once (webhook processes started
# together, `db upgrade` run twice): this lock makes them take turns, so the later ones find
# nothing to do instead of failing on the tables the first is creating. "tdkt" in ASCII.
MIGRATION_LOCK_KEY = 0x74646B74


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(url: str, revision: str = "head") -> None:
    engine = make_engine(url, foreign_keys=False)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade_on, url, revision)
    finally:
        await engine.dispose()


async def downgrade(url: str, revision: str) -> None:
    engine = make_engine(url, foreign_keys=False)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_downgrade_on, url, revision)
    finally:
        await engine.dispose()


def _take_turns(connection: Connection) -> None:
    """On PostgreSQL, waits for any other migration of this database to commit. The lock is
    the transaction's first statement, so what runs after it sees the other's tables."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})


def _upgrade_on(connection: Connection, url: str, revision: str) -> None:
    _take_turns(connection)
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
    _check_foreign_keys(connection)


def _check_foreign_keys(connection: Connection) -> None:
    """SQLite migrates with foreign keys off (see `make_engine`): a migration that left a row
    pointing nowhere fails here, and the transaction rolls back, instead of leaving it."""
    if connection.dialect.name == "sqlite":
        broken = connection.execute(text("PRAGMA foreign_key_check")).all()
        if broken:
            raise RuntimeError(f"the migration left rows without their parent: {broken[:5]}")


def _downgrade_on(connection: Connection, url: str, revision: str) -> None:
    _take_turns(connection)
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.downgrade(config, revision)
    _check_foreign_keys(connection)
