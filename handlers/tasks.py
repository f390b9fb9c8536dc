"""/tasks and /done: a unit's task list with done/undo buttons, notes and files by reply."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.core.actions import Message as Reply
from bot.services.digest_marks import MarkedDigest, digest_after_report
from bot.services.tasks import (
    MAX_NOTE_LENGTH,
    PHOTO_FILE_NAME,
    ReportOutcome,
    ReportResult,
    report_done,
    reportable_task,
    undo_done,
    unit_task_lines,
)
from bot.texts import tasks as texts
from handlers import callbacks
from handlers.common import (
    BotContext,
    answer,
    decimal_id,
    refuse,
    set_pending,
    unit_member_required,
)
from handlers.pending import on_cancel, on_pending

# Telegram bots may download files up to this size; larger ones could never be retrieved.
MAX_FILE_BYTES = 20 * 1024 * 1024
TASK_CODE = re.compile(r"#(\d{1,9})\b")
PENDING_NOTE = "task-note"


async def _task_page(session: AsyncSession, context: BotContext, page: int) -> Reply:
    """The page of /tasks, read in the handler's session."""
    member = context.member
    assert member is not None and member.unit is not None
    ctx = context.app_ctx
    lines = await unit_task_lines(session, member.unit, now=ctx.now(), tz=ctx.settings.tz)
    today = ctx.today()
    return texts.task_page(
        member.unit.name, lines, page, today, (today.month - 1) // 3 + 1, today.year
    )


async def _send_page(update: Update, page: Reply, *, asking: bool = False) -> None:
    text = texts.which_task_done(page.text) if asking else page.text
    await answer(update, text, reply_markup=callbacks.markup(page.keyboard))


@unit_member_required
async def show_tasks(update: Update, context: BotContext) -> None:
    """/tasks: the unit's tasks of this quarter and overdue ones, ten a page."""
    async with context.app_ctx.session() as session:
        page = await _task_page(session, context, 0)
    await _send_page(update, page)


@unit_member_required
async def done_command(update: Update, context: BotContext) -> None:
    """/done shows the buttons; /done CODE [note] reports a task done with an optional note."""
    if not context.args:
        async with context.app_ctx.session() as session:
            page = await _task_page(session, context, 0)
        await _send_page(update, page, asking=True)
        return
    code = decimal_id(context.args[0])
    if code is None:
        await answer(update, texts.task_code_needed())
        return
    note = " ".join(context.args[1:])
    if len(note) > MAX_NOTE_LENGTH:
        await answer(update, texts.note_too_long(MAX_NOTE_LENGTH))
        return
    await _report(update, context, code, note=note or None)


async def _record(
    session: AsyncSession,
    context: BotContext,
    task_id: int,
    *,
    note: str | None = None,
    file_id: str | None = None,
    file_name: str | None = None,
    attach_only: bool = False,
) -> ReportResult:
    member = context.member
    assert member is not None
    return await report_done(
        session,
        member,
        task_id,
        now=context.app_ctx.now(),
        note=note,
        file_id=file_id,
        file_name=file_name,
        attach_only=attach_only,
    )


async def _tell(update: Update, task_id: int, result: ReportResult) -> None:
    """Answers a report, a note or a file with a message of its own."""
    if result.outcome is ReportOutcome.NOT_ALLOWED:
        await refuse(update, texts.not_your_task(task_id))
        return
    assert result.task is not None
    if update.callback_query is not None:
        await update.callback_query.answer()
    await answer(update, texts.report_answer(result.outcome, task_id, result.task.title))


async def _report(
    update: Update,
    context: BotContext,
    task_id: int,
    *,
    note: str | None = None,
    file_id: str | None = None,
    file_name: str | None = None,
    attach_only: bool = False,
) -> ReportOutcome:
    async with context.app_ctx.session() as session:
        result = await _record(
            session,
            context,
            task_id,
            note=note,
            file_id=file_id,
            file_name=file_name,
            attach_only=attach_only,
        )
    await _tell(update, task_id, result)
    return result.outcome


@unit_member_required
async def done_button(update: Update, context: BotContext) -> None:
    """The ✅ button of a task: report it done, then refresh the list in place."""
    query = update.callback_query
    assert query is not None
    pressed = await callbacks.parse_press(query, "tasks.done")
    if pressed is None:
        return
    task_id, page = pressed[1]
    async with context.app_ctx.session() as session:
        result = await _record(session, context, task_id)
        if result.outcome is ReportOutcome.NOT_ALLOWED:
            refreshed = None
        else:
            refreshed = await _task_page(session, context, page)
    if refreshed is None:
        await refuse(update, texts.not_your_task(task_id))
        return
    # A press is answered by the press's own notice, and the list is refreshed. Notes are
    # attached with the 📎 button of the task in the list.
    await query.answer(texts.report_toast(result.outcome, task_id))
    await _show(query.message, refreshed)


@unit_member_required
async def reminder_done_button(update: Update, context: BotContext) -> None:
    """The ✅ button under a reminder: report the task done; in the digest its line then reads
    ✅ and its button is gone."""
    query = update.callback_query
    assert query is not None
    pressed = await callbacks.parse_press(query, "reminder.done")
    if pressed is None:
        return
    (task_id,) = pressed[1]
    member = context.member
    assert member is not None
    message = query.message
    ctx = context.app_ctx
    marked: MarkedDigest | None = None
    async with ctx.session() as session:
        result = await _record(session, context, task_id)
        if result.outcome is not ReportOutcome.NOT_ALLOWED and isinstance(message, Message):
            assert member.unit_id is not None
            marked = await digest_after_report(
                session,
                member_id=member.id,
                unit_id=member.unit_id,
                language=member.language,
                channel_message_id=message.message_id,
                tz=ctx.settings.tz,
            )
    await _tell(update, task_id, result)
    if result.outcome is ReportOutcome.NOT_ALLOWED or not isinstance(message, Message):
        return
    if marked is not None:
        try:
            await message.edit_text(marked.text, reply_markup=callbacks.markup(marked.keyboard))
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                raise
        return
    # Not a digest the outbox kept (an older reminder): at least the button goes.
    markup = message.reply_markup
    rows = [
        [button for button in row if button.callback_data != query.data]
        for row in (markup.inline_keyboard if markup else ())
    ]
    rows = [row for row in rows if row]
    try:
        await message.edit_reply_markup(InlineKeyboardMarkup(rows) if rows else None)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


@unit_member_required
async def undo_button(update: Update, context: BotContext) -> None:
    """The ↩️ button: take back a report made today by this unit."""
    query = update.callback_query
    assert query is not None
    pressed = await callbacks.parse_press(query, "tasks.undo")
    if pressed is None:
        return
    task_id, page = pressed[1]
    member = context.member
    assert member is not None
    ctx = context.app_ctx
    async with ctx.session() as session:
        result = await undo_done(session, member, task_id, now=ctx.now(), tz=ctx.settings.tz)
        undone = result.outcome is ReportOutcome.UNDONE
        refreshed = await _task_page(session, context, page) if undone else None
    text = texts.undo_answer(result.outcome, task_id)
    if refreshed is not None:
        await query.answer(text)
        await _show(query.message, refreshed)
    else:
        await query.answer(text, show_alert=True)


@unit_member_required
async def page_button(update: Update, context: BotContext) -> None:
    """The ◀️ / ▶️ buttons of the task list."""
    query = update.callback_query
    assert query is not None
    pressed = await callbacks.parse_press(query, "tasks.page")
    if pressed is None:
        return
    (page,) = pressed[1]
    async with context.app_ctx.session() as session:
        refreshed = await _task_page(session, context, page)
    await query.answer()
    await _show(query.message, refreshed)


async def _show(message: object, page: Reply) -> None:
    """The task list message edited in place to `page`."""
    if not isinstance(message, Message):
        return
    try:
        await message.edit_text(page.text, reply_markup=callbacks.markup(page.keyboard))
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


@dataclass(frozen=True)
class Attachment:
    note: str | None
    file_id: str | None
    file_name: str | None


def _attachment(message: Message) -> Attachment | str:
    """The note and/or file a message carries, or what to tell the user when it carries none
    or too much."""
    file_id = file_name = None
    if message.document is not None:
        if (message.document.file_size or 0) > MAX_FILE_BYTES:
            return texts.file_too_large()
        file_id, file_name = message.document.file_id, message.document.file_name
    elif message.photo:
        photo = message.photo[-1]
        file_id, file_name = photo.file_id, PHOTO_FILE_NAME
    note = message.text or message.caption
    if note and len(note) > MAX_NOTE_LENGTH:
        return texts.note_too_long(MAX_NOTE_LENGTH)
    if not note and file_id is None:
        return texts.note_missing()
    return Attachment(note, file_id, file_name)


async def _attach(update: Update, context: BotContext, task_id: int) -> bool:
    """Attaches what the message carries to the task's done report; False when it carries
    nothing usable (the user has been told why)."""
    message = update.effective_message
    assert message is not None
    attachment = _attachment(message)
    if isinstance(attachment, str):
        await answer(update, attachment)
        return False
    await _report(
        update,
        context,
        task_id,
        note=attachment.note,
        file_id=attachment.file_id,
        file_name=attachment.file_name,
        attach_only=True,
    )
    return True


@unit_member_required
async def note_by_reply(update: Update, context: BotContext) -> None:
    """A reply to a bot message naming one task attaches the text or file to that task's done
    report; it never reports the task done itself."""
    message = update.effective_message
    assert message is not None and message.reply_to_message is not None
    codes = set(TASK_CODE.findall(message.reply_to_message.text or ""))
    if len(codes) != 1:
        await answer(update, texts.note_by_reply_unclear())
        return
    await _attach(update, context, int(codes.pop()))


@unit_member_required
async def note_button(update: Update, context: BotContext) -> None:
    """The 📎 button of a done task: the next message (text, document or photo) is its note."""
    query = update.callback_query
    assert query is not None
    pressed = await callbacks.parse_press(query, "tasks.note")
    if pressed is None:
        return
    (task_id,) = pressed[1]
    member = context.member
    assert member is not None
    async with context.app_ctx.session() as session:
        task = await reportable_task(session, member, task_id)
    if task is None:
        await refuse(update, texts.not_your_task(task_id))
        return
    await set_pending(context, member, {"kind": PENDING_NOTE, "task_id": task_id})
    await query.answer()
    await answer(update, texts.note_question(task_id, task.title))


@on_pending(PENDING_NOTE)
async def note_answer(update: Update, context: BotContext) -> None:
    member = context.member
    assert member is not None and member.pending_input is not None
    task_id = member.pending_input.get("task_id")
    if member.unit_id is None or not isinstance(task_id, int):
        # Detached from the unit since pressing 📎: the question is dropped, and said so.
        await set_pending(context, member, None)
        await answer(update, texts.note_without_unit())
        return
    if await _attach(update, context, task_id):
        await set_pending(context, member, None)


@on_cancel(PENDING_NOTE)
async def cancel_note(update: Update, context: BotContext) -> None:
    assert context.member is not None
    await set_pending(context, context.member, None)
    await answer(update, texts.note_cancelled())


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("tasks", show_tasks))
    application.add_handler(CommandHandler("done", done_command))
    for handler, action in (
        (done_button, "tasks.done"),
        (reminder_done_button, "reminder.done"),
        (undo_button, "tasks.undo"),
        (page_button, "tasks.page"),
        (note_button, "tasks.note"),
    ):
        application.add_handler(CallbackQueryHandler(handler, pattern=callbacks.pattern(action)))
    replies_to_bot = (
        filters.REPLY
        & filters.ChatType.PRIVATE
        & ((filters.TEXT & ~filters.COMMAND) | filters.Document.ALL | filters.PHOTO)
    )
    application.add_handler(MessageHandler(replies_to_bot, note_by_reply))
