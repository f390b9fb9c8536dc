"""Shared handler plumbing: who is writing (member), their language, role guards, replies."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import CallbackQuery, Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.core.actions import Message as TextMessage
from bot.core.context import AppContext
from bot.core.i18n import normalise_language, set_language
from bot.runtime.context import app_context as runtime_context
from bot.services.members import Sender, identify, vietnamese_name
from bot.texts.access import (
    deactivated_text,
    head_command_problem,
    invalid_button_text,
    not_registered_text,
    officer_command_problem,
)
from handlers import callbacks
from handlers.callbacks import MAX_ID, decimal_id
from handlers.menu import publish_member_commands
from models import Member

# Telegram refuses messages longer than this many characters.
MESSAGE_LIMIT = 4096

__all__ = ["MAX_ID", "deactivated_text", "decimal_id", "not_registered_text"]


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context, carrying the member identified for the current update."""

    member: Member | None = None
    member_checked: bool = False

    @property
    def app_ctx(self) -> AppContext:
        return runtime_context(self.application)


Handler = Callable[[Update, BotContext], Coroutine[Any, Any, Any]]


def app_context(application: Application[Any, Any, Any, Any, Any, Any]) -> AppContext:
    return runtime_context(application)


def sender_of(update: Update) -> Sender | None:
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    name = vietnamese_name(user.first_name, user.last_name)
    return Sender(user.id, name, user.username, user.language_code)


async def identify_member(update: Update, context: BotContext) -> None:
    """Runs first for every update: loads the member and switches to their language."""
    context.member = None
    context.member_checked = True
    sender = sender_of(update)
    if sender is None:
        return
    ctx = context.app_ctx
    async with ctx.session() as session:
        context.member, enrolled = await identify(
            session,
            sender,
            officer_ids=ctx.settings.officer_ids,
            default_language=ctx.settings.language,
            now=ctx.now(),
        )
    if context.member is not None:
        set_language(context.member.language)
    else:
        set_language(normalise_language(sender.language_code))
    if enrolled and context.member is not None:
        # A configured officer first seen after the start gets the officer menu now, not at
        # the next restart.
        await publish_member_commands(context.bot, context.member)


async def answer(update: Update, text: str, **kwargs: Any) -> None:
    """Reply in the chat the update came from (also for button presses)."""
    message = update.effective_message
    if update.callback_query is not None:
        chat = update.effective_chat
        if chat is not None:
            await update.get_bot().send_message(chat.id, text, **kwargs)
        return
    if message is not None:
        await message.reply_text(text, **kwargs)


async def reply(update: Update, message: TextMessage) -> None:
    """`answer` for a texts Message: its text with its buttons."""
    await answer(update, message.text, reply_markup=callbacks.markup(message.keyboard))


async def invalid_button(query: CallbackQuery) -> None:
    """The polite alert for a button that is outdated or forged."""
    await query.answer(invalid_button_text(), show_alert=True)


async def refuse(update: Update, text: str) -> None:
    """A polite refusal: an alert for a button press, a reply for a message."""
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await answer(update, text)


def _guard(check: Callable[[Member], str | None]) -> Callable[[Handler], Handler]:
    def decorator(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(update: Update, context: BotContext) -> Any:
            if not context.member_checked:
                await identify_member(update, context)
            member = context.member
            if member is None:
                await refuse(update, not_registered_text())
                return None
            if not member.active:
                await refuse(update, deactivated_text())
                return None
            problem = check(member)
            if problem is not None:
                await refuse(update, problem)
                return None
            return await handler(update, context)

        return wrapper

    return decorator


def _any_member(member: Member) -> str | None:
    return None


_unit_member = head_command_problem
_officer = officer_command_problem


member_required = _guard(_any_member)
unit_member_required = _guard(_unit_member)
officer_required = _guard(_officer)


async def set_pending(context: BotContext, member: Member, value: dict[str, Any] | None) -> None:
    """Remember (or forget) what the bot waits for from this member, in the database."""
    async with context.app_ctx.session() as session:
        stored = await session.get(Member, member.id)
        if stored is not None:
            stored.pending_input = value
            await session.commit()
    member.pending_input = value


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cut a long text at line breaks so each part fits in one Telegram message."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit and current:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts
