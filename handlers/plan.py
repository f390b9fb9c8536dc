"""/plan for officers: import a plan document sent in the chat (with a preview) and edit the
current plan's tasks: add, rename, narrow to some units or clusters."""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.i18n import _, format_date
from bot.services import plans as service
from bot.services.deadlines import ROMAN_QUARTERS
from bot.services.plan_parser import ParsedPlan, PlanParseError, parse_plan_file
from bot.services.plans import TaskEdit
from handlers.common import BotContext, answer, decimal_id, officer_required, set_pending
from handlers.pending import on_cancel, on_pending

PENDING_UPLOAD = "plan-upload"
MAX_PLAN_BYTES = 5 * 1024 * 1024


def plan_usage() -> str:
    return _(
        "Send the plan document (.txt or .docx) now to import it, or /cancel.\n"
        "Edit the current plan:\n/plan add QUARTER Title — a new task\n"
        "/plan rename CODE New title\n/plan narrow CODE unit codes or cluster names, "
        "separated by commas\n/plan all CODE — the task concerns every unit again\n"
        "/deadline — change a deadline"
    )


def preview_text(parsed: ParsedPlan) -> str:
    lines = [
        _("<b>Plan {year}</b>: {title}").format(year=parsed.year, title=html.escape(parsed.title))
    ]
    for quarter in range(1, 5):
        tasks = parsed.tasks_in(quarter)
        if tasks:
            lines.append(
                _("Quarter {quarter}: {count} tasks, deadline {date}").format(
                    quarter=("I", "II", "III", "IV")[quarter - 1],
                    count=len(tasks),
                    date=format_date(tasks[0].deadline),
                )
            )
            lines += [f"  - {html.escape(task.title[:120])}" for task in tasks[:3]]
            if len(tasks) > 3:
                lines.append("  …")
    return "\n".join(lines)


@officer_required
async def plan(update: Update, context: BotContext) -> None:
    """/plan [add|rename|narrow|all ...]: import or edit the plan."""
    member = context.member
    assert member is not None
    args = context.args or []
    if not args:
        await set_pending(context, member, {"kind": PENDING_UPLOAD})
        await answer(update, plan_usage())
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
    texts = {
        TaskEdit.NO_PLAN: _(
            "No plan has been imported yet. Import one with: tdkt-bot import-plan FILE"
        ),
        TaskEdit.NOT_FOUND: _("There is no task #{code}.").format(code=html.escape(args[1])),
        TaskEdit.BAD_TITLE: _("Please give a title (at most 2000 characters)."),
        TaskEdit.DUPLICATE: _("This quarter already has a task with that title."),
        TaskEdit.UNKNOWN_TARGETS: _("Unknown unit codes or clusters: {names}").format(
            names=html.escape(", ".join(result.unknown or []))
        ),
    }
    if result.outcome is not TaskEdit.DONE:
        await answer(update, texts[result.outcome])
        return
    assert result.task is not None
    await answer(
        update,
        _("Saved: task #{code} “{title}”, quarter {quarter}, deadline {date}.").format(
            code=result.task.id,
            title=html.escape(result.task.title),
            quarter=("I", "II", "III", "IV")[result.task.quarter - 1],
            date=format_date(result.task.deadline),
        ),
    )


async def _parse_upload(context: BotContext, file_id: str, name: str) -> ParsedPlan:
    telegram_file = await context.bot.get_file(file_id)
    content = bytes(await telegram_file.download_as_bytearray())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (Path(name).name or "plan.txt")
        path.write_bytes(content)
        return parse_plan_file(path)


@on_pending(PENDING_UPLOAD)
async def document_received(update: Update, context: BotContext) -> None:
    """The plan document: parse it and show what would be imported."""
    member = context.member
    message = update.effective_message
    assert member is not None and message is not None
    if not member.is_officer:
        await set_pending(context, member, None)
        return
    document = message.document
    if document is None:
        await answer(update, _("Please send the plan as a .txt or .docx document, or /cancel."))
        return
    name = document.file_name or ""
    if (
        Path(name).suffix.lower() not in (".txt", ".docx")
        or (document.file_size or 0) > MAX_PLAN_BYTES
    ):
        await answer(
            update,
            _("Please send the plan as a .txt or .docx document of at most 5 MB, or /cancel."),
        )
        return
    try:
        parsed = await _parse_upload(context, document.file_id, name)
    except PlanParseError as error:
        from bot.cli import plan_error_text

        await answer(update, plan_error_text(error.reason, Path(name)))
        return
    except TelegramError:
        await answer(update, _("The file could not be downloaded; please send it again."))
        return
    await set_pending(
        context, member, {"kind": "plan-confirm", "file_id": document.file_id, "name": name}
    )
    await answer(
        update,
        preview_text(parsed),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(_("✅ Import"), callback_data="pl:ok"),
                    InlineKeyboardButton(_("✖️ Cancel"), callback_data="pl:x"),
                ]
            ]
        ),
    )


@on_cancel(PENDING_UPLOAD)
@on_cancel("plan-confirm")
async def cancel(update: Update, context: BotContext) -> None:
    assert context.member is not None
    await set_pending(context, context.member, None)
    await answer(update, _("Cancelled. Nothing was changed."))


@officer_required
async def plan_button(update: Update, context: BotContext) -> None:
    """Import or cancel the previewed plan."""
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    pending = member.pending_input or {}
    if query.data not in ("pl:ok", "pl:x") or pending.get("kind") != "plan-confirm":
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    await query.answer()
    await set_pending(context, member, None)
    if query.data == "pl:x":
        await answer(update, _("Cancelled. Nothing was changed."))
        return
    try:
        parsed = await _parse_upload(context, str(pending["file_id"]), str(pending["name"]))
    except (PlanParseError, TelegramError):
        await answer(update, _("The file could not be downloaded; please send it again."))
        return
    ctx = context.app_ctx
    async with ctx.session() as session:
        result = await service.import_plan(session, parsed, now=ctx.now(), member=member)
    await answer(
        update,
        _("Stored: {created} new tasks, {unchanged} already present.").format(
            created=result.tasks_created, unchanged=result.tasks_unchanged
        ),
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("plan", plan))
    application.add_handler(CallbackQueryHandler(plan_button, pattern=r"^pl:"))
