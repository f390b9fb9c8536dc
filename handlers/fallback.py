"""Answers what no other handler took: unknown commands and stray messages."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.core.i18n import _
from handlers.common import BotContext, answer, not_registered_text


async def unknown(update: Update, context: BotContext) -> None:
    """Anything else in a private chat: point to /help (or explain how to join)."""
    member = context.member
    if member is None or not member.active:
        await answer(update, not_registered_text())
        return
    await answer(update, _("Sorry, I did not understand that. Send /help to see what I can do."))


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE, unknown)
    )
