"""/progress for officers: per quarter, how many units completed each task; who is lagging."""

from __future__ import annotations

import asyncio
import html
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.i18n import _, format_date, format_percent, ngettext, quarter_numeral
from bot.services.deadlines import ROMAN_QUARTERS, quarter_of
from bot.services.progress import (
    ProgressReport,
    ReportNote,
    TaskReports,
    plan_progress,
    report_note_file,
    task_reports,
)
from bot.services.tasks import PHOTO_FILE_NAME
from handlers.common import (
    BotContext,
    answer,
    button_args,
    decimal_id,
    officer_required,
    refuse,
    split_message,
)

TITLE_PREVIEW = 70
LAGGING_SHOWN = 30
# A task's reports in chat: each note cut to this many characters (the exports hold it whole),
# and at most this many buttons for the tasks or the files.
NOTE_SHOWN = 500
TASK_BUTTONS = 48
FILE_BUTTONS = 30


def render_progress(report: ProgressReport) -> str:
    if report.plan is None:
        return _("No plan has been imported yet. Import one with: tdkt-bot import-plan FILE")
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
            title = (
                task.title
                if len(task.title) <= TITLE_PREVIEW
                else (task.title[: TITLE_PREVIEW - 1] + "…")
            )
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
    chart_quarter = chart_quarter_of(report)
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
            ).format(quarter=("I", "II", "III", "IV")[report.quarter - 1])
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


def task_buttons(report: ProgressReport) -> InlineKeyboardMarkup | None:
    """A button for each task shown that some unit reported on, to see the reports."""
    codes = [
        task.task_id
        for _quarter, tasks in sorted(report.quarters.items())
        for task in tasks
        if task.done or task.notes
    ][:TASK_BUTTONS]
    if not codes:
        return None
    buttons = [InlineKeyboardButton(f"📋 #{code}", callback_data=f"prt:{code}") for code in codes]
    return InlineKeyboardMarkup([buttons[i : i + 4] for i in range(0, len(buttons), 4)])


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
        text = note.note if len(note.note) <= NOTE_SHOWN else note.note[: NOTE_SHOWN - 1] + "…"
        parts.append(html.escape(text))
    return f"    {head}: " + " — ".join(parts)


def render_task_reports(reports: TaskReports, tz: ZoneInfo) -> str:
    task = reports.task
    title = task.title if len(task.title) <= 300 else task.title[:299] + "…"
    lines = [
        _("<b>Reports on task #{code}</b>").format(code=task.id),
        html.escape(title),
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


def file_buttons(reports: TaskReports) -> InlineKeyboardMarkup | None:
    """A button for each file the units attached, to receive it."""
    files = [(unit, note) for unit in reports.units for note in unit.notes if note.has_file]
    if not files:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"📄 {_shorten(unit.name, 24)}: "
                    + _shorten(note.file_name or _("file without a name"), 36),
                    callback_data=f"prf:{note.id}",
                )
            ]
            for unit, note in files[:FILE_BUTTONS]
        ]
    )


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _show_task_reports(update: Update, context: BotContext, task_id: int) -> None:
    ctx = context.app_ctx
    async with ctx.session() as session:
        reports = await task_reports(session, task_id, ctx.settings.tz)
    if reports is None:
        await refuse(update, _("There is no task #{code}.").format(code=task_id))
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    parts = split_message(render_task_reports(reports, ctx.settings.tz))
    for index, part in enumerate(parts):
        markup = file_buttons(reports) if index == len(parts) - 1 else None
        await answer(update, part, reply_markup=markup)


def chart_quarter_of(report: ProgressReport) -> int:
    """The quarter the chart shows: the only one asked for, else the current one."""
    if len(report.quarters) == 1:
        return next(iter(report.quarters))
    if report.plan is not None and report.plan.year == report.today.year:
        return quarter_of(report.today)
    return max(report.quarters, default=4)


@officer_required
async def show_progress(update: Update, context: BotContext) -> None:
    """/progress [quarter]: completion per task per quarter and the lagging units."""
    quarter = None
    if context.args and context.args[0].startswith("#"):
        task_id = decimal_id(context.args[0])
        if task_id is None:
            await answer(update, _("Please give a task code, for example: /progress #12"))
            return
        await _show_task_reports(update, context, task_id)
        return
    if context.args:
        token = context.args[0].upper()
        quarter = ROMAN_QUARTERS.get(token) or (
            int(token) if token in {"1", "2", "3", "4"} else None
        )
        if quarter is None:
            await answer(update, _("Please give a quarter from 1 to 4, for example: /progress 2"))
            return
    ctx = context.app_ctx
    async with ctx.session() as session:
        report = await plan_progress(session, ctx.today(), quarter, ctx.settings.tz)
    parts = split_message(render_progress(report))
    for index, part in enumerate(parts):
        markup = task_buttons(report) if index == len(parts) - 1 else None
        await answer(update, part, reply_markup=markup)
    quarter_shown = chart_quarter_of(report)
    if report.plan is None or quarter_shown not in report.quarters:
        return
    # Imported here: matplotlib is heavy and only the chart needs it.
    from bot.services.charts import progress_chart_png

    title = _("Progress of Q{quarter} {year}").format(
        quarter=quarter_numeral(quarter_shown), year=report.plan.year
    )
    # matplotlib takes a good part of a second: a worker thread, so other replies go on.
    png = await asyncio.to_thread(
        progress_chart_png,
        title,
        report.clusters.get(quarter_shown, []),
        report.quarters[quarter_shown],
    )
    assert update.effective_chat is not None
    await context.bot.send_photo(
        update.effective_chat.id, InputFile(png, filename="tien-do.png"), caption=title
    )


@officer_required
async def task_reports_button(update: Update, context: BotContext) -> None:
    """The 📋 button of a task under /progress: each unit's report with notes and files."""
    query = update.callback_query
    assert query is not None
    values = await button_args(query, "prt", 1)
    if values is None:
        return
    await _show_task_reports(update, context, values[0])


@officer_required
async def report_file_button(update: Update, context: BotContext) -> None:
    """The 📄 button of a file in a task's reports: the bot sends the file itself."""
    query = update.callback_query
    assert query is not None
    values = await button_args(query, "prf", 1)
    if values is None:
        return
    async with context.app_ctx.session() as session:
        found = await report_note_file(session, values[0])
    if found is None:
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    await query.answer()
    assert update.effective_chat is not None
    caption = f"📄 #{found.task_id} · {html.escape(found.unit_name)}"
    if found.file_name == PHOTO_FILE_NAME:
        await context.bot.send_photo(update.effective_chat.id, found.file_id, caption=caption)
    else:
        await context.bot.send_document(update.effective_chat.id, found.file_id, caption=caption)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("progress", show_progress))
    application.add_handler(CallbackQueryHandler(task_reports_button, pattern=r"^prt:"))
    application.add_handler(CallbackQueryHandler(report_file_button, pattern=r"^prf:"))
