"""Counts the SQL statements an engine sends to the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, *args: Any) -> None:
        self.count += 1
        self.statements.append(str(args[1] if isinstance(args[1], str) else args[2]))


@contextmanager
def counting_statements(
    engine: AsyncEngine, *, round_trips: bool = True
) -> Iterator[StatementCounter]:
    """Counts every cursor execution (a round trip: the batches of an executemany each count),
    or with `round_trips=False` every statement the code executes (an executemany is one)."""
    counter = StatementCounter()
    name = "before_cursor_execute" if round_trips else "before_execute"
    event.listen(engine.sync_engine, name, counter)
    try:
        yield counter
    finally:
        event.remove(engine.sync_engine, name, counter)
