"""Private chats only: in groups, supergroups and channels every command and button is
refused with one line, before anything reads or writes the database."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot.core.i18n import _, normalise_language, use_language

# Runs after flood control (-4), before the member is identified (-2).
GROUP = -3


def private_chat_text(bot_username: str) -> str:
    return _("Please write to me in a private chat: @{bot}").format(bot=bot_username)


def _is_command(update: Update) -> bool:
    message = update.effective_message
    text = (message.text or message.caption or "") if message is not None else ""
    return text.startswith("/")


async def private_only(update: Update, context: object) -> None:
    """Stops every update from outside a private chat; answers commands and buttons."""
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        return
    if chat is None and update.callback_query is None:
        return  # not a chat's update (inline queries and the like): no chat to leak into
    bot = update.get_bot()
    # Telegram's language of the user: reading the member's stored one would touch the
    # database for updates the bot does not serve.
    user = update.effective_user
    with use_language(normalise_language(user.language_code if user else None)):
        text = private_chat_text(bot.username)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif chat is not None and _is_command(update):
        await bot.send_message(chat.id, text)
    # Anything else (chatter in a group, the bot being added or removed) gets no answer.
    raise ApplicationHandlerStop


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(TypeHandler(Update, private_only), group=GROUP)
