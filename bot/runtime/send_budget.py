"""One send budget per bot: Telegram allows about 30 messages a second for the whole bot, and
replies and bulk sends (the outbox: reminders, broadcasts) draw on that one budget.

Every message a bot sends passes `SendBudget.acquire`: at most `per_second` of them start in
any window of `WINDOW` seconds, and no two closer than half a slot (so a stalled event loop lets
waiters out one by one, not in a burst Telegram would answer with 429). Replies go first:
a bulk send takes a slot only while no reply waits for one. Bulk sends are also spaced evenly
and, while replies are being sent (one in the last `REPLIES_RECENT` seconds), leave `RESERVE`
slots of every window to them, so during a wave of 15,000 reminders a head's answer usually
finds a free slot at once; a broadcast nobody answers keeps the whole budget. Without that,
the bulk sends went out in bursts of a full window at half-slot spacing followed by half a
second with the window full, and a reply arriving then waited up to half a second (B2).
Other calls (edits, answerCallbackQuery, getUpdates) are not messages and pass freely.

The budget sits in the transport (`BudgetedRequest` wraps the Bot API request of a Bot): the
Application's bot sends replies, the outbox sender's own bot is built with `bulk=True`. The
clock (`monotonic`, `sleep`) is injectable, so the priority can be checked without waiting.
"""

from __future__ import annotations

import asyncio
import collections
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot
from telegram.request import BaseRequest, RequestData

from bot.core.config import Settings
from bot.runtime.aiohttp_request import AiohttpRequest

# Bot API methods that send a message (and so count against Telegram's 30 a second).
_NOT_MESSAGES = frozenset({"sendChatAction"})
_ALSO_MESSAGES = frozenset({"copyMessage", "copyMessages", "forwardMessage", "forwardMessages"})


def is_message(api_method: str) -> bool:
    """True for the Bot API methods that send a message."""
    if api_method.startswith("send"):
        return api_method not in _NOT_MESSAGES
    return api_method in _ALSO_MESSAGES


class SendBudget:
    """Spaces every message of one bot; replies before bulk sends."""

    # Telegram's rule, as far as it is known: about `per_second` messages in any second. The
    # budget counts them over a slightly longer window, so that jitter on the way (a send
    # that starts on time and arrives late, beside one that arrives at once) draws no 429.
    WINDOW = 1.03
    # Sends are at least half a slot apart: a send that started late is made up for (the
    # window stays full, so a busy machine loses no rate) without a burst.
    SPREAD = 0.5
    # Slots of every window that bulk sends leave to replies while replies are being sent: a
    # reply then rarely waits for a slot to free. One slot costs the bulk sends about 3% of
    # the budget, only while people are using the bot.
    RESERVE = 1
    REPLIES_RECENT = 10.0

    def __init__(
        self,
        per_second: float = 30,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.monotonic = monotonic
        self.sleep = sleep
        self.set_rate(per_second)
        self._last = float("-inf")
        self._bulk_next = float("-inf")
        self._last_reply = float("-inf")
        self._paused_until = float("-inf")
        self.replies_waiting = 0
        self._no_reply_waiting = asyncio.Event()
        self._no_reply_waiting.set()
        self._reply_lock = asyncio.Lock()
        self._bulk_lock = asyncio.Lock()
        # Counters for the benchmarks and logs: messages let through, by kind.
        self.replies = 0
        self.bulk = 0

    def set_rate(self, per_second: float) -> None:
        """At most `per_second` messages (rounded) in any `WINDOW` seconds."""
        self.limit = max(1, round(per_second))
        self.interval = self.SPREAD / per_second
        # While replies are being sent, bulk sends fill at most `bulk_limit` slots of a window,
        # one every `bulk_interval`; otherwise all `limit`, one every `WINDOW / limit`.
        self.bulk_limit = max(1, self.limit - self.RESERVE)
        self.bulk_interval = self.WINDOW / self.bulk_limit
        # The moments the last `limit` sends started.
        self._starts: collections.deque[float] = collections.deque(maxlen=self.limit)

    def pause(self, seconds: float) -> None:
        """After a 429: no bulk message goes out for `seconds`. Replies still do: a reply that
        meets a 429 is retried by the library after its wait, so the user's answer is never
        later than the pause would have made it, and usually much earlier."""
        self._paused_until = max(self._paused_until, self.monotonic() + seconds)

    async def acquire(self, *, bulk: bool) -> None:
        """Waits for this message's slot. A reply waits only for the slot (and for the replies
        before it); a bulk send also for every reply waiting."""
        if bulk:
            async with self._bulk_lock:
                while True:
                    if self.replies_waiting:
                        await self._no_reply_waiting.wait()
                        continue
                    wait = self._wait(bulk=True)
                    if wait <= 0:
                        break
                    await self.sleep(wait)
                self._started()
                # The next bulk slot: a send that started late is made up for by at most one
                # interval (so the bulk rate holds on a busy machine), never by a burst.
                _limit, interval = self._bulk_share()
                self._bulk_next = max(self._bulk_next + interval, self._last)
                self.bulk += 1
            return
        self.replies_waiting += 1
        self._no_reply_waiting.clear()
        try:
            async with self._reply_lock:
                while (wait := self._wait(bulk=False)) > 0:
                    await self.sleep(wait)
                self._started()
                self._last_reply = self._last
                self.replies += 1
        finally:
            self.replies_waiting -= 1
            if not self.replies_waiting:
                self._no_reply_waiting.set()

    def _wait(self, *, bulk: bool) -> float:
        """Seconds until the next slot (≤ 0: now)."""
        start = self._last + self.interval
        if bulk:
            start = max(start, self._paused_until, self._bulk_next)
            limit, _interval = self._bulk_share()
            if len(self._starts) >= limit:
                # The limit-th latest start must be a window old (RESERVE slots stay free).
                start = max(start, self._starts[-limit] + self.WINDOW)
        elif len(self._starts) == self.limit:
            start = max(start, self._starts[0] + self.WINDOW)
        return start - self.monotonic()

    def _bulk_share(self) -> tuple[int, float]:
        """How many slots of a window bulk sends may fill now, and their spacing."""
        if self.monotonic() - self._last_reply < self.REPLIES_RECENT:
            return self.bulk_limit, self.bulk_interval
        return self.limit, self.WINDOW / self.limit

    def _started(self) -> None:
        self._last = self.monotonic()
        self._starts.append(self._last)


class BudgetedRequest(BaseRequest):
    """A Bot API request whose messages draw on `budget` (as replies, or with `bulk` as bulk
    sends); everything else is `inner`'s."""

    def __init__(self, inner: BaseRequest, budget: SendBudget, *, bulk: bool = False) -> None:
        self.inner = inner
        self.budget = budget
        self.bulk = bulk

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        # The URL ends with the Bot API method: …/bot<token>/sendMessage.
        if is_message(url[url.rfind("/") + 1 :]):
            await self.budget.acquire(bulk=self.bulk)
        status, body = await self.inner.do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if status == 429:
            # Telegram asks the bot to slow down: the bulk sends wait.
            self.budget.pause(_retry_after(body))
        return status, body


def _retry_after(body: bytes) -> float:
    try:
        return float(json.loads(body)["parameters"]["retry_after"])
    except (ValueError, KeyError, TypeError):
        return 1.0


def bulk_bot(settings: Settings, budget: SendBudget) -> Bot:
    """A Bot on the configured API server whose messages are bulk sends of `budget` (the
    outbox sender's), with its own connection pool."""
    return Bot(
        settings.require_token(),
        base_url=settings.api_base_url,
        base_file_url=settings.api_file_url,
        request=BudgetedRequest(AiohttpRequest(), budget, bulk=True),
        get_updates_request=AiohttpRequest(connections=1),
    )
