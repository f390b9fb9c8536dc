"""The bot's one send budget: with a full outbox, a reply goes out before the next bulk message
(the real Application, its outbox sender and the fake Bot API; the budget's clock is driven by
the test, so which of the two takes the next slot is decided by the rule, not by timing); and
however late sends arrive, no second ever sees more than the limit (no 429)."""

from __future__ import annotations

import asyncio
import contextlib
import random

import pytest

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
    # One slot: the outbox alone keeps it full, every bulk message waits for it.
    budget.set_rate(1)
    budget.monotonic, budget.sleep = clock.monotonic, clock.sleep
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
        # The first bulk message takes the slot; the next ones wait for it to come free.
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
        await clock.advance(SendBudget.HOLD)  # the slot comes free
        await eventually(lambda: _true(len(api.sent()) == 2), within=10)
        await asyncio.sleep(0.2)
        order = [call.chat_id for call in api.sent()]
        assert order == [BULK_CHATS[0], HEAD], "the bulk message went before the reply"
        while not drain.done():
            await clock.advance(SendBudget.HOLD)
            await asyncio.sleep(0.01)
        assert (await drain).sent == len(BULK_CHATS)
    finally:
        # Whatever happened, nothing is left waiting for the test's clock.
        budget.set_rate(1_000_000)
        await clock.advance(1e6)
        drain.cancel()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(drain, 10)
    assert sorted(call.chat_id for call in api.sent() if call.chat_id != HEAD) == BULK_CHATS
    assert (budget.replies, budget.bulk) == (1, len(BULK_CHATS))


async def _settle() -> None:
    """Lets every task that can run, run."""
    for _ in range(20):
        await asyncio.sleep(0)


async def test_pause_and_what_counts_as_a_message() -> None:
    clock = ManualClock()
    budget = SendBudget(30, monotonic=clock.monotonic, sleep=clock.sleep)
    await budget.acquire(bulk=True)
    budget.answered()
    # Bulk sends are spaced: the next waits for its turn.
    waiting = asyncio.create_task(budget.acquire(bulk=True))
    await _settle()
    assert not waiting.done()
    await clock.advance(budget.HOLD / budget.limit)
    await asyncio.wait_for(waiting, 1)
    budget.answered()
    # After a 429 the bulk sends wait; a reply does not (the library retries it if need be).
    budget.pause(5)
    bulk = asyncio.create_task(budget.acquire(bulk=True))
    await asyncio.wait_for(budget.acquire(bulk=False), 1)
    budget.answered()
    await clock.advance(4)
    await _settle()
    assert not bulk.done()
    await clock.advance(1)
    await asyncio.wait_for(bulk, 1)
    assert is_message("sendMessage") and is_message("sendDocument")
    assert is_message("copyMessage") and not is_message("sendChatAction")
    assert not is_message("editMessageText") and not is_message("answerCallbackQuery")


async def test_a_reply_waits_only_for_a_free_slot() -> None:
    clock = ManualClock()
    budget = SendBudget(30, monotonic=clock.monotonic, sleep=clock.sleep)
    # Replies back to back (a burst of answers): no spacing between them.
    for _ in range(30):
        await asyncio.wait_for(budget.acquire(bulk=False), 1)
    # All 30 slots are under way: the 31st waits for an answer, then for that slot's HOLD.
    late = asyncio.create_task(budget.acquire(bulk=False))
    await _settle()
    assert not late.done()
    for _ in range(30):
        budget.answered()
    await _settle()
    assert not late.done()
    await clock.advance(SendBudget.HOLD - 0.001)
    await _settle()
    assert not late.done()
    await clock.advance(0.002)
    await asyncio.wait_for(late, 1)


@pytest.mark.parametrize(("hold", "exceeds"), [(SendBudget.HOLD, False), (0.8, True)])
async def test_no_second_sees_more_than_the_limit_however_late_sends_arrive(
    hold: float, exceeds: bool
) -> None:
    """Replies and bulk sends at once, each arriving at a random moment between its start and
    its answer (up to 0.3 s later): no window of one second holds more than 30 arrivals. The
    same budget holding its slots for less than a second after the answer lets more through,
    so the check can fail."""
    clock = ManualClock()
    budget = SendBudget(30, monotonic=clock.monotonic, sleep=clock.sleep)
    budget.HOLD = hold
    budget.set_rate(30)
    chance = random.Random(16)
    arrivals: list[float] = []

    async def send(bulk: bool) -> None:
        await budget.acquire(bulk=bulk)
        trip = chance.uniform(0.0, 0.3)
        arrivals.append(clock.now + chance.uniform(0.0, trip))
        await clock.sleep(trip)
        budget.answered()

    async def sender(bulk: bool, count: int) -> None:
        for _ in range(count):
            await send(bulk)

    async def replies(count: int) -> None:
        for _ in range(count):
            await clock.sleep(chance.uniform(0.0, 0.15))
            asyncio.create_task(send(False))  # noqa: RUF006 - awaited through the clock below

    tasks = [asyncio.create_task(sender(True, 60)) for _ in range(8)]
    tasks.append(asyncio.create_task(replies(120)))
    for _ in range(20_000):
        await clock.advance(0.002)
        await _settle()
        if all(task.done() for task in tasks) and not budget.in_flight:
            break
    assert all(task.done() for task in tasks)
    assert len(arrivals) == 8 * 60 + 120
    arrivals.sort()
    busiest = max(
        sum(1 for other in arrivals[index:] if other < moment + 1.0)
        for index, moment in enumerate(arrivals)
    )
    assert (busiest > 30) is exceeds, busiest
    assert budget.replies == 120 and budget.bulk == 480


async def test_bulk_sends_are_even_and_leave_a_slot_to_replies() -> None:
    clock = ManualClock()
    budget = SendBudget(30, monotonic=clock.monotonic, sleep=clock.sleep)
    assert budget.bulk_limit == 29
    # Replies are being sent: the reserve holds for REPLIES_RECENT seconds.
    await budget.acquire(bulk=False)
    budget.answered()
    await clock.advance(SendBudget.HOLD)
    for index in range(29):
        if index:
            await clock.advance(budget.bulk_interval)
        await asyncio.wait_for(budget.acquire(bulk=True), 1)
        # A bulk send comes a bulk interval after the one before (no burst to catch up).
        follower = asyncio.create_task(budget.acquire(bulk=True))
        await _settle()
        assert not follower.done()
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower
    # 29 bulk sends under way: the next bulk send waits for a slot, a reply takes the one left.
    await clock.advance(budget.bulk_interval)
    bulk = asyncio.create_task(budget.acquire(bulk=True))
    await _settle()
    assert not bulk.done()
    await asyncio.wait_for(budget.acquire(bulk=False), 1)
    await _settle()
    assert not bulk.done()
    # The reply took the reserve: one slot coming free refills it, the bulk send waits for a
    # second one (each comes free a HOLD after its answer).
    budget.answered()
    await clock.advance(SendBudget.HOLD)
    await _settle()
    assert not bulk.done()
    budget.answered()
    await clock.advance(SendBudget.HOLD)
    await asyncio.wait_for(bulk, 1)
    assert (budget.bulk, budget.replies) == (30, 2)
    for _ in range(budget.in_flight):
        budget.answered()
    # Without replies for a while, bulk sends fill every slot.
    await clock.advance(SendBudget.REPLIES_RECENT + SendBudget.HOLD)
    for _ in range(30):
        await asyncio.wait_for(budget.acquire(bulk=True), 1)
        await clock.advance(SendBudget.HOLD / 30)
    assert budget.held() == 30


async def _true(value: bool) -> bool:
    return value
