"""The bot as `tdkt-bot run` serves it, in a process of its own, on a clock the benchmark sets.

`python -m bench.bot_process START PASS_AT` (ISO instants; settings from TDKT_* as for `tdkt-bot
run`): the bot's clock reads START and moves with real time, so the catch-up reminder pass at
start-up (before the reminder time) plans nothing. On SIGUSR1 the clock moves to PASS_AT and the
morning pass runs as the daily job would run it: it plans and queues the day's reminders and
wakes the outbox sender, while the bot keeps answering updates.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import UTC, datetime, timedelta

from bot.app import ALLOWED_UPDATES, build_application
from bot.core.config import settings_from_env
from bot.runtime.intake import api_address, serve
from bot.runtime.reminder_jobs import reminder_pass


class BenchClock:
    """Real time from a chosen instant on; `jump` sets it to another."""

    def __init__(self, start: datetime) -> None:
        self.jump(start)

    def jump(self, at: datetime) -> None:
        self._start = at.astimezone(UTC)
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


async def main(start: datetime, pass_at: datetime) -> int:
    settings = settings_from_env(os.environ)
    clock = BenchClock(start)
    application = build_application(settings, clock=clock)
    passes: set[asyncio.Task[object]] = set()

    def morning() -> None:
        clock.jump(pass_at)
        task = asyncio.create_task(reminder_pass(application))
        passes.add(task)
        task.add_done_callback(passes.discard)

    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, morning)
    trace_path = os.environ.get("BENCH_TRACE")
    if trace_path:
        from bench import trace

        trace.install(application)
        lag = asyncio.create_task(trace.loop_lag())
    try:
        return await serve(
            application,
            api_url=api_address(settings.api_base_url),
            allowed_updates=ALLOWED_UPDATES,
        )
    finally:
        if trace_path:
            lag.cancel()
            trace.write(trace_path)


def profiled(start: datetime, pass_at: datetime, path: str) -> int:
    import cProfile

    profile = cProfile.Profile()
    try:
        return profile.runcall(asyncio.run, main(start, pass_at))
    finally:
        profile.dump_stats(path)


if __name__ == "__main__":
    instants = datetime.fromisoformat(sys.argv[1]), datetime.fromisoformat(sys.argv[2])
    if os.environ.get("BENCH_PROFILE"):
        sys.exit(profiled(*instants, os.environ["BENCH_PROFILE"]))
    sys.exit(asyncio.run(main(*instants)))
