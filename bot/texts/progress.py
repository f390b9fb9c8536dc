"""What /progress says: completion per task and quarter, the units lagging behind, and each
unit's report on one task with its notes and files."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from bot.core.actions import Action, Keyboard, Message
from bot.core.i18n import _, format_date, format_percent, ngettext, quarter_numeral
from bot.services.deadlines import roman_quarter
from bot.services.progress import ProgressReport, ReportNote, TaskReports
from bot.texts.common import short_title
from bot.texts.plan import no_plan_text

TITLE_PREVIEW = 70
LAGGING_SHOWN = 30
# A task's reports in chat: each note cut to this many characters (the exports hold it whole),
# and at most this many buttons for the tasks or the files.
NOTE_SHOWN = 500
TASK_BUTTONS = 48
FILE_BUTTONS = 30


def progress_message(report: ProgressReport, chart_quarter: int) -> Message:
    """The plan's progress, with a button for each task some unit reported on."""
    return Message(render_progress(report, chart_quarter), task_buttons(report))


def render_progress(report: ProgressReport, chart_quarter: int) -> str:
    if report.plan is None:
        return no_plan_text()
    lines = [
        _("<b>Progress of the TĐKT plan {year}</b>").format(year=report.plan.year),
        html.escape(report.plan.title),
        _("Units: {count} · as of {date}").format(
            count=report.units_total, date=format_date(report.today)
        ),
    ]
    for quarter, tasks in sorted(report.quarters.items()):
        lines.append("")
        lines.append(
            _("<b>Q{quarter}</b> (deadline {date})").format(
                quarter=quarter_numeral(quarter),
                date=format_date(max(task.deadline for task in tasks)),
            )
        )
        for task in tasks:
            title = short_title(task.title, TITLE_PREVIEW)
            mark = (
                "✅"
                if task.total and task.done == task.total
                else ("⚠️" if task.deadline < report.today else "⏳")
            )
            notes = f" · 📎 {task.notes}" if task.notes else ""
            lines.append(
                f"{mark} #{task.task_id} {html.escape(title)} — <b>{task.done}/{task.total}</b>"
                + notes
            )
    if chart_quarter in report.clusters:
        lines.append("")
        lines.append(
            _("<b>Completion by cluster</b>, Q{quarter}:").format(
                quarter=quarter_numeral(chart_quarter)
            )
        )
        no_cluster = _("No cluster")
        for cluster in report.clusters[chart_quarter]:
            lines.append(
                f"• {html.escape(cluster.name or no_cluster)}: "
                f"{format_percent(cluster.rate)} ({cluster.done}/{cluster.total})"
            )
    lines.append("")
    if report.lagging:
        lines.append(
            _("<b>Units lagging behind</b> (overdue tasks not done):")
            if report.quarter is None
            else _(
                "<b>Units lagging behind in quarter {quarter}</b> (overdue tasks not done):"
            ).format(quarter=roman_quarter(report.quarter))
        )
        for unit in report.lagging[:LAGGING_SHOWN]:
            lines.append(
                "• "
                + ngettext(
                    "{unit}: {n} overdue task", "{unit}: {n} overdue tasks", unit.overdue
                ).format(unit=html.escape(unit.name), n=unit.overdue)
            )
        hidden = len(report.lagging) - LAGGING_SHOWN
        if hidden > 0:
            lines.append(
                ngettext("… and {n} more unit", "… and {n} more units", hidden).format(n=hidden)
            )
    else:
        lines.append(_("No unit has overdue tasks."))
    if report.quarters:
        lines.append("")
        lines.append(_("Each unit's report on a task, with its notes and files: /progress #CODE"))
    return "\n".join(lines)


def task_buttons(report: ProgressReport) -> Keyboard | None:
    """A button for each task shown that some unit reported on, to see the reports."""
    codes = [
        task.task_id
        for _quarter, tasks in sorted(report.quarters.items())
        for task in tasks
        if task.done or task.notes
    ][:TASK_BUTTONS]
    if not codes:
        return None
    buttons = [Action(f"📋 #{code}", "progress.task", (code,)) for code in codes]
    return [buttons[i : i + 4] for i in range(0, len(buttons), 4)]


def chart_title(quarter: int, year: int) -> str:
    return _("Progress of Q{quarter} {year}").format(quarter=quarter_numeral(quarter), year=year)


def _local_time(note: ReportNote, tz: ZoneInfo) -> str:
    local = note.at.astimezone(tz)
    return f"{format_date(local.date())} {local:%H:%M}"


def _note_line(note: ReportNote, tz: ZoneInfo) -> str:
    head = _("{time}, {author}").format(
        time=_local_time(note, tz), author=html.escape(note.author or _("unknown"))
    )
    parts = []
    if note.has_file:
        parts.append("📄 " + html.escape(note.file_name or _("file without a name")))
    if note.note:
        parts.append(html.escape(short_title(note.note, NOTE_SHOWN)))
    return f"    {head}: " + " — ".join(parts)


def task_reports_message(reports: TaskReports, tz: ZoneInfo) -> Message:
    """Each unit's report on a task, with a button for each file attached."""
    return Message(render_task_reports(reports, tz), file_buttons(reports))


def render_task_reports(reports: TaskReports, tz: ZoneInfo) -> str:
    task = reports.task
    lines = [
        _("<b>Reports on task #{code}</b>").format(code=task.id),
        html.escape(short_title(task.title, 300)),
        _("Deadline: {date} · done by {done} of {total} units").format(
            date=format_date(task.deadline), done=reports.done, total=reports.total
        ),
        "",
    ]
    for unit in reports.units:
        if unit.done_on is not None:
            state = _("done on {date}").format(date=format_date(unit.done_on))
            mark = "✅"
        else:
            state = _("not done")
            mark = "⏳"
        if not unit.concerned:
            state += " " + _("(not among the task's units)")
        lines.append(f"{mark} <b>{html.escape(unit.name)}</b> — {state}")
        lines.extend(_note_line(note, tz) for note in unit.notes)
    if not reports.units:
        lines.append(_("No unit is concerned by this task."))
    return "\n".join(lines)


def file_buttons(reports: TaskReports) -> Keyboard | None:
    """A button for each file the units attached, to receive it."""
    files = [(unit, note) for unit in reports.units for note in unit.notes if note.has_file]
    if not files:
        return None
    return [
        [
            Action(
                f"📄 {short_title(unit.name, 24)}: "
                + short_title(note.file_name or _("file without a name"), 36),
                "progress.file",
                (note.id,),
            )
        ]
        for unit, note in files[:FILE_BUTTONS]
    ]


def file_caption(task_id: int, unit_name: str) -> str:
    return f"📄 #{task_id} · {html.escape(unit_name)}"


def no_task(task_id: int) -> str:
    return _("There is no task #{code}.").format(code=task_id)


def task_code_needed() -> str:
    return _("Please give a task code, for example: /progress #12")


def quarter_needed() -> str:
    return _("Please give a quarter from 1 to 4, for example: /progress 2")
