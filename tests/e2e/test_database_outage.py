"""The database goes away for a moment in the middle of a broadcast (SQLite locked by another
process past the busy timeout; PostgreSQL restarting, its connections terminated): the sends
Telegram accepted are recorded once it answers again, nothing is sent twice, nothing is lost,
and the rest goes out at once, not after the 5-minute claim lease."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core.clock import FrozenClock
from bot.services import outbox
from models import OutboxMessage, OutboxStatus
from tests.auxil.fake_bot_api import ApiCall, FailRule, FakeBotApi
from tests.auxil.harness import BotHarness, settings_for
from tests.auxil.polling import eventually

MESSAGES = 60
FIRST_CHAT = 710_000
# Long enough for every send slot to be waiting to record a send Telegram accepted.
OUTAGE_SECONDS = 1.5


class DatabaseOutage:
    """Takes the database away from the bot, as another process or a restart would."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.began = asyncio.Event()
        self.ended = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def begin(self) -> None:
        loop = asyncio.get_running_loop()
        outage = self._sqlite_lock() if self.url.startswith("sqlite") else self._postgres_restart()
        self._task = loop.create_task(outage)

    async def _sqlite_lock(self) -> None:
        """Another process holds the write lock: every write of the bot waits out its busy
        timeout and fails with "database is locked"."""
        path = self.url.split("///", 1)[1]
        blocker = sqlite3.connect(path, timeout=5, check_same_thread=False)
        # In a thread: the bot may hold the write lock for a moment and needs the loop to
        # finish its transaction.
        await asyncio.to_thread(blocker.execute, "BEGIN EXCLUSIVE")
        self.began.set()
        await asyncio.sleep(OUTAGE_SECONDS)
        blocker.rollback()
        blocker.close()
        self.ended.set()

    async def _postgres_restart(self) -> None:
        """Refuses new connections and terminates the bot's, then lets it back in."""
        import asyncpg

        from tests.auxil.databases import PG_ADMIN_DSN

        name = self.url.rsplit("/", 1)[1]
        admin = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await admin.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false")
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
            self.began.set()
            await asyncio.sleep(OUTAGE_SECONDS)
            await admin.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true")
        finally:
            await admin.close()
        self.ended.set()


@pytest.fixture
async def running(
    api: FakeBotApi, database_url: str, clock: FrozenClock, officer_id: int
) -> AsyncIterator[BotHarness]:
    """The bot as in production (the sender's own loop), with a short SQLite busy timeout."""
    harness = BotHarness(
        api,
        settings_for(
            api, database_url, officer_ids=frozenset({officer_id}), db_busy_timeout_ms=100
        ),
        clock,
        background=True,
    )
    await harness.start()
    yield harness
    await harness.stop()


async def test_a_database_outage_mid_broadcast_sends_each_message_once(
    running: BotHarness, database_url: str
) -> None:
    api, clock = running.api, running.clock
    chats = range(FIRST_CHAT, FIRST_CHAT + MESSAGES)
    async with running.ctx.session() as session:
        await outbox.enqueue(
            session,
            [
                outbox.NewMessage(f"outage-{chat}", "broadcast", chat, f"Hướng dẫn số {chat}")
                for chat in chats
            ],
            now=clock.now(),
        )
        await session.commit()
    outage = DatabaseOutage(database_url)
    accepted = Counter[str]()

    def twentieth_send_takes_the_database_away(call: ApiCall) -> bool:
        if call.method == "sendMessage" and call.chat_id in chats:
            accepted["sends"] += 1
            if accepted["sends"] == 20:
                outage.begin()
        return False  # Telegram accepts every send

    api.fail_rules.append(FailRule(twentieth_send_takes_the_database_away, 500, "", times=None))
    running.sender.wake()

    async def outbox_rows() -> dict[int, OutboxMessage]:
        async with running.ctx.session() as session:
            rows = await session.scalars(
                select(OutboxMessage).where(OutboxMessage.chat_id.in_(list(chats)))
            )
            return {row.chat_id: row for row in rows}

    async def all_sent() -> bool:
        if not outage.ended.is_set():
            return False
        rows = await outbox_rows()
        return all(row.status == OutboxStatus.SENT.value for row in rows.values())

    await asyncio.wait_for(outage.began.wait(), timeout=30)
    finished_before_the_lease = True
    try:
        await eventually(all_sent, within=30)
    except TimeoutError:
        finished_before_the_lease = False
        # What the old sender left "sending" goes out again once the lease has run out.
        clock.advance(outbox.CLAIM_LEASE + timedelta(minutes=1))
        running.sender.wake()
        await eventually(all_sent, within=60)

    copies = Counter(call.chat_id for call in api.sent() if call.chat_id in chats)
    assert {chat: n for chat, n in copies.items() if n != 1} == {}, "duplicates"
    assert set(copies) == set(chats), "lost"
    assert finished_before_the_lease, "the rest waited for the 5-minute claim lease"
    rows = await outbox_rows()
    assert {row.claimed_by for row in rows.values()} == {running.sender.worker}
    assert all(row.sent_at is not None for row in rows.values())


async def test_a_stopped_sender_releases_its_unsent_claims_at_once(running: BotHarness) -> None:
    """Stopped mid-batch, the process gives back what it claimed and never handed to
    Telegram: another process sends it now, not after the claim lease."""
    api, clock = running.api, running.clock
    api.send_delay = 0.05
    chats = range(FIRST_CHAT, FIRST_CHAT + MESSAGES)
    async with running.ctx.session() as session:
        await outbox.enqueue(
            session,
            [outbox.NewMessage(f"stop-{chat}", "broadcast", chat, "Hướng dẫn") for chat in chats],
            now=clock.now(),
        )
        await session.commit()
    running.sender.wake()
    await api.wait_until(lambda: len(api.sent()) >= 10, within=30)
    await running.sender.stop()
    async with running.ctx.session() as session:
        rows = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.chat_id.in_(list(chats)))
            )
        )
    statuses = Counter(row.status for row in rows)
    # At most the sends in flight when it stopped stay claimed (Telegram may have them).
    assert statuses[OutboxStatus.SENDING.value] <= 8, statuses
    assert statuses[OutboxStatus.PENDING.value] >= MESSAGES - 10 - 8, statuses
    assert all(row.claimed_by is None for row in rows if row.status == "pending")
