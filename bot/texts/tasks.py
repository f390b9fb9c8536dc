"""What a unit reads about its tasks: the /tasks page with its buttons, and the answers to a
report, a note, an undo."""

from __future__ import annotations

import html
from datetime import date

from bot.core.actions import Action, Keyboard, Message
from bot.core.i18n import _, format_date, quarter_numeral
from bot.services.tasks import ReportOutcome, TaskLine
from bot.texts.common import short_title
from bot.texts.reminders import deadline_status

PAGE_SIZE = 10
# Ten titles a page must fit in one message.
TITLE_SHOWN = 300


def task_status(line: TaskLine, today: date) -> str:
    """ "done on …", "overdue by …", "due today" or "… days left": as in the reminders."""
    return deadline_status(line.deadline, today, line.done_on if line.done else None)


def task_page(
    unit_name: str, lines: list[TaskLine], page: int, today: date, quarter: int, year: int
) -> Message:
    """One page of /tasks: ten tasks, a ✅ button for each open one, ↩️ and 📎 for one reported
    today, ◀️ ▶️ when there are more pages."""
    pages = max(1, -(-len(lines) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = lines[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    header = _("<b>Tasks of {unit}</b> — Q{quarter} {year}").format(
        unit=html.escape(unit_name), quarter=quarter_numeral(quarter), year=year
    )
    if not lines:
        return Message(header + "\n\n" + _("There are no tasks for your unit this quarter."))
    body = []
    keyboard: Keyboard = []
    for line in shown:
        assert not line.done or line.done_on is not None
        icon = "✅" if line.done else ("⚠️" if line.deadline < today else "⏳")
        body.append(
            f"{icon} <b>#{line.task_id}</b> {html.escape(short_title(line.title, TITLE_SHOWN))}\n"
            + _("Deadline: {date} ({status})").format(
                date=format_date(line.deadline), status=task_status(line, today)
            )
            + (
                "\n" + _("Responsible: {body}").format(body=html.escape(line.responsible))
                if line.responsible
                else ""
            )
        )
        if not line.done:
            keyboard.append(
                [
                    Action(
                        _("✅ Done #{code}").format(code=line.task_id),
                        "tasks.done",
                        (line.task_id, page),
                    )
                ]
            )
        elif line.can_undo:
            # Reported today: it can still be taken back, and a note or file added with 📎
            # (later, /done CODE note adds one too).
            keyboard.append(
                [
                    Action(
                        _("↩️ Undo #{code}").format(code=line.task_id),
                        "tasks.undo",
                        (line.task_id, page),
                    ),
                    Action(
                        _("📎 Note #{code}").format(code=line.task_id),
                        "tasks.note",
                        (line.task_id,),
                    ),
                ]
            )
    if pages > 1:
        navigation = []
        if page > 0:
            navigation.append(Action(_("◀️ Previous"), "tasks.page", (page - 1,)))
        if page < pages - 1:
            navigation.append(Action(_("Next ▶️"), "tasks.page", (page + 1,)))
        keyboard.append(navigation)
        body.append(_("Page {page} of {pages}").format(page=page + 1, pages=pages))
    return Message(header + "\n\n" + "\n\n".join(body), keyboard or None)


def which_task_done(page: str) -> str:
    """/done without a code: the task list under a question."""
    return _("Which task is done? Press its button.") + "\n\n" + page


def task_code_needed() -> str:
    return _("Please give the task code shown in /tasks, for example: /done 12 Report sent.")


def note_too_long(limit: int) -> str:
    return _("The note is too long (at most {limit} characters).").format(limit=limit)


def file_too_large() -> str:
    return _("The file is too large (at most 20 MB).")


def note_missing() -> str:
    return _("Please send the note as text, or a document or a photo.")


def not_your_task(task_id: int) -> str:
    return _("Task #{code} is not one of your unit's tasks.").format(code=task_id)


def report_toast(outcome: ReportOutcome, task_id: int) -> str:
    """The short notice a ✅ press in the task list is answered with."""
    notices = {
        ReportOutcome.DONE: _("✅ Recorded: task #{code} is done."),
        ReportOutcome.ALREADY_DONE: _("Task #{code} was already reported as done."),
    }
    return notices[outcome].format(code=task_id)


def report_answer(outcome: ReportOutcome, task_id: int, title: str) -> str:
    """What a report, a note or a file by reply is answered with (`title`: the task's)."""
    if outcome is ReportOutcome.DONE:
        return _(
            "✅ Recorded: task #{code} “{title}” is done.\n"
            "To add a note or a file, reply to this message."
        ).format(code=task_id, title=html.escape(title))
    if outcome is ReportOutcome.NOT_DONE:
        return _(
            "Task #{code} is not reported as done yet, so nothing was attached. When it is "
            "done, press its ✅ button or send /done {code} followed by your note."
        ).format(code=task_id)
    if outcome is ReportOutcome.NOTE_ADDED:
        return _("📎 The note/file is attached to the report on task #{code}.").format(
            code=task_id
        )
    return _("Task #{code} was already reported as done.").format(code=task_id)


def undo_answer(outcome: ReportOutcome, task_id: int) -> str:
    messages = {
        ReportOutcome.UNDONE: _("↩️ The report on task #{code} is withdrawn; it is open again."),
        ReportOutcome.NOT_DONE: _("Task #{code} is not reported as done."),
        ReportOutcome.TOO_LATE: _(
            "A report can only be withdrawn on the day it was made. Please contact the TĐKT "
            "officer to correct task #{code}."
        ),
        ReportOutcome.NOT_ALLOWED: _("Task #{code} is not one of your unit's tasks."),
    }
    return messages[outcome].format(code=task_id)


def note_by_reply_unclear() -> str:
    return _("To attach a note, reply to the confirmation of one task, or send /done CODE note.")


def note_question(task_id: int, title: str) -> str:
    """After 📎: what to send."""
    return _(
        "Please send the note for task #{code} “{title}”: a text, or a document or a photo "
        "with or without a caption. Send /cancel to stop."
    ).format(code=task_id, title=html.escape(short_title(title, TITLE_SHOWN)))


def note_without_unit() -> str:
    return _(
        "Your account is no longer attached to a unit, so nothing was attached. Please "
        "contact the TĐKT officer."
    )


def note_cancelled() -> str:
    return _("Cancelled. Nothing was attached.")
