"""/review for officers: submitted nominations one by one, approve / reject / return with a
reason; the submitting unit head is told in their language."""

from __future__ import annotations

import html

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.i18n import _
from bot.runtime.context import wake_sender
from bot.services import nominations as service
from bot.services.nomination_labels import nomination_card, number_of
from bot.services.nominations import DecideOutcome, Decision
from handlers.common import (
    BotContext,
    answer,
    decimal_id,
    officer_required,
    refuse,
    set_pending,
)
from handlers.nominations import eligibility_block
from handlers.pending import on_cancel, on_pending
from models import Member, Nomination, Unit

PENDING_REASON = "review-reason"
DECISIONS = {"a": Decision.APPROVE, "r": Decision.REJECT, "t": Decision.RETURN}


def _card_markup(nomination: Nomination) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(_("✅ Approve"), callback_data=f"rv:a:{nomination.id}")],
        [
            InlineKeyboardButton(_("❌ Reject"), callback_data=f"rv:r:{nomination.id}"),
            InlineKeyboardButton(
                _("↩️ Return for revision"), callback_data=f"rv:t:{nomination.id}"
            ),
        ],
        [InlineKeyboardButton(_("⏭ Next"), callback_data=f"rv:n:{nomination.id}")],
    ]
    if nomination.files:
        rows.insert(
            0,
            [
                InlineKeyboardButton(
                    _("📎 Show {count} files").format(count=len(nomination.files)),
                    callback_data=f"rv:f:{nomination.id}",
                )
            ],
        )
    return InlineKeyboardMarkup(rows)


async def _show_next(update: Update, context: BotContext, after_id: int | None = None) -> None:
    ctx = context.app_ctx
    async with ctx.session() as session:
        nomination, waiting = await service.next_for_review(session, after_id)
        unit = await session.get(Unit, nomination.unit_id) if nomination else None
    if nomination is None:
        await answer(update, _("No nominations are waiting for review."))
        return
    header = (
        _("Waiting for review: {count}").format(count=waiting)
        + "\n"
        + _("Unit: {unit}").format(unit=html.escape(unit.name if unit else "—"))
    )
    verdict = await eligibility_block(context, nomination)
    await answer(
        update,
        header
        + "\n\n"
        + nomination_card(nomination, with_status=False)
        + ("\n\n" + verdict if verdict else ""),
        reply_markup=_card_markup(nomination),
    )


@officer_required
async def review(update: Update, context: BotContext) -> None:
    """/review: the oldest submitted nomination with the decision buttons."""
    await _show_next(update, context)


def _parse(data: str | None) -> tuple[str, int] | None:
    parts = (data or "").split(":")
    nomination_id = decimal_id(parts[2]) if len(parts) == 3 and parts[0] == "rv" else None
    if nomination_id is None:
        return None
    return parts[1], nomination_id


@officer_required
async def review_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    parsed = _parse(query.data)
    if parsed is None or parsed[0] not in ("a", "r", "t", "n", "f"):
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    action, nomination_id = parsed
    if action == "n":
        await query.answer()
        await _drop_card_buttons(context, update.effective_chat, _message_id(update))
        await _show_next(update, context, after_id=nomination_id)
        return
    if action == "f":
        await _send_files(update, context, nomination_id)
        return
    decision = DECISIONS[action]
    if decision is Decision.APPROVE:
        await _decide(update, context, member, nomination_id, decision, None)
        return
    async with context.app_ctx.session() as session:
        nomination = await service.get_nomination(session, nomination_id)
    if nomination is None or nomination.status != "submitted":
        await refuse(update, _("This nomination has already been decided."))
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
    question = (
        _("Please send the reason for not accepting nomination #{code}, or /cancel.")
        if decision is Decision.REJECT
        else _("Please send what needs revising in nomination #{code}, or /cancel.")
    )
    await answer(update, question.format(code=number_of(nomination)))


@on_pending(PENDING_REASON, officers_only=True)
async def reason_received(update: Update, context: BotContext) -> None:
    """The reason typed after Reject or Return."""
    member = context.member
    message = update.effective_message
    assert member is not None and message is not None and member.pending_input is not None
    if not message.text or not message.text.strip():
        await answer(update, _("Please send the reason as text, or /cancel."))
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
    await answer(update, _("Cancelled. Nothing was changed."))


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
        result = await service.decide(
            session, officer, nomination_id, decision, reason, now=ctx.now()
        )
    if result.outcome is DecideOutcome.TOO_LONG:
        await answer(update, _("The reason is too long (at most 1000 characters)."))
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
        await answer(update, _("This nomination no longer exists."))
        return
    if result.outcome is DecideOutcome.ALREADY_DECIDED:
        await answer(update, _("This nomination has already been decided."))
        return
    wake_sender(context.application)
    texts = {
        Decision.APPROVE: _("✅ Nomination #{code} is approved; the unit is told."),
        Decision.REJECT: _("❌ Nomination #{code} is not accepted; the unit is told why."),
        Decision.RETURN: _("↩️ Nomination #{code} is returned for revision; the unit is told."),
    }
    assert result.nomination is not None
    await answer(update, texts[decision].format(code=number_of(result.nomination)))
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
        nomination = await service.get_nomination(session, nomination_id)
    if nomination is None:
        await query.answer(_("This button is no longer valid."), show_alert=True)
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
    application.add_handler(CallbackQueryHandler(review_button, pattern=r"^rv:"))
