"""How Zalo messages come in: long polling (getUpdates, one update per call, 408 when idle) or
a webhook (Zalo POSTs each update with the `X-Bot-Api-Secret-Token` header, checked in constant
time before the body is read). Each message becomes an `Incoming` for the text dialogue, whose
answers are sent back as plain text.

Zalo's getUpdates has no offset: an update handed out is gone, so each is handled as it comes.
A webhook call is answered at once (Zalo reports a slow endpoint as unreachable) and handled in
the background; the same message id twice within 5 minutes is handled once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.core.clock import Clock
from bot.core.config import Settings
from bot.runtime.zalo.client import RETRY_AFTER_429, ZaloClient, ZaloMessage, parse_update
from bot.runtime.zalo.sender import ZaloSender
from models import Channel

log = logging.getLogger("tdkt_bot.zalo")

SECRET_HEADER = "X-Bot-Api-Secret-Token"
MAX_WEBHOOK_BODY = 256 * 1024
POLL_FIRST_WAIT, POLL_LONGEST_WAIT = 1.0, 30.0
DEDUPE_SECONDS = 300.0
# Zalo events that carry something other than text (pictures, stickers, voice, files).
_NOT_TEXT = ("message.image.received", "message.sticker.received", "message.voice.received")


@dataclass(frozen=True)
class Incoming:
    """A message as the dialogue sees it, whatever the channel."""

    channel: str
    chat_id: str
    user_id: str
    name: str
    # None: not a text (a picture, a sticker, a voice message, a file, …).
    text: str | None


class Answers(Protocol):
    """The text dialogue (handlers/zalo/dialogue.py): the answers to one message."""

    async def handle(self, incoming: Incoming) -> list[str]: ...


# How the wiring (bot/cli.py, the tests) gives the channel its dialogue without the runtime
# importing the handlers: `handlers.zalo.dialogue.Dialogue` itself.
DialogueFactory = Callable[[Settings, async_sessionmaker[AsyncSession], Clock], Answers]


class ZaloIntake:
    """Turns Zalo messages into dialogue answers."""

    def __init__(self, client: ZaloClient, dialogue: Answers) -> None:
        self.client = client
        self.dialogue = dialogue
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()

    def _duplicate(self, message: ZaloMessage) -> bool:
        now = time.monotonic()
        while self._seen and next(iter(self._seen.values())) < now - DEDUPE_SECONDS:
            self._seen.popitem(last=False)
        key = f"{message.event_name}:{message.message_id}"
        if not message.message_id:
            return False
        if key in self._seen:
            return True
        self._seen[key] = now
        return False

    async def process(self, message: ZaloMessage) -> None:
        if message.sender.is_bot or self._duplicate(message):
            return
        if message.is_text:
            text: str | None = message.text
        elif message.event_name in _NOT_TEXT or message.event_name.startswith("message."):
            if message.event_name == "message.unsupported.received":
                return  # a protected user: no content, nothing to answer
            text = None
        else:
            return
        incoming = Incoming(
            channel=Channel.ZALO.value,
            chat_id=message.chat_id,
            user_id=message.sender.id,
            name=message.sender.display_name,
            text=text,
        )
        try:
            answers = await self.dialogue.handle(incoming)
        except Exception:
            log.exception("Zalo message %s: the dialogue failed", message.message_id)
            return
        for answer in answers:
            try:
                await self.client.send_message(message.chat_id, answer)
            except TelegramError as error:
                log.warning("Could not answer on Zalo chat %s: %s", message.chat_id, error)

    def process_later(self, message: ZaloMessage) -> None:
        task = asyncio.create_task(self.process(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def finish(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


class ZaloPoller:
    def __init__(self, intake: ZaloIntake, *, timeout: int = 30) -> None:
        self.intake = intake
        self.timeout = timeout
        self.failure: BaseException | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="zalo-poller")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.intake.finish()

    async def _run(self) -> None:
        client = self.intake.client
        wait = POLL_FIRST_WAIT
        webhook_deleted = False
        while True:
            try:
                if not webhook_deleted:
                    await client.delete_webhook()  # getUpdates is refused while one is set
                    webhook_deleted = True
                messages = await client.get_updates(timeout=self.timeout)
            except InvalidToken as error:
                log.error("Zalo refused the bot token: %s", error)
                self.failure = error
                return
            except RetryAfter as error:
                await asyncio.sleep(float(error.retry_after))  # type: ignore[arg-type]
                continue
            except (NetworkError, TelegramError, OSError) as error:
                log.warning("Polling Zalo failed (%s); next try in %.1f s", error, wait)
                await asyncio.sleep(wait)
                wait = min(wait * 1.5, POLL_LONGEST_WAIT)
                continue
            wait = POLL_FIRST_WAIT
            for message in messages:
                await self.intake.process(message)


class ZaloWebhook:
    """The route Zalo POSTs updates to; on the Telegram webhook server or a server of its own."""

    def __init__(self, intake: ZaloIntake, *, path: str, secret: str) -> None:
        self.intake = intake
        self.path = "/" + path.lstrip("/")
        self._secret = secret.encode()
        self._runner: web.AppRunner | None = None

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self._secret):
            return _refuse(403, "Forbidden")
        if request.content_length is not None and request.content_length > MAX_WEBHOOK_BODY:
            return _refuse(413, "Request Entity Too Large")
        try:
            data: Any = await request.json()
        except (ValueError, web.HTTPRequestEntityTooLarge):
            return _refuse(400, "Bad Request")
        message = parse_update(data)
        if message is not None:
            self.intake.process_later(message)
        return web.json_response({"ok": True})

    async def serve(self, listen: str, port: int) -> None:
        """A server of its own (Zalo without Telegram's webhook)."""
        app = web.Application(client_max_size=MAX_WEBHOOK_BODY)
        app.router.add_post(self.path, self.receive)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=10)
        await self._runner.setup()
        await web.TCPSite(self._runner, listen, port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.intake.finish()


def _refuse(status: int, reason: str) -> web.Response:
    response = web.Response(status=status, text=reason)
    response.force_close()
    return response


class ZaloChannel:
    """Everything Zalo needs in `tdkt-bot run`: the client, the outbox sender and the intake.

    `start()` first checks the token with getMe (a refused token raises `InvalidToken`)."""

    def __init__(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        dialogue: DialogueFactory,
        webhook: dict[str, Any] | None = None,
        poll_timeout: int = 30,
        retry_after: float | None = None,
    ) -> None:
        assert settings.zalo_token
        self.client = ZaloClient(
            settings.zalo_token,
            base_url=settings.zalo_api_base_url,
            retry_after=RETRY_AFTER_429 if retry_after is None else retry_after,
        )
        self.sender = ZaloSender(self.client, sessionmaker, clock, per_second=settings.zalo_rate)
        self.intake = ZaloIntake(self.client, dialogue(settings, sessionmaker, clock))
        self.poller: ZaloPoller | None = None
        self.webhook: ZaloWebhook | None = None
        self._webhook_settings = webhook
        if webhook is not None:
            self.webhook = ZaloWebhook(self.intake, path=webhook["path"], secret=webhook["secret"])
        else:
            self.poller = ZaloPoller(self.intake, timeout=poll_timeout)

    @property
    def failure(self) -> BaseException | None:
        return self.poller.failure if self.poller is not None else None

    async def start(self, *, own_server: bool = False) -> None:
        """Checks the token, starts sending, then receiving (polling, or the webhook:
        registered with Zalo; with `own_server` also listened to here)."""
        await self.client.initialize()
        me = await self.client.get_me()
        log.info("Zalo channel up as %s (%s)", me.account_name, me.id)
        self.sender.start()
        if self.poller is not None:
            await self.poller.start()
        elif self.webhook is not None and self._webhook_settings is not None:
            hook = self._webhook_settings
            if own_server:
                await self.webhook.serve(hook["listen"], hook["port"])
            await self.client.set_webhook(hook["url"], hook["secret"])

    async def stop(self) -> None:
        if self.poller is not None:
            await self.poller.stop()
        if self.webhook is not None:
            await self.webhook.stop()
        await self.sender.stop()
        await self.client.shutdown()
