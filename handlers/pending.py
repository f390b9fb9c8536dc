"""Routes a typed answer to whatever the bot asked this member for (kept in the database)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.core.i18n import _
from handlers.common import BotContext, answer, set_pending

PendingHandler = Callable[[Update, BotContext], Awaitable[Any]]
HANDLERS: dict[str, PendingHandler] = {}
CANCELLERS: dict[str, PendingHandler] = {}


def on_pending(
    kind: str, *, officers_only: bool = False
) -> Callable[[PendingHandler], PendingHandler]:
    """Registers the handler for answers while `member.pending_input["kind"] == kind`.

    With `officers_only`, an answer from a member who is no longer an officer drops the
    question instead of reaching the handler."""

    def decorator(handler: PendingHandler) -> PendingHandler:
        if not officers_only:
            HANDLERS[kind] = handler
            return handler

        @functools.wraps(handler)
        async def officer_answer(update: Update, context: BotContext) -> Any:
            member = context.member
            if member is None or not member.is_officer:
                if member is not None:
                    await set_pending(context, member, None)
                return None
            return await handler(update, context)

        HANDLERS[kind] = officer_answer
        return handler

    return decorator


def on_cancel(kind: str) -> Callable[[PendingHandler], PendingHandler]:
    """Registers what /cancel does while the bot waits for an answer of this kind."""

    def decorator(handler: PendingHandler) -> PendingHandler:
        CANCELLERS[kind] = handler
        return handler

    return decorator


async def cancel_command(update: Update, context: BotContext) -> None:
    """/cancel: drop whatever the bot is waiting for from this member."""
    member = context.member
    pending = member.pending_input if member is not None and member.active else None
    canceller = CANCELLERS.get(str(pending.get("kind"))) if pending else None
    if canceller is None:
        await answer(update, _("There is nothing to cancel."))
        return
    await canceller(update, context)


async def route_pending(update: Update, context: BotContext) -> None:
    """Any non-command message from a member the bot is waiting for goes to that question."""
    member = context.member
    if member is None or not member.active or not member.pending_input:
        return
    handler = HANDLERS.get(str(member.pending_input.get("kind")))
    if handler is None:
        return
    await handler(update, context)
    raise ApplicationHandlerStop


def register(application: Application, group: int) -> None:  # type: ignore[type-arg]
    """The router in `group` (before the features), /cancel with the features in group 0."""
    application.add_handler(CommandHandler("cancel", cancel_command))
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.COMMAND,
            route_pending,
        ),
        group=group,
    )
