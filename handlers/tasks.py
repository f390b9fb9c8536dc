"""/tasks and /done: a unit's task list with done/undo buttons, notes and files by reply."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.core.i18n import _, format_date, ngettext, quarter_numeral
from bot.services.digest_marks import digest_after_report
from bot.services.tasks import (
    MAX_NOTE_LENGTH,
    PHOTO_FILE_NAME,
    ReportOutcome,
    TaskLine,
    report_done,
    reportable_task,
    undo_done,
    unit_task_lines,
)
from handlers.common import (
    BotContext,
    answer,
    button_args,
    decimal_id,
    refuse,
    set_pending,
    unit_member_required,
)
from handlers.pending import on_cancel, on_pending

PAGE_SIZE = 10
TITLE_SHOWN = 300
# Telegram bots may download files up to this size; larger ones could never be retrieved.
MAX_FILE_BYTES = 20 * 1024 * 1024
TASK_CODE = re.compile(r"#(\d{1,9})\b")
PENDING_NOTE = "task-note"


def task_status(line: TaskLine, today_ordinal: int) -> str:
    if line.done:
        assert line.done_on is not None
        return _("done on {date}").format(date=format_date(line.done_on))
    days = line.deadline.toordinal() - today_ordinal
    if days < 0:
        return ngettext("overdue by {n} day", "overdue by {n} days", -days).format(n=-days)
    if days == 0:
        return _("due today")
    return ngettext("{n} day left", "{n} days left", days).format(n=days)


def render_task_page(
    unit_name: str, lines: list[TaskLine], page: int, today_ordinal: int, quarter: int, year: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    pages = max(1, -(-len(lines) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = lines[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    header = _("<b>Tasks of {unit}</b> — Q{quarter} {year}").format(
        unit=html.escape(unit_name), quarter=_roman(quarter), year=year
    )
    if not lines:
        return header + "\n\n" + _("There are no tasks for your unit this quarter."), None
    body = []
    buttons = []
    for line in shown:
        icon = "✅" if line.done else ("⚠️" if line.deadline.toordinal() < today_ordinal else "⏳")
        body.append(
            f"{icon} <b>#{line.task_id}</b> {html.escape(_shorten(line.title))}\n"
            + _("Deadline: {date} ({status})").format(
                date=format_date(line.deadline), status=task_status(line, today_ordinal)
            )
            + (
                "\n" + _("Responsible: {body}").format(body=html.escape(line.responsible))
                if line.responsible
                else ""
            )
        )
        if not line.done:
            buttons.append(
                [
                    InlineKeyboardButton(
                        _("✅ Done #{code}").format(code=line.task_id),
                        callback_data=f"done:{line.task_id}:{page}",
                    )
                ]
            )
        elif line.can_undo:
            # Reported today: it can still be taken back, and a note or file added with 📎
            # (later, /done CODE note adds one too).
            buttons.append(
                [
                    InlineKeyboardButton(
                        _("↩️ Undo #{code}").format(code=line.task_id),
                        callback_data=f"undo:{line.task_id}:{page}",
                    ),
                    InlineKeyboardButton(
                        _("📎 Note #{code}").format(code=line.task_id),
                        callback_data=f"note:{line.task_id}",
                    ),
                ]
            )
    if pages > 1:
        navigation = []
        if page > 0:
            navigation.append(
                InlineKeyboardButton(_("◀️ Previous"), callback_data=f"tasks:{page - 1}")
            )
        if page < pages - 1:
            navigation.append(InlineKeyboardButton(_("Next ▶️"), callback_data=f"tasks:{page + 1}"))
        buttons.append(navigation)
        body.append(_("Page {page} of {pages}").format(page=page + 1, pages=pages))
    return header + "\n\n" + "\n\n".join(body), InlineKeyboardMarkup(buttons) if buttons else None


def _shorten(title: str) -> str:
    """Ten titles a page must fit in one message."""
    return title if len(title) <= TITLE_SHOWN else title[: TITLE_SHOWN - 1] + "…"


def _roman(quarter: int) -> str:
    return quarter_numeral(quarter)


async def _task_page(context: BotContext, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    member = context.member
    assert member is not None and member.unit is not None
    ctx = context.app_ctx
    async with ctx.session() as session:
        lines = await unit_task_lines(session, member.unit, now=ctx.now(), tz=ctx.settings.tz)
    today = ctx.today()
    return render_task_page(
        member.unit.name, lines, page, today.toordinal(), (today.month - 1) // 3 + 1, today.year
    )


@unit_member_required
async def show_tasks(update: Update, context: BotContext) -> None:
    """/tasks: the unit's tasks of this quarter and overdue ones, ten a page."""
    text, markup = await _task_page(context, 0)
    await answer(update, text, reply_markup=markup)


@unit_member_required
async def done_command(update: Update, context: BotContext) -> None:
    """/done shows the buttons; /done CODE [note] reports a task done with an optional note."""
    if not context.args:
        text, markup = await _task_page(context, 0)
        await answer(
            update, _("Which task is done? Press its button.") + "\n\n" + text, reply_markup=markup
        )
        return
    code = decimal_id(context.args[0])
    if code is None:
        await answer(
            update,
            _("Please give the task code shown in /tasks, for example: /done 12 Report sent."),
        )
        return
    note = " ".join(context.args[1:])
    if len(note) > MAX_NOTE_LENGTH:
        await answer(
            update,
            _("The note is too long (at most {limit} characters).").format(limit=MAX_NOTE_LENGTH),
        )
        return
    await _report(update, context, code, note=note or None)


async def _report(
    update: Update,
    context: BotContext,
    task_id: int,
    *,
    note: str | None = None,
    file_id: str | None = None,
    file_name: str | None = None,
    attach_only: bool = False,
    toast: bool = False,
) -> ReportOutcome:
    member = context.member
    assert member is not None
    ctx = context.app_ctx
    async with ctx.session() as session:
        result = await report_done(
            session,
            member,
            task_id,
            now=ctx.now(),
            note=note,
            file_id=file_id,
            file_name=file_name,
            attach_only=attach_only,
        )
    if result.outcome is ReportOutcome.NOT_ALLOWED:
        await refuse(
            update, _("Task #{code} is not one of your unit's tasks.").format(code=task_id)
        )
        return result.outcome
    assert result.task is not None
    title = html.escape(result.task.title)
    if toast and update.callback_query is not None:
        # A press is answered by the press's own notice; the list is refreshed by the caller.
        # Notes are attached with the 📎 button of the task in the list.
        notices = {
            ReportOutcome.DONE: _("✅ Recorded: task #{code} is done."),
            ReportOutcome.ALREADY_DONE: _("Task #{code} was already reported as done."),
        }
        await update.callback_query.answer(notices[result.outcome].format(code=task_id))
        return result.outcome
    if result.outcome is ReportOutcome.DONE:
        text = _(
            "✅ Recorded: task #{code} “{title}” is done.\n"
            "To add a note or a file, reply to this message."
        ).format(code=task_id, title=title)
    elif result.outcome is ReportOutcome.NOT_DONE:
        text = _(
            "Task #{code} is not reported as done yet, so nothing was attached. When it is "
            "done, press its ✅ button or send /done {code} followed by your note."
        ).format(code=task_id)
    elif result.outcome is ReportOutcome.NOTE_ADDED:
        text = _("📎 The note/file is attached to the report on task #{code}.").format(
            code=task_id
        )
    else:
        text = _("Task #{code} was already reported as done.").format(code=task_id)
    if update.callback_query is not None:
        await update.callback_query.answer()
    await answer(update, text)
    return result.outcome


@unit_member_required
async def done_button(update: Update, context: BotContext) -> None:
    """The ✅ button of a task: report it done, then refresh the list in place."""
    query = update.callback_query
    assert query is not None
    values = await button_args(query, "done", 2)
    if values is None:
        return
    task_id, page = values
    outcome = await _report(update, context, task_id, toast=True)
    if outcome is not ReportOutcome.NOT_ALLOWED:
        await _refresh(query.message, context, page)


@unit_member_required
async def reminder_done_button(update: Update, context: BotContext) -> None:
    """The ✅ button under a reminder: report the task done; in the digest its line then reads
    ✅ and its button is gone."""
    query = update.callback_query
    assert query is not None
    values = await button_args(query, "rd", 1)
    if values is None:
        return
    outcome = await _report(update, context, values[0])
    message = query.message
    if outcome is ReportOutcome.NOT_ALLOWED or not isinstance(message, Message):
        return
    member = context.member
    assert member is not None and member.unit_id is not None
    ctx = context.app_ctx
    async with ctx.session() as session:
        marked = await digest_after_report(
            session,
            member_id=member.id,
            unit_id=member.unit_id,
            language=member.language,
            channel_message_id=message.message_id,
            tz=ctx.settings.tz,
        )
    if marked is not None:
        keyboard = [
            [InlineKeyboardButton(b["text"], callback_data=b["data"]) for b in row]
            for row in marked.buttons
        ]
        try:
            await message.edit_text(
                marked.text, reply_markup=InlineKeyboardMarkup(keyboard) if keyboard else None
            )
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
    values = await button_args(query, "undo", 2)
    if values is None:
        return
    task_id, page = values
    member = context.member
    assert member is not None
    ctx = context.app_ctx
    async with ctx.session() as session:
        result = await undo_done(session, member, task_id, now=ctx.now(), tz=ctx.settings.tz)
    messages = {
        ReportOutcome.UNDONE: _("↩️ The report on task #{code} is withdrawn; it is open again."),
        ReportOutcome.NOT_DONE: _("Task #{code} is not reported as done."),
        ReportOutcome.TOO_LATE: _(
            "A report can only be withdrawn on the day it was made. Please contact the TĐKT "
            "officer to correct task #{code}."
        ),
        ReportOutcome.NOT_ALLOWED: _("Task #{code} is not one of your unit's tasks."),
    }
    text = messages[result.outcome].format(code=task_id)
    if result.outcome is ReportOutcome.UNDONE:
        await query.answer(text)
        await _refresh(query.message, context, page)
    else:
        await query.answer(text, show_alert=True)


@unit_member_required
async def page_button(update: Update, context: BotContext) -> None:
    """The ◀️ / ▶️ buttons of the task list."""
    query = update.callback_query
    assert query is not None
    values = await button_args(query, "tasks", 1)
    if values is None:
        return
    await query.answer()
    await _refresh(query.message, context, values[0])


async def _refresh(message: object, context: BotContext, page: int) -> None:
    if not isinstance(message, Message):
        return
    text, markup = await _task_page(context, page)
    try:
        await message.edit_text(text, reply_markup=markup)
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
            return _("The file is too large (at most 20 MB).")
        file_id, file_name = message.document.file_id, message.document.file_name
    elif message.photo:
        photo = message.photo[-1]
        file_id, file_name = photo.file_id, PHOTO_FILE_NAME
    note = message.text or message.caption
    if note and len(note) > MAX_NOTE_LENGTH:
        return _("The note is too long (at most {limit} characters).").format(
            limit=MAX_NOTE_LENGTH
        )
    if not note and file_id is None:
        return _("Please send the note as text, or a document or a photo.")
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
        await answer(
            update,
            _("To attach a note, reply to the confirmation of one task, or send /done CODE note."),
        )
        return
    await _attach(update, context, int(codes.pop()))


@unit_member_required
async def note_button(update: Update, context: BotContext) -> None:
    """The 📎 button of a done task: the next message (text, document or photo) is its note."""
    query = update.callback_query
    assert query is not None
    values = await button_args(query, "note", 1)
    if values is None:
        return
    (task_id,) = values
    member = context.member
    assert member is not None
    async with context.app_ctx.session() as session:
        task = await reportable_task(session, member, task_id)
    if task is None:
        await refuse(
            update, _("Task #{code} is not one of your unit's tasks.").format(code=task_id)
        )
        return
    await set_pending(context, member, {"kind": PENDING_NOTE, "task_id": task_id})
    await query.answer()
    await answer(
        update,
        _(
            "Please send the note for task #{code} “{title}”: a text, or a document or a photo "
            "with or without a caption. Send /cancel to stop."
        ).format(code=task_id, title=html.escape(_shorten(task.title))),
    )


@on_pending(PENDING_NOTE)
async def note_answer(update: Update, context: BotContext) -> None:
    member = context.member
    assert member is not None and member.pending_input is not None
    task_id = member.pending_input.get("task_id")
    if member.unit_id is None or not isinstance(task_id, int):
        # Detached from the unit since pressing 📎: the question is dropped, and said so.
        await set_pending(context, member, None)
        await answer(
            update,
            _(
                "Your account is no longer attached to a unit, so nothing was attached. Please "
                "contact the TĐKT officer."
            ),
        )
        return
    if await _attach(update, context, task_id):
        await set_pending(context, member, None)


@on_cancel(PENDING_NOTE)
async def cancel_note(update: Update, context: BotContext) -> None:
    assert context.member is not None
    await set_pending(context, context.member, None)
    await answer(update, _("Cancelled. Nothing was attached."))


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("tasks", show_tasks))
    application.add_handler(CommandHandler("done", done_command))
    application.add_handler(CallbackQueryHandler(done_button, pattern=r"^done:"))
    application.add_handler(CallbackQueryHandler(reminder_done_button, pattern=r"^rd:"))
    application.add_handler(CallbackQueryHandler(undo_button, pattern=r"^undo:"))
    application.add_handler(CallbackQueryHandler(page_button, pattern=r"^tasks:"))
    application.add_handler(CallbackQueryHandler(note_button, pattern=r"^note:"))
    replies_to_bot = (
        filters.REPLY
        & filters.ChatType.PRIVATE
        & ((filters.TEXT & ~filters.COMMAND) | filters.Document.ALL | filters.PHOTO)
    )
    application.add_handler(MessageHandler(replies_to_bot, note_by_reply))
