"""The Zalo client against the fake Zalo Bot API: shapes, splitting, and errors mapped to the
meanings the outbox sender relies on."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter

from bot.runtime.zalo.client import ZaloClient, parse_update, split_text
from tests.auxil.fake_zalo import ZALO_BOT_ID, FakeZaloApi


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloApi]:
    api = FakeZaloApi()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def client(zalo: FakeZaloApi) -> AsyncIterator[ZaloClient]:
    async with ZaloClient(zalo.token, base_url=zalo.base_url, retry_after=0.5) as client:
        yield client


async def test_get_me(client: ZaloClient) -> None:
    me = await client.get_me()
    assert me.id == ZALO_BOT_ID and me.account_name == "bot.TdktTest"


async def test_wrong_token_is_invalid_token(zalo: FakeZaloApi) -> None:
    async with ZaloClient("1:wrong", base_url=zalo.base_url) as client:
        with pytest.raises(InvalidToken):
            await client.get_me()


async def test_idle_poll_is_empty_and_a_message_comes_one_per_call(
    zalo: FakeZaloApi, client: ZaloClient
) -> None:
    assert await client.get_updates(timeout=1) == []
    zalo.push_text("6ede9afa66b88fe6d6a9", "xin chào", name="Ted")
    zalo.push_text("6ede9afa66b88fe6d6a9", "hai")
    [first] = await client.get_updates(timeout=1)
    assert first.chat_id == "6ede9afa66b88fe6d6a9" and first.text == "xin chào"
    assert first.sender.display_name == "Ted" and first.is_text
    [second] = await client.get_updates(timeout=1)
    assert second.text == "hai"


async def test_long_text_is_split_at_line_breaks(zalo: FakeZaloApi, client: ZaloClient) -> None:
    lines = [f"{n}. " + "x" * 96 for n in range(50)]  # 50 lines of ~100 characters
    sent = await client.send_message("abc", "\n".join(lines))
    assert len(sent) == 3 and all(s.message_id for s in sent)
    texts = zalo.texts("abc")
    assert all(len(text) <= 2000 for text in texts)
    assert "\n".join(texts).splitlines() == lines


async def test_the_fake_refuses_what_zalo_refuses(zalo: FakeZaloApi) -> None:
    """The fake itself rejects more than 2000 characters, so the splitting above is real."""
    async with ZaloClient(zalo.token, base_url=zalo.base_url) as client:
        with pytest.raises(BadRequest):
            await client._call("sendMessage", {"chat_id": "abc", "text": "x" * 2001})


@pytest.mark.parametrize("http_status", [None, 200])
async def test_errors_mean_what_they_mean_on_telegram(
    zalo: FakeZaloApi, client: ZaloClient, http_status: int | None
) -> None:
    zalo.error_http_status = http_status
    zalo.fail_next("sendMessage", 429)
    with pytest.raises(RetryAfter) as retry:
        await client.send_message("abc", "hi")
    assert retry.value.retry_after == 0.5
    zalo.fail_next("sendMessage", 500)
    with pytest.raises(NetworkError):
        await client.send_message("abc", "hi")
    zalo.block("abc")
    with pytest.raises(Forbidden):
        await client.send_message("abc", "hi")
    assert zalo.texts() == []


async def test_network_failure_is_transient(zalo: FakeZaloApi) -> None:
    await zalo.stop()
    async with ZaloClient(zalo.token, base_url=zalo.base_url, timeout=2) as client:
        with pytest.raises(NetworkError):
            await client.get_me()


async def test_webhook_and_chat_action(zalo: FakeZaloApi, client: ZaloClient) -> None:
    with pytest.raises(BadRequest):
        await client.set_webhook("https://example.org/zalo", "short")
    await client.set_webhook("https://example.org/zalo", "s" * 16)
    assert zalo.webhook["url"] == "https://example.org/zalo"
    await client.delete_webhook()
    assert zalo.webhook["url"] == ""
    await client.send_chat_action("abc")


def test_updates_are_read_wrapped_bare_or_with_other_spellings() -> None:
    message = {
        "from": {"id": "u1", "first_name": "An"},
        "chat": {"id": "u1", "chat_type": "PRIVATE"},
        "text": "hi",
        "message_id": "m1",
        "date": 1,
    }
    bare = {"event_name": "message.text.received", "message": message}
    for data in (bare, {"ok": True, "result": bare}, {"message": message}):
        parsed = parse_update(data)
        assert parsed is not None and parsed.is_text and parsed.sender.display_name == "An"
    assert parse_update({"ok": True, "result": {}}) is None


def test_split_text_keeps_short_texts_and_cuts_long_lines() -> None:
    assert split_text("hello") == ["hello"]
    assert [len(p) for p in split_text("y" * 4100)] == [2000, 2000, 100]
