"""/broadcast for officers: guidance to all units, a cluster, chosen units or the units with
overdue tasks; preview, confirm, live progress, delivery report, acknowledgements."""

from __future__ import annotations

import html

from sqlalchemy import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.i18n import _, format_date, ngettext
from bot.runtime.context import wake_sender
from bot.services import broadcasts as service
from bot.services.broadcasts import DraftProblem
from handlers.common import (
    BotContext,
    answer,
    decimal_id,
    member_required,
    officer_required,
    refuse,
    set_pending,
    split_message,
)
from handlers.pending import on_cancel, on_pending
from models import Audience, Broadcast, BroadcastStatus, Cluster

PENDING_CONTENT = "broadcast-content"
PENDING_UNITS = "broadcast-units"
AUDIENCES = [Audience.ALL, Audience.CLUSTER, Audience.UNITS, Audience.OVERDUE]
# Names listed under "not acknowledged"; the rest are counted in one line.
NAMES_SHOWN = 100
# The preview names at most this many units nobody would receive the broadcast in.
UNREACHED_SHOWN = 30


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


@officer_required
async def broadcast(update: Update, context: BotContext) -> None:
    """/broadcast: ask for the guidance to send."""
    assert context.member is not None
    await set_pending(context, context.member, {"kind": PENDING_CONTENT})
    await answer(
        update,
        _("Send the guidance: a text, or a document or photo with a caption. /cancel to stop."),
    )


@on_pending(PENDING_CONTENT, officers_only=True)
async def content_received(update: Update, context: BotContext) -> None:
    """The guidance itself; then the audience is chosen with buttons."""
    member = context.member
    message = update.effective_message
    assert member is not None and message is not None
    file_kind = file_id = file_name = None
    if message.document is not None:
        file_kind, file_id = "document", message.document.file_id
        file_name = message.document.file_name
    elif message.photo:
        file_kind, file_id = "photo", message.photo[-1].file_id
    elif message.text is None:
        await answer(update, _("Please send a text, a document or a photo, or /cancel."))
        return
    text = message.text_html if message.text is not None else (message.caption_html or "")
    ctx = context.app_ctx
    async with ctx.session() as session:
        draft = await service.create_draft(
            session,
            member,
            text=text,
            file_kind=file_kind,
            file_id=file_id,
            file_name=file_name,
            now=ctx.now(),
        )
    if draft is DraftProblem.EMPTY:
        await answer(update, _("Please send a text, a document or a photo, or /cancel."))
        return
    if draft is DraftProblem.TOO_LONG:
        await answer(
            update,
            _(
                "The guidance is too long: at most {limit} characters for a "
                "text, {caption} for a caption."
            ).format(limit=service.TEXT_LIMIT, caption=service.CAPTION_LIMIT),
        )
        return
    assert isinstance(draft, Broadcast)
    await set_pending(context, member, None)
    rows = [
        [_button(_("All unit heads"), f"bc:a:{draft.id}:0")],
        [_button(_("One cluster"), f"bc:a:{draft.id}:1")],
        [_button(_("Chosen units"), f"bc:a:{draft.id}:2")],
        [_button(_("Units with overdue tasks"), f"bc:a:{draft.id}:3")],
        [_button(_("✖️ Cancel"), f"bc:x:{draft.id}")],
    ]
    await answer(update, _("Who should receive it?"), reply_markup=InlineKeyboardMarkup(rows))


@on_pending(PENDING_UNITS, officers_only=True)
async def units_received(update: Update, context: BotContext) -> None:
    """The unit codes typed for 'Chosen units'."""
    member = context.member
    message = update.effective_message
    assert member is not None and message is not None and member.pending_input is not None
    codes = [code for code in (message.text or "").replace(";", ",").split(",")]
    ctx = context.app_ctx
    async with ctx.session() as session:
        draft = await service.get_broadcast(session, int(member.pending_input["id"]))
        units, unknown = await service.units_by_codes(session, codes)
        if draft is None or draft.status != BroadcastStatus.DRAFT.value:
            await set_pending(context, member, None)
            return
        if unknown or not units:
            await answer(
                update,
                _(
                    "Unknown unit codes: {codes}. Please send the codes again, "
                    "separated by commas, or /cancel."
                ).format(codes=html.escape(", ".join(unknown) or "—")),
            )
            return
        await service.set_audience(
            session, draft, Audience.UNITS, {"unit_ids": [unit.id for unit in units]}
        )
    await set_pending(context, member, None)
    await _preview(update, context, draft)


@on_cancel(PENDING_CONTENT)
@on_cancel(PENDING_UNITS)
async def cancel(update: Update, context: BotContext) -> None:
    assert context.member is not None
    await set_pending(context, context.member, None)
    await answer(update, _("Cancelled. Nothing was sent."))


async def _preview(update: Update, context: BotContext, draft: Broadcast) -> None:
    ctx = context.app_ctx
    async with ctx.session() as session:
        recipients = await service.audience_members(
            session,
            Audience(draft.audience or Audience.ALL),
            draft.audience_args or {},
            ctx.today(),
        )
        unreached = await service.units_without_recipients(
            session,
            Audience(draft.audience or Audience.ALL),
            draft.audience_args or {},
            ctx.today(),
            recipients,
        )
    units = {recipient.unit_id for recipient in recipients}
    preview = _("<b>Preview</b> — recipients: {people} unit heads in {units} units.").format(
        people=len(recipients), units=len(units)
    )
    if unreached:
        named = ", ".join(
            f"{html.escape(unit.code)} {html.escape(unit.name)}"
            for unit in unreached[:UNREACHED_SHOWN]
        )
        hidden = len(unreached) - UNREACHED_SHOWN
        if hidden > 0:
            named += " " + _("and {n} more").format(n=hidden)
        preview += "\n" + ngettext(
            "⚠️ Nobody is registered in {n} unit, which will not receive it: {units}. "
            "Invite its head with /invite CODE.",
            "⚠️ Nobody is registered in {n} units, which will not receive it: {units}. "
            "Invite their heads with /invite CODE.",
            len(unreached),
        ).format(n=len(unreached), units=named)
    if draft.file_id:
        preview += "\n" + _("Attached: {name}").format(
            name=html.escape(draft.file_name or _("a photo"))
        )
    text = preview + "\n\n" + service.recipient_text(draft)
    if not recipients:
        await answer(
            update,
            preview
            + "\n"
            + _("Nobody would receive it; choose another audience or /broadcast again."),
        )
        return
    await answer(
        update,
        text,
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    _button(_("✅ Send"), f"bc:ok:{draft.id}"),
                    _button(_("✖️ Cancel"), f"bc:x:{draft.id}"),
                ]
            ]
        ),
    )


def _parse(data: str | None) -> tuple[str, list[int]] | None:
    parts = (data or "").split(":")
    if len(parts) < 3 or parts[0] != "bc" or len((data or "").encode()) > 64:
        return None
    ids = [decimal_id(part, minimum=0) for part in parts[2:]]  # ids, and choices from 0
    if None in ids:
        return None
    return parts[1], [value for value in ids if value is not None]


@officer_required
async def broadcast_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    parsed = _parse(query.data)
    if parsed is None:
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    action, args = parsed
    ctx = context.app_ctx
    async with ctx.session() as session:
        draft = await service.get_broadcast(session, args[0])
        if draft is None:
            await query.answer(_("This button is no longer valid."), show_alert=True)
            return
        if action == "w":
            await query.answer()
            waiting = await service.unacknowledged(session, draft.id)
            lines = [
                _("<b>Guidance #{code}: not acknowledged yet ({count})</b>").format(
                    code=draft.id, count=len(waiting)
                )
            ]
            lines += [
                f"• {html.escape(m.full_name)} ({html.escape(unit)})"
                for m, unit in waiting[:NAMES_SHOWN]
            ]
            if len(waiting) > NAMES_SHOWN:
                lines.append(_("… and {n} more").format(n=len(waiting) - NAMES_SHOWN))
            if not waiting:
                lines = [_("Everyone has acknowledged guidance #{code}.").format(code=draft.id)]
            for part in split_message("\n".join(lines)):
                await answer(update, part)
            return
        if action == "r":
            resent = await service.resend_unacknowledged(
                session, member, draft, now=ctx.now(), round_=args[1] if len(args) > 1 else None
            )
            await query.answer()
            await answer(update, _resend_text(draft.id, resent))
            if resent.queued:
                _wake(context)
            return
        if draft.status != BroadcastStatus.DRAFT.value:
            await query.answer(
                _("This guidance has already been sent or cancelled."), show_alert=True
            )
            return
        if action == "x":
            if not await service.cancel_draft(session, member, draft, now=ctx.now()):
                await query.answer(
                    _("This guidance has already been sent or cancelled."), show_alert=True
                )
                return
            await query.answer()
            await _drop_keyboard(query.message)
            await answer(update, _("Cancelled. Nothing was sent."))
            return
        if action == "a" and len(args) == 2 and 0 <= args[1] < len(AUDIENCES):
            audience = AUDIENCES[args[1]]
            await query.answer()
            if audience is Audience.CLUSTER:
                clusters = await session.scalars(select(Cluster).order_by(Cluster.name))
                rows = [
                    [_button(cluster.name, f"bc:c:{draft.id}:{cluster.id}")]
                    for cluster in clusters
                ]
                await answer(
                    update,
                    _("Which cluster?"),
                    reply_markup=InlineKeyboardMarkup(
                        [*rows, [_button(_("✖️ Cancel"), f"bc:x:{draft.id}")]]
                    ),
                )
                return
            if audience is Audience.UNITS:
                await set_pending(context, member, {"kind": PENDING_UNITS, "id": draft.id})
                await answer(
                    update,
                    _(
                        "Send the codes of the units, separated by commas "
                        "(e.g. TT-VA, X-TA), or /cancel."
                    ),
                )
                return
            await service.set_audience(session, draft, audience, {})
        elif action == "c" and len(args) == 2:
            cluster = await session.get(Cluster, args[1])
            if cluster is None:
                await query.answer(_("This button is no longer valid."), show_alert=True)
                return
            await query.answer()
            await service.set_audience(
                session, draft, Audience.CLUSTER, {"cluster_id": cluster.id}
            )
        elif action == "ok" and draft.audience is not None:
            await query.answer()
            await _drop_keyboard(query.message)
            assert update.effective_chat is not None
            status = await context.bot.send_message(
                update.effective_chat.id, _("📤 Sending guidance #{code}…").format(code=draft.id)
            )
            total = await service.confirm(
                session,
                draft,
                member,
                today=ctx.today(),
                now=ctx.now(),
                status_chat_id=status.chat_id,
                status_message_id=status.message_id,
            )
            if total:
                _wake(context)
            return
        else:
            await query.answer(_("This button is no longer valid."), show_alert=True)
            return
    await _preview(update, context, draft)


def _resend_text(code: int, resent: service.ResendResult) -> str:
    if resent.queued:
        return _(
            "Guidance #{code} is sent again to {count} unit heads who have not acknowledged it."
        ).format(code=code, count=resent.queued)
    if resent.on_the_way:
        return _(
            "The {count} unit heads who have not acknowledged guidance #{code} already have a "
            "copy on its way or were just sent one again; no further copy is queued."
        ).format(code=code, count=resent.on_the_way)
    return _(
        "Nobody is left to send guidance #{code} to again: the others have acknowledged it "
        "or cannot be reached."
    ).format(code=code)


def _wake(context: BotContext) -> None:
    wake_sender(context.application)


async def _drop_keyboard(message: object) -> None:
    if isinstance(message, Message) and message.reply_markup is not None:
        try:
            await message.edit_reply_markup(None)
        except TelegramError:  # a stale keyboard is only cosmetic
            pass


@member_required
async def acknowledge(update: Update, context: BotContext) -> None:
    """The ✅ Received button under a guidance message."""
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    parts = (query.data or "").split(":")
    broadcast_id = decimal_id(parts[1]) if len(parts) == 2 else None
    if broadcast_id is None:
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    ctx = context.app_ctx
    async with ctx.session() as session:
        recorded = await service.acknowledge(session, member, broadcast_id, now=ctx.now())
    if not recorded:
        await refuse(update, _("This button is no longer valid."))
        return
    await query.answer(_("Thank you: your acknowledgement is recorded."))
    await _drop_keyboard(query.message)


@officer_required
async def broadcasts(update: Update, context: BotContext) -> None:
    """/broadcasts: the latest guidance with delivery and acknowledgement counts."""
    ctx = context.app_ctx
    async with ctx.session() as session:
        items = await service.recent_broadcasts(session)
        lines, rows = [_("<b>Recent guidance</b>")], []
        for item in items:
            counts = await service.delivery_counts(session, item.id)
            resend_round = await service.next_resend_round(session, item.id)
            sent_at = (item.confirmed_at or item.created_at).astimezone(ctx.settings.tz)
            lines.append(
                _("#{code} · {date} — {title}").format(
                    code=item.id,
                    date=format_date(sent_at.date()),
                    title=html.escape(service.broadcast_title(item) or _("(no text)")),
                )
            )
            lines.append(
                "    "
                + _("delivered {sent}/{total}, acknowledged {ack}").format(
                    sent=counts.sent, total=counts.total, ack=counts.acknowledged
                )
            )
            rows.append(
                [
                    _button(_("Not acknowledged #{code}").format(code=item.id), f"bc:w:{item.id}"),
                    _button(
                        _("🔁 Resend #{code}").format(code=item.id),
                        f"bc:r:{item.id}:{resend_round}",
                    ),
                ]
            )
    if not items:
        await answer(update, _("No guidance has been sent yet. Use /broadcast."))
        return
    await answer(update, "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows))


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("broadcast", broadcast))
    application.add_handler(CommandHandler("broadcasts", broadcasts))
    application.add_handler(CallbackQueryHandler(broadcast_button, pattern=r"^bc:"))
    application.add_handler(CallbackQueryHandler(acknowledge, pattern=r"^ack:"))
