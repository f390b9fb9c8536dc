"""The command menu Telegram shows: head commands for everyone, officer commands per chat."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.core.i18n import LANGUAGES, N_, _, use_language
from models import Member

log = logging.getLogger(__name__)

HEAD_COMMANDS = (
    ("tasks", N_("This quarter's tasks of your unit")),
    ("done", N_("Report a task as done")),
    ("nominate", N_("Propose a commendation")),
    ("nominations", N_("Your unit's nominations")),
    ("help", N_("What this bot can do")),
    ("lang", N_("Change language (vi/en)")),
    ("start", N_("Join with an invite code")),
)
OFFICER_COMMANDS = (
    ("progress", N_("Progress of all units by quarter")),
    ("deadline", N_("Change a task's deadline")),
    ("broadcast", N_("Send guidance to the units")),
    ("broadcasts", N_("Delivery and acknowledgements of guidance")),
    ("units", N_("Units and their registered heads")),
    ("invite", N_("Invite link for a unit")),
    ("plan", N_("Import or edit the plan")),
    ("review", N_("Review submitted nominations")),
    ("round", N_("Open or close a nomination round")),
    ("awards", N_("The catalogue of award forms")),
    ("decision", N_("Record the decision on approved nominations")),
    ("export", N_("Export progress or nominations as Excel/Word")),
    ("help", N_("What this bot can do")),
    ("lang", N_("Change language (vi/en)")),
)
OFFICER_UNIT_COMMANDS = (
    ("tasks", N_("This quarter's tasks of your unit")),
    ("done", N_("Report a task as done")),
    ("nominate", N_("Propose a commendation")),
    ("nominations", N_("Your unit's nominations")),
)


def commands_for(member: Member | None) -> list[BotCommand]:
    """The menu for this member in the current language."""
    if member is not None and member.is_officer:
        pairs = OFFICER_COMMANDS + (OFFICER_UNIT_COMMANDS if member.is_head else ())
    else:
        pairs = HEAD_COMMANDS
    return [BotCommand(name, _(description)) for name, description in pairs]


async def publish_default_commands(bot: Bot, default_language: str) -> None:
    with use_language(default_language):
        await bot.set_my_commands(commands_for(None), scope=BotCommandScopeDefault())
    for language in LANGUAGES:
        with use_language(language):
            await bot.set_my_commands(
                commands_for(None), scope=BotCommandScopeDefault(), language_code=language
            )


async def publish_member_commands(bot: Bot, member: Member) -> None:
    """Give this member's chat the menu of their role, in their language."""
    if member.telegram_id is None:
        return  # reached on another channel (Zalo): no Telegram menu
    try:
        with use_language(member.language):
            await bot.set_my_commands(
                commands_for(member), scope=BotCommandScopeChat(member.telegram_id)
            )
    except TelegramError:
        log.warning("Could not set commands for member %s", member.id, exc_info=True)
