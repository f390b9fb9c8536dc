"""/vote: the council's secret vote on a round's approved candidates (thin: the rules are in
bot/services/council_vote.py, the words in bot/texts/council.py).

Officers open a vote (/vote dd/mm/yyyy), see who has voted (/vote), record an absent member's
written opinion and close it; council members vote in their own chat. A ballot button carries
the candidate and the choice, never a member: whoever presses it votes for themselves."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.actions import Message
from bot.core.i18n import use_language
from bot.services import council_vote as service
from bot.services.deadlines import parse_local_date
from bot.texts import council as texts
from handlers import callbacks
from handlers.common import BotContext, answer, member_required, officer_required, refuse

log = logging.getLogger(__name__)


async def _show(update: Update, message: Message, *, edit: bool = False) -> None:
    markup = callbacks.markup(message.keyboard)
    query = update.callback_query
    if edit and query is not None and query.message is not None:
        try:
            await query.edit_message_text(message.text, reply_markup=markup)
            return
        except TelegramError:
            pass  # unchanged or too old to edit: send it anew
    await answer(update, message.text, reply_markup=markup)


@member_required
async def vote(update: Update, context: BotContext) -> None:
    """/vote: a council member's ballot; for an officer, the vote's progress, or /vote
    dd/mm/yyyy to open one."""
    member = context.member
    assert member is not None
    ctx = context.app_ctx
    if member.is_officer:
        await _officer_vote(update, context)
        return
    if not service.is_council(member):
        await refuse(update, texts.vote_command_refusal())
        return
    async with ctx.session() as session:
        current = await service.open_vote(session)
        if current is None:
            await answer(update, texts.no_open_vote())
            return
        facts = await service.vote_facts(session, current)
        mine = await service.my_ballot(session, current, member)
    await _show(update, texts.ballot(facts, mine))


async def _officer_vote(update: Update, context: BotContext) -> None:
    ctx = context.app_ctx
    member = context.member
    assert member is not None
    args = context.args or []
    if not args:
        async with ctx.session() as session:
            current = await service.open_vote(session)
            progress = await service.vote_progress(session, current) if current else None
        if progress is None:
            await answer(update, texts.vote_usage())
        else:
            await _show(update, texts.status(progress))
        return
    meeting = parse_local_date(args[0])
    if meeting is None:
        await answer(update, texts.vote_usage())
        return
    async with ctx.session() as session:
        result = await service.start_vote(session, member, meeting, now=ctx.now())
        ballots = []
        if result.outcome is service.Opening.OPENED and result.vote is not None:
            facts = await service.vote_facts(session, result.vote)
            for council_member in result.members:
                with use_language(council_member.language):
                    ballots.append((council_member.telegram_id, texts.ballot(facts, {})))
    await answer(update, texts.opened(result))
    for chat_id, message in ballots:
        if chat_id is None:  # not on Telegram: Telegram would refuse an empty chat_id
            log.warning("council ballot to %s not delivered: %s", chat_id, "no Telegram chat")
            continue
        try:
            await context.bot.send_message(
                chat_id, message.text, reply_markup=callbacks.markup(message.keyboard)
            )
        except TelegramError as error:
            log.warning("council ballot to %s not delivered: %s", chat_id, error)


@member_required
async def ballot_button(update: Update, context: BotContext) -> None:
    """✅/❌ on a member's own ballot."""
    query = update.callback_query
    assert query is not None
    member = context.member
    assert member is not None
    if not service.is_council(member):
        await refuse(update, texts.council_only_text())
        return
    pressed = await callbacks.parse_press(query, "council.vote")
    if pressed is None:
        return
    candidate_id, choice = pressed[1]
    ctx = context.app_ctx
    async with ctx.session() as session:
        result = await service.cast_ballot(
            session, member, candidate_id, choice == texts.AGREE, now=ctx.now()
        )
        card = None
        if result.vote is not None:
            card = texts.ballot(
                await service.vote_facts(session, result.vote),
                await service.my_ballot(session, result.vote, member),
            )
    await query.answer(texts.cast_alert(result.outcome), show_alert=result.vote is None)
    if card is not None:
        await _show(update, card, edit=True)


@officer_required
async def officer_button(update: Update, context: BotContext) -> None:
    """The officer's buttons: written opinions of absent members, closing."""
    query = update.callback_query
    assert query is not None
    pressed = await callbacks.parse_press(
        query,
        "council.written_list",
        "council.written_member",
        "council.written",
        "council.close",
        "council.close_confirmed",
    )
    if pressed is None:
        return
    name, values = pressed
    ctx = context.app_ctx
    officer = context.member
    assert officer is not None
    async with ctx.session() as session:
        if name == "council.close_confirmed":
            _closing, outcome = await service.close_vote(
                session,
                officer,
                values[0],
                service.load_council_rules(ctx.settings.rules_file),
                now=ctx.now(),
                today=ctx.today(),
            )
            await query.answer()
            if outcome is None:
                await answer(update, texts.cast_alert(service.Casting.CLOSED))
            else:
                await answer(update, texts.result(outcome))
            return
        if name == "council.written":
            candidate_id, member_id, choice = values
            result = await service.record_written(
                session, officer, member_id, candidate_id, choice == texts.AGREE, now=ctx.now()
            )
            await query.answer(texts.cast_alert(result.outcome), show_alert=True)
            if result.outcome is not service.Casting.RECORDED or result.vote is None:
                return
            vote_id = result.vote.id
        else:
            vote_id, member_id = values[0], (values[1] if len(values) > 1 else 0)
        current = await service.open_vote(session)
        if current is None or current.id != vote_id:
            await query.answer(texts.cast_alert(service.Casting.CLOSED), show_alert=True)
            return
        progress = await service.vote_progress(session, current)
        if name == "council.written_list":
            message = texts.written_members(progress)
        elif name == "council.close":
            message = texts.close_confirm(progress)
        else:
            person = next((m for m in progress.members if m.member_id == member_id), None)
            if person is None:
                await query.answer(texts.cast_alert(service.Casting.NOT_COUNCIL), show_alert=True)
                return
            recorded = await service.written_of(session, current, member_id)
            message = texts.written_card(progress.facts, member_id, person.name, recorded)
    if name != "council.written":
        await query.answer()
    await _show(update, message, edit=name == "council.written")


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("vote", vote))
    application.add_handler(
        CallbackQueryHandler(ballot_button, pattern=callbacks.pattern("council.vote"))
    )
    for name in (
        "council.written_list",
        "council.written_member",
        "council.written",
        "council.close",
        "council.close_confirmed",
    ):
        application.add_handler(
            CallbackQueryHandler(officer_button, pattern=callbacks.pattern(name))
        )
