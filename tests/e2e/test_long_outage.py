"""A long Telegram outage: half an hour of 5xx answers loses no reminder. Transient failures
are retried with backoff (capped at five minutes) for as long as they last; only a permanent
refusal (400) ends a message. The frozen clock is moved by hand, nothing sleeps."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services.outbox import MAX_BACKOFF, retry_backoff
from models import OutboxMessage, OutboxStatus
from tests.auxil.fake_bot_api import FailRule
from tests.auxil.harness import BotHarness
from tests.conftest import join, local

HEAD = 1201


async def _messages_to(harness: BotHarness, chat_id: int) -> list[OutboxMessage]:
    async with harness.ctx.session() as session:
        return list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == chat_id))
        )


def _is_send_to_head(call) -> bool:  # type: ignore[no-untyped-def]
    return call.method == "sendMessage" and call.chat_id == HEAD


async def test_thirty_minutes_of_bad_gateway_then_delivered_exactly_once(
    seeded: BotHarness,
) -> None:
    api = seeded.api
    await join(seeded, seeded.user(HEAD, "Nguyễn Văn An"), "TT-VA")
    seeded.clock.set(local(2020, 6, 16, 8))
    # The proxy in front of Telegram answers 500 and 504 at first, then 502 for good.
    api.fail_rules += [
        FailRule(_is_send_to_head, 500, "Internal Server Error", times=3),
        FailRule(_is_send_to_head, 504, "Gateway Timeout", times=2),
        FailRule(_is_send_to_head, 502, "Bad Gateway", times=None),
    ]
    mark = len(api.calls)
    await seeded.reminder_pass()
    (reminder,) = await _messages_to(seeded, HEAD)

    outage_ends = seeded.clock.now() + timedelta(minutes=30)
    while seeded.clock.now() < outage_ends:
        await seeded.drain()
        (reminder,) = await _messages_to(seeded, HEAD)
        assert reminder.status == OutboxStatus.PENDING.value, reminder.last_error
        assert reminder.not_before - seeded.clock.now() <= MAX_BACKOFF
        seeded.clock.advance(timedelta(seconds=20))
    failed_tries = [c for c in api.calls[mark:] if _is_send_to_head(c) and c.error]
    # 2 + 4 + ... + 256 s, then every five minutes: well past the eight tries that used to
    # end the message after about four minutes.
    assert len(failed_tries) >= 12
    assert reminder.attempts == len(failed_tries)
    assert reminder.last_error == "Bad Gateway"
    assert not api.sent(HEAD, since=mark)

    api.fail_rules.clear()  # Telegram is back
    for _step in range(16):  # five minutes and a bit: the longest wait of the backoff
        seeded.clock.advance(timedelta(seconds=20))
        await seeded.drain()
    delivered = api.sent(HEAD, since=mark)
    assert len(delivered) == 1
    assert "Nhắc việc công tác thi đua" in delivered[0].text
    (reminder,) = await _messages_to(seeded, HEAD)
    assert reminder.status == OutboxStatus.SENT.value
    seeded.clock.advance(timedelta(hours=1))
    await seeded.drain()
    assert len(api.sent(HEAD, since=mark)) == 1


async def test_a_bad_request_ends_the_message_at_once(seeded: BotHarness) -> None:
    api = seeded.api
    await join(seeded, seeded.user(HEAD, "Nguyễn Văn An"), "TT-VA")
    seeded.clock.set(local(2020, 6, 16, 8))
    api.fail_rules.append(
        FailRule(_is_send_to_head, 400, "Bad Request: can't parse entities", times=None)
    )
    mark = len(api.calls)
    await seeded.reminder_pass()
    await seeded.drain()
    seeded.clock.advance(timedelta(minutes=30))
    await seeded.drain()
    (reminder,) = await _messages_to(seeded, HEAD)
    assert reminder.status == OutboxStatus.FAILED.value
    assert len([c for c in api.calls[mark:] if _is_send_to_head(c)]) == 1


def test_the_backoff_doubles_up_to_five_minutes() -> None:
    waits = [retry_backoff(attempts).total_seconds() for attempts in range(1, 12)]
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]
    assert retry_backoff(10_000) == MAX_BACKOFF == timedelta(minutes=5)
