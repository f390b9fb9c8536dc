"""A fake Zalo Bot API server on 127.0.0.1, built from the documented shapes (see
docs in zalo-api research: `{ok, result}` envelope, one update per getUpdates call, 408 when
idle, string ids, sendMessage of 1–2000 characters, sendChatAction without a result).

Tests inject users' text messages with `push_text`; every call is recorded. Failures can be
switched on: `fail_next(method, status, times)` (429, 500, …) and `block(chat_id)` (403 for
sends to that chat).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

ZALO_BOT_ID = "1459232241454765289"
ZALO_TOKEN = f"{ZALO_BOT_ID}:zalo-test-secret"
MESSAGE_LIMIT = 2000


@dataclass
class ZaloCall:
    method: str
    params: dict[str, Any]
    at: float
    error: int | None = None

    @property
    def chat_id(self) -> str | None:
        value = self.params.get("chat_id")
        return str(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or "")


@dataclass
class FakeZaloApi:
    token: str = ZALO_TOKEN
    calls: list[ZaloCall] = field(default_factory=list)
    # Answer errors with this HTTP status (Zalo's docs do not say: 200 with ok:false, or the
    # code itself); both are tried by the tests.
    error_http_status: int | None = None

    def __post_init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._new_update = asyncio.Condition()
        self._failures: list[tuple[str, int, int | None]] = []
        self.blocked: set[str] = set()
        self.webhook: dict[str, Any] = {"url": "", "secret_token": None}
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.port = 0

    # --------------------------------------------------------------- server
    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self._closing = True
        async with self._new_update:
            self._new_update.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # --------------------------------------------------------------- controls
    def fail_next(self, method: str, status: int, times: int | None = 1) -> None:
        """The next `times` calls of `method` (None: all) fail with `status`."""
        self._failures.append((method, status, times))

    def block(self, chat_id: str) -> None:
        """The user blocked the bot: sends to them get 403."""
        self.blocked.add(chat_id)

    def push_text(self, user_id: str, text: str, *, name: str = "Người dùng Zalo") -> str:
        """A user writes `text` to the bot in a private chat; returns the message id."""
        message_id = secrets.token_hex(10)
        self._updates.append(
            {
                "event_name": "message.text.received",
                "message": {
                    "from": {"id": user_id, "display_name": name, "is_bot": False},
                    "chat": {"id": user_id, "chat_type": "PRIVATE"},
                    "text": text,
                    "message_id": message_id,
                    "date": int(time.time() * 1000),
                },
            }
        )
        asyncio.get_running_loop().create_task(self._notify())
        return message_id

    def push_event(self, update: dict[str, Any]) -> None:
        """Any update (e.g. `message.image.received`)."""
        self._updates.append(update)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._new_update:
            self._new_update.notify_all()

    @property
    def waiting_updates(self) -> int:
        return len(self._updates)

    def sent(self, chat_id: str | None = None) -> list[ZaloCall]:
        return [
            call
            for call in self.calls
            if call.method == "sendMessage"
            and call.error is None
            and (chat_id is None or call.chat_id == chat_id)
        ]

    def texts(self, chat_id: str | None = None) -> list[str]:
        return [call.text for call in self.sent(chat_id)]

    async def wait_until(self, condition: Callable[[], bool], within: float = 20) -> None:
        deadline = time.monotonic() + within
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.02)

    async def wait_for_sent(self, chat_id: str, count: int = 1, within: float = 20) -> None:
        await self.wait_until(lambda: len(self.sent(chat_id)) >= count, within)

    # --------------------------------------------------------------- API
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _read_params(request)
        call = ZaloCall(method, params, time.monotonic())
        self.calls.append(call)
        if request.match_info["token"] != self.token:
            return self._error(call, 401, "Unauthorized")
        for index, (name, status, times) in enumerate(self._failures):
            if name == method:
                if times is not None:
                    if times <= 1:
                        del self._failures[index]
                    else:
                        self._failures[index] = (name, status, times - 1)
                return self._error(call, status, _DESCRIPTIONS.get(status, "Error"))
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return self._error(call, 404, "Not Found")
        try:
            result = await handler(params)
        except _ApiError as error:
            return self._error(call, error.status, error.description)
        if result is _NO_RESULT:
            return web.json_response({"ok": True})
        return web.json_response({"ok": True, "result": result})

    def _error(self, call: ZaloCall, code: int, description: str) -> web.Response:
        call.error = code
        status = self.error_http_status if self.error_http_status is not None else code
        return web.json_response(
            {"ok": False, "error_code": code, "description": description}, status=status
        )

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": ZALO_BOT_ID,
            "account_name": "bot.TdktTest",
            "account_type": "BASIC",
            "can_join_groups": False,
        }

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook["url"]:
            raise _ApiError(400, "Webhook is set")
        timeout = float(params.get("timeout") or 30)
        deadline = time.monotonic() + timeout
        async with self._new_update:
            while not self._updates and not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(self._new_update.wait(), remaining)
                except TimeoutError:
                    break
        if not self._updates:
            raise _ApiError(408, "Request timeout")
        return self._updates.pop(0)

    async def _api_setWebhook(self, params: dict[str, Any]) -> dict[str, Any]:
        url, secret = str(params.get("url") or ""), str(params.get("secret_token") or "")
        if not url.startswith("https://") or not 8 <= len(secret) <= 256:
            raise _ApiError(400, "Bad Request")
        self.webhook = {"url": url, "secret_token": secret}
        return {"url": url, "updated_at": int(time.time() * 1000)}

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> dict[str, Any]:
        self.webhook = {"url": "", "secret_token": None}
        return {"url": "", "updated_at": int(time.time() * 1000)}

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook["url"], "updated_at": int(time.time() * 1000)}

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, text = params.get("chat_id"), params.get("text")
        if not isinstance(chat_id, str) or not chat_id:
            raise _ApiError(400, "Bad Request")
        if not isinstance(text, str) or not 1 <= len(text) <= MESSAGE_LIMIT:
            raise _ApiError(400, "Bad Request")
        if chat_id in self.blocked:
            raise _ApiError(403, "Forbidden")
        return {"message_id": secrets.token_hex(10), "date": int(time.time() * 1000)}

    async def _api_sendChatAction(self, params: dict[str, Any]) -> object:
        if params.get("action") not in ("typing", "upload_photo"):
            raise _ApiError(400, "Bad Request")
        return _NO_RESULT


_NO_RESULT = object()
_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Internal server error",
    404: "Not Found",
    408: "Request timeout",
    429: "Quota exceeded",
    500: "Internal Server Error",
}


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


async def _read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        raw = await request.read()
        if request.content_type == "application/json":
            body = json.loads(raw.decode("utf-8") or "{}")
            if isinstance(body, dict):
                params.update(body)
        else:
            params.update(await request.post())
    return params
