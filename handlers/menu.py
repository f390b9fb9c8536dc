"""The command menu Telegram shows: head commands for everyone, officer commands per chat."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.core.i18n import LANGUAGES, _, use_language
from handlers import commands
from handlers.commands import Role
from models import Member

log = logging.getLogger(__name__)

# Generated from the command table (handlers/commands.py): (command, description msgid).
HEAD_COMMANDS = tuple(commands.menu(Role.HEAD, Role.EVERYONE))
OFFICER_COMMANDS = tuple(commands.menu(Role.OFFICER, Role.EVERYONE))
OFFICER_UNIT_COMMANDS = tuple(commands.menu(Role.OFFICER_UNIT))
# A council member (role "council", handlers/council.py) votes; nothing else.
COUNCIL_COMMANDS = tuple(commands.menu(Role.COUNCIL, Role.EVERYONE))


def commands_for(member: Member | None) -> list[BotCommand]:
    """The menu for this member in the current language."""
    if member is not None and member.is_officer:
        pairs = OFFICER_COMMANDS + (OFFICER_UNIT_COMMANDS if member.is_head else ())
    elif member is not None and member.active and member.role == "council":
        pairs = COUNCIL_COMMANDS
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
