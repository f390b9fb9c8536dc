"""/nominate: the guided nomination, one step a message, Back and /cancel at every step;
/nominations: the unit's nominations, withdraw or edit and resubmit.

Each handler does its database work in one session, closed before it replies: what to say is
gathered first (a `Reply`), then sent."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message as TelegramMessage
from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.actions import Message
from bot.core.context import AppContext
from bot.services.eligibility import RulesError, assess_nomination, load_rules
from bot.services.nomination_labels import number_of
from bot.services.nominations import drafts, filing, rounds
from bot.services.nominations.common import PENDING_NOMINATION, TEXT_FIELDS, InputProblem, Step
from bot.services.nominations.filing import ChangeOutcome, SubmitOutcome, SubmitResult
from bot.services.suggestions import suggested_candidate
from bot.texts import nominations as texts
from bot.texts.eligibility import verdict_block
from handlers import callbacks
from handlers.common import BotContext, answer, refuse, split_message, unit_member_required
from handlers.pending import on_cancel, on_pending
from models import Member, Nomination, Target, Unit

logger = logging.getLogger(__name__)

# The buttons of the guided draft; each carries the draft's id first.
DRAFT_ACTIONS = (
    "nomination.target",
    "nomination.award",
    "nomination.kind",
    "nomination.keep",
    "nomination.files",
    "nomination.back",
    "nomination.cancel",
    "nomination.submit",
)


@dataclass
class Reply:
    """What a handler says once its session is closed: an alert instead of everything else,
    the pressed question settled (showing `chosen`) or stripped of its buttons, texts, and the
    next question of the draft."""

    alert: str | None = None
    settle: bool = False
    chosen: str | None = None
    drop_keyboard: bool = False
    texts: list[str] = field(default_factory=list)
    prompt: Message | None = None


async def _send(update: Update, context: BotContext, reply: Reply) -> None:
    query = update.callback_query
    if query is not None:
        if reply.alert is not None:
            await query.answer(reply.alert, show_alert=True)
            return
        await query.answer()
        if reply.settle:
            await _settle(query.message, reply.chosen)
        if reply.drop_keyboard:
            await _drop_keyboard(query.message)
    elif reply.alert is not None:
        await answer(update, reply.alert)
        return
    for text in reply.texts:
        await answer(update, text)
    if reply.prompt is not None:
        await _post_prompt(update, context, reply.prompt)


async def _prompt(session: AsyncSession, draft: Nomination) -> Message:
    """The question of the draft's current step, with the forms of award when it asks for one."""
    awards = await drafts.award_choices(session, draft.target) if draft.step == Step.AWARD else []
    return texts.prompt(draft, awards)


async def _post_prompt(update: Update, context: BotContext, prompt: Message) -> None:
    """Sends a message with the draft's buttons. The one sent before it loses its buttons, so
    that only the latest question can be answered with a press."""
    member = context.member
    chat = update.effective_chat
    assert member is not None and chat is not None
    previous = (member.pending_input or {}).get("prompt")
    query = update.callback_query
    pressed = query.message.message_id if query is not None and query.message else None
    if isinstance(previous, int) and previous != pressed:
        await _drop_markup(context, chat.id, previous)
    message = await context.bot.send_message(
        chat.id, prompt.text, reply_markup=callbacks.markup(prompt.keyboard)
    )
    async with context.app_ctx.session() as session:
        await drafts.remember_prompt(session, member, message.message_id)


async def _drop_markup(context: BotContext, chat_id: int, message_id: int) -> None:
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except BadRequest:
        pass  # already without buttons, or deleted by the user


async def _drop_keyboard(message: object) -> None:
    if isinstance(message, TelegramMessage) and message.reply_markup is not None:
        try:
            await message.edit_reply_markup(None)
        except BadRequest:
            pass


async def _settle(message: object, chosen: str | None) -> None:
    """The pressed question shows the answer chosen in place of its buttons."""
    if chosen is None or not isinstance(message, TelegramMessage):
        await _drop_keyboard(message)
        return
    try:
        await message.edit_text(chosen + " ✔", reply_markup=None)
    except BadRequest:
        await _drop_keyboard(message)


async def verdict_for(
    session: AsyncSession, ctx: AppContext, nomination: Nomination, *, for_head: bool = False
) -> str:
    """The verdict on the nomination's candidate for a chat (HTML), or "" when there is none
    (no form chosen yet, or the rule file cannot be read: logged)."""
    try:
        rules = load_rules(ctx.settings.rules_file)
    except RulesError:
        logger.exception("eligibility rules cannot be read")
        return ""
    # As of the day it was filed, as the export and /decision judge it: a nomination filed in
    # March for last year's work is not judged against this year when read in April.
    filed = nomination.submitted_at or nomination.created_at or ctx.now()
    assessment = await assess_nomination(
        session, rules, nomination, today=filed.astimezone(ctx.settings.tz).date()
    )
    return verdict_block(assessment, rules, for_head=for_head) if assessment else ""


# --------------------------------------------------------------------------- /nominate
@unit_member_required
async def nominate(update: Update, context: BotContext) -> None:
    """/nominate starts a nomination, or resumes the unfinished one where it stopped."""
    member = context.member
    assert member is not None
    ctx = context.app_ctx
    async with ctx.session() as session:
        round_ = await rounds.current_round(session)
        if round_ is not None and not rounds.round_accepts(round_, ctx.today()):
            reply = Reply(texts=[texts.round_closed_text(round_.title, round_.deadline)])
        else:
            started = await drafts.start_draft(session, member, now=ctx.now())
            opening = texts.started_text(
                started.resumed,
                round_.title if round_ else None,
                round_.deadline if round_ else None,
            )
            reply = Reply(texts=[opening], prompt=await _prompt(session, started.draft))
    await _send(update, context, reply)


@unit_member_required
async def suggestion_button(update: Update, context: BotContext) -> None:
    """sg:a|r:ID:FORM — start the suggested nomination, filled in from the history."""
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    pressed = await callbacks.parse_press(query, "suggestion.start")
    if pressed is None:
        return
    source, source_id, form_id = pressed[1]
    async with context.app_ctx.session() as session:
        reply = await _start_suggested(
            session, context.app_ctx, member, source, source_id, form_id
        )
    await _send(update, context, reply)


async def _start_suggested(
    session: AsyncSession,
    ctx: AppContext,
    member: Member,
    source: str,
    source_id: int,
    form_id: int,
) -> Reply:
    found = await suggested_candidate(session, member, source, source_id, form_id)
    if found is None:
        return Reply(alert=texts.button_invalid_text())
    round_ = await rounds.current_round(session)
    if round_ is not None and not rounds.round_accepts(round_, ctx.today()):
        return Reply(texts=[texts.round_closed_text(round_.title, round_.deadline)])
    name, position, form = found
    unit = await session.get(Unit, member.unit_id)
    started = await drafts.start_prefilled(
        session,
        member,
        target=form.target,
        name=name or (unit.name if unit else None),
        position=position,
        workplace=unit.name if unit else None,
        award_form_id=form.id,
        now=ctx.now(),
    )
    reply = Reply(prompt=await _prompt(session, started.draft))
    if started.resumed:
        reply.texts.append(texts.suggestion_blocked_text())
        return reply
    reply.texts.append(texts.nomination_card(started.draft))
    warning = await verdict_for(session, ctx, started.draft, for_head=True)
    if warning:
        reply.texts.append(warning)
    return reply


# --------------------------------------------------------------------------- typed answers
@on_pending(PENDING_NOMINATION)
async def nomination_input(update: Update, context: BotContext) -> None:
    """A typed answer, a file, or anything else while a nomination is being filled in."""
    member = context.member
    message = update.effective_message
    assert member is not None and message is not None
    async with context.app_ctx.session() as session:
        reply = await _take_input(session, context.app_ctx, member, message)
    await _send(update, context, reply)


async def _take_input(
    session: AsyncSession, ctx: AppContext, member: Member, message: TelegramMessage
) -> Reply:
    draft = await drafts.active_draft(session, member)
    if draft is None:
        return Reply(texts=[texts.not_understood_text()])
    step = Step(draft.step or Step.TARGET)
    problem: InputProblem | None
    if step in TEXT_FIELDS:
        if message.text is None:
            return Reply(texts=[texts.send_text_text()])
        problem = await drafts.set_text(session, draft, message.text, now=ctx.now())
    elif step is Step.FILES:
        attachment = _attachment(message)
        if attachment is None:
            return Reply(texts=[texts.send_file_text()])
        problem = await drafts.add_file(session, draft, **attachment, now=ctx.now())
        if problem is None:
            return Reply(prompt=texts.file_received(draft.id, len(draft.files)))
    else:
        return Reply(texts=[texts.use_buttons_text()], prompt=await _prompt(session, draft))
    if problem is not None:
        return Reply(texts=[texts.problem_text(problem, step)])
    return Reply(prompt=await _prompt(session, draft))


def _attachment(message: TelegramMessage) -> dict[str, Any] | None:
    """The file of a message as the draft stores it: a document, or the largest photo size."""
    if message.document is not None:
        document = message.document
        return {
            "kind": "document",
            "file_id": document.file_id,
            "file_name": document.file_name,
            "size": document.file_size,
        }
    if message.photo:
        photo = message.photo[-1]
        return {
            "kind": "photo",
            "file_id": photo.file_id,
            "file_name": None,
            "size": photo.file_size,
        }
    return None


@on_cancel(PENDING_NOMINATION)
async def cancel_nomination(update: Update, context: BotContext) -> None:
    """/cancel while filling in a nomination."""
    member = context.member
    assert member is not None
    ctx = context.app_ctx
    async with ctx.session() as session:
        draft = await drafts.active_draft(session, member)
        if draft is not None:
            await drafts.cancel_draft(session, member, draft, now=ctx.now())
        else:
            await drafts.forget_draft(session, member)
    await answer(update, texts.cancelled_text())


# --------------------------------------------------------------------------- draft buttons
@unit_member_required
async def nomination_button(update: Update, context: BotContext) -> None:
    """Every button of the guided nomination; checked against the member's current draft."""
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    pressed = await callbacks.parse_press(query, *DRAFT_ACTIONS)
    if pressed is None:
        return
    name, args = pressed
    async with context.app_ctx.session() as session:
        draft = await drafts.active_draft(session, member)
        if draft is None or args[0] != draft.id:
            reply = Reply(alert=texts.button_invalid_text())
        else:
            reply = await _press(session, context.app_ctx, member, draft, name, args[1:])
    await _send(update, context, reply)


async def _press(
    session: AsyncSession,
    ctx: AppContext,
    member: Member,
    draft: Nomination,
    name: str,
    args: tuple[Any, ...],
) -> Reply:
    now = ctx.now()
    if name == "nomination.cancel":
        await drafts.cancel_draft(session, member, draft, now=now)
        return Reply(drop_keyboard=True, texts=[texts.cancelled_text()])
    if name == "nomination.submit":
        result = await filing.submit(session, member, draft, now=now, tz=ctx.settings.tz)
        return _after_submit(result)
    step_pressed = Step(draft.step or Step.TARGET)
    problem = await _answer_step(session, draft, name, args, now=now)
    if problem is not None:
        return Reply(alert=texts.problem_text(problem))
    reply = Reply(settle=True, chosen=texts.chosen_text(draft, name, step_pressed))
    if name == "nomination.award":
        warning = await verdict_for(session, ctx, draft, for_head=True)
        if warning:
            reply.texts.append(warning)
    reply.prompt = await _prompt(session, draft)
    return reply


async def _answer_step(
    session: AsyncSession, draft: Nomination, name: str, args: tuple[Any, ...], *, now: datetime
) -> InputProblem | None:
    """The answer a button gives to the draft's current step (or Back), or why it cannot."""
    if name == "nomination.target":
        target = Target.INDIVIDUAL if args[0] == 1 else Target.COLLECTIVE
        return await drafts.set_target(session, draft, target, now=now)
    if name == "nomination.award":
        return await drafts.set_award(session, draft, args[0], now=now)
    if name == "nomination.kind":
        return await drafts.set_kind(session, draft, texts.KINDS[args[0]], now=now)
    if name == "nomination.keep":
        step = Step(draft.step or Step.TARGET)
        if step not in TEXT_FIELDS:
            return InputProblem.WRONG_STEP
        return await drafts.set_text(session, draft, getattr(draft, TEXT_FIELDS[step]), now=now)
    if name == "nomination.files":
        finished = await drafts.finish_files(session, draft, now=now)
        return None if finished else InputProblem.WRONG_STEP
    await drafts.go_back(session, draft, now=now)
    return None


def _after_submit(result: SubmitResult) -> Reply:
    if result.outcome is SubmitOutcome.ROUND_CLOSED:
        assert result.round is not None
        return Reply(texts=[texts.round_closed_text(result.round.title, result.round.deadline)])
    if result.outcome in (SubmitOutcome.WRONG_STEP, SubmitOutcome.INCOMPLETE):
        return Reply(texts=[texts.incomplete_text()])
    if result.outcome is SubmitOutcome.ORIGINAL_CLOSED:
        original = result.nomination
        text = texts.edit_refused_text(
            number_of(original) if original else None, original.status if original else None
        )
        return Reply(drop_keyboard=True, texts=[text])
    assert result.nomination is not None
    return Reply(drop_keyboard=True, texts=[texts.submitted_text(number_of(result.nomination))])


# --------------------------------------------------------------------------- /nominations
@unit_member_required
async def list_nominations(update: Update, context: BotContext) -> None:
    """/nominations: the unit's nominations with status; withdraw or edit the open ones."""
    member = context.member
    assert member is not None and member.unit_id is not None
    async with context.app_ctx.session() as session:
        items = await filing.unit_nominations(session, member.unit_id)
    listing = texts.unit_list(items)
    parts = split_message(listing.text)
    for part in parts[:-1]:
        await answer(update, part)
    await answer(update, parts[-1], reply_markup=callbacks.markup(listing.keyboard))


@unit_member_required
async def withdraw_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    pressed = await callbacks.parse_press(query, "nomination.withdraw")
    if pressed is None:
        return
    ctx = context.app_ctx
    async with ctx.session() as session:
        result = await filing.withdraw(session, member, pressed[1][0], now=ctx.now())
    if result.outcome is ChangeOutcome.DONE:
        assert result.nomination is not None
        await query.answer()
        await answer(update, texts.withdrawn_text(number_of(result.nomination)))
    elif result.outcome is ChangeOutcome.NOT_ALLOWED:
        await refuse(update, texts.not_yours_text())
    else:
        await refuse(update, texts.cannot_withdraw_text())


@unit_member_required
async def edit_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    pressed = await callbacks.parse_press(query, "nomination.edit")
    if pressed is None:
        return
    ctx = context.app_ctx
    async with ctx.session() as session:
        result = await filing.begin_edit(session, member, pressed[1][0], now=ctx.now())
        prompt = await _prompt(session, result.draft) if result.draft is not None else None
    refusals = {
        ChangeOutcome.NOT_ALLOWED: texts.not_yours_text,
        ChangeOutcome.WRONG_STATUS: texts.cannot_edit_text,
        ChangeOutcome.DRAFT_OPEN: texts.draft_open_text,
    }
    if result.outcome in refusals:
        await refuse(update, refusals[result.outcome]())
        return
    assert result.draft is not None
    await _send(
        update,
        context,
        Reply(texts=[texts.editing_text(number_of(result.draft))], prompt=prompt),
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("nominate", nominate))
    application.add_handler(CommandHandler("nominations", list_nominations))
    application.add_handler(
        CallbackQueryHandler(nomination_button, pattern=callbacks.family_pattern("nm"))
    )
    application.add_handler(
        CallbackQueryHandler(suggestion_button, pattern=callbacks.pattern("suggestion.start"))
    )
    application.add_handler(
        CallbackQueryHandler(withdraw_button, pattern=callbacks.pattern("nomination.withdraw"))
    )
    application.add_handler(
        CallbackQueryHandler(edit_button, pattern=callbacks.pattern("nomination.edit"))
    )
