"""/plan's "Close the YYYY plan" buttons: a summary of what stays unfinished, a confirmation,
then that year's open tasks stop being overdue (tdkt-bot plan close YEAR does the same)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler

from bot.core.i18n import _, format_date
from bot.services.plan_closure import (
    CloseOutcome,
    closable_years,
    close_year,
    summary_lines,
    year_summary,
)
from handlers.common import BotContext, answer, button_args, officer_required

# Button data plc:YEAR:ACTION: ASK shows the summary and asks, CLOSE closes, KEEP keeps it open.
ASK, CLOSE, KEEP = 0, 1, 2
UNITS_SHOWN = 30
FIRST_YEAR, LAST_YEAR = 2000, 2999


def close_buttons(years: list[int]) -> list[list[InlineKeyboardButton]]:
    """One row per past year whose plan is still open, for /plan's menu."""
    return [
        [
            InlineKeyboardButton(
                _("🔒 Close the {year} plan").format(year=year), callback_data=f"plc:{year}:{ASK}"
            )
        ]
        for year in years
    ]


async def open_past_years(context: BotContext) -> list[int]:
    ctx = context.app_ctx
    async with ctx.session() as session:
        return await closable_years(session, ctx.today())


@officer_required
async def plan_close_button(update: Update, context: BotContext) -> None:
    """plc:YEAR:ACTION, checked: a year in range and a known action, else "no longer valid"."""
    query = update.callback_query
    assert query is not None
    values = await button_args(query, "plc", 2)
    if values is None:
        return
    year, action = values
    if not FIRST_YEAR <= year <= LAST_YEAR or action not in (ASK, CLOSE, KEEP):
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    step = {ASK: ask_close, CLOSE: confirm_close, KEEP: keep_open}[action]
    await step(update, context, year)


async def _drop_buttons(message: object) -> None:
    if isinstance(message, Message):
        try:
            await message.edit_reply_markup(None)
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                raise


def _already_closed(year: int, closed_on: str) -> str:
    return _("The {year} plan was already closed on {date}.").format(year=year, date=closed_on)


async def ask_close(update: Update, context: BotContext, year: int) -> None:
    """The summary of what stays unfinished, with Close / Keep open buttons."""
    query = update.callback_query
    assert query is not None
    ctx = context.app_ctx
    async with ctx.session() as session:
        summary = await year_summary(session, year)
    if summary is None:
        await query.answer(_("There is no plan for {year}.").format(year=year), show_alert=True)
        return
    await query.answer()
    if summary.closed_at is not None:
        closed_on = format_date(summary.closed_at.astimezone(ctx.settings.tz).date())
        await answer(update, _already_closed(year, closed_on))
        return
    if year >= ctx.today().year:
        await answer(
            update, _("The {year} plan can be closed once the year is over.").format(year=year)
        )
        return
    text = "\n".join(
        [
            _("<b>Close the {year} plan?</b>").format(year=year),
            _(
                "Its unfinished tasks will no longer count as overdue: they leave /tasks, the "
                "reminders and the weekly summary. The reports stay stored."
            ),
            "",
            *summary_lines(summary, markup=True, limit=UNITS_SHOWN),
        ]
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("🔒 Close the {year} plan").format(year=year),
                    callback_data=f"plc:{year}:{CLOSE}",
                ),
                InlineKeyboardButton(_("✖️ Keep it open"), callback_data=f"plc:{year}:{KEEP}"),
            ]
        ]
    )
    await answer(update, text, reply_markup=markup)


async def confirm_close(update: Update, context: BotContext, year: int) -> None:
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    ctx = context.app_ctx
    async with ctx.session() as session:
        result = await close_year(session, year, today=ctx.today(), now=ctx.now(), member=member)
    if result.outcome is CloseOutcome.NO_PLAN:
        await query.answer(_("There is no plan for {year}.").format(year=year), show_alert=True)
        return
    await query.answer()
    await _drop_buttons(query.message)
    summary = result.summary
    assert summary is not None and (
        summary.closed_at is not None or result.outcome is CloseOutcome.NOT_OVER
    )
    if result.outcome is CloseOutcome.NOT_OVER:
        text = _("The {year} plan can be closed once the year is over.").format(year=year)
    elif result.outcome is CloseOutcome.ALREADY_CLOSED:
        assert summary.closed_at is not None
        text = _already_closed(
            year, format_date(summary.closed_at.astimezone(ctx.settings.tz).date())
        )
    else:
        text = "\n".join(
            [
                _(
                    "🔒 The {year} plan is closed: its unfinished tasks no longer count as "
                    "overdue."
                ).format(year=year),
                "",
                *summary_lines(summary, markup=True, limit=UNITS_SHOWN),
            ]
        )
    await answer(update, text)


async def keep_open(update: Update, context: BotContext, year: int) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await _drop_buttons(query.message)
    await answer(update, _("The {year} plan stays open. Nothing was changed.").format(year=year))


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CallbackQueryHandler(plan_close_button, pattern=r"^plc:"))
