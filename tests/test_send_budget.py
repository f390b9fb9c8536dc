"""The bot's one send budget: with a full outbox, a reply goes out before the next bulk message
(the real Application, its outbox sender and the fake Bot API; the budget's clock is driven by
the test, so which of the two takes the next slot is decided by the rule, not by timing)."""

from __future__ import annotations

import asyncio
import contextlib

from bot.runtime.context import runtime_of
from bot.runtime.send_budget import SendBudget, is_message
from bot.services.outbox import NewMessage, enqueue
from tests.auxil.harness import BotHarness
from tests.auxil.polling import eventually

BULK_CHATS = list(range(5001, 5021))
HEAD = 7001


class ManualClock:
    """Monotonic time that moves only when the test says."""

    def __init__(self) -> None:
        self.now = 0.0
        self._moved = asyncio.Condition()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        target = self.now + seconds
        async with self._moved:
            await self._moved.wait_for(lambda: self.now >= target)

    async def advance(self, seconds: float) -> None:
        async with self._moved:
            self.now += seconds
            self._moved.notify_all()


async def test_a_reply_goes_before_the_next_bulk_message(harness: BotHarness) -> None:
    clock = ManualClock()
    budget = runtime_of(harness.app).send_budget
    assert budget is not None
    budget.interval, budget.monotonic, budget.sleep = 1.0, clock.monotonic, clock.sleep
    async with harness.ctx.session() as session:
        await enqueue(
            session,
            [NewMessage(f"bulk:{chat}", "broadcast", chat, f"Bulk {chat}") for chat in BULK_CHATS],
            now=harness.clock.now(),
        )
        await session.commit()
    api = harness.api
    drain = asyncio.create_task(harness.drain())
    try:
        # The first bulk message takes the free slot; the next ones wait for the clock.
        await eventually(lambda: _true(len(api.sent()) == 1), within=10)
        await asyncio.sleep(0.2)
        assert len(api.sent()) == 1
        api.push_update(
            {
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": HEAD, "type": "private", "first_name": "An"},
                    "from": {"id": HEAD, "is_bot": False, "first_name": "An"},
                    "text": "/start",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                }
            }
        )
        await eventually(lambda: _true(budget.replies_waiting == 1), within=10)
        await clock.advance(1.0)  # one slot
        await eventually(lambda: _true(len(api.sent()) == 2), within=10)
        await asyncio.sleep(0.2)
        order = [call.chat_id for call in api.sent()]
        assert order == [BULK_CHATS[0], HEAD], "the bulk message went before the reply"
        while not drain.done():
            await clock.advance(1.0)
            await asyncio.sleep(0.01)
        assert (await drain).sent == len(BULK_CHATS)
    finally:
        # Whatever happened, nothing is left waiting for the test's clock.
        budget.interval = 0.0
        await clock.advance(1e6)
        drain.cancel()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(drain, 10)
    assert sorted(call.chat_id for call in api.sent() if call.chat_id != HEAD) == BULK_CHATS
    assert (budget.replies, budget.bulk) == (1, len(BULK_CHATS))


async def test_spacing_pause_and_what_counts_as_a_message() -> None:
    clock = ManualClock()
    budget = SendBudget(30, monotonic=clock.monotonic, sleep=clock.sleep)
    await budget.acquire(bulk=True)
    waiting = asyncio.create_task(budget.acquire(bulk=True))
    await asyncio.sleep(0.01)
    assert not waiting.done()
    await clock.advance(budget.bulk_interval)
    await asyncio.wait_for(waiting, 1)
    # After a 429 the bulk sends wait; a reply does not (the library retries it if need be).
    budget.pause(5)
    await clock.advance(budget.interval)
    bulk = asyncio.create_task(budget.acquire(bulk=True))
    await asyncio.wait_for(budget.acquire(bulk=False), 1)
    await clock.advance(4)
    await asyncio.sleep(0.01)
    assert not bulk.done()
    await clock.advance(1)
    await asyncio.wait_for(bulk, 1)
    assert is_message("sendMessage") and is_message("sendDocument")
    assert is_message("copyMessage") and not is_message("sendChatAction")
    assert not is_message("editMessageText") and not is_message("answerCallbackQuery")


async def test_no_more_than_the_limit_in_any_window() -> None:
    clock = ManualClock()
    budget = SendBudget(30, monotonic=clock.monotonic, sleep=clock.sleep)
    for _ in range(30):
        await budget.acquire(bulk=False)
        await clock.advance(budget.interval)
    # 30 sends in half a second: the 31st waits until the first is a window old.
    late = asyncio.create_task(budget.acquire(bulk=False))
    await clock.advance(SendBudget.WINDOW - clock.now - 0.01)
    await asyncio.sleep(0.01)
    assert not late.done()
    await clock.advance(0.02)
    await asyncio.wait_for(late, 1)


async def test_bulk_sends_are_even_and_leave_a_slot_to_replies() -> None:
    clock = ManualClock()
    budget = SendBudget(30, monotonic=clock.monotonic, sleep=clock.sleep)
    assert budget.bulk_limit == 29
    # Replies are being sent: the reserve holds (a window later, for REPLIES_RECENT seconds).
    await budget.acquire(bulk=False)
    await clock.advance(SendBudget.WINDOW)
    for index in range(29):
        if index:
            await clock.advance(budget.bulk_interval)
        await budget.acquire(bulk=True)
        # A bulk send comes a bulk interval after the one before (no burst to catch up).
        follower = asyncio.create_task(budget.acquire(bulk=True))
        await asyncio.sleep(0.01)
        assert not follower.done()
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower
    # 29 bulk sends within the window: the 30th waits, a reply takes the slot left as soon as
    # it is half a slot after the last send.
    bulk = asyncio.create_task(budget.acquire(bulk=True))
    await clock.advance(budget.interval)
    await asyncio.wait_for(budget.acquire(bulk=False), 1)
    await asyncio.sleep(0.01)
    assert not bulk.done()
    await clock.advance(SendBudget.WINDOW)
    await asyncio.wait_for(bulk, 1)
    assert (budget.bulk, budget.replies) == (30, 2)
    # Without replies for a while, bulk sends fill the whole window.
    await clock.advance(SendBudget.REPLIES_RECENT)
    for _ in range(30):
        await asyncio.wait_for(budget.acquire(bulk=True), 1)
        await clock.advance(SendBudget.WINDOW / 30)


async def _true(value: bool) -> bool:
    return value
