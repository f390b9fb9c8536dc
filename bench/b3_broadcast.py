"""B3 and B4: a guidance broadcast to N unit heads from a real bot process, against a fake
Bot API that allows 30 sends a second overall and answers 429 with retry_after beyond that.
Achieved rate / 30, duplicates, lost; and the bot process's peak RSS meanwhile."""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench.api_process import RemoteApi
from bench.datagen import generate
from bot.core.db import make_engine, make_sessionmaker
from tests.auxil.fake_bot_api import TOKEN
from tests.auxil.remote import RemoteOfficer

OFFICER = 99_000_001
TELEGRAM_LIMIT = 30
# The bot runs on the real clock: a plan of next year has nothing due today, so the daily
# reminder pass at start-up sends nothing and the broadcast has the API to itself.
YEAR = date.today().year + 1
TEXT = "Hướng dẫn tổng kết công tác thi đua, khen thưởng năm"


@dataclass
class BroadcastFigures:
    recipients: int
    seconds: float
    delivered: int
    duplicates: int
    lost: int
    too_many_requests: int
    peak_rss_mb: float
    # The rate in each third of the broadcast (by messages): one broadcast of 15,000 takes
    # over eight minutes, so its three parts are the rounds.
    thirds: list[float]

    @property
    def rate(self) -> float:
        return self.delivered / self.seconds if self.seconds else 0.0

    @property
    def rate_ratio(self) -> float:
        return self.rate / TELEGRAM_LIMIT


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the most resident memory the process has had."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def measure(url: str, recipients: int) -> BroadcastFigures:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            dataset = await generate(session, recipients, year=YEAR)
    finally:
        await engine.dispose()
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
        }
    )
    with tempfile.TemporaryDirectory() as cwd:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            cwd=cwd,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            officer = RemoteOfficer(api, OFFICER)
            await officer.send("/broadcast")
            choose = await officer.send(TEXT)
            preview = await officer.press(choose, "Tất cả thủ trưởng")
            heads = set(dataset.head_ids)
            started = time.monotonic()
            await officer.press(preview, "Gửi")

            copies: Counter[int] = Counter()
            counted = 0

            async def reached() -> int:
                # Only copies of the guidance count: anything else the bot sends is not it.
                nonlocal counted
                await api.sync()
                for call in api.calls[counted:]:
                    if call.method == "sendMessage" and call.error is None and TEXT in call.text:
                        copies[call.chat_id or 0] += 1
                counted = len(api.calls)
                return sum(1 for chat in heads if copies[chat])

            last, last_change = -1, time.monotonic()
            while (now := await reached()) < len(heads) and time.monotonic() - last_change < 60:
                if now != last:
                    last, last_change = now, time.monotonic()
                await asyncio.sleep(1)
            sends = [
                c.at
                for c in api.calls
                if c.method == "sendMessage"
                and c.error is None
                and c.chat_id in heads
                and TEXT in c.text
            ]
            seconds = (max(sends) - min(sends)) if len(sends) > 1 else time.monotonic() - started
            thirds = _thirds(sorted(sends))
            rss = peak_rss_mb(process.pid)
            too_many = (await api.state())["too_many"]
        finally:
            process.terminate()
            await process.wait()
            await api.stop()
    per_chat = [copies[chat] for chat in heads]
    return BroadcastFigures(
        recipients=len(heads),
        seconds=seconds,
        delivered=sum(1 for count in per_chat if count),
        duplicates=sum(count - 1 for count in per_chat if count > 1),
        lost=sum(1 for count in per_chat if not count),
        too_many_requests=too_many,
        peak_rss_mb=rss,
        thirds=thirds,
    )


def _thirds(times: list[float]) -> list[float]:
    """Messages a second in each third of the sends (a send ends one part and starts the next)."""
    if len(times) < 7:
        return []
    cuts = [0, len(times) // 3, 2 * len(times) // 3, len(times) - 1]
    return [(b - a) / (times[b] - times[a]) for a, b in itertools.pairwise(cuts)]
