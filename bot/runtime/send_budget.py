"""One send budget per bot: Telegram allows about 30 messages a second for the whole bot, and
replies and bulk sends (the outbox: reminders, broadcasts) draw on that one budget.

Every message a bot sends holds one of `per_second` slots from the moment it starts until a
second (`HOLD`) after its answer came back. Telegram counted the message somewhere in between,
so no more than `per_second` can reach it in any second, however the sends were delayed on the
way: the budget cannot draw a 429 (B2 saw one or two when it counted sends only as they
started). Replies go first: a bulk send takes a slot only while no reply waits for one, and a
reply never waits for spacing, only for a free slot. Bulk sends are spaced evenly, so slots
come free one by one, and while replies are being sent (one in the last `REPLIES_RECENT`
seconds) they leave `RESERVE` slots free: during a wave of 15,000 reminders a head's answer
finds a free slot at once. A broadcast nobody answers keeps the whole budget. Other calls
(edits, answerCallbackQuery, getUpdates) are not messages and pass freely.

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

    # Telegram's rule, as far as it is known: about `per_second` messages in any second. A send
    # holds its slot from the moment it starts until `HOLD` seconds after its answer came back:
    # Telegram counted it somewhere in between, so however late it arrived there (a stalled
    # event loop, a slow network), no more than `per_second` can arrive in any second, and no
    # 429 is possible. The price is the round trip: a slot serves one message every
    # `HOLD + round trip` seconds (1.02 s beside a local Bot API server).
    HOLD = 1.01
    # Slots that bulk sends leave free while replies are being sent (one in the last
    # `REPLIES_RECENT` seconds): a reply then takes one at once instead of waiting for a bulk
    # send's slot to come free. One slot costs the bulk sends about 3% of the budget, only
    # while people are using the bot; a broadcast nobody answers keeps the whole budget.
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
        # Sends under way (their slot is held until HOLD after their answer), and the moments
        # the slots of the answered ones come free, in order.
        self.in_flight = 0
        self._frees: collections.deque[float] = collections.deque()
        self._answered = asyncio.Event()
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
        """At most `per_second` messages (rounded) in any second."""
        self.limit = max(1, round(per_second))
        # While replies are being sent, bulk sends hold at most `bulk_limit` slots, one started
        # every `bulk_interval`; otherwise all `limit` slots, one every `HOLD / limit`. Spacing
        # them evenly keeps the slots coming free one by one, so that a reply never waits
        # behind a burst of bulk sends that all took their slots at once.
        self.bulk_limit = max(1, self.limit - self.RESERVE)
        self.bulk_interval = self.HOLD / self.bulk_limit

    def held(self) -> int:
        """Slots held now: sends under way, and answered ones less than HOLD ago."""
        now = self.monotonic()
        frees = self._frees
        while frees and frees[0] <= now:
            frees.popleft()
        return self.in_flight + len(frees)

    def pause(self, seconds: float) -> None:
        """After a 429: no bulk message goes out for `seconds`. Replies still do: a reply that
        meets a 429 is retried by the library after its wait, so the user's answer is never
        later than the pause would have made it, and usually much earlier."""
        self._paused_until = max(self._paused_until, self.monotonic() + seconds)

    async def acquire(self, *, bulk: bool) -> None:
        """Waits for this message's slot and takes it; `answered()` must follow once the
        request is over (`BudgetedRequest` does both). A reply waits only for a free slot (and
        for the replies before it); a bulk send also for its turn and for every reply waiting."""
        if bulk:
            async with self._bulk_lock:
                while True:
                    if self.replies_waiting:
                        await self._no_reply_waiting.wait()
                        continue
                    now = self.monotonic()
                    start = max(self._paused_until, self._bulk_next)
                    if start > now:
                        await self.sleep(start - now)
                        continue
                    limit, interval = self._bulk_share()
                    if self.held() >= limit:
                        await self._slot_frees()
                        continue
                    break
                self.in_flight += 1
                # The next bulk turn: a send that started late is made up for by at most half
                # an interval (so the bulk rate holds on a busy machine), never by a burst.
                self._bulk_next = max(self._bulk_next, now - interval / 2) + interval
                self.bulk += 1
            return
        self.replies_waiting += 1
        self._no_reply_waiting.clear()
        try:
            async with self._reply_lock:
                while self.held() >= self.limit:
                    await self._slot_frees()
                self.in_flight += 1
                self._last_reply = self.monotonic()
                self.replies += 1
        finally:
            self.replies_waiting -= 1
            if not self.replies_waiting:
                self._no_reply_waiting.set()

    def answered(self) -> None:
        """The request of an acquired slot is over (answered, failed or cancelled): its slot
        comes free HOLD seconds from now."""
        self.in_flight -= 1
        self._frees.append(self.monotonic() + self.HOLD)
        self._answered.set()

    async def _slot_frees(self) -> None:
        """Waits until a held slot may have come free: the first answered one's HOLD is over,
        or, with every slot under way, an answer comes back."""
        if self._frees:
            await self.sleep(self._frees[0] - self.monotonic())
            return
        self._answered.clear()
        await self._answered.wait()

    def _bulk_share(self) -> tuple[int, float]:
        """How many slots bulk sends may hold now, and their spacing."""
        if self.monotonic() - self._last_reply < self.REPLIES_RECENT:
            return self.bulk_limit, self.bulk_interval
        return self.limit, self.HOLD / self.limit


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
        message = is_message(url[url.rfind("/") + 1 :])
        if message:
            await self.budget.acquire(bulk=self.bulk)
        try:
            status, body = await self.inner.do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        finally:
            if message:
                # Telegram may have counted it whatever happened on the way back.
                self.budget.answered()
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
