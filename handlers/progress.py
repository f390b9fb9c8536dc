"""/progress for officers: per quarter, how many units completed each task; who is lagging."""

from __future__ import annotations

import asyncio

from telegram import InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.actions import Message as TextMessage
from bot.services.deadlines import ROMAN_QUARTERS, quarter_of
from bot.services.progress import ProgressReport, plan_progress, report_note_file, task_reports
from bot.services.tasks import PHOTO_FILE_NAME
from bot.texts import progress as texts
from handlers import callbacks
from handlers.common import (
    BotContext,
    answer,
    decimal_id,
    invalid_button,
    officer_required,
    refuse,
    split_message,
)


def chart_quarter_of(report: ProgressReport) -> int:
    """The quarter the chart shows: the only one asked for, else the current one."""
    if len(report.quarters) == 1:
        return next(iter(report.quarters))
    if report.plan is not None and report.plan.year == report.today.year:
        return quarter_of(report.today)
    return max(report.quarters, default=4)


async def _send_split(update: Update, message: TextMessage) -> None:
    """A long text in as many messages as it takes, the buttons under the last."""
    parts = split_message(message.text)
    for index, part in enumerate(parts):
        keyboard = message.keyboard if index == len(parts) - 1 else None
        await answer(update, part, reply_markup=callbacks.markup(keyboard))


async def _show_task_reports(update: Update, context: BotContext, task_id: int) -> None:
    ctx = context.app_ctx
    async with ctx.session() as session:
        reports = await task_reports(session, task_id, ctx.settings.tz)
    if reports is None:
        await refuse(update, texts.no_task(task_id))
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    await _send_split(update, texts.task_reports_message(reports, ctx.settings.tz))


@officer_required
async def show_progress(update: Update, context: BotContext) -> None:
    """/progress [quarter]: completion per task per quarter and the lagging units."""
    quarter = None
    if context.args and context.args[0].startswith("#"):
        task_id = decimal_id(context.args[0])
        if task_id is None:
            await answer(update, texts.task_code_needed())
            return
        await _show_task_reports(update, context, task_id)
        return
    if context.args:
        token = context.args[0].upper()
        quarter = ROMAN_QUARTERS.get(token) or (
            int(token) if token in {"1", "2", "3", "4"} else None
        )
        if quarter is None:
            await answer(update, texts.quarter_needed())
            return
    ctx = context.app_ctx
    async with ctx.session() as session:
        report = await plan_progress(session, ctx.today(), quarter, ctx.settings.tz)
    quarter_shown = chart_quarter_of(report)
    await _send_split(update, texts.progress_message(report, quarter_shown))
    if report.plan is None or quarter_shown not in report.quarters:
        return
    # Imported here: matplotlib is heavy and only the chart needs it.
    from bot.services.charts import progress_chart_png

    title = texts.chart_title(quarter_shown, report.plan.year)
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
    press = await callbacks.parse_press(query, "progress.task")
    if press is None:
        return
    await _show_task_reports(update, context, press[1][0])


@officer_required
async def report_file_button(update: Update, context: BotContext) -> None:
    """The 📄 button of a file in a task's reports: the bot sends the file itself."""
    query = update.callback_query
    assert query is not None
    press = await callbacks.parse_press(query, "progress.file")
    if press is None:
        return
    async with context.app_ctx.session() as session:
        found = await report_note_file(session, press[1][0])
    if found is None:
        await invalid_button(query)
        return
    await query.answer()
    assert update.effective_chat is not None
    caption = texts.file_caption(found.task_id, found.unit_name)
    if found.file_name == PHOTO_FILE_NAME:
        await context.bot.send_photo(update.effective_chat.id, found.file_id, caption=caption)
    else:
        await context.bot.send_document(update.effective_chat.id, found.file_id, caption=caption)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("progress", show_progress))
    application.add_handler(
        CallbackQueryHandler(task_reports_button, pattern=callbacks.pattern("progress.task"))
    )
    application.add_handler(
        CallbackQueryHandler(report_file_button, pattern=callbacks.pattern("progress.file"))
    )
