"""B2: replies during the morning wave.

N units with heads; the bot runs in its own process (`bench.bot_process`), the fake Bot API and
the simulated heads in this one, with Telegram's 30 messages a second enforced (429 beyond).
The morning pass queues a digest for every head; while they drain, heads press ✅ on the digest
they got and send /tasks, at 10 and at 30 updates a second, in rounds of a few seconds that
take turns. Once the wave is out, the same rounds run against the idle bot. Each update's
latency runs from its arrival at the Bot API server (pushed) to the bot's answer arriving there
(the /tasks list's sendMessage, the press's answerCallbackQuery).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.api_process import RemoteApi
from bench.b1_planning import TZ, busiest_day
from bench.b3_broadcast import peak_rss_mb
from bench.datagen import generate
from bot.core.db import make_engine, make_sessionmaker
from bot.services.reminders import ReminderRules
from models import OutboxMessage, OutboxStatus, ReminderKind
from tests.auxil.fake_bot_api import TOKEN, ApiCall

TELEGRAM_LIMIT = 30
YEAR = 2026
OFFICER = 99_000_002
RATES = (10, 30)
ROOT = str(Path(__file__).resolve().parent.parent)
_ids = itertools.count(1)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


@dataclass
class Spread:
    values: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    def __str__(self) -> str:
        if not self.values:
            return "–"
        return f"{min(self.values):.0f}/{self.median:.0f}/{max(self.values):.0f}"


@dataclass
class WaveFigures:
    units: int
    digests: int
    round_seconds: float = 0.0
    # p95 latencies in ms, one per round, by (phase, rate); and every latency.
    p95: dict[tuple[str, int], list[float]] = field(default_factory=dict)
    latencies: dict[tuple[str, int], list[float]] = field(default_factory=dict)
    updates: int = 0
    unanswered: int = 0
    reply_429: int = 0
    bulk_429: int = 0
    wave_seconds: float = 0.0
    bulk_rate: float = 0.0
    reply_rate: float = 0.0
    duplicates: int = 0
    lost: int = 0
    rounds_after_wave: int = 0
    peak_rss_mb: float = 0.0
    # p95 (ms) of all the rounds of a phase by kind of update: "tasks", "press".
    wave_by_kind: dict[str, float] = field(default_factory=dict)
    idle_by_kind: dict[str, float] = field(default_factory=dict)

    def add(self, phase: str, rate: int, latencies: list[float]) -> None:
        self.p95.setdefault((phase, rate), []).append(percentile(latencies, 0.95))
        self.latencies.setdefault((phase, rate), []).extend(latencies)
        self.updates += len(latencies)

    def spread(self, phase: str, rate: int) -> Spread:
        return Spread(self.p95.get((phase, rate), []))

    def ratio(self, rate: int) -> float:
        return self.spread("wave", rate).median / self.spread("idle", rate).median

    @property
    def drain_ratio(self) -> float:
        """Digests a second against what the replies left of the budget."""
        return self.bulk_rate / (TELEGRAM_LIMIT - self.reply_rate)


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Thủ trưởng", "language_code": "vi"}


def _is_bulk(call: ApiCall) -> bool:
    """A digest (its buttons are ✅ presses, `rd:`) or the officer's weekly summary."""
    if call.chat_id == OFFICER:
        return True
    markup = call.params.get("reply_markup") or {}
    return any(
        str(button.get("callback_data", "")).startswith("rd:")
        for row in markup.get("inline_keyboard", [])
        for button in row
    )


class Heads:
    """The simulated heads: pushes their updates, matches the bot's answers, keeps score."""

    def __init__(self, api: RemoteApi, heads: list[int]) -> None:
        self.api = api
        self.idle_heads = list(reversed(heads))  # /tasks from heads not yet used
        self.digests: list[dict[str, Any]] = []  # digests delivered, not yet pressed
        self.bulk: Counter[int] = Counter()
        self.bulk_times: list[float] = []
        self.reply_times: list[float] = []
        self.tasks_pending: dict[int, float] = {}
        self.press_pending: dict[str, float] = {}
        self.latencies: list[float] = []
        # The same, by kind: /tasks reads, ✅ writes a report.
        self.by_kind: dict[str, list[float]] = {"tasks": [], "press": []}
        self.reply_429 = 0
        self.bulk_429 = 0
        self._seen = 0

    async def scan(self) -> None:
        await self.api.sync()
        calls = self.api.calls
        for call in calls[self._seen :]:
            if call.method == "sendMessage":
                bulk = _is_bulk(call)
                if call.error is not None:
                    if "Too Many Requests" in call.error:
                        if bulk:
                            self.bulk_429 += 1
                        else:
                            self.reply_429 += 1
                    continue
                if bulk:
                    self.bulk[call.chat_id or 0] += 1
                    self.bulk_times.append(call.at)
                    if call.chat_id != OFFICER:
                        self.digests.append(call.result)
                    continue
                self.reply_times.append(call.at)
                pushed = self.tasks_pending.pop(call.chat_id or 0, None)
                if pushed is not None:
                    self.latencies.append(call.at - pushed)
                    self.by_kind["tasks"].append(call.at - pushed)
            elif call.method == "answerCallbackQuery" and call.error is None:
                pushed = self.press_pending.pop(str(call.params.get("callback_query_id")), None)
                if pushed is not None:
                    self.latencies.append(call.at - pushed)
                    self.by_kind["press"].append(call.at - pushed)
        self._seen = len(calls)

    async def push(self, press: bool) -> None:
        if press and self.digests:
            message = self.digests.pop(0)
            head = int(message["chat"]["id"])
            data = next(
                button["callback_data"]
                for row in message["reply_markup"]["inline_keyboard"]
                for button in row
            )
            query_id = str(next(_ids))
            self.press_pending[query_id] = await self.api.push_update(
                {
                    "callback_query": {
                        "id": query_id,
                        "from": _user(head),
                        "chat_instance": str(head),
                        "message": message,
                        "data": data,
                    }
                }
            )
            return
        head = self.idle_heads.pop()
        self.tasks_pending[head] = await self.api.push_update(
            {
                "message": {
                    "message_id": next(_ids),
                    "date": int(time.time()),
                    "chat": {"id": head, "type": "private"},
                    "from": _user(head),
                    "text": "/tasks",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                }
            }
        )

    async def round(self, rate: int, seconds: float) -> list[float]:
        """Updates at `rate` a second for `seconds`, half presses, half /tasks; the latencies
        (ms) once all are answered (or 30 s have passed)."""
        await self.scan()
        mark = len(self.latencies)
        started = time.monotonic()
        count = int(rate * seconds)
        for index in range(count):
            delay = started + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await self.push(press=index % 2 == 0)
            if index % 10 == 9:
                await self.scan()
        deadline = time.monotonic() + 30
        while (self.tasks_pending or self.press_pending) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            await self.scan()
        return [1000 * value for value in self.latencies[mark:]]


async def _wave_sent(url: str, within: float = 3600) -> None:
    """Returns once every reminder the morning pass queued has been sent (or refused)."""
    engine = make_engine(url)
    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline:
            async with engine.connect() as connection:
                left = await connection.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(
                        OutboxMessage.kind.in_([kind.value for kind in ReminderKind]),
                        OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
                    )
                )
            if not left:
                return
            await asyncio.sleep(0.25)
    finally:
        await engine.dispose()


async def measure(
    url: str, units: int, rounds: int = 3, seconds: float | None = None
) -> WaveFigures:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            dataset = await generate(session, units, year=YEAR)
    finally:
        await engine.dispose()
    day = busiest_day(YEAR, ReminderRules())
    start = datetime.combine(day, datetime.min.time().replace(hour=7), TZ)
    pass_at = datetime.combine(day, datetime.min.time().replace(hour=8, minute=5), TZ)
    # Rounds of a few seconds, so that all of them fit well inside the wave.
    if seconds is None:
        seconds = max(3.0, min(20.0, units / TELEGRAM_LIMIT / 10))
    api = RemoteApi(sends_per_second=TELEGRAM_LIMIT)
    await api.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TDKT_")}
    env.update(
        {
            "TDKT_BOT_TOKEN": TOKEN,
            "TDKT_API_BASE_URL": api.base_url,
            "TDKT_API_FILE_URL": api.file_url,
            "TDKT_DATABASE_URL": url,
            "TDKT_OFFICER_IDS": str(OFFICER),
            # bench/ is not installed: the bot process finds it where this one did.
            "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")])),
        }
    )
    figures = WaveFigures(units, 0, seconds)
    heads = Heads(api, dataset.head_ids)
    with tempfile.TemporaryDirectory() as cwd:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.bot_process",
            start.isoformat(),
            pass_at.isoformat(),
            env=env,
            cwd=cwd,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            async with asyncio.timeout(120):
                while not (await api.state())["polls"]:  # noqa: ASYNC110 - another process
                    await asyncio.sleep(0.1)
            # Warm-up: the first updates pay for imports and caches.
            await heads.round(10, 2)
            process.send_signal(signal.SIGUSR1)
            async with asyncio.timeout(120):
                while not heads.bulk:
                    await asyncio.sleep(0.05)
                    await heads.scan()
            for _ in range(rounds):
                for rate in RATES:
                    figures.add("wave", rate, await heads.round(rate, seconds))
            figures.wave_by_kind = {
                kind: percentile(values, 0.95) * 1000 for kind, values in heads.by_kind.items()
            }
            heads.by_kind = {"tasks": [], "press": []}
            after = len(heads.bulk_times)
            # The wave ends when the database holds no reminder left to send (none lost in a
            # crash: the bot process is still running).
            await _wave_sent(url)
            await heads.scan()
            if after == len(heads.bulk_times):
                figures.rounds_after_wave = 1  # the wave ended before the rounds did
            wave_start, wave_end = min(heads.bulk_times), max(heads.bulk_times)
            for _ in range(rounds):
                for rate in RATES:
                    figures.add("idle", rate, await heads.round(rate, seconds))
            figures.idle_by_kind = {
                kind: percentile(values, 0.95) * 1000 for kind, values in heads.by_kind.items()
            }
            figures.peak_rss_mb = peak_rss_mb(process.pid)
        finally:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            await process.wait()
            await api.stop()
    figures.wave_seconds = wave_end - wave_start
    in_wave = [t for t in heads.bulk_times if wave_start <= t <= wave_end]
    replies = [t for t in heads.reply_times if wave_start <= t <= wave_end]
    figures.bulk_rate = len(in_wave) / figures.wave_seconds if figures.wave_seconds else 0.0
    figures.reply_rate = len(replies) / figures.wave_seconds if figures.wave_seconds else 0.0
    figures.reply_429, figures.bulk_429 = heads.reply_429, heads.bulk_429
    figures.unanswered = len(heads.tasks_pending) + len(heads.press_pending)
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            queued = Counter(
                chat
                for (chat,) in await connection.execute(
                    select(OutboxMessage.chat_id).where(
                        OutboxMessage.kind.in_([kind.value for kind in ReminderKind])
                    )
                )
            )
    finally:
        await engine.dispose()
    figures.digests = sum(queued.values())
    figures.duplicates = sum(max(0, heads.bulk[chat] - n) for chat, n in queued.items())
    figures.lost = sum(max(0, n - heads.bulk[chat]) for chat, n in queued.items())
    return figures
