"""The daily pass queues its reminders a batch at a time, each batch committed: it never holds
more than a batch, and a pass that stops halfway is finished by the next one the same day,
with nothing queued twice; two passes at once queue each reminder once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

import bot.services.reminders.enqueue as enqueue_module
from bench.b1_planning import TZ, YEAR, busiest_day
from bench.datagen import generate
from bot.core.db import make_engine, make_sessionmaker
from bot.services.reminders import ReminderRules, plan_reminders, run_reminder_pass
from models import OutboxMessage, ReminderLog

UNITS = 45
BATCH = 10


class Crash(Exception):
    pass


async def _setup(database_url: str) -> tuple[Any, Any, datetime, ReminderRules]:
    rules = ReminderRules()
    now = datetime.combine(busiest_day(YEAR, rules), datetime.min.time().replace(hour=8), TZ)
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as session:
        await generate(session, UNITS, year=YEAR)
    return engine, sessionmaker, now, rules


async def _queued(sessionmaker: Any) -> tuple[Counter[str], int, int]:
    """(outbox messages by dedupe key, log rows, log rows pointing at a message)."""
    async with sessionmaker() as session:
        keys = Counter(await session.scalars(select(OutboxMessage.dedupe_key)))
        logs = await session.scalar(select(func.count()).select_from(ReminderLog))
        linked = await session.scalar(
            select(func.count()).where(ReminderLog.outbox_id.is_not(None))
        )
    return keys, logs or 0, linked or 0


async def test_the_pass_holds_one_batch_at_a_time(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, sessionmaker, now, rules = await _setup(database_url)
    try:
        async with sessionmaker() as session:
            planned = await plan_reminders(session, now=now, tz=TZ, rules=rules)
        sizes: list[int] = []
        real = enqueue_module.enqueue_reminders

        async def recording(session: Any, batch: list[Any], *, now: datetime) -> int:
            sizes.append(len(batch))
            # Each batch is written on its own: the previous one is already committed.
            assert (await _queued(sessionmaker))[1] == sum(sizes[:-1])
            return await real(session, batch, now=now)

        monkeypatch.setattr(enqueue_module, "enqueue_reminders", recording)
        # The sender is woken after each batch (it starts on the first while the next ones
        # are rendered), not once at the end.
        woken: list[int] = []
        async with sessionmaker() as session:
            result = await run_reminder_pass(
                session,
                now=now,
                tz=TZ,
                rules=rules,
                batch=BATCH,
                queued=lambda: woken.append(len(sizes)),
            )
        total = len(planned.planned)
        assert woken == list(range(1, len(sizes) + 1))
        assert total > 3 * BATCH
        assert max(sizes) == BATCH and len(sizes) == -(-total // BATCH)
        assert result.count == result.enqueued == sum(sizes) == total
        keys, logs, linked = await _queued(sessionmaker)
        # The same reminders, texts and all, as the pass that plans them at once.
        async with sessionmaker() as session:
            texts = dict(
                (await session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.text)))
                .tuples()
                .all()
            )
        assert texts == {p.dedupe_key: p.text for p in planned.planned}
        assert set(keys.values()) == {1} and logs == linked == total
    finally:
        await engine.dispose()


async def test_a_pass_stopped_halfway_is_finished_by_the_next(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, sessionmaker, now, rules = await _setup(database_url)
    try:
        real = enqueue_module.enqueue
        calls = {"n": 0}

        async def failing_third(session: Any, messages: Any, *, now: datetime) -> Any:
            calls["n"] += 1
            if calls["n"] == 3:
                raise Crash  # the process dies while queueing the third batch
            return await real(session, messages, now=now)

        monkeypatch.setattr(enqueue_module, "enqueue", failing_third)
        with pytest.raises(Crash):
            async with sessionmaker() as session:
                await run_reminder_pass(session, now=now, tz=TZ, rules=rules, batch=BATCH)
        keys, logs, linked = await _queued(sessionmaker)
        assert len(keys) == logs == linked == 2 * BATCH, "two batches committed, the third not"

        monkeypatch.setattr(enqueue_module, "enqueue", real)
        async with sessionmaker() as session:
            rerun = await run_reminder_pass(session, now=now, tz=TZ, rules=rules, batch=BATCH)
        assert rerun.enqueued == rerun.count - 2 * BATCH > 0
        keys, logs, linked = await _queued(sessionmaker)
        assert len(keys) == logs == linked == rerun.count
        assert set(keys.values()) == {1}

        async with sessionmaker() as session:
            again = await run_reminder_pass(session, now=now, tz=TZ, rules=rules, batch=BATCH)
        assert again.count == rerun.count and again.enqueued == 0
        assert (await _queued(sessionmaker))[0] == keys
    finally:
        await engine.dispose()


async def test_two_passes_at_once_queue_each_reminder_once(database_url: str) -> None:
    engine, sessionmaker, now, rules = await _setup(database_url)
    try:

        async def one_pass(batch: int) -> int:
            async with sessionmaker() as session:
                result = await run_reminder_pass(session, now=now, tz=TZ, rules=rules, batch=batch)
            return result.enqueued

        enqueued = await asyncio.gather(one_pass(BATCH), one_pass(7), one_pass(BATCH))
        keys, logs, linked = await _queued(sessionmaker)
        assert sum(enqueued) == len(keys) == logs == linked > 3 * BATCH
        assert set(keys.values()) == {1}
    finally:
        await engine.dispose()
