"""Timing of the bot process under a benchmark: `BENCH_TRACE=FILE` (read by `bench.bot_process`)
writes, when the bot stops, where the time of an update went: handling (queued in the poller vs.
running), a reply's wait for the send budget, the outbox sender's database records, and how late
the event loop wakes up. `BENCH_PROFILE=FILE` also runs cProfile over the whole process."""

from __future__ import annotations

import asyncio
import contextvars
import json
import statistics
import time
from collections import defaultdict
from typing import Any

from bot.core.sqlite_connection import OneTripConnection, OneTripCursor
from bot.runtime.outbox_sender import OutboxSender
from bot.runtime.send_budget import SendBudget

# (moment, seconds) by what was timed; split into the wave and after it by the last bulk send.
samples: dict[str, list[tuple[float, float]]] = defaultdict(list)
last_bulk = 0.0
slow: list[Any] = []
# Who runs the statement: an update's handlers, or the rest (the outbox sender, jobs).
_in_update = contextvars.ContextVar("in_update", default=False)


def _who() -> str:
    return "update" if _in_update.get() else "other"


def _timed(name: str, function: Any) -> Any:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await function(*args, **kwargs)
        finally:
            now = time.perf_counter()
            samples[name].append((now, now - started))

    return wrapper


def install(application: Any) -> None:
    """Wraps the calls to time (on this process's classes and objects)."""
    acquire = SendBudget.acquire

    async def timed_acquire(self: SendBudget, *, bulk: bool) -> None:
        started = time.perf_counter()
        global last_bulk
        # Slots held (under way, answered less than HOLD ago) and replies waiting.
        before = (self.in_flight, self.held(), self.replies_waiting)
        await acquire(self, bulk=bulk)
        now = time.perf_counter()
        if not bulk and now - started > 0.1:
            slow.append((round(now - started, 3), before))
        if bulk:
            last_bulk = now
        samples["budget wait bulk" if bulk else "budget wait reply"].append((now, now - started))

    SendBudget.acquire = timed_acquire  # type: ignore[method-assign]
    OutboxSender._record = _timed("outbox record", OutboxSender._record)  # type: ignore[method-assign]
    OutboxSender._send = _timed("outbox send call", OutboxSender._send)  # type: ignore[method-assign]
    process_update = _timed("update handling", application.process_update)

    async def marked(*args: Any, **kwargs: Any) -> Any:
        _in_update.set(True)
        return await process_update(*args, **kwargs)

    application.process_update = marked
    run = OneTripCursor._run

    async def timed_run(self: OneTripCursor, method: str, *arguments: Any) -> OneTripCursor:
        started = time.perf_counter()
        try:
            return await run(self, method, *arguments)
        finally:
            now = time.perf_counter()
            verb = str(arguments[0]).split(None, 1)[0].upper() if arguments else "?"
            samples[f"sql {verb} by {_who()}"].append((now, now - started))

    OneTripCursor._run = timed_run  # type: ignore[method-assign]
    commit = OneTripConnection.commit

    async def timed_commit(self: OneTripConnection) -> None:
        started = time.perf_counter()
        try:
            await commit(self)
        finally:
            now = time.perf_counter()
            samples[f"sql COMMIT by {_who()}"].append((now, now - started))

    OneTripConnection.commit = timed_commit  # type: ignore[method-assign]


async def loop_lag(period: float = 0.005) -> None:
    """How late the loop wakes a sleeper (the time others held it)."""
    while True:
        started = time.perf_counter()
        await asyncio.sleep(period)
        now = time.perf_counter()
        samples["loop lag"].append((now, now - started - period))


def summary() -> dict[str, Any]:
    result: dict[str, Any] = {}
    for (name, timed), phase in (
        ((name, timed), phase) for name, timed in samples.items() for phase in ("wave", "after")
    ):
        ordered = sorted(v for t, v in timed if (t <= last_bulk) == (phase == "wave"))
        if not ordered:
            continue
        result[f"{name} ({phase})"] = {
            "n": len(ordered),
            "median_ms": round(1000 * statistics.median(ordered), 2),
            "p95_ms": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 2),
            "max_ms": round(1000 * ordered[-1], 2),
            "total_s": round(sum(ordered), 2),
        }
    result["slow replies"] = slow[:40]
    return result


def write(path: str) -> None:
    with open(path, "w", encoding="utf-8") as file:
        json.dump(summary(), file, indent=1)
