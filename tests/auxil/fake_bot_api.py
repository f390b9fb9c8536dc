"""A fake Telegram Bot API server on 127.0.0.1 that the real Application talks to over HTTP.

Tests push users' messages and button presses as updates; the bot fetches them with
getUpdates like from Telegram, and every call it makes is recorded for assertions.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.auxil.telegram_html import TelegramHtmlError, check_html, html_to_text

BOT_ID = 7000000001
BOT_USERNAME = "tdkt_test_bot"
TOKEN = f"{BOT_ID}:AAtest-token-for-the-fake-bot-api"
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
SEND_METHODS = {"sendMessage", "sendDocument", "sendPhoto"}
JSON_FIELDS = {
    "reply_markup",
    "commands",
    "scope",
    "allowed_updates",
    "entities",
    "caption_entities",
    "link_preview_options",
    "reply_parameters",
    "media",
}


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    at: float
    result: Any = None
    error: str | None = None

    @property
    def chat_id(self) -> int | None:
        chat_id = self.params.get("chat_id")
        return int(chat_id) if chat_id is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")


@dataclass
class FailRule:
    """Makes matching calls fail: `times` times (None: forever) with an error payload."""

    matches: Callable[[ApiCall], bool]
    status: int
    description: str
    parameters: dict[str, Any] | None = None
    times: int | None = 1


@dataclass
class FakeBotApi:
    token: str = TOKEN
    calls: list[ApiCall] = field(default_factory=list)
    fail_rules: list[FailRule] = field(default_factory=list)
    # Seconds each send takes, to make a long broadcast last while other users write.
    send_delay: float = 0.0
    # Once this many messages are delivered, further sends hang until `release_held()` and
    # then fail with 502, like requests that never reached Telegram: a bot process can be
    # killed while they hang.
    hold_sends_after: int | None = None
    # Like Telegram: more sends than this in any second get 429 with retry_after.
    sends_per_second: int | None = None
    # Calls this matches hang like held sends (see `hold_sends_after`) until `release_held()`.
    hold_calls: Callable[[ApiCall], bool] | None = None

    def __post_init__(self) -> None:
        self._pending: list[dict[str, Any]] = []
        self._new_update = asyncio.Condition()
        self._polls = asyncio.Condition()
        self._recorded = asyncio.Condition()
        self._poll_offset = 0
        self._poll_generation = 0
        self.polls = 0
        self.conflicts = 0
        # When the getUpdates call now waiting began (time.monotonic()), if one waits.
        self.poll_waiting_since: float | None = None
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.uploads: dict[str, tuple[str, bytes]] = {}
        # Files users "sent", by file path, for getFile and downloads.
        self.files: dict[str, bytes] = {}
        self._closing = False
        self._release = asyncio.Event()
        self.held = 0
        self._recent_sends: collections.deque[float] = collections.deque()
        self.too_many = 0
        # Successful sends per chat, kept up to date for cheap checks at scale.
        self.delivered: collections.Counter[int] = collections.Counter()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ----------------------------------------------------------------- server
    async def start(self, port: int = 0) -> None:
        await self._listen(port)

    async def go_away(self) -> None:
        """The server disappears: its listening socket and open connections are closed, so
        the bot's connections are refused until `come_back()`."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def come_back(self) -> None:
        """The server listens again on the same port, with everything it had recorded."""
        await self._listen(self.port)

    async def _listen(self, port: int) -> None:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
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

    @property
    def file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await _read_params(request)
        call = ApiCall(method, params, time.monotonic())
        if (
            method in SEND_METHODS
            and self.hold_sends_after is not None
            and len(self.sent()) >= self.hold_sends_after
        ) or (self.hold_calls is not None and self.hold_calls(call)):
            self.held += 1
            async with self._recorded:
                self._recorded.notify_all()
            await self._release.wait()
            call.error = "Bad Gateway"
            self.calls.append(call)
            return web.json_response(
                {"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502
            )
        if method in SEND_METHODS and self.sends_per_second is not None:
            now = time.monotonic()
            while self._recent_sends and self._recent_sends[0] <= now - 1.0:
                self._recent_sends.popleft()
            if len(self._recent_sends) >= self.sends_per_second:
                self.too_many += 1
                call.error = "Too Many Requests: retry after 1"
                self.calls.append(call)
                return web.json_response(
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": call.error,
                        "parameters": {"retry_after": 1},
                    },
                    status=429,
                )
            self._recent_sends.append(now)
        for rule in self.fail_rules:
            if rule.times != 0 and rule.matches(call):
                if rule.times is not None:
                    rule.times -= 1
                call.error = rule.description
                self.calls.append(call)
                async with self._recorded:
                    self._recorded.notify_all()
                body: dict[str, Any] = {
                    "ok": False,
                    "error_code": rule.status,
                    "description": rule.description,
                }
                if rule.parameters:
                    body["parameters"] = rule.parameters
                return web.json_response(body, status=rule.status)
        handler = getattr(self, f"_api_{method}", None)
        try:
            result = await handler(params) if handler else True
        except ApiError as error:
            call.error = error.description
            self.calls.append(call)
            return web.json_response(
                {"ok": False, "error_code": error.status, "description": error.description},
                status=error.status,
            )
        call.result = result
        if method in SEND_METHODS:
            self.delivered[int(params["chat_id"])] += 1
        if method != "getUpdates":
            self.calls.append(call)
            async with self._recorded:
                self._recorded.notify_all()
        return web.json_response({"ok": True, "result": result})

    # ------------------------------------------------------------- API methods
    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Trợ lý TĐKT",
            "username": BOT_USERNAME,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        # Like Telegram, a new getUpdates call ends the one still waiting with 409 Conflict.
        self._poll_generation += 1
        mine = self._poll_generation
        self.polls += 1
        async with self._polls:
            self._poll_offset = max(self._poll_offset, offset)
            self._polls.notify_all()
        await self._notify()
        self._pending = [u for u in self._pending if u["update_id"] >= offset]
        if not self._pending and timeout > 0 and not self._closing:
            self.poll_waiting_since = time.monotonic()
            async with self._new_update:
                try:
                    await asyncio.wait_for(
                        self._new_update.wait_for(
                            lambda: (
                                bool(self._pending)
                                or self._closing
                                or self._poll_generation != mine
                            )
                        ),
                        timeout=timeout,
                    )
                except TimeoutError:
                    pass
            if self._poll_generation == mine:
                self.poll_waiting_since = None
        if self._poll_generation != mine:
            self.conflicts += 1
            raise ApiError(
                "Conflict: terminated by other getUpdates request; make sure that only one "
                "bot instance is running",
                status=409,
            )
        limit = int(params.get("limit") or 100)
        return self._pending[:limit]

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.send_delay:
            await asyncio.sleep(self.send_delay)
        text = str(params.get("text") or "")
        self._check_text(text, params)
        return self._store_message(params, {"text": text})

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_caption(params)
        upload = params.get("document")
        name = getattr(upload, "filename", None) or "document"
        file_id = f"doc-{next(self._message_ids)}"
        if hasattr(upload, "file"):
            self.uploads[file_id] = (name, upload.file.read())
        else:
            file_id = str(upload)  # a file_id being sent again
        return self._store_message(
            params,
            {
                "document": {"file_id": file_id, "file_unique_id": "u", "file_name": name},
                "caption": params.get("caption"),
            },
        )

    async def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_caption(params)
        upload = params.get("photo")
        file_id = f"photo-{next(self._message_ids)}"
        if hasattr(upload, "file"):
            self.uploads[file_id] = (
                getattr(upload, "filename", None) or "photo",
                upload.file.read(),
            )
        else:
            file_id = str(upload)
        return self._store_message(
            params,
            {
                "photo": [
                    {"file_id": file_id, "file_unique_id": "p", "width": 800, "height": 600}
                ],
                "caption": params.get("caption"),
            },
        )

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._existing_message(params)
        text = str(params.get("text") or "")
        self._check_text(text, params)
        markup = params.get("reply_markup")
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise ApiError(
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message"
            )
        message["text"] = text
        _set_markup(message, markup)
        return message

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._existing_message(params)
        _set_markup(message, params.get("reply_markup"))
        return message

    async def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        scope = params.get("scope") or {"type": "default"}
        self.commands[(json.dumps(scope, sort_keys=True), params.get("language_code") or "")] = (
            params["commands"]
        )
        return True

    async def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        path = f"documents/{params['file_id']}"
        if path not in self.files:
            raise ApiError("Bad Request: file is too big or not found")
        return {
            "file_id": params["file_id"],
            "file_unique_id": "f",
            "file_path": path,
            "file_size": len(self.files[path]),
        }

    async def _download(self, request: web.Request) -> web.Response:
        content = self.files.get(request.match_info["path"])
        if request.match_info["token"] != self.token or content is None:
            return web.Response(status=404)
        return web.Response(body=content)

    # ---------------------------------------------------------------- helpers
    def _check_text(self, text: str, params: dict[str, Any]) -> None:
        html_mode = (params.get("parse_mode") or "").upper() == "HTML"
        if html_mode:
            try:
                check_html(text)
            except TelegramHtmlError as error:
                raise ApiError(f"Bad Request: can't parse entities: {error}") from error
        # Telegram counts what the user sees, after the entities are parsed.
        visible = html_to_text(text) if html_mode else text
        if not visible.strip():
            raise ApiError("Bad Request: message text is empty")
        if len(visible) > MESSAGE_LIMIT:
            raise ApiError("Bad Request: message is too long")

    def _check_caption(self, params: dict[str, Any]) -> None:
        caption = str(params.get("caption") or "")
        html_mode = (params.get("parse_mode") or "").upper() == "HTML"
        if caption and html_mode:
            try:
                check_html(caption)
            except TelegramHtmlError as error:
                raise ApiError(f"Bad Request: can't parse entities: {error}") from error
        if len(html_to_text(caption) if html_mode else caption) > CAPTION_LIMIT:
            raise ApiError("Bad Request: message caption is too long")

    def _store_message(self, params: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Trợ lý TĐKT",
                "username": BOT_USERNAME,
            },
            **{key: value for key, value in content.items() if value is not None},
        }
        _set_markup(message, params.get("reply_markup"))
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _existing_message(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (int(params.get("chat_id") or 0), int(params.get("message_id") or 0))
        if key not in self.messages:
            raise ApiError("Bad Request: message to edit not found")
        return self.messages[key]

    # ---------------------------------------------------------- test controls
    def push_update(self, payload: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self._pending.append({"update_id": update_id, **payload})
        asyncio.get_running_loop().create_task(self._notify())
        return update_id

    async def _notify(self) -> None:
        async with self._new_update:
            self._new_update.notify_all()

    @property
    def confirmed_offset(self) -> int:
        """The highest offset a getUpdates call carried: the updates below it are confirmed."""
        return self._poll_offset

    async def wait_fetched(self, update_id: int, within: float = 10) -> None:
        """Until the bot polls with an offset past `update_id`: it has handled that update."""
        async with self._polls:
            await asyncio.wait_for(
                self._polls.wait_for(lambda: self._poll_offset > update_id), timeout=within
            )

    async def wait_for_sent(self, chat_id: int, count: int = 1, within: float = 30) -> None:
        """Until the bot has sent `count` messages to `chat_id` (for bots in other processes)."""
        async with self._recorded:
            await asyncio.wait_for(
                self._recorded.wait_for(lambda: len(self.sent(chat_id)) >= count), within
            )

    async def wait_for_call(self, method: str, within: float = 30) -> ApiCall:
        """Until the bot (maybe in another process) has called `method`; that call."""
        async with self._recorded:
            await asyncio.wait_for(
                self._recorded.wait_for(lambda: any(c.method == method for c in self.calls)),
                within,
            )
        return next(c for c in self.calls if c.method == method)

    async def wait_until(self, condition: Callable[[], bool], within: float = 60) -> None:
        """Until `condition()` holds, checked whenever the bot calls the API."""
        async with self._recorded:
            await asyncio.wait_for(self._recorded.wait_for(condition), within)

    def release_held(self) -> None:
        """Stop holding sends; the held ones fail (see `hold_sends_after`)."""
        self.hold_sends_after = None
        self.hold_calls = None
        self._release.set()

    def sent(self, chat_id: int | None = None, since: int = 0) -> list[ApiCall]:
        return [
            call
            for call in self.calls[since:]
            if call.method in SEND_METHODS
            and call.error is None
            and (chat_id is None or call.chat_id == chat_id)
        ]


class ApiError(Exception):
    def __init__(self, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.description = description
        self.status = status


def _set_markup(message: dict[str, Any], markup: Any) -> None:
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)


async def _read_params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data = await request.json()
        return dict(data or {})
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, str) and key in JSON_FIELDS:
            try:
                params[key] = json.loads(value)
                continue
            except ValueError:
                pass
        params[key] = value
    params.update({key: value for key, value in request.query.items() if key not in params})
    return params
