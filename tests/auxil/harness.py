"""Runs the real Application against the fake Bot API and lets tests act as Telegram users."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field, replace
from typing import Any

from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, build_application
from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.core.context import AppContext
from bot.runtime.context import app_context, runtime_of
from bot.runtime.intake import UpdatePoller
from bot.runtime.outbox_sender import DrainStats, OutboxSender, RateLimiter
from bot.runtime.reminder_jobs import reminder_pass
from bot.services.reminders import PassResult
from handlers.flood import FloodGuard
from tests.auxil.fake_bot_api import BOT_USERNAME, TOKEN, ApiCall, FakeBotApi
from tests.auxil.telegram_html import html_to_text

_message_ids = itertools.count(1)


def settings_for(api: FakeBotApi, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "token": TOKEN,
        "database_url": database_url,
        "api_base_url": api.base_url,
        "api_file_url": api.file_url,
        "bot_username": BOT_USERNAME,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class Reply:
    """What the bot sent back in answer to one user action."""

    calls: list[ApiCall]
    chat_id: int

    @property
    def messages(self) -> list[ApiCall]:
        return [
            c
            for c in self.calls
            if c.method.startswith("send") and c.chat_id == self.chat_id and c.error is None
        ]

    @property
    def texts(self) -> list[str]:
        return [html_to_text(c.text) for c in self.messages]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def edits(self) -> list[ApiCall]:
        return [c for c in self.calls if c.method.startswith("edit") and c.error is None]

    @property
    def alerts(self) -> list[str]:
        return [
            str(c.params.get("text") or "")
            for c in self.calls
            if c.method == "answerCallbackQuery"
        ]

    @property
    def errors(self) -> list[ApiCall]:
        return [c for c in self.calls if c.error is not None]

    def last_message(self) -> dict[str, Any]:
        assert self.messages, "the bot sent no message"
        return self.messages[-1].result  # type: ignore[no-any-return]

    def everything(self) -> str:
        """Texts of messages, edits and alerts together, as the user sees them."""
        parts = self.texts + [html_to_text(str(c.params.get("text") or "")) for c in self.edits]
        return "\n".join(parts + self.alerts)


@dataclass
class TelegramUser:
    harness: BotHarness
    user_id: int
    first_name: str
    language_code: str = "vi"
    last_name: str | None = None
    username: str | None = None
    sent_messages: list[dict[str, Any]] = field(default_factory=list)
    # The chat the user writes in: their private chat with the bot unless `in_chat` says.
    chat: dict[str, Any] | None = None

    def in_chat(self, chat_id: int, chat_type: str = "group", title: str = "Nhóm") -> TelegramUser:
        """The same user writing in a group, supergroup or channel the bot is a member of."""
        chat = {"id": chat_id, "type": chat_type, "title": title}
        return replace(self, chat=chat, sent_messages=[])

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"]) if self.chat is not None else self.user_id

    def _chat(self) -> dict[str, Any]:
        if self.chat is not None:
            return self.chat
        return {"id": self.user_id, "type": "private", "first_name": self.first_name}

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data

    def _message(self, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(_message_ids),
            "date": int(time.time()),
            "chat": self._chat(),
            "from": self.as_dict(),
            **content,
        }
        if self.chat is not None and self.chat["type"] == "channel":
            # A channel post comes from the channel, not from a user.
            del message["from"]
            message["sender_chat"] = self.chat
        return message

    @property
    def _message_key(self) -> str:
        channel = self.chat is not None and self.chat["type"] == "channel"
        return "channel_post" if channel else "message"

    async def send(self, text: str, *, reply_to: dict[str, Any] | None = None) -> Reply:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if reply_to is not None:
            content["reply_to_message"] = reply_to
        return await self.harness.deliver(
            {self._message_key: self._message(**content)}, self.chat_id
        )

    async def send_document(
        self,
        file_name: str,
        *,
        size: int = 1000,
        caption: str | None = None,
        reply_to: dict[str, Any] | None = None,
        content_bytes: bytes | None = None,
    ) -> Reply:
        if content_bytes is not None:
            self.harness.api.files[f"documents/file-{file_name}"] = content_bytes
            size = len(content_bytes)
        content: dict[str, Any] = {
            "document": {
                "file_id": f"file-{file_name}",
                "file_unique_id": f"u-{file_name}",
                "file_name": file_name,
                "file_size": size,
            }
        }
        if caption:
            content["caption"] = caption
        if reply_to is not None:
            content["reply_to_message"] = reply_to
        return await self.harness.deliver(
            {self._message_key: self._message(**content)}, self.chat_id
        )

    async def send_sticker(self) -> Reply:
        content = {
            "sticker": {
                "file_id": "sticker",
                "file_unique_id": "s",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        }
        return await self.harness.deliver(
            {self._message_key: self._message(**content)}, self.chat_id
        )

    async def press(self, message: dict[str, Any], data: str) -> Reply:
        """Press an inline button: `data` may be forged, as a hostile client could send it."""
        current = self.harness.api.messages.get(
            (message["chat"]["id"], message["message_id"]), message
        )
        query = {
            "id": str(next(_message_ids)),
            "from": self.as_dict(),
            "chat_instance": str(self.chat_id),
            "message": current,
            "data": data,
        }
        return await self.harness.deliver({"callback_query": query}, self.chat_id)


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    """(text, callback_data) of every inline button on a message the bot sent."""
    markup = message.get("reply_markup") or {}
    return [
        (button["text"], button.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]


def button_data(message: dict[str, Any], prefix: str) -> list[str]:
    return [data for _text, data in buttons(message) if data.startswith(prefix)]


@dataclass
class BotHarness:
    api: FakeBotApi
    settings: Settings
    clock: FrozenClock
    background: bool = False
    app: Application | None = None  # type: ignore[type-arg]
    poller: UpdatePoller | None = None

    @property
    def ctx(self) -> AppContext:
        assert self.app is not None
        return app_context(self.app)

    async def start(self) -> None:
        self.app = build_application(
            self.settings, clock=self.clock, rate_limit=False, background=self.background
        )
        await self.app.initialize()
        # run_polling() calls post_init after initialize(); do the same here.
        if self.app.post_init is not None:
            await self.app.post_init(self.app)
        await self.app.start()
        # Simulated days pass in milliseconds: Telegram's one-message-a-second per chat would
        # only slow the tests down. tests/services/test_outbox_sender.py checks the spacing.
        self.sender.limiter = RateLimiter(per_second=1000, chat_interval=0)
        # Nor the bot's one send budget (tests/test_send_budget.py checks its priority).
        send_budget = runtime_of(self.app).send_budget
        assert send_budget is not None
        send_budget.set_rate(1_000_000)
        # Tests type faster than people; tests/e2e/test_hardening.py checks the real limit.
        self.app.bot_data["flood_guard"] = FloodGuard(limit=10_000)
        # Updates come in as in production: confirmed to the Bot API once handled.
        self.poller = UpdatePoller(self.app, allowed_updates=ALLOWED_UPDATES, timeout=2)
        await self.poller.start()

    async def stop(self) -> None:
        if self.app is None:
            return
        if self.poller is not None:
            await self.poller.stop()
            self.poller = None
        if self.app.running:
            await self.app.stop()
            if self.app.post_stop is not None:
                await self.app.post_stop(self.app)
        await self.app.shutdown()
        if self.app.post_shutdown is not None:
            await self.app.post_shutdown(self.app)
        self.app = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    @property
    def sender(self) -> OutboxSender:
        assert self.app is not None
        return runtime_of(self.app).outbox_sender

    async def reminder_pass(self) -> PassResult | None:
        """Run the reminder pass as the daily job would at the clock's time."""
        assert self.app is not None
        return await reminder_pass(self.app)

    async def drain(self) -> DrainStats:
        """Deliver everything due in the outbox (the sender's loop does this in production)."""
        return await self.sender.drain()

    def user(
        self, user_id: int, first_name: str, language_code: str = "vi", **kwargs: Any
    ) -> TelegramUser:
        return TelegramUser(self, user_id, first_name, language_code, **kwargs)

    async def deliver(self, payload: dict[str, Any], chat_id: int) -> Reply:
        """Push one update, wait until the bot has fully handled it (its next poll confirms
        the update only then), return what it sent."""
        assert self.app is not None
        mark = len(self.api.calls)
        update_id = self.api.push_update(payload)
        await self.api.wait_fetched(update_id)
        return Reply(self.api.calls[mark:], chat_id)
