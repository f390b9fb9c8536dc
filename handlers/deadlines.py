"""/deadline for officers: pick a task with buttons (or type its code), give the new date."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.actions import ActionArg
from bot.core.actions import Message as TextMessage
from bot.core.i18n import format_date
from bot.services.deadlines import parse_local_date
from bot.services.plans import DeadlineChange, change_deadline, current_plan, plan_tasks
from bot.texts import deadlines as texts
from bot.texts.deadlines import PickedTask
from bot.texts.plan import no_plan_text
from handlers import callbacks
from handlers.common import (
    BotContext,
    answer,
    decimal_id,
    invalid_button,
    officer_required,
    reply,
    set_pending,
)
from handlers.pending import on_cancel, on_pending
from models import Task

PAGE_SIZE = 10
PENDING_DEADLINE = "deadline-date"


async def task_picker(
    context: BotContext,
    page: int,
    *,
    question: str,
    label: Callable[[Task], str],
    pick: tuple[str, tuple[ActionArg, ...]],
    turn: tuple[str, tuple[ActionArg, ...]],
) -> TextMessage:
    """The current plan's tasks as buttons, PAGE_SIZE a page (for /deadline and /plan)."""
    ctx = context.app_ctx
    async with ctx.session() as session:
        plan = await current_plan(session, ctx.today())
        tasks = await plan_tasks(session, plan.id) if plan else []
    if not tasks:
        return TextMessage(no_plan_text())
    pages = -(-len(tasks) // PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    shown = [
        PickedTask(task.id, label(task), task.title)
        for task in tasks[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    ]
    return texts.task_picker(question, shown, page=page, pages=pages, pick=pick, turn=turn)


async def _task_picker(context: BotContext, page: int) -> TextMessage:
    return await task_picker(
        context,
        page,
        question=texts.which_task(),
        label=lambda task: format_date(task.deadline),
        pick=("deadline.pick", ()),
        turn=("deadline.page", ()),
    )


@officer_required
async def deadline_command(update: Update, context: BotContext) -> None:
    """/deadline shows the plan's tasks as buttons; /deadline CODE dd/mm/yyyy changes at once."""
    args = context.args or []
    if len(args) >= 2:
        code, typed = decimal_id(args[0]), " ".join(args[1:])
        if code is None:
            await answer(update, texts.usage())
            return
        await _apply(update, context, code, typed)
        return
    if args:
        await answer(update, texts.usage())
        return
    await reply(update, await _task_picker(context, 0))


async def edit_page(message: object, page: TextMessage) -> None:
    """Show another page of a picker in place (the same page pressed twice changes nothing)."""
    assert isinstance(message, Message)
    try:
        await message.edit_text(page.text, reply_markup=callbacks.markup(page.keyboard))
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


@officer_required
async def picker_page(update: Update, context: BotContext) -> None:
    """The ◀️ / ▶️ buttons of the task picker."""
    query = update.callback_query
    assert query is not None
    press = await callbacks.parse_press(query, "deadline.page")
    if press is None:
        return
    if not isinstance(query.message, Message):
        await invalid_button(query)
        return
    await query.answer()
    await edit_page(query.message, await _task_picker(context, press[1][0]))


@officer_required
async def task_chosen(update: Update, context: BotContext) -> None:
    """A task button: ask for the new date (the question is kept in the database)."""
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    press = await callbacks.parse_press(query, "deadline.pick")
    if press is None:
        return
    task_id = press[1][0]
    async with context.app_ctx.session() as session:
        found = await session.get(Task, task_id) is not None
    if not found:  # forged: no question for nothing
        await invalid_button(query)
        return
    await query.answer()
    await set_pending(context, member, {"kind": PENDING_DEADLINE, "id": task_id})
    await answer(update, texts.ask_date(task_id))


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
    await answer(update, texts.cancelled())


async def _apply(update: Update, context: BotContext, task_id: int, typed: str) -> bool:
    """Changes the deadline; False when the date must be typed again."""
    deadline = parse_local_date(typed)
    if deadline is None:
        await answer(update, texts.bad_date())
        return False
    member = context.member
    assert member is not None
    ctx = context.app_ctx
    async with ctx.session() as session:
        result = await change_deadline(session, member, task_id, deadline, now=ctx.now())
    if result.outcome is DeadlineChange.NOT_FOUND:
        await answer(update, texts.no_task(task_id))
        return True
    assert result.task is not None and result.before is not None
    if result.outcome is DeadlineChange.OUT_OF_RANGE:
        assert result.plan_year is not None
        await answer(update, texts.out_of_range(result.plan_year))
        return False
    if result.outcome is DeadlineChange.UNCHANGED:
        await answer(update, texts.unchanged(task_id, deadline))
        return True
    await answer(update, texts.changed(task_id, result.task.title, deadline, result.before))
    return True


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(
        CallbackQueryHandler(task_chosen, pattern=callbacks.pattern("deadline.pick"))
    )
    application.add_handler(CommandHandler("deadline", deadline_command))
    application.add_handler(
        CallbackQueryHandler(picker_page, pattern=callbacks.pattern("deadline.page"))
    )
