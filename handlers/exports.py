"""/export for officers: the nomination list or the plan's progress as Excel and Word.
`/export nominations` first asks which list: the open round's, another round's, or a year's."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.i18n import _, current_language, format_date
from handlers.common import BotContext, answer, decimal_id, officer_required


def export_usage() -> str:
    return _(
        "Usage:\n/export nominations — the nomination list as Excel and Word files\n"
        "/export progress — the plan's progress as Excel and Word files\n"
        "/export audit — the audit log as an Excel file\n"
        "/export suggestions — who meets a higher title this year, from the history (Excel)\n"
        "/export dossier — the Tờ trình đề nghị khen thưởng with its list, as Word files"
    )


@officer_required
async def export(update: Update, context: BotContext) -> None:
    """/export nominations|progress|audit sends the report files."""
    args = [arg.lower() for arg in context.args or []]
    if args not in (["nominations"], ["progress"], ["audit"], ["suggestions"], ["dossier"]):
        await answer(update, export_usage())
        return
    if args == ["nominations"]:
        await _ask_nomination_scope(update, context)
        return
    if args == ["dossier"]:
        await _ask_nomination_scope(update, context, prefix=DOSSIER)
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

    async with ctx.session() as session:
        build = builders[args[0]]
        try:
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
# Buttons: xn:r:ID (a round, the open one too), xn:l:0 (list the rounds), xn:y:YEAR; the same
# with xd: for the dossier (the Tờ trình with its list).
LIST, DOSSIER = "xn", "xd"


def _title(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _ask_nomination_scope(update: Update, context: BotContext, prefix: str = LIST) -> None:
    from bot.services.nomination_export import export_choices

    ctx = context.app_ctx
    async with ctx.session() as session:
        open_round, rounds = await export_choices(session)
    year = ctx.today().year
    rows = []
    if open_round is not None:
        rows.append(
            [
                InlineKeyboardButton(
                    _("Open round: {title}").format(title=_title(open_round.title)),
                    callback_data=f"{prefix}:r:{open_round.id}",
                )
            ]
        )
    if any(r.id != (open_round.id if open_round else None) for r in rounds):
        rows.append([InlineKeyboardButton(_("Another round…"), callback_data=f"{prefix}:l:0")])
    rows.append(
        [
            InlineKeyboardButton(
                _("The whole year {year}").format(year=year), callback_data=f"{prefix}:y:{year}"
            ),
            InlineKeyboardButton(
                _("The whole year {year}").format(year=year - 1),
                callback_data=f"{prefix}:y:{year - 1}",
            ),
        ]
    )
    if prefix == DOSSIER:
        text = _(
            "Which round's dossier? The Tờ trình proposes the nominations approved in review "
            "and the list attached holds them; a year's dossier covers every nomination filed "
            "that year."
        )
    else:
        text = _(
            "Which nominations should the list hold? A round's list holds what was filed in "
            "that round; a year's list holds every nomination filed that year, in rounds or "
            "outside any, with its status."
        )
    await answer(update, text, reply_markup=InlineKeyboardMarkup(rows))


def _parse_scope(data: str | None) -> tuple[str, str, int] | None:
    parts = (data or "").split(":")
    if len(parts) != 3 or parts[0] not in (LIST, DOSSIER) or parts[1] not in ("r", "l", "y"):
        return None
    value = decimal_id(parts[2]) if parts[2] != "0" else 0
    if value is None:
        return None
    return parts[0], parts[1], value


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
    from bot.services.nomination_export import (
        FIRST_YEAR,
        LAST_YEAR,
        ExportScope,
        UnknownRound,
        export_choices,
    )
    from bot.services.report_files import nomination_files

    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    parsed = _parse_scope(query.data)
    if parsed is None or (parsed[1] == "y" and not FIRST_YEAR <= parsed[2] <= LAST_YEAR):
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    prefix, action, value = parsed
    ctx = context.app_ctx
    if action == "l":
        async with ctx.session() as session:
            _open, rounds = await export_choices(session)
        await query.answer()
        rows = [
            [
                InlineKeyboardButton(
                    f"{_title(r.title)} · {format_date(r.deadline)}",
                    callback_data=f"{prefix}:r:{r.id}",
                )
            ]
            for r in rounds
        ]
        if isinstance(query.message, Message):
            try:
                await query.message.edit_text(
                    _("Which round? (the latest {count})").format(count=len(rounds)),
                    reply_markup=InlineKeyboardMarkup(rows),
                )
            except BadRequest:
                pass
        return
    scope = ExportScope(round_id=value) if action == "r" else ExportScope(year=value)
    if prefix == DOSSIER:
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
        await query.answer(_("This round no longer exists."), show_alert=True)
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
        await query.answer(_("This round no longer exists."), show_alert=True)
        return
    await query.answer()
    title = scope_title(dossier.export.round, dossier.export.year)
    await _settle(query.message, html.escape(title))
    caption = _(
        "Dossier: the Tờ trình proposes {collectives} collectives and {individuals} "
        "individuals approved in review, of {filed} nominations filed. The documents are in "
        "Vietnamese; the number, the recipient and the signature are for you to fill in."
    ).format(collectives=dossier.collectives, individuals=dossier.individuals, filed=dossier.filed)
    if not dossier.proposed:
        caption += "\n" + _("No nomination of this scope has been approved yet (/review).")
    for name, payload in (
        (f"{dossier.file_stem}.docx", dossier.combined),
        (f"{dossier.file_stem}.zip", await asyncio.to_thread(dossier.zip)),
    ):
        await context.bot.send_document(
            update.effective_chat.id, InputFile(payload, filename=name), caption=caption
        )


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("export", export))
    application.add_handler(CallbackQueryHandler(nomination_scope_button, pattern=r"^xn:"))
    application.add_handler(CallbackQueryHandler(nomination_scope_button, pattern=r"^xd:"))
