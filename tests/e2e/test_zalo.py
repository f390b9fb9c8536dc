"""The Zalo channel beside Telegram: the real Application on the fake Telegram Bot API, the Zalo
channel (client, sender, intake, dialogue) on the fake Zalo Bot API, one database."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from bot.core.migrate import upgrade
from bot.runtime.zalo.intake import SECRET_HEADER, ZaloChannel
from bot.runtime.zalo.run import serve_zalo_only
from bot.runtime.zalo.sender import ZaloSender
from bot.services import outbox
from handlers.zalo.dialogue import Dialogue
from models import ChannelIdentity, Member, OutboxMessage, OutboxStatus, Role
from tests.auxil.fake_zalo import FakeZaloApi
from tests.auxil.harness import BotHarness, RateLimiter
from tests.conftest import invite_code, local

USER = "6ede9afa66b88fe6d6a9"


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloApi]:
    api = FakeZaloApi()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def channel(seeded: BotHarness, zalo: FakeZaloApi) -> AsyncIterator[ZaloChannel]:
    settings = dataclasses.replace(
        seeded.settings, zalo_token=zalo.token, zalo_api_base_url=zalo.base_url
    )
    ctx = seeded.ctx
    channel = ZaloChannel(
        settings, ctx.sessionmaker, ctx.clock, dialogue=Dialogue, poll_timeout=1, retry_after=2
    )
    channel.sender.limiter = RateLimiter(per_second=1000, chat_interval=0)
    await channel.start()
    # The tests drain by hand, as they do for Telegram.
    await channel.sender.stop()
    yield channel
    await channel.stop()


async def _say(zalo: FakeZaloApi, text: str, user: str = USER, name: str = "Lê Văn Cường") -> str:
    before = len(zalo.sent(user))
    zalo.push_text(user, text, name=name)
    await zalo.wait_for_sent(user, before + 1)
    await asyncio.sleep(0.05)
    return "\n".join(zalo.texts(user)[before:])


async def _join(harness: BotHarness, zalo: FakeZaloApi, unit: str, text: str = "{code}") -> str:
    async with harness.ctx.session() as session:
        code = await invite_code(session, unit, Role.HEAD, harness.clock.now())
    return await _say(zalo, text.format(code=code))


async def test_a_head_joins_by_code_on_zalo(
    seeded: BotHarness, zalo: FakeZaloApi, channel: ZaloChannel
) -> None:
    answer = await _say(zalo, "xin chào")
    assert "mã mời" in answer  # not a member yet: send the invite code
    answer = await _join(seeded, zalo, "TT-VA")
    assert "Lê Văn Cường" in answer and "UBND thị trấn Vĩnh An" in answer
    assert "<" not in answer
    async with seeded.ctx.session() as session:
        member = await session.scalar(select(Member).where(Member.full_name == "Lê Văn Cường"))
        assert member is not None and member.telegram_id is None and member.channel == "zalo"
        assert member.is_head
        identity = await session.scalar(select(ChannelIdentity))
        assert identity is not None and (identity.channel, identity.external_id) == ("zalo", USER)
    # "/start CODE" works too (here: the code of another unit moves the head there).
    answer = await _join(seeded, zalo, "X-TA", "/start {code}")
    assert "UBND xã Tân An" in answer
    assert "trợ giúp — danh sách này" in await _say(zalo, "Trợ giúp")
    # Anything else: the short list of what can be typed.
    unknown = await _say(zalo, "xong abc")
    assert "chưa hiểu" in unknown and "trợ giúp" in unknown
    # A used code is refused like on Telegram.
    async with seeded.ctx.session() as session:
        code = await invite_code(session, "X-TP", Role.HEAD, seeded.clock.now())
    await _say(zalo, code, user="aaaa1111bbbb2222cccc")
    assert "đã được sử dụng" in await _say(zalo, code, user="bbbb1111bbbb2222cccc")


async def test_a_picture_is_refused_with_a_pointer_to_telegram(
    zalo: FakeZaloApi, channel: ZaloChannel
) -> None:
    zalo.push_event(
        {
            "event_name": "message.image.received",
            "message": {
                "from": {"id": USER, "display_name": "Cường"},
                "chat": {"id": USER, "chat_type": "PRIVATE"},
                "photo": "https://example.org/a.jpg",
                "message_id": "p1",
                "date": 1,
            },
        }
    )
    await zalo.wait_for_sent(USER)
    assert "Telegram" in zalo.texts(USER)[0]


async def _zalo_head(seeded: BotHarness, zalo: FakeZaloApi) -> int:
    await _join(seeded, zalo, "TT-VA")
    async with seeded.ctx.session() as session:
        member = await session.scalar(select(Member).where(Member.channel == "zalo"))
        assert member is not None
        return member.id


async def test_a_reminder_for_a_zalo_member_is_delivered_once_on_zalo_only(
    seeded: BotHarness, zalo: FakeZaloApi, channel: ZaloChannel
) -> None:
    member_id = await _zalo_head(seeded, zalo)
    seeded.clock.set(local(2020, 4, 1, 8))
    await seeded.reminder_pass()
    telegram_before = len(seeded.api.sent())
    await seeded.drain()
    assert len(seeded.api.sent()) == telegram_before  # the Telegram sender leaves Zalo rows
    zalo_before = len(zalo.sent(USER))
    stats = await channel.sender.drain()
    assert stats.sent >= 1
    texts = zalo.texts(USER)[zalo_before:]
    assert texts and all("<b>" not in text and len(text) <= 2000 for text in texts)
    assert (await channel.sender.drain()).sent == 0
    async with seeded.ctx.session() as session:
        rows = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.member_id == member_id)
            )
        )
    assert rows and all(
        (row.channel, row.chat_ref, row.chat_id, row.status)
        == ("zalo", USER, None, OutboxStatus.SENT.value)
        for row in rows
    )
    assert len(texts) >= len(rows)


async def _queue_one(seeded: BotHarness, member_id: int, key: str) -> None:
    async with seeded.ctx.session() as session:
        await outbox.enqueue(
            session,
            [outbox.NewMessage(key, "notice", None, "<b>Thông báo</b> &amp; nhắc", member_id)],
            now=seeded.clock.now(),
        )
        await session.commit()


async def test_429_then_success_is_retried_and_sent_once(
    seeded: BotHarness, zalo: FakeZaloApi, channel: ZaloChannel
) -> None:
    member_id = await _zalo_head(seeded, zalo)
    await _queue_one(seeded, member_id, "n1")
    zalo.fail_next("sendMessage", 429)
    before = len(zalo.sent(USER))
    assert (await channel.sender.drain()).retried == 1
    assert len(zalo.sent(USER)) == before
    seeded.clock.advance(timedelta(seconds=3))
    channel.sender.limiter = RateLimiter(per_second=1000, chat_interval=0)
    assert (await channel.sender.drain()).sent == 1
    assert zalo.texts(USER)[before:] == ["Thông báo & nhắc"]


async def test_a_blocked_zalo_user_is_reported_unreachable(
    seeded: BotHarness, zalo: FakeZaloApi, channel: ZaloChannel, officer_id: int
) -> None:
    await seeded.user(officer_id, "Trần Thị Bình").send("/start")
    member_id = await _zalo_head(seeded, zalo)
    zalo.block(USER)
    await _queue_one(seeded, member_id, "n2")
    assert (await channel.sender.drain()).unreachable == 1
    async with seeded.ctx.session() as session:
        member = await session.get(Member, member_id)
        assert member is not None and not member.reachable
    before = len(seeded.api.sent(officer_id))
    await seeded.drain()
    notices = seeded.api.sent(officer_id)[before:]
    assert any("Lê Văn Cường" in call.text for call in notices)
    # Writing to the bot again makes the member reachable again.
    zalo.blocked.clear()
    await _say(zalo, "help")
    async with seeded.ctx.session() as session:
        member = await session.get(Member, member_id)
        assert member is not None and member.reachable


async def test_the_webhook_checks_the_secret(seeded: BotHarness, zalo: FakeZaloApi) -> None:
    settings = dataclasses.replace(
        seeded.settings, zalo_token=zalo.token, zalo_api_base_url=zalo.base_url
    )
    ctx = seeded.ctx
    hook = {"url": "https://bot.example.org/zalo", "path": "/zalo", "secret": "s3cret-token"}
    channel = ZaloChannel(settings, ctx.sessionmaker, ctx.clock, dialogue=Dialogue, webhook=hook)
    await channel.start()
    assert zalo.webhook == {"url": hook["url"], "secret_token": hook["secret"]}
    assert channel.webhook is not None
    app = web.Application()
    app.router.add_post("/zalo", channel.webhook.receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    update = {
        "ok": True,
        "result": {
            "event_name": "message.text.received",
            "message": {
                "from": {"id": USER, "display_name": "Cường", "is_bot": False},
                "chat": {"id": USER, "chat_type": "PRIVATE"},
                "text": "help",
                "message_id": "w1",
                "date": 1,
            },
        },
    }
    try:
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}/zalo"
            async with http.post(url, json=update, headers={SECRET_HEADER: "wrong"}) as r:
                assert r.status == 403
            for _twice in range(2):  # the same message twice is handled once
                async with http.post(
                    url, json=update, headers={SECRET_HEADER: hook["secret"]}
                ) as r:
                    assert r.status == 200
        await zalo.wait_for_sent(USER)
        await asyncio.sleep(0.2)
        assert len(zalo.sent(USER)) == 1
    finally:
        await runner.cleanup()
        await channel.stop()


async def test_zalo_alone_works_and_a_wrong_token_is_one_line(
    zalo: FakeZaloApi, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.core.clock import FrozenClock
    from bot.core.config import Settings

    await upgrade(database_url)
    settings = Settings(
        token=None,
        database_url=database_url,
        zalo_token="1:wrong",
        zalo_api_base_url=zalo.base_url,
    )
    assert await serve_zalo_only(settings, webhook=None, dialogue=Dialogue) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "TDKT_ZALO_TOKEN" in err[0]

    settings = dataclasses.replace(settings, zalo_token=zalo.token)
    stop = asyncio.Event()
    run = asyncio.create_task(
        serve_zalo_only(
            settings,
            webhook=None,
            dialogue=Dialogue,
            clock=FrozenClock(local(2020, 5, 15, 7)),
            stop=stop,
            poll_timeout=1,
        )
    )
    try:
        assert "mã mời" in await _say(zalo, "xin chào")
    finally:
        stop.set()
        assert await run == 0


def test_the_zalo_sender_claims_zalo_rows_only() -> None:
    assert ZaloSender.channel == "zalo"
