"""/review for officers: submitted nominations one by one, approve / reject / return with a
reason; the submitting unit head is told in their language.

Each handler does its database work in one session, closed before it replies."""

from __future__ import annotations

from telegram import Chat, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.actions import Message
from bot.runtime.context import wake_sender
from bot.services.nomination_labels import number_of
from bot.services.nominations.common import get_nomination
from bot.services.nominations.review import DecideOutcome, Decision, decide, next_for_review
from bot.texts import review as texts
from bot.texts.nominations import button_invalid_text
from handlers import callbacks
from handlers.common import BotContext, answer, officer_required, refuse, set_pending
from handlers.nominations import verdict_for
from handlers.pending import on_cancel, on_pending
from models import Member, NominationStatus, Unit

PENDING_REASON = "review-reason"
DECISIONS = {
    "review.approve": Decision.APPROVE,
    "review.reject": Decision.REJECT,
    "review.return": Decision.RETURN,
}


async def _next_card(context: BotContext, after_id: int | None = None) -> Message:
    """The card of the next nomination waiting (after `after_id` when skipping)."""
    ctx = context.app_ctx
    async with ctx.session() as session:
        nomination, waiting = await next_for_review(session, after_id)
        if nomination is None:
            return Message(texts.nothing_waiting_text())
        unit = await session.get(Unit, nomination.unit_id)
        verdict = await verdict_for(session, ctx, nomination)
    return texts.review_card(nomination, waiting, unit.name if unit else None, verdict)


async def _show_next(update: Update, context: BotContext, after_id: int | None = None) -> None:
    card = await _next_card(context, after_id)
    await answer(update, card.text, reply_markup=callbacks.markup(card.keyboard))


@officer_required
async def review(update: Update, context: BotContext) -> None:
    """/review: the oldest submitted nomination with the decision buttons."""
    await _show_next(update, context)


@officer_required
async def review_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    pressed = await callbacks.parse_press(query, "review.next", "review.files", *DECISIONS)
    if pressed is None:
        return
    name, (nomination_id,) = pressed
    if name == "review.next":
        await query.answer()
        await _drop_card_buttons(context, update.effective_chat, _message_id(update))
        await _show_next(update, context, after_id=nomination_id)
        return
    if name == "review.files":
        await _send_files(update, context, nomination_id)
        return
    decision = DECISIONS[name]
    if decision is Decision.APPROVE:
        await _decide(update, context, member, nomination_id, decision, None)
        return
    await _ask_reason(update, context, member, nomination_id, decision)


async def _ask_reason(
    update: Update, context: BotContext, member: Member, nomination_id: int, decision: Decision
) -> None:
    """Reject and Return need a reason: the officer is asked to type it."""
    query = update.callback_query
    assert query is not None
    async with context.app_ctx.session() as session:
        nomination = await get_nomination(session, nomination_id)
    if nomination is None or nomination.status != NominationStatus.SUBMITTED:
        await refuse(update, texts.already_decided_text())
        return
    await set_pending(
        context,
        member,
        {
            "kind": PENDING_REASON,
            "id": nomination_id,
            "decision": decision.value,
            "card": _message_id(update),
        },
    )
    await query.answer()
    await answer(update, texts.reason_question(decision, number_of(nomination)))


@on_pending(PENDING_REASON, officers_only=True)
async def reason_received(update: Update, context: BotContext) -> None:
    """The reason typed after Reject or Return."""
    member = context.member
    message = update.effective_message
    assert member is not None and message is not None and member.pending_input is not None
    if not message.text or not message.text.strip():
        await answer(update, texts.reason_as_text())
        return
    pending = member.pending_input
    await _decide(
        update, context, member, int(pending["id"]), Decision(pending["decision"]), message.text
    )


@on_cancel(PENDING_REASON)
async def cancel_reason(update: Update, context: BotContext) -> None:
    member = context.member
    assert member is not None
    await set_pending(context, member, None)
    await answer(update, texts.reason_cancelled_text())


async def _decide(
    update: Update,
    context: BotContext,
    officer: Member,
    nomination_id: int,
    decision: Decision,
    reason: str | None,
) -> None:
    ctx = context.app_ctx
    async with ctx.session() as session:
        result = await decide(session, officer, nomination_id, decision, reason, now=ctx.now())
    if result.outcome is DecideOutcome.TOO_LONG:
        await answer(update, texts.reason_too_long_text())
        return
    if result.outcome in (DecideOutcome.DONE, DecideOutcome.ALREADY_DECIDED):
        # The card's buttons are used up: the one pressed, or the one the reason was asked
        # from.
        pending = officer.pending_input or {}
        card = pending.get("card") if update.callback_query is None else None
        await _drop_card_buttons(context, update.effective_chat, card or _message_id(update))
    if officer.pending_input:
        await set_pending(context, officer, None)
    if update.callback_query is not None:
        await update.callback_query.answer()
    if result.outcome is DecideOutcome.NOT_FOUND:
        await answer(update, texts.no_longer_exists_text())
        return
    if result.outcome is DecideOutcome.ALREADY_DECIDED:
        await answer(update, texts.already_decided_text())
        return
    wake_sender(context.application)
    assert result.nomination is not None
    await answer(update, texts.decided_text(decision, number_of(result.nomination)))
    await _show_next(update, context, after_id=nomination_id)


def _message_id(update: Update) -> int | None:
    """The message of the pressed button (None for a typed message)."""
    query = update.callback_query
    return query.message.message_id if query is not None and query.message else None


async def _drop_card_buttons(context: BotContext, chat: Chat | None, message_id: object) -> None:
    if chat is None or not isinstance(message_id, int):
        return
    try:
        await context.bot.edit_message_reply_markup(chat.id, message_id, reply_markup=None)
    except BadRequest:
        pass  # already without buttons, or deleted


async def _send_files(update: Update, context: BotContext, nomination_id: int) -> None:
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    async with context.app_ctx.session() as session:
        nomination = await get_nomination(session, nomination_id)
    if nomination is None:
        await query.answer(button_invalid_text(), show_alert=True)
        return
    await query.answer()
    chat_id = update.effective_chat.id
    for attached in nomination.files:
        if attached.kind == "photo":
            await context.bot.send_photo(chat_id, attached.file_id)
        else:
            await context.bot.send_document(chat_id, attached.file_id)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("review", review))
    application.add_handler(
        CallbackQueryHandler(review_button, pattern=callbacks.family_pattern("rv"))
    )
