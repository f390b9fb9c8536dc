"""/plan for officers: import a plan document sent in the chat (with a preview) and edit the
current plan's tasks: add, rename, narrow to some units or clusters."""

from __future__ import annotations

import asyncio
import hashlib
import html
from collections import OrderedDict
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.i18n import _, format_date, quarter_numeral
from bot.services import plans as service
from bot.services.deadlines import ROMAN_QUARTERS
from bot.services.plan_audience import ProposedAudience, load_directory, propose_audiences
from bot.services.plan_parser import ParsedPlan, PlanParseError, parse_plan_bytes
from bot.services.plans import TaskEdit, TaskEditResult
from bot.texts.plan import plan_error_text, preview_lines, proposals_note, stored_text
from handlers import plan_close
from handlers.common import (
    BotContext,
    answer,
    callback_parts,
    decimal_id,
    officer_required,
    set_pending,
)
from handlers.deadlines import task_picker
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
QUARTERS = ("I", "II", "III", "IV")
# Button data: pl:a (add) then pl:q:QUARTER; pl:r / pl:n / pl:u (rename, narrow, all units)
# then the task picker pl:t:ACTION:ID with its pages pl:p:ACTION:PAGE; pl:ok / pl:x (import),
# pl:ok:p (import, and give the tasks that name units the units they name).
PICKER_ACTIONS = ("r", "n", "u")
IMPORT_BUTTONS = (["ok"], ["ok", "p"], ["x"])


def edit_menu(closable: list[int] | None = None) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("➕ Add a task"), callback_data="pl:a")],
            [InlineKeyboardButton(_("✏️ Rename a task"), callback_data="pl:r")],
            [InlineKeyboardButton(_("🎯 Narrow a task"), callback_data="pl:n")],
            [InlineKeyboardButton(_("🌐 Back to all units"), callback_data="pl:u")],
            # Past years whose plan is still open: "Close the YYYY plan" (handlers/plan_close).
            *plan_close.close_buttons(closable or []),
        ]
    )


def plan_usage() -> str:
    return _(
        "Send the plan document (.txt, .docx or text .pdf) now to import it, or /cancel.\n"
        "Edit the current plan:\n/plan add QUARTER Title — a new task\n"
        "/plan rename CODE New title\n/plan narrow CODE unit codes or cluster names, "
        "separated by commas\n/plan all CODE — the task concerns every unit again\n"
        "/deadline — change a deadline"
    )


def preview_text(parsed: ParsedPlan, proposals: dict[int, ProposedAudience] | None = None) -> str:
    """The plan as understood, with the audiences proposed, within one Telegram message."""
    lines = preview_lines(parsed, markup=True, title_width=110, budget=3400, proposals=proposals)
    note = proposals_note(proposals or {}, command_line=False)
    return "\n".join([*lines, note] if note else lines)


def import_buttons(proposals: dict[int, ProposedAudience]) -> InlineKeyboardMarkup:
    """Import (as proposed, or for every unit) or cancel."""
    cancel = InlineKeyboardButton(_("✖️ Cancel"), callback_data="pl:x")
    if not proposals:
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(_("✅ Import"), callback_data="pl:ok"), cancel]]
        )
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("✅ Import and assign as proposed"), callback_data="pl:ok:p")],
            [InlineKeyboardButton(_("✅ Import, assign to every unit"), callback_data="pl:ok")],
            [cancel],
        ]
    )


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
        await answer(update, plan_usage(), reply_markup=edit_menu(closable))
        return
    ctx = context.app_ctx
    action = args[0].lower()
    task_id = decimal_id(args[1]) if len(args) >= 2 else None
    async with ctx.session() as session:
        if action == "add" and len(args) >= 3:
            quarter = ROMAN_QUARTERS.get(args[1].upper()) or (
                int(args[1]) if args[1] in {"1", "2", "3", "4"} else None
            )
            if quarter is None:
                await answer(
                    update, _("Please give a quarter from 1 to 4, for example: /plan add 2 Title")
                )
                return
            result = await service.add_task(
                session, member, quarter, " ".join(args[2:]), today=ctx.today(), now=ctx.now()
            )
        elif action == "rename" and len(args) >= 3 and task_id is not None:
            result = await service.rename_task(
                session, member, task_id, " ".join(args[2:]), now=ctx.now()
            )
        elif action in ("narrow", "all") and task_id is not None:
            targets = " ".join(args[2:]).replace(";", ",").split(",") if action == "narrow" else []
            if action == "narrow" and not any(t.strip() for t in targets):
                await answer(update, plan_usage())
                return
            result = await service.set_task_audience(
                session, member, task_id, targets, now=ctx.now()
            )
        else:
            await answer(update, plan_usage())
            return
    await report_edit(update, result, args[1])


async def report_edit(update: Update, result: TaskEditResult, code: str) -> bool:
    """Tells the officer how an edit went; False when the answer must be typed again."""
    texts = {
        TaskEdit.NO_PLAN: _(
            "No plan has been imported yet. Import one with: tdkt-bot import-plan FILE"
        ),
        TaskEdit.NOT_FOUND: _("There is no task #{code}.").format(code=html.escape(code)),
        TaskEdit.BAD_TITLE: _("Please give a title (at most 2000 characters)."),
        TaskEdit.DUPLICATE: _("This quarter already has a task with that title."),
        TaskEdit.UNKNOWN_TARGETS: _("Unknown unit codes or clusters: {names}").format(
            names=html.escape(", ".join(result.unknown or []))
        ),
    }
    if result.outcome is not TaskEdit.DONE:
        await answer(update, texts[result.outcome])
        return result.outcome in (TaskEdit.NO_PLAN, TaskEdit.NOT_FOUND)
    assert result.task is not None
    await answer(
        update,
        _("Saved: task #{code} “{title}”, Q{quarter}, deadline {date}.").format(
            code=result.task.id,
            title=html.escape(result.task.title),
            quarter=quarter_numeral(result.task.quarter),
            date=format_date(result.task.deadline),
        ),
    )
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
        await answer(
            update, _("Please send the plan as a .txt, .docx or .pdf document, or /cancel.")
        )
        return
    name = document.file_name or ""
    if (
        Path(name).suffix.lower() not in PLAN_SUFFIXES
        or (document.file_size or 0) > MAX_PLAN_BYTES
    ):
        await answer(
            update,
            _(
                "Please send the plan as a .txt, .docx or .pdf document of at most 5 MB, "
                "or /cancel."
            ),
        )
        return
    try:
        content = await _download(context, document.file_id)
    except TelegramError:
        await answer(update, _("The file could not be downloaded; please send it again."))
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
    await answer(update, preview_text(parsed, proposals), reply_markup=import_buttons(proposals))


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
    await answer(update, _("Cancelled. Nothing was changed."))


@officer_required
async def plan_button(update: Update, context: BotContext) -> None:
    """Import or cancel the previewed plan; the edit buttons."""
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    button = callback_parts(query.data, "pl")
    if button not in IMPORT_BUTTONS:
        await edit_button(update, context)
        return
    assert button is not None
    pending = member.pending_input or {}
    if pending.get("kind") != "plan-confirm":
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    await query.answer()
    await set_pending(context, member, None)
    if button == ["x"]:
        await answer(update, _("Cancelled. Nothing was changed."))
        return
    parsed = await _confirmed_plan(context, pending)
    if parsed is None:
        await answer(update, _("The file could not be downloaded; please send it again."))
        return
    # The proposals are read again against the directory as it is now, as the preview did.
    audiences = await _proposals(context, parsed) if button == ["ok", "p"] else None
    ctx = context.app_ctx
    async with ctx.session() as session:
        result = await service.import_plan(
            session, parsed, now=ctx.now(), member=member, audiences=audiences
        )
    await answer(update, stored_text(result))


def _picker_text(action: str) -> str:
    return {
        "r": _("Which task do you want to rename?"),
        "n": _("Which task should concern only some units?"),
        "u": _("Which task should concern every unit again?"),
    }[action]


async def _task_picker(
    context: BotContext, action: str, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The plan's tasks as buttons pl:t:ACTION:ID, PAGE_SIZE a page."""
    return await task_picker(
        context,
        page,
        question=_picker_text(action),
        label=lambda task: QUARTERS[task.quarter - 1],
        pick_data=lambda task_id: f"pl:t:{action}:{task_id}",
        page_data=lambda number: f"pl:p:{action}:{number}",
    )


def _parse_edit(data: str) -> tuple[str, str, int | None] | None:
    """(step, action, number) of edit button data, or None when it is malformed."""
    parts = data.split(":")
    if len(data.encode()) > 64 or parts[0] != "pl":
        return None
    if parts[1:] in (["a"], *([a] for a in PICKER_ACTIONS)):
        return "menu", parts[1], None
    if len(parts) == 3 and parts[1] == "q":
        quarter = decimal_id(parts[2], max_digits=1)
        return ("quarter", "a", quarter) if quarter in (1, 2, 3, 4) else None
    if len(parts) == 4 and parts[1] in ("t", "p") and parts[2] in PICKER_ACTIONS:
        number = (
            decimal_id(parts[3])
            if parts[1] == "t"
            else decimal_id(parts[3], max_digits=4, minimum=0)  # pages count from 0
        )
        if number is None:
            return None
        return ("task" if parts[1] == "t" else "page"), parts[2], number
    return None


async def edit_button(update: Update, context: BotContext) -> None:
    """The edit buttons of /plan: choose what to do, the quarter or the task."""
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    parsed = _parse_edit(query.data or "")
    if parsed is not None and parsed[0] == "task":
        async with context.app_ctx.session() as session:
            if await session.get(Task, parsed[2]) is None:  # forged: no question for nothing
                parsed = None
    if parsed is None or not isinstance(query.message, Message):
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    step, action, number = parsed
    assert number is not None or step == "menu"
    await query.answer()
    if step == "menu" and action == "a":
        await set_pending(context, member, None)
        rows = [
            InlineKeyboardButton(
                _("Q{quarter}").format(quarter=quarter_numeral(n)), callback_data=f"pl:q:{n}"
            )
            for n in range(1, 5)
        ]
        await answer(
            update,
            _("Which quarter is the new task for?"),
            reply_markup=InlineKeyboardMarkup([rows]),
        )
    elif step == "menu":
        await set_pending(context, member, None)
        text, markup = await _task_picker(context, action, 0)
        await answer(update, text, reply_markup=markup)
    elif step == "page":
        text, markup = await _task_picker(context, action, number or 0)
        try:
            await query.message.edit_text(text, reply_markup=markup)
        except BadRequest as error:  # the same page pressed twice
            if "not modified" not in str(error).lower():
                raise
    elif step == "quarter":
        await set_pending(context, member, {"kind": PENDING_ADD, "quarter": number})
        await answer(
            update,
            _("Send the title of the new task for Q{quarter}, or /cancel.").format(
                quarter=quarter_numeral(number or 1)
            ),
        )
    elif action == "r":
        await set_pending(context, member, {"kind": PENDING_RENAME, "id": number})
        await answer(
            update, _("Send the new title of task #{code}, or /cancel.").format(code=number)
        )
    elif action == "n":
        await set_pending(context, member, {"kind": PENDING_NARROW, "id": number})
        await answer(
            update,
            _(
                "Send the unit codes or cluster names that task #{code} concerns, separated by "
                "commas, or /cancel."
            ).format(code=number),
        )
    else:
        await set_pending(context, member, None)
        ctx = context.app_ctx
        async with ctx.session() as session:
            result = await service.set_task_audience(
                session, member, int(number or 0), [], now=ctx.now()
            )
        await report_edit(update, result, str(number))


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
            targets = typed.replace(";", ",").split(",")
            if not any(t.strip() for t in targets):
                await answer(update, _("Please send unit codes or cluster names, or /cancel."))
                return
            result = await service.set_task_audience(
                session, member, int(pending["id"]), targets, now=ctx.now()
            )
    if await report_edit(update, result, str(pending.get("id", ""))):
        await set_pending(context, member, None)
    else:
        await answer(update, _("Please send it again, or /cancel."))


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("plan", plan))
    application.add_handler(CallbackQueryHandler(plan_button, pattern=r"^pl:"))
    plan_close.register(application)
