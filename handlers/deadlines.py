"""/deadline for officers: pick a task with buttons (or type its code), give the new date."""

from __future__ import annotations

import html
from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.i18n import _, format_date
from bot.services.deadlines import parse_local_date
from bot.services.plans import DeadlineChange, change_deadline, current_plan, plan_tasks
from handlers.common import (
    BotContext,
    answer,
    decimal_id,
    officer_required,
    parse_callback,
    set_pending,
)
from handlers.pending import on_cancel, on_pending
from models import Task

PAGE_SIZE = 10
TITLE_SHOWN = 60
PENDING_DEADLINE = "deadline-date"


def short_title(title: str) -> str:
    return title if len(title) <= TITLE_SHOWN else title[: TITLE_SHOWN - 1] + "…"


async def task_picker(
    context: BotContext,
    page: int,
    *,
    question: str,
    label: Callable[[Task], str],
    pick_data: Callable[[int], str],
    page_data: Callable[[int], str],
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The current plan's tasks as buttons, PAGE_SIZE a page (for /deadline and /plan)."""
    ctx = context.app_ctx
    async with ctx.session() as session:
        plan = await current_plan(session, ctx.today())
        tasks = await plan_tasks(session, plan.id) if plan else []
    if not tasks:
        return _("No plan has been imported yet. Import one with: tdkt-bot import-plan FILE"), None
    pages = -(-len(tasks) // PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    rows = [
        [
            InlineKeyboardButton(
                f"#{task.id} · {label(task)} · {short_title(task.title)}",
                callback_data=pick_data(task.id),
            )
        ]
        for task in tasks[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    ]
    navigation = []
    if page > 0:
        navigation.append(InlineKeyboardButton(_("◀️ Previous"), callback_data=page_data(page - 1)))
    if page < pages - 1:
        navigation.append(InlineKeyboardButton(_("Next ▶️"), callback_data=page_data(page + 1)))
    if navigation:
        rows.append(navigation)
    text = question + "\n" + _("Page {page} of {pages}").format(page=page + 1, pages=pages)
    return text, InlineKeyboardMarkup(rows)


async def _task_picker(context: BotContext, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    return await task_picker(
        context,
        page,
        question=_("Which task's deadline do you want to change?"),
        label=lambda task: format_date(task.deadline),
        pick_data=lambda task_id: f"dl:{task_id}",
        page_data=lambda number: f"dlp:{number}",
    )


@officer_required
async def deadline_command(update: Update, context: BotContext) -> None:
    """/deadline shows the plan's tasks as buttons; /deadline CODE dd/mm/yyyy changes at once."""
    args = context.args or []
    if len(args) >= 2:
        code, typed = decimal_id(args[0]), " ".join(args[1:])
        if code is None:
            await answer(update, _("Please write it as: /deadline CODE dd/mm/yyyy"))
            return
        await _apply(update, context, code, typed)
        return
    if args:
        await answer(update, _("Please write it as: /deadline CODE dd/mm/yyyy"))
        return
    text, markup = await _task_picker(context, 0)
    await answer(update, text, reply_markup=markup)


@officer_required
async def picker_page(update: Update, context: BotContext) -> None:
    """The ◀️ / ▶️ buttons of the task picker."""
    query = update.callback_query
    assert query is not None
    values = parse_callback(query, "dlp", 1)
    if values is None or not isinstance(query.message, Message):
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    await query.answer()
    text, markup = await _task_picker(context, values[0])
    try:
        await query.message.edit_text(text, reply_markup=markup)
    except BadRequest as error:  # the same page pressed twice
        if "not modified" not in str(error).lower():
            raise


@officer_required
async def task_chosen(update: Update, context: BotContext) -> None:
    """A task button: ask for the new date (the question is kept in the database)."""
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    values = parse_callback(query, "dl", 1)
    if values is not None:
        async with context.app_ctx.session() as session:
            if await session.get(Task, values[0]) is None:  # forged: no question for nothing
                values = None
    if values is None:
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    await query.answer()
    await set_pending(context, member, {"kind": PENDING_DEADLINE, "id": values[0]})
    await answer(
        update,
        _("Send the new deadline of task #{code} as dd/mm/yyyy, or /cancel.").format(
            code=values[0]
        ),
    )


@on_pending(PENDING_DEADLINE, officers_only=True)
async def date_received(update: Update, context: BotContext) -> None:
    """The typed date for the chosen task."""
    member = context.member
    message = update.effective_message
    assert member is not None and message is not None and member.pending_input is not None
    if await _apply(update, context, int(member.pending_input["id"]), message.text or ""):
        await set_pending(context, member, None)


@on_cancel(PENDING_DEADLINE)
async def cancel(update: Update, context: BotContext) -> None:
    """/cancel while the bot waits for a date."""
    assert context.member is not None
    await set_pending(context, context.member, None)
    await answer(update, _("Cancelled. Nothing was changed."))


async def _apply(update: Update, context: BotContext, task_id: int, typed: str) -> bool:
    """Changes the deadline; False when the date must be typed again."""
    deadline = parse_local_date(typed)
    if deadline is None:
        await answer(
            update, _("Please write the date as dd/mm/yyyy, for example 15/07/2020, or /cancel.")
        )
        return False
    member = context.member
    assert member is not None
    ctx = context.app_ctx
    async with ctx.session() as session:
        result = await change_deadline(session, member, task_id, deadline, now=ctx.now())
    if result.outcome is DeadlineChange.NOT_FOUND:
        await answer(update, _("There is no task #{code}.").format(code=task_id))
        return True
    assert result.task is not None and result.before is not None
    if result.outcome is DeadlineChange.OUT_OF_RANGE:
        assert result.plan_year is not None
        await answer(
            update,
            _(
                "The deadline must fall in {year} or {next_year}. Please send another date, or "
                "/cancel."
            ).format(year=result.plan_year, next_year=result.plan_year + 1),
        )
        return False
    if result.outcome is DeadlineChange.UNCHANGED:
        await answer(
            update,
            _("Task #{code} is already due on {date}.").format(
                code=task_id, date=format_date(deadline)
            ),
        )
        return True
    await answer(
        update,
        _(
            "The deadline of task #{code} “{title}” is now {after} (was {before}). Reminders "
            "follow the new date."
        ).format(
            code=task_id,
            title=html.escape(short_title(result.task.title)),
            after=format_date(deadline),
            before=format_date(result.before),
        ),
    )
    return True


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CallbackQueryHandler(task_chosen, pattern=r"^dl:"))
    application.add_handler(CommandHandler("deadline", deadline_command))
    application.add_handler(CallbackQueryHandler(picker_page, pattern=r"^dlp:"))
