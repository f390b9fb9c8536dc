"""Keeps the officer's broadcast status message up to date while the outbox sends, and
queues the delivery report when a broadcast has nothing left to send."""

from __future__ import annotations

import html
import logging
import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.core.clock import Clock
from bot.core.i18n import _, use_language
from bot.services import broadcasts as service
from bot.services.outbox import NewMessage, enqueue
from models import Broadcast, Member

log = logging.getLogger(__name__)

EDIT_INTERVAL = 2.0
NAMES_SHOWN = 50


def progress_text(broadcast: Broadcast, counts: service.DeliveryCounts) -> str:
    done = counts.sent + counts.failed + counts.unreachable
    return _(
        "📤 Sending guidance #{code}: {done}/{total} (delivered {sent}, not reached {missed})"
    ).format(
        code=broadcast.id,
        done=done,
        total=counts.total,
        sent=counts.sent,
        missed=counts.failed + counts.unreachable,
    )


def report_text(
    broadcast: Broadcast, counts: service.DeliveryCounts, missed: list[tuple[str, str, str]]
) -> str:
    lines = [
        _("<b>Delivery report: guidance #{code}</b>").format(code=broadcast.id),
        _("Delivered: {sent}/{total}").format(sent=counts.sent, total=counts.total),
        _("Failed: {count}").format(count=counts.failed),
        _("Unreachable (blocked the bot): {count}").format(count=counts.unreachable),
    ]
    if missed:
        lines.append(_("Not reached:"))
        lines += [
            f"• {html.escape(name)} ({html.escape(unit)})"
            for name, unit, _status in missed[:NAMES_SHOWN]
        ]
        if len(missed) > NAMES_SHOWN:
            lines.append(_("… and {n} more").format(n=len(missed) - NAMES_SHOWN))
    return "\n".join(lines)


def report_buttons(broadcast_id: int, resend_round: int) -> list[list[dict[str, str]]]:
    """The report's buttons; Resend carries its round, so pressing it twice resends once."""
    return [
        [{"text": _("Who has not acknowledged?"), "data": f"bc:w:{broadcast_id}"}],
        [{"text": _("🔁 Resend to them"), "data": f"bc:r:{broadcast_id}:{resend_round}"}],
    ]


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
                        if officer is not None:
                            await enqueue(
                                session,
                                [
                                    NewMessage(
                                        f"broadcast-report:{broadcast.id}:{broadcast.reported_at}",
                                        "broadcast-report",
                                        officer.telegram_id,
                                        report_text(broadcast, counts, missed),
                                        officer.id,
                                        report_buttons(broadcast.id, resend_round),
                                    )
                                ],
                                now=self.clock.now(),
                            )
                            queued = True
                        # Done and its report in one transaction: a failure in between leaves
                        # the broadcast sending, and the next pass reports it.
                        await session.commit()
                        await self._edit(broadcast, progress_text(broadcast, counts))
                elif time.monotonic() - self._last_edit.get(broadcast.id, 0) >= EDIT_INTERVAL:
                    with use_language(language):
                        await self._edit(broadcast, progress_text(broadcast, counts))
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
