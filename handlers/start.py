"""/start (with or without an invite code), /help and /lang."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.i18n import LANGUAGES, _, current_language, set_language
from bot.services import members as member_service
from bot.services.invites import Redemption, redeem_invite
from bot.texts import council as council_texts
from handlers.common import BotContext, answer, member_required, sender_of
from handlers.menu import publish_member_commands
from models import Member

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def about_text(telegram_id: int) -> str:
    """What the bot is and how to join, for someone who is not (or no longer) a member, with
    their own Telegram id: the first officer needs it for TDKT_OFFICER_IDS."""
    about = _(
        "Hello! I am the assistant for emulation and commendation (TĐKT) work. I remind units "
        "of the tasks in the TĐKT plan and their deadlines, and unit heads report completed "
        "tasks to the TĐKT officer here.\n\n"
        "To join, open the invite link the TĐKT officer sent you, or send /start followed by "
        "your invite code."
    )
    your_id = _(
        "Your Telegram id is <code>{id}</code>. If you run this bot as the TĐKT officer, put it "
        "in the TDKT_OFFICER_IDS setting and restart the bot."
    ).format(id=telegram_id)
    return f"{about}\n\n{your_id}"


def help_text(member: Member) -> str:
    lines = [_("<b>What you can do</b>")]
    if member.is_head:
        lines += [
            _("/tasks — this quarter's tasks of your unit and overdue ones, with done buttons"),
            _("/done — report a task as done; /done CODE note — with a note"),
            _("Reply to a confirmation with a note or a file to attach it to the report."),
            _("/nominate — propose a collective or an individual for commendation"),
            _("/nominations — your unit's nominations: withdraw, edit, resubmit"),
        ]
    if member.is_officer:
        lines += [
            _("/progress — progress of all units per quarter and the units lagging behind"),
            _("/progress 2 — progress of one quarter"),
            _("/deadline — change a task's deadline; reminders follow the new date"),
            _("/broadcast — send guidance to all units, a cluster or chosen units"),
            _("/broadcasts — who received and acknowledged the latest guidance; resend"),
            _("/review — decide on submitted nominations"),
            _("/round — open, reopen or close a nomination round"),
            _("/awards — the catalogue of award forms"),
            _("/decision — record the decision on approved nominations (the award history)"),
            _("/export progress or /export nominations — Excel and Word files"),
            _(
                "/units — units and their heads; /invite CODE — an invite link; "
                "/deactivate ID — revoke a member's access"
            ),
            _("/plan — import a plan document or edit tasks"),
            council_texts.officer_help_line(),
        ]
    if member.role == "council":
        lines += council_texts.council_help_lines()
    lines += [
        _("/cancel — stop what you are filling in"),
        _("/lang vi or /lang en — change the language"),
        _("/help — this list"),
    ]
    return "\n".join(lines)


def welcome_text(member: Member) -> str:
    name = html.escape(member.full_name)
    if member.is_officer:
        return _(
            "Welcome, {name}! You are registered as a TĐKT officer. Use /progress to follow "
            "the units and /help to see everything you can do."
        ).format(name=name)
    if member.role == "council":
        return council_texts.council_welcome(member.full_name)
    unit = html.escape(member.unit.name if member.unit else "")
    return _(
        "Welcome, {name}! You are registered as the head of <b>{unit}</b>. Use /tasks to see "
        "your unit's tasks and /help to see everything you can do."
    ).format(name=name, unit=unit)


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
            await answer(update, about_text(sender.user_id))
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
    await answer(
        update,
        {
            Redemption.UNKNOWN: _(
                "This invite code is not valid. Please check the link, or ask the TĐKT officer "
                "for a new one."
            ),
            Redemption.USED: _(
                "This invite code has already been used. Each code works only once; please ask "
                "the TĐKT officer for a new one."
            ),
            Redemption.EXPIRED: _(
                "This invite code has expired. Please ask the TĐKT officer for a new one."
            ),
            Redemption.THROTTLED: _(
                "Too many invalid invite codes were tried. Please wait an hour, or ask the "
                "TĐKT officer for a new link."
            ),
        }[result.outcome],
    )


@member_required
async def show_help(update: Update, context: BotContext) -> None:
    """/help lists what the member's role can do."""
    assert context.member is not None
    await answer(update, help_text(context.member))


def _language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(LANGUAGE_NAMES[code], callback_data=f"lang:{code}")
                for code in LANGUAGES
            ]
        ]
    )


@member_required
async def change_language(update: Update, context: BotContext) -> None:
    """/lang vi|en switches the member's language; without an argument offers buttons."""
    choice = context.args[0].lower() if context.args else ""
    if choice not in LANGUAGES:
        await answer(
            update,
            _("Choose a language: /lang vi or /lang en."),
            reply_markup=_language_keyboard(),
        )
        return
    await _switch_language(update, context, choice)


@member_required
async def language_button(update: Update, context: BotContext) -> None:
    """The language buttons under /lang."""
    query = update.callback_query
    assert query is not None
    choice = (query.data or "").partition(":")[2]
    if choice not in LANGUAGES:
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    await query.answer()
    await _switch_language(update, context, choice)


async def _switch_language(update: Update, context: BotContext, language: str) -> None:
    member = context.member
    assert member is not None
    ctx = context.app_ctx
    async with ctx.session() as session:
        member = await session.merge(member)
        await member_service.set_language(session, member, language, now=ctx.now())
    context.member = member
    set_language(language)
    await answer(update, _("Language set to English."))
    await publish_member_commands(context.bot, member)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", show_help))
    application.add_handler(CommandHandler("lang", change_language))
    application.add_handler(CallbackQueryHandler(language_button, pattern=r"^lang:"))
