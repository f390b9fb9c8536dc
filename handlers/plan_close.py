"""/plan's "Close the YYYY plan" buttons: a summary of what stays unfinished, a confirmation,
then that year's open tasks stop being overdue (tdkt-bot plan close YEAR does the same)."""

from __future__ import annotations

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler

from bot.services.plan_closure import (
    CloseOutcome,
    closable_years,
    close_year,
    year_summary,
)
from bot.texts import plan as texts
from bot.texts.plan import CLOSE_ASK, CLOSE_CONFIRM, CLOSE_KEEP, summary_lines
from handlers import callbacks
from handlers.common import BotContext, answer, officer_required, reply

UNITS_SHOWN = 30


async def open_past_years(context: BotContext) -> list[int]:
    ctx = context.app_ctx
    async with ctx.session() as session:
        return await closable_years(session, ctx.today())


@officer_required
async def plan_close_button(update: Update, context: BotContext) -> None:
    """plan.close (YEAR, STEP), checked by the button table: a year in range, a known step."""
    query = update.callback_query
    assert query is not None
    press = await callbacks.parse_press(query, "plan.close")
    if press is None:
        return
    year, action = press[1]
    step = {CLOSE_ASK: ask_close, CLOSE_CONFIRM: confirm_close, CLOSE_KEEP: keep_open}[action]
    await step(update, context, year)


async def _drop_buttons(message: object) -> None:
    if isinstance(message, Message):
        try:
            await message.edit_reply_markup(None)
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                raise


async def ask_close(update: Update, context: BotContext, year: int) -> None:
    """The summary of what stays unfinished, with Close / Keep open buttons."""
    query = update.callback_query
    assert query is not None
    ctx = context.app_ctx
    async with ctx.session() as session:
        summary = await year_summary(session, year)
    if summary is None:
        await query.answer(texts.no_plan_for(year), show_alert=True)
        return
    await query.answer()
    if summary.closed_at is not None:
        closed_on = summary.closed_at.astimezone(ctx.settings.tz).date()
        await answer(update, texts.already_closed(year, closed_on))
        return
    if year >= ctx.today().year:
        await answer(update, texts.not_over(year))
        return
    lines = summary_lines(summary, markup=True, limit=UNITS_SHOWN)
    await reply(update, texts.close_question(year, lines))


async def confirm_close(update: Update, context: BotContext, year: int) -> None:
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    ctx = context.app_ctx
    async with ctx.session() as session:
        result = await close_year(session, year, today=ctx.today(), now=ctx.now(), member=member)
    if result.outcome is CloseOutcome.NO_PLAN:
        await query.answer(texts.no_plan_for(year), show_alert=True)
        return
    await query.answer()
    await _drop_buttons(query.message)
    summary = result.summary
    assert summary is not None and (
        summary.closed_at is not None or result.outcome is CloseOutcome.NOT_OVER
    )
    if result.outcome is CloseOutcome.NOT_OVER:
        text = texts.not_over(year)
    elif result.outcome is CloseOutcome.ALREADY_CLOSED:
        assert summary.closed_at is not None
        text = texts.already_closed(year, summary.closed_at.astimezone(ctx.settings.tz).date())
    else:
        text = texts.closed(year, summary_lines(summary, markup=True, limit=UNITS_SHOWN))
    await answer(update, text)


async def keep_open(update: Update, context: BotContext, year: int) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await _drop_buttons(query.message)
    await answer(update, texts.stays_open(year))


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(
        CallbackQueryHandler(plan_close_button, pattern=callbacks.pattern("plan.close"))
    )
