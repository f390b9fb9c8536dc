"""Delivers the outbox's Zalo messages: the Telegram sender's claim, retry and exactly-once
machinery (bot/runtime/outbox_sender.py) on Zalo rows, with Zalo's own rate.

Zalo publishes no rate limits (only a 429 "Quota exceeded"), so the default is a conservative
5 messages a second overall (TDKT_ZALO_RATE) and one a second per chat; a 429 pauses every
send for the client's `retry_after` (30 s). Texts are sent as plain text (Zalo shows HTML raw),
split at line breaks into messages of at most 2000 characters; buttons become the words that
do the same in the typed dialogue ("done 3", "received"; bot/runtime/zalo/render.py) and a
file Zalo cannot carry is mentioned in a line of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.actions import Message, keyboard_from_json
from bot.core.clock import Clock
from bot.core.i18n import current_language, use_language
from bot.runtime.outbox_sender import OutboxSender
from bot.runtime.zalo.client import ZaloClient
from bot.runtime.zalo.render import render
from bot.texts import zalo as texts
from models import Channel, Member, OutboxMessage

DEFAULT_RATE = 5.0


@dataclass(frozen=True)
class _Sent:
    # Zalo's message ids are hex strings; the outbox keeps numeric (Telegram) ids only.
    message_id: int | None = None


class ZaloSender(OutboxSender):
    channel = Channel.ZALO.value

    def __init__(
        self,
        client: ZaloClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        per_second: float = DEFAULT_RATE,
        chat_interval: float = 1.0,
        concurrency: int = 4,
    ) -> None:
        super().__init__(
            None,  # type: ignore[arg-type]  # no Telegram bot: sends go through `client`
            sessionmaker,
            clock,
            per_second=per_second,
            chat_interval=chat_interval,
            concurrency=concurrency,
        )
        self.client = client

    def chat_key(self, message: OutboxMessage) -> object:
        return message.chat_ref

    async def _send(self, message: OutboxMessage) -> Any:
        keyboard = keyboard_from_json(message.buttons)
        has_file = bool(message.file_kind and message.file_id)
        if not any(keyboard) and not has_file:
            text = texts.plain(message.text or "")
            await self.client.send_message(message.chat_ref or "", text)
            return _Sent()
        # The lines added are in the member's language.
        language = await self._language(message.member_id)
        with use_language(language):
            # The buttons as the words that do the same ("done 3", "received").
            text = render(Message(message.text or "", keyboard), numbered=False).text
            if has_file:
                text = f"{text}\n\n{texts.file_left_out()}" if text else texts.file_left_out()
        await self.client.send_message(message.chat_ref or "", text)
        return _Sent()

    async def _language(self, member_id: int | None) -> str:
        if member_id is None:
            return current_language()
        async with self.sessionmaker() as session:
            member = await session.get(Member, member_id)
            return member.language if member is not None else current_language()
