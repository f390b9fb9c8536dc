"""The Bot API really goes away for a minute (its socket is closed: connections are refused,
not answered with 502) and comes back on the same port: the queued reminders go out exactly
once and the polling loop reconnects by itself and answers a user. The outbox's backoff runs
on the frozen clock; only the sockets and the polling loop take (a little) real time."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from models import OutboxMessage, OutboxStatus
from tests.auxil.harness import BotHarness
from tests.conftest import join, local

HEADS = {1201: "TT-VA", 1202: "X-TA", 1203: "PGD"}
STRANGER = 4242


async def _outbox(harness: BotHarness) -> list[OutboxMessage]:
    async with harness.ctx.session() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _polling_failed(caplog: pytest.LogCaptureFixture) -> bool:
    return any(
        record.name == "tdkt_bot.intake"
        and "Polling the Bot API failed" in record.getMessage()
        and "ClientConnectorError" in record.getMessage()
        for record in caplog.records
    )


async def test_the_bot_api_gone_for_a_minute_then_back(
    seeded: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tdkt_bot.intake")
    api = seeded.api
    for user_id, unit in HEADS.items():
        await join(seeded, seeded.user(user_id, f"Thủ trưởng {unit}"), unit)
    seeded.clock.set(local(2020, 6, 16, 8))
    mark = len(api.calls)
    await seeded.reminder_pass()
    queued = await _outbox(seeded)
    pending = [m for m in queued if m.status == OutboxStatus.PENDING.value]
    assert {m.chat_id for m in pending} == set(HEADS), [(m.chat_id, m.status) for m in queued]
    port = api.port

    await api.go_away()
    with pytest.raises(httpx.ConnectError):  # really gone: the connection is refused
        async with httpx.AsyncClient() as client:
            await client.get(f"http://127.0.0.1:{port}/")
    # A minute without Telegram: every try fails with a network error and is rescheduled.
    for _step in range(3):
        stats = await seeded.drain()
        assert stats.sent == 0
        seeded.clock.advance(timedelta(seconds=20))
    for message in await _outbox(seeded):
        if message.id in {m.id for m in pending}:
            assert message.status == OutboxStatus.PENDING.value, message.last_error
            assert message.attempts >= 1
            assert "ClientConnectorError" in (message.last_error or ""), message.last_error
    assert not api.sent(since=mark)
    # The polling loop is refused too (its long poll is cut, it retries after 1 s, 2.5 s...).
    async with asyncio.timeout(10):
        while not _polling_failed(caplog):  # noqa: ASYNC110 - a log record sends no event
            await asyncio.sleep(0.05)

    await api.come_back()
    assert api.port == port
    # A user writes right after Telegram is back: the poller, on its own, fetches it.
    stranger = seeded.user(STRANGER, "Khách")
    reply = await stranger.send("/start")
    assert "trợ lý công tác thi đua, khen thưởng" in reply.text

    seeded.clock.advance(timedelta(minutes=10))  # past every backoff
    await seeded.drain()
    seeded.clock.advance(timedelta(hours=1))
    await seeded.drain()  # nothing goes out twice
    for message in await _outbox(seeded):
        if message.id in {m.id for m in pending}:
            assert message.status == OutboxStatus.SENT.value, message.last_error
    for user_id in HEADS:
        expected = sum(m.chat_id == user_id for m in pending)
        assert len(api.sent(user_id, since=mark)) == expected
    assert seeded.poller is not None and seeded.poller.running
