"""The async engine and session factory; SQLite runs in WAL mode with a busy timeout."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, ProgrammingError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.core import sqlite_connection

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _unavailable_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [DBAPIError, OSError, TimeoutError]
    try:
        import asyncpg
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return tuple(errors)
    # asyncpg's errors while connecting reach us unwrapped ("the database system is starting
    # up", "is not currently accepting connections").
    errors += [asyncpg.PostgresError, asyncpg.InterfaceError]
    return tuple(errors)


# What the database raises while it is away for a while: SQLite locked by another process past
# the busy timeout, PostgreSQL restarting (connections terminated, refused, not yet accepted).
DATABASE_UNAVAILABLE = _unavailable_errors()
# Errors of the statement itself, which waiting does not cure.
DATABASE_MISTAKES = (IntegrityError, ProgrammingError, DataError)


def make_engine(
    url: str,
    *,
    busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    foreign_keys: bool = True,
    **kwargs: Any,
) -> AsyncEngine:
    """SQLite waits up to `busy_timeout_ms` for a lock held by another process, and for the
    process's own writers in line (write transactions begin IMMEDIATE, one at a time); its
    connections cross to their thread once per statement (`bot.core.sqlite_connection`).

    `foreign_keys=False` is for migrations only: SQLite rebuilds a table to alter it (drop and
    create), and with foreign keys enforced the drop deletes every row that cascades from it."""
    if url.startswith("sqlite"):
        parsed = make_url(url)
        (database,), options = parsed.get_dialect()().create_connect_args(parsed)
        options["timeout"] = busy_timeout_ms / 1000
        engine = create_async_engine(
            url,
            async_creator=functools.partial(
                sqlite_connection.connect,
                database,
                # One writer at a time in this process, queued (see sqlite_connection).
                gate=sqlite_connection.WriteGate(busy_timeout_ms / 1000),
                **options,
            ),
            **kwargs,
        )

        def on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        event.listen(engine.sync_engine, "connect", on_connect)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
