"""aiosqlite connections that cross to the database thread once per statement.

aiosqlite runs every call of the sqlite3 API in its own thread, and SQLAlchemy's adapter makes
four such calls per statement (cursor, execute, fetchall, close), and a commit or rollback even
when no transaction is open. Each crossing is two thread wake-ups: on a small virtual machine
about 150 µs, a hundred times what an indexed SQLite lookup costs. This connection runs the
whole statement in one crossing and skips the no-op commits and rollbacks, so the database work
of a button press costs a few crossings instead of dozens. It is handed to SQLAlchemy through
`create_async_engine(async_creator=...)`; the statements, transactions and locking are SQLite's
own, unchanged.

Write transactions go one at a time through a `WriteGate`, the process's own queue of writers
to one database: a statement that would open a transaction (INSERT, UPDATE, DELETE, REPLACE,
SAVEPOINT) first waits for the gate, then opens it with BEGIN IMMEDIATE, and the gate passes
to the next writer at COMMIT or ROLLBACK. Without it, two handlers writing at once wait for
each other in SQLite's busy handler (sleeps of 1 to 100 ms in the database thread), and a
transaction that read before its first write (a SAVEPOINT opens a deferred one) fails at once
with "database is locked" when another connection wrote meanwhile. Reads are not gated: in
WAL mode they never wait for a writer. Other processes (the CLI) are still waited for by the
busy timeout.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")

_Outcome = tuple[Any, list[Any], int | None, int]

# The statements that open a transaction in the sqlite3 module's default (legacy) mode, where
# a SELECT outside a transaction runs by itself; and SAVEPOINT, which SQLite opens one for.
_OPENS_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT)\b", re.IGNORECASE)


class WriteGate:
    """One write transaction at a time among this process's connections to one database,
    in the order they asked; a writer that waited `timeout` seconds fails as SQLite would
    ("database is locked")."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _current(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            # An engine may outlive one event loop (asyncio.run called again).
            self._lock, self._loop = asyncio.Lock(), loop
        return self._lock

    async def enter(self) -> asyncio.Lock:
        lock = self._current()
        try:
            await asyncio.wait_for(lock.acquire(), timeout=self.timeout)
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        return lock


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
        begin = await connection.before(arguments[0])

        def in_database_thread() -> _Outcome:
            cursor = connection._conn.cursor()
            try:
                if begin:
                    cursor.execute("BEGIN IMMEDIATE")
                getattr(cursor, method)(*arguments)
                rows = cursor.fetchall() if cursor.description else []
                return cursor.description, rows, cursor.lastrowid, cursor.rowcount
            finally:
                cursor.close()

        try:
            outcome = await connection.in_thread(in_database_thread)
        finally:
            connection.after()
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
    gate: WriteGate | None = None
    _holding: asyncio.Lock | None = None

    async def before(self, sql: str) -> bool:
        """Before a statement: True when it opens a write transaction, which then begins
        IMMEDIATE, once this connection has passed the gate."""
        if self.gate is None or self._holding is not None or self._conn.in_transaction:
            return False
        if not _OPENS_WRITE.match(sql):
            return False
        self._holding = await self.gate.enter()
        return True

    def after(self) -> None:
        """After a statement, a commit or a rollback: the gate passes on once no transaction
        is open (committed, rolled back, or never begun because the statement failed)."""
        if self._holding is not None and not self._conn.in_transaction:
            self._holding.release()
            self._holding = None

    async def in_thread(self, function: Callable[[], T]) -> T:
        """`function()` run in the database thread (aiosqlite's `_execute`, typed)."""
        result: T = await self._execute(function)  # type: ignore[no-untyped-call]
        return result

    async def cursor(self) -> OneTripCursor:  # type: ignore[override]
        return OneTripCursor(self)

    async def commit(self) -> None:
        try:
            if self.in_transaction:
                await self.in_thread(self._conn.commit)
        finally:
            self.after()

    async def rollback(self) -> None:
        try:
            if self.in_transaction:
                await self.in_thread(self._conn.rollback)
        finally:
            self.after()

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            if self._holding is not None:
                self._holding.release()
                self._holding = None


async def connect(
    database: str, *, gate: WriteGate | None = None, **kwargs: Any
) -> OneTripConnection:
    """Opens the database like `aiosqlite.connect(database, **kwargs)`; its write transactions
    pass through `gate` (shared by the engine's connections) when given."""
    connection = OneTripConnection(lambda: sqlite3.connect(database, **kwargs), 64)
    connection.gate = gate
    # Like SQLAlchemy's own adapter: a forgotten connection must not keep the process alive.
    connection._thread.daemon = True
    await connection
    return connection
