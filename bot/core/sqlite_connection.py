"""aiosqlite connections that cross to the database thread once per statement.

aiosqlite runs every call of the sqlite3 API in its own thread, and SQLAlchemy's adapter makes
four such calls per statement (cursor, execute, fetchall, close), and a commit or rollback even
when no transaction is open. Each crossing is two thread wake-ups: on a small virtual machine
about 150 µs, a hundred times what an indexed SQLite lookup costs. This connection runs the
whole statement in one crossing and skips the no-op commits and rollbacks, so the database work
of a button press costs a few crossings instead of dozens. It is handed to SQLAlchemy through
`create_async_engine(async_creator=...)`; the statements, transactions and locking are SQLite's
own, unchanged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")

_Outcome = tuple[Any, list[Any], int | None, int]


class OneTripCursor:
    """The part of aiosqlite's cursor SQLAlchemy uses; rows are fetched within `execute`."""

    arraysize = 1

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self.description: Any = None
        self.lastrowid: int | None = None
        self.rowcount = -1
        self._rows: list[Any] = []

    async def _run(self, method: str, *arguments: Any) -> OneTripCursor:
        connection = self._connection

        def in_database_thread() -> _Outcome:
            cursor = connection._conn.cursor()
            try:
                getattr(cursor, method)(*arguments)
                rows = cursor.fetchall() if cursor.description else []
                return cursor.description, rows, cursor.lastrowid, cursor.rowcount
            finally:
                cursor.close()

        outcome = await connection.in_thread(in_database_thread)
        self.description, self._rows, self.lastrowid, self.rowcount = outcome
        return self

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> OneTripCursor:
        if parameters is None:
            return await self._run("execute", sql)
        return await self._run("execute", sql, parameters)

    async def executemany(
        self, sql: str, seq_of_parameters: Iterable[Sequence[Any]]
    ) -> OneTripCursor:
        return await self._run("executemany", sql, seq_of_parameters)

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = size or self.arraysize
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def close(self) -> None:
        self._rows = []


class OneTripConnection(aiosqlite.Connection):
    async def in_thread(self, function: Callable[[], T]) -> T:
        """`function()` run in the database thread (aiosqlite's `_execute`, typed)."""
        result: T = await self._execute(function)  # type: ignore[no-untyped-call]
        return result

    async def cursor(self) -> OneTripCursor:  # type: ignore[override]
        return OneTripCursor(self)

    async def commit(self) -> None:
        if self.in_transaction:
            await self.in_thread(self._conn.commit)

    async def rollback(self) -> None:
        if self.in_transaction:
            await self.in_thread(self._conn.rollback)


async def connect(database: str, **kwargs: Any) -> OneTripConnection:
    """Opens the database like `aiosqlite.connect(database, **kwargs)`."""
    connection = OneTripConnection(lambda: sqlite3.connect(database, **kwargs), 64)
    # Like SQLAlchemy's own adapter: a forgotten connection must not keep the process alive.
    connection._thread.daemon = True
    await connection
    return connection
