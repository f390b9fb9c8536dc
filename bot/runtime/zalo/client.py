"""A thin async client of Zalo's Bot API (https://bot-api.zaloplatforms.com/bot<TOKEN>/<method>).

Every call POSTs JSON and reads the `{ok, result}` / `{ok:false, error_code, description}`
envelope; an error is classified by its `error_code` or, when that is missing, the HTTP status
(Zalo's docs do not say whether they match). Errors are raised as subclasses of
python-telegram-bot's errors with the same meaning, so the outbox sender treats both channels
alike: 401 → `InvalidToken`, 429 → `RetryAfter` (Zalo publishes no retry_after: we wait
`retry_after` seconds), 403 → `Forbidden` (the user blocked the bot or cannot be reached),
400/404 → `BadRequest`, 5xx, timeouts and network failures → `NetworkError`/`TimedOut`.

getUpdates answers one update per call (an array is accepted too) and `error_code` 408 when
nothing came within the timeout: an empty poll, not an error. No offset exists.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import aiohttp
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com/bot"
# sendMessage takes 1–2000 characters.
MESSAGE_LIMIT = 2000
# No rate-limit numbers are published; after a 429 we wait this long (as other clients do).
RETRY_AFTER_429 = 30.0


class ZaloInvalidToken(InvalidToken):
    """401: the token is wrong, expired or was reset."""


class ZaloRetryAfter(RetryAfter):
    """429: quota exceeded; try again in `retry_after` seconds (a float: ours, not Zalo's)."""

    def __init__(self, seconds: float) -> None:
        self._zalo_seconds = float(seconds)
        super().__init__(max(1, round(seconds)))

    @property
    def retry_after(self) -> float:  # type: ignore[override]
        return self._zalo_seconds


class ZaloForbidden(Forbidden):
    """403: the chat cannot be reached (blocked the bot, or never wrote to it)."""


class ZaloBadRequest(BadRequest):
    """400/404 and other refusals that will not change by retrying."""


class ZaloNetworkError(NetworkError):
    """5xx, a broken connection, an unreadable answer: transient."""


class ZaloTimedOut(TimedOut):
    """The request took longer than its timeout."""


@dataclass(frozen=True)
class BotInfo:
    id: str
    account_name: str
    account_type: str = ""


@dataclass(frozen=True)
class ZaloUser:
    id: str
    display_name: str
    is_bot: bool = False


@dataclass(frozen=True)
class ZaloMessage:
    """An incoming message: `chat_id` is where to answer (a private chat's id is the user's)."""

    event_name: str
    chat_id: str
    chat_type: str
    sender: ZaloUser
    text: str | None
    message_id: str
    date: int  # epoch milliseconds

    @property
    def is_text(self) -> bool:
        return self.event_name == "message.text.received" and self.text is not None


@dataclass(frozen=True)
class SentMessage:
    message_id: str | None
    date: int | None


def parse_update(data: Any) -> ZaloMessage | None:
    """An update from getUpdates or a webhook call, wrapped in `{ok, result}` or bare; None
    when it carries no message."""
    if isinstance(data, dict) and "result" in data and "event_name" not in data:
        data = data["result"]
    if not isinstance(data, dict):
        return None
    message = data.get("message")
    if not isinstance(message, dict):
        return None
    sender = message.get("from") or {}
    chat = message.get("chat") or {}
    sender_id = str(sender.get("id") or "")
    chat_id = str(chat.get("id") or sender_id)
    if not chat_id:
        return None
    name = sender.get("display_name") or sender.get("name") or sender.get("first_name") or ""
    event = str(data.get("event_name") or ("message.text.received" if "text" in message else ""))
    text = message.get("text")
    return ZaloMessage(
        event_name=event,
        chat_id=chat_id,
        chat_type=str(chat.get("chat_type") or "PRIVATE"),
        sender=ZaloUser(sender_id or chat_id, str(name), bool(sender.get("is_bot"))),
        text=str(text) if isinstance(text, str) else None,
        message_id=str(message.get("message_id") or ""),
        date=int(message.get("date") or 0),
    )


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at line breaks where possible (else at a
    space, else anywhere); empty pieces are dropped (Zalo refuses empty text)."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = window.rfind("\n")
        if cut <= 0:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n") if rest[cut : cut + 1] == "\n" else rest[cut:].lstrip(" ")
    pieces.append(rest)
    return [piece for piece in (p.strip("\n") for p in pieces) if piece.strip()]


class ZaloClient:
    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10.0,
        retry_after: float = RETRY_AFTER_429,
        connections: int = 32,
    ) -> None:
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry_after = retry_after
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    @property
    def api_address(self) -> str:
        """The server as an operator knows it (never the token)."""
        return self.base_url.removesuffix("/bot")

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections)
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> ZaloClient:
        await self.initialize()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.shutdown()

    # ------------------------------------------------------------------ methods
    async def get_me(self) -> BotInfo:
        result = await self._call("getMe")
        return BotInfo(
            str(result.get("id", "")),
            str(result.get("account_name", "")),
            str(result.get("account_type", "")),
        )

    async def get_updates(self, timeout: int = 30) -> list[ZaloMessage]:  # noqa: ASYNC109
        """The next update(s); [] when none came within `timeout` seconds (408)."""
        try:
            result = await self._call(
                "getUpdates", {"timeout": str(timeout)}, read_timeout=timeout + 10
            )
        except _IdlePoll:
            return []
        items: Sequence[Any] = result if isinstance(result, list) else [result]
        return [m for m in (parse_update(item) for item in items) if m is not None]

    async def set_webhook(self, url: str, secret: str) -> dict[str, Any]:
        return dict(await self._call("setWebhook", {"url": url, "secret_token": secret}) or {})

    async def delete_webhook(self) -> None:
        await self._call("deleteWebhook")

    async def send_message(self, chat_id: str, text: str) -> list[SentMessage]:
        """Sends `text` as plain text, in several messages when longer than 2000 characters
        (cut at line breaks). Returns what Zalo said of each."""
        sent = []
        for piece in split_text(text):
            result = await self._call("sendMessage", {"chat_id": chat_id, "text": piece})
            result = result if isinstance(result, dict) else {}
            message_id = result.get("message_id")
            date = result.get("date")
            sent.append(
                SentMessage(
                    str(message_id) if message_id is not None else None,
                    int(date) if isinstance(date, int | float) else None,
                )
            )
        return sent

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        await self._call("sendChatAction", {"chat_id": chat_id, "action": action})

    # ------------------------------------------------------------------ transport
    async def _call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        read_timeout: float | None = None,
    ) -> Any:
        await self.initialize()
        assert self._session is not None
        url = f"{self.base_url}{self._token}/{method}"
        try:
            async with self._session.post(
                url,
                json=params or {},
                timeout=aiohttp.ClientTimeout(total=read_timeout or self.timeout),
            ) as response:
                status = response.status
                body = await response.read()
        except TimeoutError as error:
            raise ZaloTimedOut(f"Zalo {method}: timed out") from error
        except aiohttp.ClientError as error:
            raise ZaloNetworkError(f"Zalo {method}: {error}") from error
        try:
            data = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, ValueError):
            data = None
        if not isinstance(data, dict):
            if status >= 400:
                self._raise(method, status, f"HTTP {status}")
            raise ZaloNetworkError(f"Zalo {method}: unreadable answer (HTTP {status})")
        if data.get("ok") is True and status < 400:
            return data.get("result", {})
        code = data.get("error_code", data.get("errorCode"))
        code = int(code) if isinstance(code, int | str) and str(code).isdigit() else status
        self._raise(method, code, str(data.get("description") or f"error {code}"))

    def _raise(self, method: str, code: int, description: str) -> NoReturn:
        text = f"{description} ({code})"
        if code == 408 and method == "getUpdates":
            raise _IdlePoll()
        if code == 401:
            raise ZaloInvalidToken(text)
        if code == 429:
            raise ZaloRetryAfter(self.retry_after)
        if code == 403:
            raise ZaloForbidden(text)
        if code == 408:
            raise ZaloTimedOut(text)
        if 400 <= code < 500:
            raise ZaloBadRequest(text)
        raise ZaloNetworkError(text)


class _IdlePoll(Exception):
    """getUpdates: nothing came within the timeout."""
