"""The aiohttp transport maps failures as python-telegram-bot's httpx transport does."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.runtime.aiohttp_request import AiohttpRequest


async def _server(handler: web.RequestHandler) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_post("/{method}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


async def test_parameters_go_as_one_json_body_and_status_reaches_the_caller() -> None:
    seen: dict[str, object] = {}

    async def handler(request: web.Request) -> web.Response:
        seen["content_type"] = request.content_type
        seen.update(await request.json())
        return web.json_response({"ok": False, "description": "Bad"}, status=400)

    runner, base = await _server(handler)
    request = AiohttpRequest()
    await request.initialize()
    keyboard = {"inline_keyboard": [[{"text": "✅ #7", "callback_data": "rd:7"}]]}
    try:
        data = RequestData(
            [
                RequestParameter.from_input("chat_id", 42),
                RequestParameter.from_input("text", "Chào <b>đồng chí</b>"),
                RequestParameter.from_input("reply_markup", keyboard),
            ]
        )
        status, body = await request.do_request(f"{base}/sendMessage", "POST", data)
    finally:
        await request.shutdown()
        await runner.cleanup()
    assert status == 400 and b"Bad" in body
    assert seen == {
        "content_type": "application/json",
        "chat_id": 42,
        "text": "Chào <b>đồng chí</b>",
        "reply_markup": keyboard,
    }


async def test_a_server_that_never_answers_is_a_timeout() -> None:
    released = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        await released.wait()
        return web.json_response({"ok": True, "result": True})

    runner, base = await _server(handler)
    request = AiohttpRequest(read_timeout=0.2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.do_request(f"{base}/getMe", "POST")
    finally:
        released.set()
        await request.shutdown()
        await runner.cleanup()


async def test_a_refused_connection_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match="ClientConnectorError"):
            await request.do_request(f"http://127.0.0.1:{port}/getMe", "POST")
    finally:
        await request.shutdown()


async def test_unused_transport_refuses_requests() -> None:
    with pytest.raises(RuntimeError):
        await AiohttpRequest().do_request("http://127.0.0.1:1/getMe", "POST")


def test_proxy_comes_from_the_environment_once_per_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "bot-api.local")
    request = AiohttpRequest()
    proxy, _auth = request._proxy_for("https://api.telegram.org/bot123/getMe")
    assert str(proxy) == "http://proxy.example:3128"
    assert request._proxy_for("https://bot-api.local/bot123/getMe") == (None, None)
    monkeypatch.delenv("HTTPS_PROXY")
    # Looked up once: the second call to the same server does not read the environment again.
    assert str(request._proxy_for("https://api.telegram.org/bot123/sendMessage")[0]) == (
        "http://proxy.example:3128"
    )
