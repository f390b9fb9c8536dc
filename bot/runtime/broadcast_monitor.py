"""Keeps the officer's broadcast status message up to date while the outbox sends, and
queues the delivery report when a broadcast has nothing left to send."""

from __future__ import annotations

import logging
import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.core.actions import keyboard_to_json
from bot.core.clock import Clock
from bot.core.i18n import use_language
from bot.services import broadcasts as service
from bot.services.outbox import NewMessage, enqueue
from bot.texts.broadcasts import progress_text, report_keyboard, report_text
from models import Broadcast, Member

log = logging.getLogger(__name__)

EDIT_INTERVAL = 2.0


class BroadcastMonitor:
    def __init__(
        self, bot: Bot, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock
    ) -> None:
        self.bot = bot
        self.sessionmaker = sessionmaker
        self.clock = clock
        self._last_edit: dict[int, float] = {}

    async def __call__(self) -> bool:
        """Update every sending broadcast; True when a report was queued."""
        queued = False
        async with self.sessionmaker() as session:
            for broadcast in await service.sending_broadcasts(session):
                counts = await service.delivery_counts(session, broadcast.id)
                officer = (
                    await session.get(Member, broadcast.created_by_id)
                    if broadcast.created_by_id
                    else None
                )
                language = officer.language if officer else "vi"
                if counts.pending == 0:
                    if not await service.finish_if_done(
                        session, broadcast.id, now=self.clock.now()
                    ):
                        await session.rollback()
                        continue
                    missed = await service.not_reached(session, broadcast.id)
                    resend_round = await service.next_resend_round(session, broadcast.id)
                    with use_language(language):
                        buttons = keyboard_to_json(report_keyboard(broadcast.id, resend_round))
                        if officer is not None:
                            await enqueue(
                                session,
                                [
                                    NewMessage(
                                        f"broadcast-report:{broadcast.id}:{broadcast.reported_at}",
                                        "broadcast-report",
                                        officer.telegram_id,
                                        report_text(broadcast.id, counts, missed),
                                        officer.id,
                                        buttons,
                                    )
                                ],
                                now=self.clock.now(),
                            )
                            queued = True
                        # Done and its report in one transaction: a failure in between leaves
                        # the broadcast sending, and the next pass reports it.
                        await session.commit()
                        await self._edit(broadcast, progress_text(broadcast.id, counts))
                elif time.monotonic() - self._last_edit.get(broadcast.id, 0) >= EDIT_INTERVAL:
                    with use_language(language):
                        await self._edit(broadcast, progress_text(broadcast.id, counts))
        return queued

    async def _edit(self, broadcast: Broadcast, text: str) -> None:
        self._last_edit[broadcast.id] = time.monotonic()
        if broadcast.status_chat_id is None or broadcast.status_message_id is None:
            return
        try:
            await self.bot.edit_message_text(
                text,
                broadcast.status_chat_id,
                broadcast.status_message_id,
                parse_mode=ParseMode.HTML,
            )
        except TelegramError as error:
            log.debug("Status of broadcast %s not updated: %s", broadcast.id, error)
