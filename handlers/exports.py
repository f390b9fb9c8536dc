"""/export for officers: the nomination list or the plan's progress as Excel and Word."""

from __future__ import annotations

from telegram import InputFile, Update
from telegram.ext import Application, CommandHandler

from bot.i18n import _, current_language
from handlers.common import BotContext, answer, officer_required


def export_usage() -> str:
    return _(
        "Usage:\n/export nominations — the nomination list as Excel and Word files\n"
        "/export progress — the plan's progress as Excel and Word files\n"
        "/export audit — the audit log as an Excel file"
    )


@officer_required
async def export(update: Update, context: BotContext) -> None:
    """/export nominations|progress|audit sends the report files."""
    args = [arg.lower() for arg in context.args or []]
    if args not in (["nominations"], ["progress"], ["audit"]):
        await answer(update, export_usage())
        return
    # Imported here: openpyxl and python-docx are heavy and only exports need them.
    from bot.services.report_files import audit_files, nomination_files, progress_files

    builders = {"nominations": nomination_files, "progress": progress_files, "audit": audit_files}
    ctx = context.app_ctx
    async with ctx.session() as session:
        build = builders[args[0]]
        files = await build(
            session,
            now=ctx.now(),
            tz=ctx.settings.tz,
            language=current_language(),
            authority=ctx.settings.authority,
        )
    assert update.effective_chat is not None
    for name, payload in files.documents:
        await context.bot.send_document(
            update.effective_chat.id, InputFile(payload, filename=name), caption=files.caption
        )


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("export", export))
