"""The error handler: log with context, apologise to the user in their language, and tell
the officers (at most once every few minutes) about unexpected errors."""

from __future__ import annotations

import html
import logging
import time
import traceback

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot.core.i18n import _, use_language
from bot.runtime.context import runtime_or_none
from bot.services.members import active_officers
from bot.services.outbox import NewMessage, enqueue

log = logging.getLogger("tdkt_bot.errors")

OFFICER_ALERT_INTERVAL = 300.0
_last_alert = float("-inf")  # monotonic() starts near 0 on a fresh boot


def is_database_unavailable(error: BaseException | None) -> bool:
    """A locked SQLite file or a PostgreSQL restart: worth a polite 'try again'."""
    if isinstance(error, OperationalError | PoolTimeout):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    if isinstance(error, NetworkError | Forbidden):
        log.warning("Telegram API problem: %s (update %s)", error, _describe(update))
        return
    busy = is_database_unavailable(error)
    if busy:
        log.warning("Database unavailable while handling %s: %s", _describe(update), error)
    else:
        log.error("Unhandled error while handling %s", _describe(update), exc_info=error)
        await _alert_officers(context, update, error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    text = (
        _("The system is busy right now and nothing was saved. Please try again in a moment.")
        if busy
        else _("Sorry, something went wrong on our side. Please try again in a moment.")
    )
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError:
        log.warning("Could not tell the user about the error", exc_info=True)


async def _alert_officers(
    context: ContextTypes.DEFAULT_TYPE, update: object, error: BaseException | None
) -> None:
    """One alert every few minutes at most, through the outbox, in each officer's language."""
    global _last_alert
    now_monotonic = time.monotonic()
    if now_monotonic - _last_alert < OFFICER_ALERT_INTERVAL:
        return
    _last_alert = now_monotonic
    runtime = runtime_or_none(context.application)
    if runtime is None or error is None:
        return
    ctx = runtime.ctx
    summary = "".join(traceback.format_exception_only(type(error), error)).strip()[:300]
    try:
        async with ctx.session() as session:
            now = ctx.now()
            messages = []
            for officer in await active_officers(session):
                with use_language(officer.language):
                    text = _(
                        "⚠️ The bot met an unexpected error while handling {what}: {error}. "
                        "The details are in its log."
                    ).format(what=html.escape(_describe(update)), error=html.escape(summary))
                messages.append(
                    NewMessage(
                        f"error-alert:{now.isoformat()}:{officer.id}",
                        "error-alert",
                        officer.telegram_id,
                        text,
                        officer.id,
                    )
                )
            await enqueue(session, messages, now=now)
            await session.commit()
        runtime.outbox_sender.wake()
    except Exception:  # the alert must never hide the original error
        log.exception("Could not alert the officers")


def _describe(update: object) -> str:
    if not isinstance(update, Update):
        return repr(update)[:200]
    user = update.effective_user
    message = update.effective_message
    command = message.text.split()[0] if message and message.text else None
    data = update.callback_query.data if update.callback_query else None
    return (
        f"update_id={update.update_id} user_id={user.id if user else None} "
        f"command={command!r} callback={data!r}"
    )
