"""/progress for officers: per quarter, how many units completed each task; who is lagging."""

from __future__ import annotations

import html

from telegram import InputFile, Update
from telegram.ext import Application, CommandHandler

from bot.i18n import _, format_date, ngettext, quarter_numeral
from bot.services.deadlines import ROMAN_QUARTERS, quarter_of
from bot.services.progress import ProgressReport, plan_progress
from handlers.common import BotContext, answer, officer_required, split_message

TITLE_PREVIEW = 70
LAGGING_SHOWN = 30


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
            lines.append(
                f"{mark} #{task.task_id} {html.escape(title)} — <b>{task.done}/{task.total}</b>"
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
                f"{round(100 * cluster.rate)}% ({cluster.done}/{cluster.total})"
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
    return "\n".join(lines)


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
    for part in split_message(render_progress(report)):
        await answer(update, part)
    quarter_shown = chart_quarter_of(report)
    if report.plan is None or quarter_shown not in report.quarters:
        return
    # Imported here: matplotlib is heavy and only the chart needs it.
    from bot.services.charts import progress_chart_png

    title = _("Progress of Q{quarter} {year}").format(
        quarter=quarter_numeral(quarter_shown), year=report.plan.year
    )
    png = progress_chart_png(
        title, report.clusters.get(quarter_shown, []), report.quarters[quarter_shown]
    )
    assert update.effective_chat is not None
    await context.bot.send_photo(
        update.effective_chat.id, InputFile(png, filename="tien-do.png"), caption=title
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("progress", show_progress))
