"""/start (with or without an invite code), /help and /lang."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.i18n import LANGUAGES, current_language, set_language
from bot.services import members as member_service
from bot.services.invites import Redemption, redeem_invite
from bot.texts import council as council_texts
from bot.texts import start as texts
from handlers import callbacks, commands
from handlers.common import BotContext, answer, member_required, reply, sender_of
from handlers.menu import publish_member_commands
from models import Member, Role


def help_text(member: Member) -> str:
    """What the member's role can do, from the command table (handlers/commands.py)."""
    lines = commands.help_lines(
        head=member.is_head, officer=member.is_officer, council=member.role == Role.COUNCIL
    )
    return texts.help_text(lines)


def welcome_text(member: Member) -> str:
    if member.role == Role.COUNCIL and not member.is_officer:
        return council_texts.council_welcome(member.full_name)
    unit = member.unit.name if member.unit else None
    return texts.welcome_text(member.full_name, officer=member.is_officer, unit=unit)


async def start(update: Update, context: BotContext) -> None:
    """/start CODE joins with an invite; /start alone explains the bot or greets a member."""
    sender = sender_of(update)
    if sender is None or update.effective_chat is None:
        return
    member = context.member
    if not context.args:
        if member is not None and member.active:
            await answer(update, welcome_text(member) + "\n\n" + help_text(member))
        else:
            await answer(update, texts.about_text(sender.user_id))
        return
    ctx = context.app_ctx
    async with ctx.session() as session:
        result = await redeem_invite(
            session,
            context.args[0],
            sender,
            language=member.language if member else current_language(),
            now=ctx.now(),
            officer_ids=ctx.settings.officer_ids,
        )
    if result.outcome is Redemption.OK and result.member is not None:
        context.member = result.member
        set_language(result.member.language)
        await answer(update, welcome_text(result.member))
        await publish_member_commands(context.bot, result.member)
        return
    await answer(update, texts.redemption_refused(result.outcome))


@member_required
async def show_help(update: Update, context: BotContext) -> None:
    """/help lists what the member's role can do."""
    assert context.member is not None
    await answer(update, help_text(context.member))


@member_required
async def change_language(update: Update, context: BotContext) -> None:
    """/lang vi|en switches the member's language; without an argument offers buttons."""
    choice = context.args[0].lower() if context.args else ""
    if choice not in LANGUAGES:
        await reply(update, texts.language_choice())
        return
    await _switch_language(update, context, choice)


@member_required
async def language_button(update: Update, context: BotContext) -> None:
    """The language buttons under /lang."""
    query = update.callback_query
    assert query is not None
    press = await callbacks.parse_press(query, "start.language")
    if press is None:
        return
    await query.answer()
    await _switch_language(update, context, press[1][0])


async def _switch_language(update: Update, context: BotContext, language: str) -> None:
    member = context.member
    assert member is not None
    ctx = context.app_ctx
    async with ctx.session() as session:
        member = await session.merge(member)
        await member_service.set_language(session, member, language, now=ctx.now())
    context.member = member
    set_language(language)
    await answer(update, texts.language_set())
    await publish_member_commands(context.bot, member)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", show_help))
    application.add_handler(CommandHandler("lang", change_language))
    application.add_handler(
        CallbackQueryHandler(language_button, pattern=callbacks.pattern("start.language"))
    )
