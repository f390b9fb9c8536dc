"""/export for officers: the nomination list or the plan's progress as Excel and Word.
`/export nominations` first asks which list: the open round's, another round's, or a year's."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable

from telegram import InputFile, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.i18n import current_language
from bot.texts import exports as texts
from handlers import callbacks
from handlers.common import BotContext, answer, officer_required, reply


@officer_required
async def export(update: Update, context: BotContext) -> None:
    """/export nominations|progress|audit sends the report files."""
    args = [arg.lower() for arg in context.args or []]
    if args not in (["nominations"], ["progress"], ["audit"], ["suggestions"], ["dossier"]):
        await answer(update, texts.export_usage())
        return
    if args == ["nominations"]:
        await _ask_nomination_scope(update, context)
        return
    if args == ["dossier"]:
        await _ask_nomination_scope(update, context, texts.DOSSIER)
        return
    # Imported here: openpyxl and python-docx are heavy and only exports need them.
    from bot.services.report_files import (
        ReportFiles,
        audit_files,
        nomination_files,
        progress_files,
        suggestion_files,
    )

    builders: dict[str, Callable[..., Awaitable[ReportFiles]]] = {
        "nominations": nomination_files,
        "progress": progress_files,
        "audit": audit_files,
        "suggestions": suggestion_files,
    }
    ctx = context.app_ctx
    # The suggestions read the rule set; the Word documents carry the heading's parent and place.
    extra = (
        {"rules_file": ctx.settings.rules_file}
        if args[0] == "suggestions"
        else {"parent": ctx.settings.authority_parent, "place": ctx.settings.place}
    )
    from bot.services.eligibility import RulesError
    from bot.texts.eligibility import rules_error_text

    build = builders[args[0]]
    try:
        async with ctx.session() as session:
            files = await build(
                session,
                now=ctx.now(),
                tz=ctx.settings.tz,
                language=current_language(),
                authority=ctx.settings.authority,
                **extra,
            )
    except RulesError as error:  # a province's rule file that cannot be read
        await answer(update, html.escape(rules_error_text(error)))
        return
    assert update.effective_chat is not None
    for name, payload in files.documents:
        await context.bot.send_document(
            update.effective_chat.id, InputFile(payload, filename=name), caption=files.caption
        )


# ------------------------------------------------------------------ the nomination list
# Buttons (handlers/callbacks.py): export.list.round (a round, the open one too),
# export.list.rounds (list them), export.list.year; the same with export.dossier.* for the
# dossier (the Tờ trình with its list).
SCOPE_BUTTONS = tuple(
    f"export.{kind}.{step}"
    for kind in (texts.LIST, texts.DOSSIER)
    for step in ("round", "rounds", "year")
)


async def _ask_nomination_scope(
    update: Update, context: BotContext, kind: str = texts.LIST
) -> None:
    from bot.services.nomination_export import export_choices

    ctx = context.app_ctx
    async with ctx.session() as session:
        open_round, rounds = await export_choices(session)
    message = texts.scope_question(
        kind,
        open_round=(open_round.id, open_round.title) if open_round is not None else None,
        other_rounds=any(r.id != (open_round.id if open_round else None) for r in rounds),
        year=ctx.today().year,
    )
    await reply(update, message)


async def _settle(message: object, text: str | None) -> None:
    """The question shows the choice made in place of its buttons."""
    if not isinstance(message, Message):
        return
    try:
        if text is None:
            await message.edit_reply_markup(None)
        else:
            await message.edit_text(text + " ✔", reply_markup=None)
    except BadRequest:
        pass


@officer_required
async def nomination_scope_button(update: Update, context: BotContext) -> None:
    """A press on the choice of list: shows the rounds, or sends the list chosen."""
    from bot.services.nomination_export import ExportScope, UnknownRound, export_choices
    from bot.services.report_files import nomination_files

    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    press = await callbacks.parse_press(query, *SCOPE_BUTTONS)
    if press is None:
        return
    _export, kind, action = press[0].split(".")
    value = press[1][0]
    ctx = context.app_ctx
    if action == "rounds":
        async with ctx.session() as session:
            _open, rounds = await export_choices(session)
        await query.answer()
        listed = texts.rounds_list(kind, [(r.id, r.title, r.deadline) for r in rounds])
        if isinstance(query.message, Message):
            try:
                await query.message.edit_text(
                    listed.text, reply_markup=callbacks.markup(listed.keyboard)
                )
            except BadRequest:
                pass
        return
    scope = ExportScope(round_id=value) if action == "round" else ExportScope(year=value)
    if kind == texts.DOSSIER:
        await _send_dossier(update, context, scope)
        return
    try:
        async with ctx.session() as session:
            files = await nomination_files(
                session,
                now=ctx.now(),
                tz=ctx.settings.tz,
                language=current_language(),
                authority=ctx.settings.authority,
                parent=ctx.settings.authority_parent,
                place=ctx.settings.place,
                scope=scope,
                rules_file=ctx.settings.rules_file,
            )
    except UnknownRound:
        await query.answer(texts.round_gone(), show_alert=True)
        return
    await query.answer()
    await _settle(query.message, html.escape(files.scope))
    for name, payload in files.documents:
        await context.bot.send_document(
            update.effective_chat.id, InputFile(payload, filename=name), caption=files.caption
        )


async def _send_dossier(update: Update, context: BotContext, scope: object) -> None:
    """The dossier of the scope chosen: the Tờ trình with its list (.docx) and both as
    separate files (.zip); the documents in Vietnamese, the caption in the reader's language."""
    from bot.services.dossier import build_dossier
    from bot.services.nomination_export import UnknownRound, scope_title

    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    ctx = context.app_ctx
    try:
        async with ctx.session() as session:
            dossier = await build_dossier(
                session,
                now=ctx.now(),
                tz=ctx.settings.tz,
                authority=ctx.settings.authority,
                parent=ctx.settings.authority_parent,
                place=ctx.settings.place,
                scope=scope,  # type: ignore[arg-type]
            )
    except UnknownRound:
        await query.answer(texts.round_gone(), show_alert=True)
        return
    await query.answer()
    title = scope_title(dossier.export.round, dossier.export.year)
    await _settle(query.message, html.escape(title))
    caption = texts.dossier_caption(
        dossier.collectives, dossier.individuals, dossier.filed, bool(dossier.proposed)
    )
    for name, payload in (
        (f"{dossier.file_stem}.docx", dossier.combined),
        (f"{dossier.file_stem}.zip", await asyncio.to_thread(dossier.zip)),
    ):
        await context.bot.send_document(
            update.effective_chat.id, InputFile(payload, filename=name), caption=caption
        )


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("export", export))
    for word in ("xn", "xd"):
        application.add_handler(
            CallbackQueryHandler(nomination_scope_button, pattern=callbacks.family_pattern(word))
        )
