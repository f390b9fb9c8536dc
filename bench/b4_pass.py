"""B1's memory figure: the daily pass as the bot runs it (planned, logged, queued and
committed), alone in a process of its own, on a database B1 has filled.

`python -m bench.b4_pass URL` prints one JSON line: the seconds of the whole pass, the reminders
it queued, and the process's resident memory before it and at its peak (VmHWM)."""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_rss_mb() -> float:
    """The high-water mark of this process's own memory (VmHWM: ru_maxrss would also count
    the memory of the benchmark it was forked from)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


async def run(url: str, day: date) -> dict[str, Any]:
    from bot.core.db import make_engine, make_sessionmaker
    from bot.services.reminders import ReminderRules, run_reminder_pass

    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    now = datetime.combine(day, datetime.min.time().replace(hour=8), TZ)
    try:
        async with engine.connect() as connection:  # the pool's connection is open before
            await connection.exec_driver_sql("SELECT 1")
        before = rss_mb()
        started = time.perf_counter()
        async with sessionmaker() as session:
            result = await run_reminder_pass(session, now=now, tz=TZ, rules=ReminderRules())
        seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    return {
        "seconds": seconds,
        "enqueued": result.enqueued,
        "rss_before_mb": before,
        "peak_rss_mb": peak_rss_mb(),
    }


async def measure(url: str, day: date) -> dict[str, Any]:
    """Runs the pass in a child process; its figures."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.b4_pass",
        url,
        day.isoformat(),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"bench.b4_pass exited with {process.returncode}")
    figures: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return figures


if __name__ == "__main__":
    figures = asyncio.run(run(sys.argv[1], date.fromisoformat(sys.argv[2])))
    print(json.dumps(figures))
