"""The sender's spacing: 30 a second overall, one a second per chat, pauses after a 429."""

from __future__ import annotations

import asyncio
import itertools

from bot.runtime.outbox_sender import RateLimiter


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_overall_and_per_chat_spacing() -> None:
    fake = FakeTime()
    limiter = RateLimiter(30, 1.0, monotonic=fake.monotonic, sleep=fake.sleep)
    slots = [await limiter.wait(chat) for chat in range(60)]
    gaps = {round(b - a, 6) for a, b in itertools.pairwise(slots)}
    assert gaps == {round(1.01 / 30, 6)}  # 30 a second less a 1% margin
    assert 1.9 < slots[-1] - slots[0] < 2.1  # 60 messages ≈ 2 s

    same_chat = [await limiter.wait(7) for _ in range(3)]
    assert [round(b - a, 6) for a, b in itertools.pairwise(same_chat)] == [1, 1]


async def test_a_429_pauses_everything() -> None:
    fake = FakeTime()
    limiter = RateLimiter(30, 1.0, monotonic=fake.monotonic, sleep=fake.sleep)
    first = await limiter.wait(1)
    limiter.pause(5)
    second = await limiter.wait(2)
    assert second - first >= 5


async def test_concurrent_waiters_get_distinct_slots() -> None:
    fake = FakeTime()
    limiter = RateLimiter(10, 0, monotonic=fake.monotonic, sleep=fake.sleep)
    slots = await asyncio.gather(*(limiter.wait(chat) for chat in range(10)))
    assert len(set(slots)) == 10


async def test_no_burst_after_a_stall() -> None:
    """Waiters that wake late (the event loop was busy) still go out one interval apart."""

    class StallingTime(FakeTime):
        stalls = 3

        async def sleep(self, seconds: float) -> None:
            self.now += seconds
            if self.stalls:
                self.stalls -= 1
                self.now += 0.25

    fake = StallingTime()
    limiter = RateLimiter(30, 0, monotonic=fake.monotonic, sleep=fake.sleep)
    started: list[float] = []

    async def send(chat: int) -> None:
        await limiter.wait(chat)
        started.append(fake.now)

    await asyncio.gather(*(send(chat) for chat in range(40)))
    gaps = [b - a for a, b in itertools.pairwise(sorted(started))]
    assert min(gaps) >= 1 / 30
    # In any one second, at most 30 sends start.
    assert all(sum(1 for t in started if s <= t < s + 1) <= 30 for s in started)
