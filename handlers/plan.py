"""/plan for officers: import a plan document sent in the chat (with a preview) and edit the
current plan's tasks: add, rename, narrow to some units or clusters."""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from pathlib import Path

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.actions import Message as TextMessage
from bot.services import plans as service
from bot.services.deadlines import ROMAN_QUARTERS, roman_quarter
from bot.services.plan_audience import ProposedAudience, load_directory, propose_audiences
from bot.services.plan_parser import ParsedPlan, PlanParseError, parse_plan_bytes
from bot.services.plans import TaskEdit, TaskEditResult
from bot.texts import plan as texts
from bot.texts.plan import plan_error_text
from handlers import callbacks, plan_close
from handlers.common import (
    BotContext,
    answer,
    decimal_id,
    invalid_button,
    officer_required,
    reply,
    set_pending,
)
from handlers.deadlines import edit_page, task_picker
from handlers.pending import on_cancel, on_pending
from models import Task

PENDING_UPLOAD = "plan-upload"
# Typed answers to the buttons' questions: a new task's title, a new title, the units.
PENDING_ADD, PENDING_RENAME, PENDING_NARROW = "plan-add", "plan-rename", "plan-narrow"
MAX_PLAN_BYTES = 5 * 1024 * 1024
# Sent as documents: the formats read, and those refused with a word on what to send instead.
PLAN_SUFFIXES = (".txt", ".docx", ".pdf", ".doc", ".odt", ".rtf")
# Previewed plans by the SHA-256 of their file, so that confirming does not parse them again.
PREVIEWS_KEY = "plan-previews"
PREVIEWS_KEPT = 16
# Buttons (handlers/callbacks.py): plan.menu (add, rename, narrow, all units), then
# plan.quarter for a new task or the task picker plan.pick with its pages plan.page;
# plan.import / plan.import_proposed / plan.cancel_import under a preview.
IMPORT_BUTTONS = ("plan.import", "plan.import_proposed", "plan.cancel_import")
EDIT_BUTTONS = ("plan.menu", "plan.quarter", "plan.pick", "plan.page")


async def _proposals(context: BotContext, parsed: ParsedPlan) -> dict[int, ProposedAudience]:
    async with context.app_ctx.session() as session:
        directory = await load_directory(session)
    return propose_audiences(parsed, directory)


@officer_required
async def plan(update: Update, context: BotContext) -> None:
    """/plan [add|rename|narrow|all ...]: import or edit the plan."""
    member = context.member
    assert member is not None
    args = context.args or []
    if not args:
        await set_pending(context, member, {"kind": PENDING_UPLOAD})
        closable = await plan_close.open_past_years(context)
        await reply(update, texts.plan_menu(closable))
        return
    ctx = context.app_ctx
    action = args[0].lower()
    task_id = decimal_id(args[1]) if len(args) >= 2 else None
    quarter, targets = None, []
    if action == "add" and len(args) >= 3:
        quarter = ROMAN_QUARTERS.get(args[1].upper()) or (
            int(args[1]) if args[1] in {"1", "2", "3", "4"} else None
        )
        if quarter is None:
            await answer(update, texts.quarter_needed())
            return
    elif action == "rename" and len(args) >= 3 and task_id is not None:
        pass
    elif action in ("narrow", "all") and task_id is not None:
        targets = " ".join(args[2:]).replace(";", ",").split(",") if action == "narrow" else []
        if action == "narrow" and not any(t.strip() for t in targets):
            await answer(update, texts.plan_usage())
            return
    else:
        await answer(update, texts.plan_usage())
        return
    async with ctx.session() as session:
        if quarter is not None:
            result = await service.add_task(
                session, member, quarter, " ".join(args[2:]), today=ctx.today(), now=ctx.now()
            )
        elif action == "rename":
            assert task_id is not None
            result = await service.rename_task(
                session, member, task_id, " ".join(args[2:]), now=ctx.now()
            )
        else:
            assert task_id is not None
            result = await service.set_task_audience(
                session, member, task_id, targets, now=ctx.now()
            )
    await report_edit(update, result, args[1])


async def report_edit(update: Update, result: TaskEditResult, code: str) -> bool:
    """Tells the officer how an edit went; False when the answer must be typed again."""
    if result.outcome is not TaskEdit.DONE:
        await answer(update, texts.edit_refused(result.outcome, code, result.unknown))
        return result.outcome in (TaskEdit.NO_PLAN, TaskEdit.NOT_FOUND)
    task = result.task
    assert task is not None
    await answer(update, texts.edit_saved(task.id, task.title, task.quarter, task.deadline))
    return True


def _previews(context: BotContext) -> OrderedDict[str, ParsedPlan]:
    previews = context.application.bot_data.setdefault(PREVIEWS_KEY, OrderedDict())
    return previews  # type: ignore[no-any-return]


async def _download(context: BotContext, file_id: str) -> bytes:
    telegram_file = await context.bot.get_file(file_id)
    return bytes(await telegram_file.download_as_bytearray())


async def _parse(content: bytes, name: str) -> ParsedPlan:
    """Parses in a worker thread: a large document must not stall every other chat."""
    return await asyncio.to_thread(parse_plan_bytes, content, Path(name).name or "plan.txt")


@on_pending(PENDING_UPLOAD, officers_only=True)
async def document_received(update: Update, context: BotContext) -> None:
    """The plan document: parse it (once) and show what would be imported."""
    member = context.member
    message = update.effective_message
    assert member is not None and message is not None
    document = message.document
    if document is None:
        await answer(update, texts.send_document())
        return
    name = document.file_name or ""
    if (
        Path(name).suffix.lower() not in PLAN_SUFFIXES
        or (document.file_size or 0) > MAX_PLAN_BYTES
    ):
        await answer(update, texts.document_refused())
        return
    try:
        content = await _download(context, document.file_id)
    except TelegramError:
        await answer(update, texts.download_failed())
        return
    try:
        parsed = await _parse(content, name)
    except PlanParseError as error:
        # In the chat there is no --year to give: say where the year goes instead.
        reason = "year-chat" if error.reason == "year" else error.reason
        await answer(update, plan_error_text(reason, Path(name).name))
        return
    digest = hashlib.sha256(content).hexdigest()
    previews = _previews(context)
    previews[digest] = parsed
    previews.move_to_end(digest)
    while len(previews) > PREVIEWS_KEPT:
        previews.popitem(last=False)
    await set_pending(
        context,
        member,
        {"kind": "plan-confirm", "file_id": document.file_id, "name": name, "sha256": digest},
    )
    proposals = await _proposals(context, parsed)
    await reply(update, texts.preview_message(parsed, proposals))


async def _confirmed_plan(context: BotContext, pending: dict[str, object]) -> ParsedPlan | None:
    """The previewed plan: kept from the preview, or (after a restart) read again."""
    parsed = _previews(context).pop(str(pending.get("sha256")), None)
    if parsed is not None:
        return parsed
    try:
        content = await _download(context, str(pending["file_id"]))
        return await _parse(content, str(pending["name"]))
    except (PlanParseError, TelegramError):
        return None


@on_cancel(PENDING_UPLOAD)
@on_cancel("plan-confirm")
@on_cancel(PENDING_ADD)
@on_cancel(PENDING_RENAME)
@on_cancel(PENDING_NARROW)
async def cancel(update: Update, context: BotContext) -> None:
    assert context.member is not None
    await set_pending(context, context.member, None)
    await answer(update, texts.cancelled())


@officer_required
async def plan_button(update: Update, context: BotContext) -> None:
    """Import or cancel the previewed plan; the edit buttons."""
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    press = await callbacks.parse_press(query, *IMPORT_BUTTONS, *EDIT_BUTTONS)
    if press is None:
        return
    name, _values = press
    if name in EDIT_BUTTONS:
        await edit_button(update, context, name, press[1])
        return
    pending = member.pending_input or {}
    if pending.get("kind") != "plan-confirm":
        await invalid_button(query)
        return
    await query.answer()
    await set_pending(context, member, None)
    if name == "plan.cancel_import":
        await answer(update, texts.cancelled())
        return
    parsed = await _confirmed_plan(context, pending)
    if parsed is None:
        await answer(update, texts.download_failed())
        return
    # The proposals are read again against the directory as it is now, as the preview did.
    audiences = await _proposals(context, parsed) if name == "plan.import_proposed" else None
    ctx = context.app_ctx
    async with ctx.session() as session:
        result = await service.import_plan(
            session, parsed, now=ctx.now(), member=member, audiences=audiences
        )
    await answer(update, texts.stored_text(result))


async def _task_picker(context: BotContext, action: str, page: int) -> TextMessage:
    """The plan's tasks as buttons plan.pick (ACTION, ID), PAGE_SIZE a page."""
    return await task_picker(
        context,
        page,
        question=texts.picker_question(action),
        label=lambda task: roman_quarter(task.quarter),
        pick=("plan.pick", (action,)),
        turn=("plan.page", (action,)),
    )


async def edit_button(
    update: Update, context: BotContext, name: str, values: tuple[object, ...]
) -> None:
    """The edit buttons of /plan: choose what to do, the quarter or the task."""
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    if name == "plan.pick":
        async with context.app_ctx.session() as session:
            found = await session.get(Task, values[1]) is not None
        if not found:  # forged: no question for nothing
            await invalid_button(query)
            return
    if not isinstance(query.message, Message):
        await invalid_button(query)
        return
    await query.answer()
    if name == "plan.menu" and values == ("a",):
        await set_pending(context, member, None)
        await reply(update, texts.which_quarter())
    elif name == "plan.menu":
        await set_pending(context, member, None)
        await reply(update, await _task_picker(context, str(values[0]), 0))
    elif name == "plan.page":
        action, page = values
        await edit_page(query.message, await _task_picker(context, str(action), int(str(page))))
    elif name == "plan.quarter":
        quarter = int(str(values[0]))
        await set_pending(context, member, {"kind": PENDING_ADD, "quarter": quarter})
        await answer(update, texts.ask_title(quarter))
    else:
        action, task_id = str(values[0]), int(str(values[1]))
        if action == "r":
            await set_pending(context, member, {"kind": PENDING_RENAME, "id": task_id})
            await answer(update, texts.ask_new_title(task_id))
        elif action == "n":
            await set_pending(context, member, {"kind": PENDING_NARROW, "id": task_id})
            await answer(update, texts.ask_units(task_id))
        else:
            await set_pending(context, member, None)
            ctx = context.app_ctx
            async with ctx.session() as session:
                result = await service.set_task_audience(
                    session, member, task_id, [], now=ctx.now()
                )
            await report_edit(update, result, str(task_id))


@on_pending(PENDING_ADD, officers_only=True)
@on_pending(PENDING_RENAME, officers_only=True)
@on_pending(PENDING_NARROW, officers_only=True)
async def edit_answer_received(update: Update, context: BotContext) -> None:
    """The typed title or units for the edit chosen with buttons."""
    member = context.member
    message = update.effective_message
    assert member is not None and message is not None and member.pending_input is not None
    pending = member.pending_input
    typed = (message.text or "").strip()
    targets = typed.replace(";", ",").split(",")
    if pending["kind"] == PENDING_NARROW and not any(t.strip() for t in targets):
        await answer(update, texts.units_needed())
        return
    ctx = context.app_ctx
    async with ctx.session() as session:
        if pending["kind"] == PENDING_ADD:
            result = await service.add_task(
                session, member, int(pending["quarter"]), typed, today=ctx.today(), now=ctx.now()
            )
        elif pending["kind"] == PENDING_RENAME:
            result = await service.rename_task(
                session, member, int(pending["id"]), typed, now=ctx.now()
            )
        else:
            result = await service.set_task_audience(
                session, member, int(pending["id"]), targets, now=ctx.now()
            )
    if await report_edit(update, result, str(pending.get("id", ""))):
        await set_pending(context, member, None)
    else:
        await answer(update, texts.send_again())


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("plan", plan))
    application.add_handler(
        CallbackQueryHandler(plan_button, pattern=callbacks.family_pattern("pl"))
    )
    plan_close.register(application)
