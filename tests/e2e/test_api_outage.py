"""The Bot API goes away for a minute in the middle of a broadcast and comes back: the bot
recovers by itself (polling and the outbox sender), loses nothing and repeats nothing."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.core.clock import FrozenClock
from models import OutboxMessage, OutboxStatus
from tests.auxil.bulk import add_units_with_heads
from tests.auxil.fake_bot_api import ApiCall, FailRule, FakeBotApi
from tests.auxil.harness import BotHarness, settings_for
from tests.auxil.polling import eventually
from tests.auxil.telegram_html import html_to_text
from tests.e2e.test_broadcasts import data_of, start_broadcast

HEADS = 200


@pytest.fixture
async def running(
    api: FakeBotApi, database_url: str, clock: FrozenClock, officer_id: int
) -> AsyncIterator[BotHarness]:
    """The bot as in production: the sender's loop and the job queue run by themselves."""
    harness = BotHarness(
        api,
        settings_for(api, database_url, officer_ids=frozenset({officer_id})),
        clock,
        background=True,
    )
    await harness.start()
    yield harness
    await harness.stop()


async def test_the_bot_api_down_for_a_minute(running: BotHarness, officer_id: int) -> None:
    api = running.api
    async with running.ctx.session() as session:
        users = await add_units_with_heads(
            session, HEADS, first_user_id=300_000, now=running.clock.now()
        )
    officer = running.user(officer_id, "Bình")
    preview = await start_broadcast(officer, "Hướng dẫn chấm điểm thi đua", "Tất cả thủ trưởng")
    delivered_before = Counter[str]()

    def outage(call: ApiCall) -> bool:
        """Everything fails (502 from the proxy) once 50 heads have the guidance."""
        if call.method == "sendMessage" and int(call.params["chat_id"]) in users:
            delivered_before["n"] += 1
        return delivered_before["n"] > 50

    api.fail_rules.append(FailRule(outage, 502, "Bad Gateway", times=None))
    mark = len(api.calls)
    api.push_update({"callback_query": _press(preview, officer)})

    def failing() -> bool:
        failed = [c for c in api.calls[mark:] if c.error == "Bad Gateway"]
        return sum(c.method == "sendMessage" for c in failed) >= 8 and any(
            c.method == "getUpdates" for c in failed
        )

    await api.wait_until(failing, within=30)
    # A unit head writes while Telegram is unreachable: the update waits on Telegram's side.
    stranger = {"id": 4242, "is_bot": False, "first_name": "Khách", "language_code": "vi"}
    api.push_update(
        {
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": 4242, "type": "private"},
                "from": stranger,
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            }
        }
    )
    running.clock.advance(timedelta(minutes=1))
    api.fail_rules.clear()  # Telegram is back
    # The sends that were under way when it came back have failed and are rescheduled...
    await eventually(lambda: _nothing_in_flight(running))
    running.clock.advance(timedelta(minutes=10))  # ...and time moves past every backoff.

    def recovered() -> bool:
        texts = [html_to_text(c.text) for c in api.sent(officer_id)]
        return bool(api.sent(4242)) and any("Báo cáo kết quả gửi" in t for t in texts)

    await api.wait_until(recovered, within=60)
    assert "trợ lý công tác thi đua, khen thưởng" in api.sent(4242)[0].text
    per_chat = Counter(
        c.chat_id for c in api.sent() if "Hướng dẫn chấm điểm thi đua" in c.text and c.chat_id
    )
    per_chat.pop(officer_id, None)
    assert set(per_chat) == set(users) and set(per_chat.values()) == {1}
    report = next(
        html_to_text(c.text) for c in api.sent(officer_id) if "Báo cáo kết quả gửi" in c.text
    )
    assert f"Đã gửi được: {HEADS}/{HEADS}" in report


async def _nothing_in_flight(harness: BotHarness) -> bool:
    async with harness.ctx.session() as session:
        sending = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.SENDING.value)
        )
    return not sending


def _press(preview, officer):  # type: ignore[no-untyped-def]
    return {
        "id": "send",
        "from": officer.as_dict(),
        "chat_instance": "1",
        "message": preview.last_message(),
        "data": data_of(preview, "Gửi"),
    }
