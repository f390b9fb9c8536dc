"""/broadcast for officers: guidance to all units, a cluster, chosen units or the units with
overdue tasks; preview, confirm, live progress, delivery report, acknowledgements."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.actions import Message as Reply
from bot.runtime.context import wake_sender
from bot.services import broadcasts as service
from bot.services.broadcasts import DraftProblem
from bot.texts import broadcasts as texts
from handlers import callbacks
from handlers.common import (
    BotContext,
    answer,
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
# The audiences in the order of the buttons (`broadcast.audience`'s second argument).
AUDIENCES = [Audience.ALL, Audience.CLUSTER, Audience.UNITS, Audience.OVERDUE]


async def _reply(update: Update, reply: Reply) -> None:
    await answer(update, reply.text, reply_markup=callbacks.markup(reply.keyboard))


@officer_required
async def broadcast(update: Update, context: BotContext) -> None:
    """/broadcast: ask for the guidance to send."""
    assert context.member is not None
    await set_pending(context, context.member, {"kind": PENDING_CONTENT})
    await answer(update, texts.ask_content())


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
        await answer(update, texts.content_missing())
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
        await answer(update, texts.content_missing())
        return
    if draft is DraftProblem.TOO_LONG:
        await answer(update, texts.content_too_long(service.TEXT_LIMIT, service.CAPTION_LIMIT))
        return
    assert isinstance(draft, Broadcast)
    await set_pending(context, member, None)
    await _reply(update, texts.audience_question(draft.id))


@on_pending(PENDING_UNITS, officers_only=True)
async def units_received(update: Update, context: BotContext) -> None:
    """The unit codes typed for 'Chosen units'."""
    member = context.member
    message = update.effective_message
    assert member is not None and message is not None and member.pending_input is not None
    codes = [code for code in (message.text or "").replace(";", ",").split(",")]
    ctx = context.app_ctx
    preview = None
    async with ctx.session() as session:
        draft = await service.get_broadcast(session, int(member.pending_input["id"]))
        units, unknown = await service.units_by_codes(session, codes)
        gone = draft is None or draft.status != BroadcastStatus.DRAFT
        if draft is not None and not gone and units and not unknown:
            await service.set_audience(
                session, draft, Audience.UNITS, {"unit_ids": [unit.id for unit in units]}
            )
            preview = await _preview(session, context, draft)
    if gone:
        await set_pending(context, member, None)
        return
    if preview is None:
        await answer(update, texts.unknown_unit_codes(unknown))
        return
    await set_pending(context, member, None)
    await _reply(update, preview)


@on_cancel(PENDING_CONTENT)
@on_cancel(PENDING_UNITS)
async def cancel(update: Update, context: BotContext) -> None:
    assert context.member is not None
    await set_pending(context, context.member, None)
    await answer(update, texts.cancelled())


async def _preview(session: AsyncSession, context: BotContext, draft: Broadcast) -> Reply:
    """The preview of a draft whose audience is chosen, read in the caller's session."""
    today = context.app_ctx.today()
    audience = Audience(draft.audience or Audience.ALL)
    args = draft.audience_args or {}
    recipients = await service.audience_members(session, audience, args, today)
    unreached = await service.units_without_recipients(session, audience, args, today, recipients)
    return texts.preview(
        texts.PreviewFacts(
            broadcast_id=draft.id,
            text=draft.text,
            file_attached=bool(draft.file_id),
            file_name=draft.file_name,
            people=len(recipients),
            units=len({recipient.unit_id for recipient in recipients}),
            unreached=[(unit.code, unit.name) for unit in unreached],
        )
    )


def _pressed(data: str | None) -> tuple[str, tuple[int, ...]] | None:
    """The broadcast action pressed and its arguments. Reports sent before resends were
    counted carry `bc:r:ID` (no round): their Resend is the latest round's."""
    decoded = callbacks.decode(data)
    if decoded is not None and decoded[0].name.startswith("broadcast."):
        return decoded[0].name, tuple(int(value) for value in decoded[1])
    head, _colon, rest = (data or "").partition(":r:")
    legacy = callbacks.decimal_id(rest) if head == "bc" else None
    return ("broadcast.resend", (legacy,)) if legacy is not None else None


@officer_required
async def broadcast_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    pressed = _pressed(query.data)
    if pressed is None:
        await query.answer(texts.invalid_button(), show_alert=True)
        return
    action, args = pressed
    ctx = context.app_ctx
    if action == "broadcast.waiting":
        async with ctx.session() as session:
            draft = await service.get_broadcast(session, args[0])
            waiting = await service.unacknowledged(session, args[0]) if draft else []
        if draft is None:
            await query.answer(texts.invalid_button(), show_alert=True)
            return
        await query.answer()
        named = [(waiter.full_name, unit) for waiter, unit in waiting]
        for part in split_message(texts.waiting_text(draft.id, named)):
            await answer(update, part)
        return
    if action == "broadcast.resend":
        async with ctx.session() as session:
            draft = await service.get_broadcast(session, args[0])
            resent = (
                await service.resend_unacknowledged(
                    session,
                    member,
                    draft,
                    now=ctx.now(),
                    round_=args[1] if len(args) > 1 else None,
                )
                if draft is not None
                else None
            )
        if resent is None:
            await query.answer(texts.invalid_button(), show_alert=True)
            return
        await query.answer()
        await answer(update, texts.resend_text(args[0], resent))
        if resent.queued:
            _wake(context)
        return
    if action == "broadcast.send":
        await _send(update, context, args[0])
        return
    reply: Reply | None = None
    alert: str | None = None
    ask_codes = cancelled = False
    async with ctx.session() as session:
        draft = await service.get_broadcast(session, args[0])
        if draft is None:
            alert = texts.invalid_button()
        elif draft.status != BroadcastStatus.DRAFT:
            alert = texts.already_sent()
        elif action == "broadcast.cancel":
            cancelled = await service.cancel_draft(session, member, draft, now=ctx.now())
            if not cancelled:
                alert = texts.already_sent()
        elif action == "broadcast.audience":
            audience = AUDIENCES[args[1]]
            if audience is Audience.CLUSTER:
                clusters = await session.scalars(select(Cluster).order_by(Cluster.name))
                reply = texts.cluster_question(draft.id, [(c.id, c.name) for c in clusters])
            elif audience is Audience.UNITS:
                ask_codes = True
            else:
                await service.set_audience(session, draft, audience, {})
                reply = await _preview(session, context, draft)
        else:  # broadcast.cluster
            cluster = await session.get(Cluster, args[1])
            if cluster is None:
                alert = texts.invalid_button()
            else:
                await service.set_audience(
                    session, draft, Audience.CLUSTER, {"cluster_id": cluster.id}
                )
                reply = await _preview(session, context, draft)
    if alert is not None:
        await query.answer(alert, show_alert=True)
        return
    await query.answer()
    if cancelled:
        await _drop_keyboard(query.message)
        await answer(update, texts.cancelled())
    elif ask_codes:
        await set_pending(context, member, {"kind": PENDING_UNITS, "id": args[0]})
        await answer(update, texts.ask_unit_codes())
    elif reply is not None:
        await _reply(update, reply)


async def _send(update: Update, context: BotContext, broadcast_id: int) -> None:
    """✅ Send: the status message first (its id goes with the confirmation), then one copy
    per recipient queued. Neither session is open while Telegram is asked."""
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None and update.effective_chat is not None
    ctx = context.app_ctx
    async with ctx.session() as session:
        draft = await service.get_broadcast(session, broadcast_id)
    if draft is None or (draft.status == BroadcastStatus.DRAFT and draft.audience is None):
        await query.answer(texts.invalid_button(), show_alert=True)
        return
    if draft.status != BroadcastStatus.DRAFT:
        await query.answer(texts.already_sent(), show_alert=True)
        return
    await query.answer()
    await _drop_keyboard(query.message)
    status = await context.bot.send_message(update.effective_chat.id, texts.sending(draft.id))
    async with ctx.session() as session:
        draft = await service.get_broadcast(session, broadcast_id)
        assert draft is not None
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
    pressed = await callbacks.parse_press(query, "broadcast.ack")
    if pressed is None:
        return
    (broadcast_id,) = pressed[1]
    ctx = context.app_ctx
    async with ctx.session() as session:
        recorded = await service.acknowledge(session, member, broadcast_id, now=ctx.now())
    if not recorded:
        await refuse(update, texts.invalid_button())
        return
    await query.answer(texts.acknowledged())
    await _drop_keyboard(query.message)


@officer_required
async def broadcasts(update: Update, context: BotContext) -> None:
    """/broadcasts: the latest guidance with delivery and acknowledgement counts."""
    ctx = context.app_ctx
    async with ctx.session() as session:
        items = [
            texts.SentBroadcast(
                broadcast_id=item.id,
                sent_on=(item.confirmed_at or item.created_at).astimezone(ctx.settings.tz).date(),
                text=item.text,
                file_name=item.file_name,
                counts=await service.delivery_counts(session, item.id),
                resend_round=await service.next_resend_round(session, item.id),
            )
            for item in await service.recent_broadcasts(session)
        ]
    await _reply(update, texts.recent_list(items))


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("broadcast", broadcast))
    application.add_handler(CommandHandler("broadcasts", broadcasts))
    application.add_handler(
        CallbackQueryHandler(broadcast_button, pattern=callbacks.family_pattern("bc"))
    )
    application.add_handler(
        CallbackQueryHandler(acknowledge, pattern=callbacks.pattern("broadcast.ack"))
    )
