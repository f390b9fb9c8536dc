"""/nominate: the guided nomination, one step a message, Back and /cancel at every step;
/nominations: the unit's nominations, withdraw or edit and resubmit."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.i18n import _, current_language, format_date
from bot.services import nominations as service
from bot.services.eligibility import RulesError, assess_nomination, load_rules
from bot.services.nomination_labels import (
    KIND_LABELS,
    STATUS_LABELS,
    TARGET_LABELS,
    award_name,
    label,
    nomination_card,
    number_of,
)
from bot.services.nominations import InputProblem, Step, SubmitOutcome
from bot.services.suggestions import suggested_candidate
from bot.texts.eligibility import verdict_block
from handlers.common import (
    BotContext,
    answer,
    callback_parts,
    decimal_id,
    refuse,
    split_message,
    unit_member_required,
)
from handlers.pending import on_cancel, on_pending
from models import AchievementKind, AwardForm, Nomination, Target, Unit

logger = logging.getLogger(__name__)
KINDS = [AchievementKind.YEARLY, AchievementKind.THEMATIC, AchievementKind.ADHOC]


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def _navigation(draft: Nomination, *, keep: bool = False) -> list[list[InlineKeyboardButton]]:
    row = []
    if draft.step != Step.TARGET.value:
        row.append(_button(_("◀️ Back"), f"nm:b:{draft.id}"))
    if keep:
        row.append(_button(_("Keep ▶️"), f"nm:s:{draft.id}"))
    row.append(_button(_("✖️ Cancel"), f"nm:x:{draft.id}"))
    return [row]


def _current(value: str | None) -> str:
    if not value:
        return ""
    shown = value if len(value) <= 300 else value[:299] + "…"
    return (
        "\n\n"
        + _("Now: {value}").format(value=html.escape(shown))
        + "\n"
        + _("Send a new text, or press Keep.")
    )


def prompt_for(
    draft: Nomination, awards: Sequence[AwardForm] = ()
) -> tuple[str, InlineKeyboardMarkup]:
    """The question of the draft's current step and its buttons (`awards` for that step)."""
    step = Step(draft.step or Step.TARGET)
    individual = draft.target == Target.INDIVIDUAL.value
    name = html.escape(draft.nominee_name or "")
    if step is Step.TARGET:
        text = _("<b>New nomination</b>\nWho is the nomination for?")
        rows = [
            [
                _button(_("👥 A collective"), f"nm:t:{draft.id}:0"),
                _button(_("👤 An individual"), f"nm:t:{draft.id}:1"),
            ]
        ]
        return text, InlineKeyboardMarkup(rows + _navigation(draft))
    if step is Step.AWARD:
        rows = [
            [_button(award.name(current_language()), f"nm:a:{draft.id}:{award.id}")]
            for award in awards
        ]
        return _("Choose the form of award:"), InlineKeyboardMarkup(rows + _navigation(draft))
    if step is Step.KIND:
        rows = [
            [_button(_(KIND_LABELS[kind.value]), f"nm:k:{draft.id}:{index}")]
            for index, kind in enumerate(KINDS)
        ]
        return _("What kind of achievement is it?"), InlineKeyboardMarkup(
            rows + _navigation(draft)
        )
    if step is Step.FILES:
        text = _(
            "Send the dossier files: documents (PDF, Word, Excel…) or photos, several if "
            "needed (at most {count} files of 20 MB each). Press Done when finished; files "
            "are optional."
        ).format(count=service.MAX_FILES)
        if draft.files:
            text += "\n" + _("Files received: {count}").format(count=len(draft.files))
        rows = [
            [
                _button(
                    _("Done ▶️ ({count} files)").format(count=len(draft.files)), f"nm:f:{draft.id}"
                )
            ]
        ]
        return text, InlineKeyboardMarkup(rows + _navigation(draft))
    if step is Step.REVIEW:
        text = (
            _("<b>Please check the nomination before submitting:</b>")
            + "\n\n"
            + (nomination_card(draft, with_status=False))
        )
        rows = [[_button(_("✅ Submit"), f"nm:ok:{draft.id}")]]
        return text, InlineKeyboardMarkup(rows + _navigation(draft))
    questions = {
        Step.NAME: _("Full name of the person nominated:")
        if individual
        else _("Name of the collective nominated:"),
        Step.POSITION: _("Position or title of {name}:").format(name=name),
        Step.WORKPLACE: _("The unit (agency, organisation) where {name} works:").format(name=name),
        Step.CAMPAIGN: _("Which campaign or emulation movement is the achievement in?"),
        Step.SUMMARY: _(
            "Summary of achievements (at most {limit} characters). It can be pasted from the "
            "report."
        ).format(limit=service.TEXT_LIMITS[Step.SUMMARY]),
    }
    value = getattr(draft, service.TEXT_FIELDS[step])
    return questions[step] + _current(value), InlineKeyboardMarkup(
        _navigation(draft, keep=bool(value))
    )


async def _show_step(update: Update, context: BotContext, draft: Nomination) -> None:
    awards: list[AwardForm] = []
    if draft.step == Step.AWARD.value:
        async with context.app_ctx.session() as session:
            awards = await service.award_choices(session, draft.target)
    text, markup = prompt_for(draft, awards)
    await _post_prompt(update, context, text, markup)


async def _post_prompt(
    update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup
) -> None:
    """Sends a message with the draft's buttons. The one sent before it loses its buttons, so
    that only the latest question can be answered with a press."""
    member = context.member
    chat = update.effective_chat
    assert member is not None and chat is not None
    previous = (member.pending_input or {}).get("prompt")
    query = update.callback_query
    pressed = query.message.message_id if query is not None and query.message else None
    if isinstance(previous, int) and previous != pressed:
        await _drop_markup(context, chat.id, previous)
    message = await context.bot.send_message(chat.id, text, reply_markup=markup)
    async with context.app_ctx.session() as session:
        await service.remember_prompt(session, member, message.message_id)


async def _drop_markup(context: BotContext, chat_id: int, message_id: int) -> None:
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except BadRequest:
        pass  # already without buttons, or deleted by the user


def problem_text(problem: InputProblem, step: Step | None = None) -> str:
    limit = service.TEXT_LIMITS.get(step) if step else None
    return {
        InputProblem.EMPTY: _("Please send the answer as text."),
        InputProblem.TOO_LONG: _("That is too long: at most {limit} characters, please.").format(
            limit=limit
        ),
        InputProblem.TOO_MANY_FILES: _(
            "At most {count} files can be attached. Press Done to continue."
        ).format(count=service.MAX_FILES),
        InputProblem.FILE_TOO_LARGE: _("The file is too large (at most 20 MB)."),
        InputProblem.FILE_TYPE: _(
            "Files of this type are not accepted. Please send PDF, Word, Excel, images or "
            "compressed (zip, rar) files."
        ),
        InputProblem.WRONG_STEP: _("This button is no longer valid."),
        InputProblem.UNKNOWN_AWARD: _(
            "This form of award is not available; please choose another."
        ),
    }[problem]


@unit_member_required
async def nominate(update: Update, context: BotContext) -> None:
    """/nominate starts a nomination, or resumes the unfinished one where it stopped."""
    member = context.member
    assert member is not None
    ctx = context.app_ctx
    async with ctx.session() as session:
        round_ = await service.current_round(session)
        if round_ is not None and not service.round_accepts(round_, ctx.today()):
            await answer(update, round_closed_text(round_.title, round_.deadline))
            return
        started = await service.start_draft(session, member, now=ctx.now())
    if started.resumed:
        await answer(
            update, _("You have an unfinished nomination; let us continue where you stopped.")
        )
    elif round_ is not None:
        await answer(
            update,
            _("This nomination is filed in the round “{title}”, open until {date}.").format(
                title=html.escape(round_.title), date=format_date(round_.deadline)
            ),
        )
    else:
        await answer(
            update,
            _(
                "No nomination round is open: this nomination is filed outside any round, and "
                "the officer sees it in this year's list."
            ),
        )
    await _show_step(update, context, started.draft)


@unit_member_required
async def suggestion_button(update: Update, context: BotContext) -> None:
    """sg:a|r:ID:FORM — start the suggested nomination, filled in from the history."""
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    parts = callback_parts(query.data, "sg")
    ids = [decimal_id(part) for part in parts[1:]] if parts and len(parts) == 3 else []
    ctx = context.app_ctx
    async with ctx.session() as session:
        found = None
        if parts and parts[0] in ("a", "r") and len(ids) == 2 and None not in ids:
            found = await suggested_candidate(session, member, parts[0], ids[0], ids[1])  # type: ignore[arg-type]
        if found is None:
            await query.answer(_("This button is no longer valid."), show_alert=True)
            return
        round_ = await service.current_round(session)
        if round_ is not None and not service.round_accepts(round_, ctx.today()):
            await query.answer()
            await answer(update, round_closed_text(round_.title, round_.deadline))
            return
        name, position, form = found
        unit = await session.get(Unit, member.unit_id)
        started = await service.start_prefilled(
            session,
            member,
            target=form.target,
            name=name or (unit.name if unit else None),
            position=position,
            workplace=unit.name if unit else None,
            award_form_id=form.id,
            now=ctx.now(),
        )
    await query.answer()
    if started.resumed:
        await answer(
            update,
            _(
                "You have an unfinished nomination; please finish it or /cancel it before "
                "starting the suggested one."
            ),
        )
    else:
        await answer(update, nomination_card(started.draft))
        await _warn_eligibility(update, context, started.draft)
    await _show_step(update, context, started.draft)


def round_closed_text(title: str, deadline: object) -> str:
    return _(
        "The nomination round “{title}” closed on {date}; nominations are no longer accepted. "
        "Please contact the TĐKT officer."
    ).format(title=html.escape(title), date=format_date(deadline))  # type: ignore[arg-type]


@on_pending(service.PENDING_NOMINATION)
async def nomination_input(update: Update, context: BotContext) -> None:
    """A typed answer, a file, or anything else while a nomination is being filled in."""
    member = context.member
    message = update.effective_message
    assert member is not None and message is not None
    ctx = context.app_ctx
    async with ctx.session() as session:
        draft = await service.active_draft(session, member)
        if draft is None:
            await answer(
                update, _("Sorry, I did not understand that. Send /help to see what I can do.")
            )
            return
        step = Step(draft.step or Step.TARGET)
        problem: InputProblem | None
        if step in service.TEXT_FIELDS:
            if message.text is None:
                await answer(update, _("Please send the answer as text."))
                return
            problem = await service.set_text(session, draft, message.text, now=ctx.now())
        elif step is Step.FILES:
            if message.document is not None:
                document = message.document
                problem = await service.add_file(
                    session,
                    draft,
                    kind="document",
                    file_id=document.file_id,
                    file_name=document.file_name,
                    size=document.file_size,
                    now=ctx.now(),
                )
            elif message.photo:
                photo = message.photo[-1]
                problem = await service.add_file(
                    session,
                    draft,
                    kind="photo",
                    file_id=photo.file_id,
                    file_name=None,
                    size=photo.file_size,
                    now=ctx.now(),
                )
            else:
                await answer(update, _("Please send a document or a photo, or press Done."))
                return
            if problem is None:
                await _post_prompt(
                    update,
                    context,
                    _("📎 File received ({count}). Send more, or press Done.").format(
                        count=len(draft.files)
                    ),
                    InlineKeyboardMarkup(
                        [
                            [
                                _button(
                                    _("Done ▶️ ({count} files)").format(count=len(draft.files)),
                                    f"nm:f:{draft.id}",
                                )
                            ]
                        ]
                    ),
                )
                return
        else:
            await answer(update, _("Please choose with the buttons below."))
            await _show_step(update, context, draft)
            return
    if problem is not None:
        await answer(update, problem_text(problem, step))
        return
    await _show_step(update, context, draft)


@on_cancel(service.PENDING_NOMINATION)
async def cancel_nomination(update: Update, context: BotContext) -> None:
    """/cancel while filling in a nomination."""
    member = context.member
    assert member is not None
    ctx = context.app_ctx
    async with ctx.session() as session:
        draft = await service.active_draft(session, member)
        if draft is not None:
            await service.cancel_draft(session, member, draft, now=ctx.now())
    member.pending_input = None
    await answer(update, _("The nomination is cancelled; nothing was submitted."))


def _parse(data: str) -> tuple[str, list[int]] | None:
    """(action, [draft id, argument]) of `nm:ACTION:ID[:ARG]`; ids bounded to the database's."""
    parts = callback_parts(data, "nm")
    if parts is None or len(parts) < 2:
        return None
    values = [decimal_id(part, minimum=0) for part in parts[1:]]
    if any(value is None for value in values):
        return None
    return parts[0], [value for value in values if value is not None]


async def _drop_keyboard(message: object) -> None:
    if isinstance(message, Message) and message.reply_markup is not None:
        try:
            await message.edit_reply_markup(None)
        except BadRequest:
            pass


async def _settle(message: object, chosen: str | None) -> None:
    """The pressed question shows the answer chosen in place of its buttons."""
    if chosen is None or not isinstance(message, Message):
        await _drop_keyboard(message)
        return
    try:
        await message.edit_text(chosen + " ✔", reply_markup=None)
    except BadRequest:
        await _drop_keyboard(message)


def _shown(value: str | None, limit: int = 200) -> str:
    value = value or "—"
    return html.escape(value if len(value) <= limit else value[: limit - 1] + "…")


def chosen_text(draft: Nomination, action: str, step: Step) -> str | None:
    """The answer a press gave, as the line that replaces its question."""
    if action == "t":
        return _("Nominee: {value}").format(value=label(TARGET_LABELS, draft.target))
    if action == "a":
        return _("Form of award: {value}").format(value=html.escape(award_name(draft)))
    if action == "k":
        return _("Kind of achievement: {value}").format(
            value=label(KIND_LABELS, draft.achievement_kind)
        )
    if action == "f":
        return _("Dossier files: {count}").format(count=len(draft.files))
    if action == "s" and step in service.TEXT_FIELDS:
        labels = {
            Step.NAME: _("Name: {value}"),
            Step.POSITION: _("Position: {value}"),
            Step.WORKPLACE: _("Works at: {value}"),
            Step.CAMPAIGN: _("Campaign or movement: {value}"),
            Step.SUMMARY: _("Summary of achievements: {value}"),
        }
        return labels[step].format(value=_shown(getattr(draft, service.TEXT_FIELDS[step])))
    return None


@unit_member_required
async def nomination_button(update: Update, context: BotContext) -> None:
    """Every button of the guided nomination; checked against the member's current draft."""
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    parsed = _parse(query.data or "")
    ctx = context.app_ctx
    async with ctx.session() as session:
        draft = await service.active_draft(session, member)
        if parsed is None or draft is None or not parsed[1] or parsed[1][0] != draft.id:
            await query.answer(_("This button is no longer valid."), show_alert=True)
            return
        action, args = parsed
        now = ctx.now()
        step_pressed = Step(draft.step or Step.TARGET)
        problem: InputProblem | None = None
        if action == "t" and len(args) == 2 and args[1] in (0, 1):
            target = Target.INDIVIDUAL if args[1] == 1 else Target.COLLECTIVE
            problem = await service.set_target(session, draft, target, now=now)
        elif action == "a" and len(args) == 2:
            problem = await service.set_award(session, draft, args[1], now=now)
        elif action == "k" and len(args) == 2 and 0 <= args[1] < len(KINDS):
            problem = await service.set_kind(session, draft, KINDS[args[1]], now=now)
        elif action == "s" and Step(draft.step or Step.TARGET) in service.TEXT_FIELDS:
            problem = await service.set_text(
                session, draft, getattr(draft, service.TEXT_FIELDS[Step(draft.step)]), now=now
            )
        elif action == "f":
            problem = (
                None
                if await service.finish_files(session, draft, now=now)
                else (InputProblem.WRONG_STEP)
            )
        elif action == "b":
            await service.go_back(session, draft, now=now)
        elif action == "x":
            await service.cancel_draft(session, member, draft, now=now)
            member.pending_input = None
            await query.answer()
            await _drop_keyboard(query.message)
            await answer(update, _("The nomination is cancelled; nothing was submitted."))
            return
        elif action == "ok":
            result = await service.submit(session, member, draft, now=now, tz=ctx.settings.tz)
            await query.answer()
            await _after_submit(update, context, result)
            return
        else:
            problem = InputProblem.WRONG_STEP
    if problem is not None:
        await query.answer(problem_text(problem), show_alert=True)
        return
    await query.answer()
    await _settle(query.message, chosen_text(draft, action, step_pressed))
    if action == "a":
        await _warn_eligibility(update, context, draft)
    await _show_step(update, context, draft)


async def _warn_eligibility(update: Update, context: BotContext, draft: Nomination) -> None:
    """Once the form of award is chosen: the candidate's standing from the history (it warns,
    it does not block)."""
    block = await eligibility_block(context, draft, for_head=True)
    if block:
        await answer(update, block)


async def eligibility_block(
    context: BotContext, nomination: Nomination, *, for_head: bool = False
) -> str:
    """The verdict on the nomination's candidate for a chat (HTML), or "" when there is none
    (no form chosen yet, or the rule file cannot be read: logged)."""
    ctx = context.app_ctx
    try:
        rules = load_rules(ctx.settings.rules_file)
    except RulesError:
        logger.exception("eligibility rules cannot be read")
        return ""
    async with ctx.session() as session:
        # As of the day it was filed, as the export and /decision judge it: a nomination filed
        # in March for last year's work is not judged against this year when read in April.
        filed = nomination.submitted_at or nomination.created_at or ctx.now()
        assessment = await assess_nomination(
            session, rules, nomination, today=filed.astimezone(ctx.settings.tz).date()
        )
    return verdict_block(assessment, rules, for_head=for_head) if assessment else ""


async def _after_submit(update: Update, context: BotContext, result: service.SubmitResult) -> None:
    member = context.member
    assert member is not None
    if result.outcome is SubmitOutcome.ROUND_CLOSED:
        assert result.round is not None
        await answer(update, round_closed_text(result.round.title, result.round.deadline))
        return
    if result.outcome in (SubmitOutcome.WRONG_STEP, SubmitOutcome.INCOMPLETE):
        await answer(update, _("The nomination is not complete yet; please answer every step."))
        return
    member.pending_input = None
    await _drop_keyboard(update.callback_query.message if update.callback_query else None)
    if result.outcome is SubmitOutcome.ORIGINAL_CLOSED:
        original = result.nomination
        await answer(
            update,
            _(
                "Nomination #{code} can no longer be edited: its status is now “{status}”. "
                "Your changes were not submitted and no new nomination was stored. "
                "Please see /nominations."
            ).format(
                code=(number_of(original) if original else None) or "—",
                status=label(STATUS_LABELS, original.status if original else None),
            ),
        )
        return
    assert result.nomination is not None
    await answer(
        update,
        _(
            "✅ Nomination #{code} is submitted to the TĐKT officer. You will be told here "
            "when it has been reviewed. /nominations lists your unit's nominations."
        ).format(code=number_of(result.nomination)),
    )


@unit_member_required
async def list_nominations(update: Update, context: BotContext) -> None:
    """/nominations: the unit's nominations with status; withdraw or edit the open ones."""
    member = context.member
    assert member is not None and member.unit_id is not None
    ctx = context.app_ctx
    async with ctx.session() as session:
        items = await service.unit_nominations(session, member.unit_id)
    if not items:
        await answer(update, _("Your unit has no nominations yet. Send /nominate to make one."))
        return
    lines = [_("<b>Nominations of your unit</b>")]
    rows = []
    for item in items:
        award = item.award_form.name(current_language()) if item.award_form else "—"
        name = html.escape(item.nominee_name or "")
        line = f"#{number_of(item)} {name} — {html.escape(award)}\n" + (
            "   " + label(STATUS_LABELS, item.status)
        )
        if item.decision_reason and item.status in ("returned", "rejected"):
            reason = item.decision_reason
            line += " — " + html.escape(reason if len(reason) <= 200 else reason[:199] + "…")
        lines.append(line)
        buttons = []
        if item.status in service.OPEN_STATUSES:
            buttons.append(
                _button(_("✏️ Edit #{code}").format(code=number_of(item)), f"ne:{item.id}")
            )
        if item.status == "submitted":
            buttons.append(
                _button(_("🗑 Withdraw #{code}").format(code=number_of(item)), f"nw:{item.id}")
            )
        if buttons:
            rows.append(buttons)
    parts = split_message("\n\n".join(lines))
    for part in parts[:-1]:
        await answer(update, part)
    await answer(update, parts[-1], reply_markup=InlineKeyboardMarkup(rows) if rows else None)


def _single_id(data: str | None, prefix: str) -> int | None:
    parts = (data or "").split(":")
    if len(parts) != 2 or parts[0] != prefix:
        return None
    return decimal_id(parts[1])


@unit_member_required
async def withdraw_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    nomination_id = _single_id(query.data, "nw")
    if nomination_id is None:
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    ctx = context.app_ctx
    async with ctx.session() as session:
        result = await service.withdraw(session, member, nomination_id, now=ctx.now())
    if result.outcome is service.ChangeOutcome.DONE:
        assert result.nomination is not None
        await query.answer()
        await answer(
            update,
            _("Nomination #{code} is withdrawn.").format(code=number_of(result.nomination)),
        )
    elif result.outcome is service.ChangeOutcome.NOT_ALLOWED:
        await refuse(update, _("This nomination is not one of your unit's."))
    else:
        await refuse(
            update, _("Only a nomination that has not been reviewed yet can be withdrawn.")
        )


@unit_member_required
async def edit_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    member = context.member
    assert query is not None and member is not None
    nomination_id = _single_id(query.data, "ne")
    if nomination_id is None:
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    ctx = context.app_ctx
    async with ctx.session() as session:
        result = await service.begin_edit(session, member, nomination_id, now=ctx.now())
    if result.outcome is service.ChangeOutcome.NOT_ALLOWED:
        await refuse(update, _("This nomination is not one of your unit's."))
        return
    if result.outcome is service.ChangeOutcome.WRONG_STATUS:
        await refuse(
            update, _("Only a nomination awaiting review or returned for revision can be edited.")
        )
        return
    if result.outcome is service.ChangeOutcome.DRAFT_OPEN:
        await refuse(
            update,
            _("Please finish or cancel the nomination you are filling in first (/nominate)."),
        )
        return
    await query.answer()
    assert result.draft is not None
    member.pending_input = {"kind": service.PENDING_NOMINATION, "id": result.draft.id}
    await answer(
        update,
        _("Editing nomination #{code}: use Back to change any answer, then submit again.").format(
            code=number_of(result.draft)
        ),
    )
    await _show_step(update, context, result.draft)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("nominate", nominate))
    application.add_handler(CommandHandler("nominations", list_nominations))
    application.add_handler(CallbackQueryHandler(nomination_button, pattern=r"^nm:"))
    application.add_handler(CallbackQueryHandler(suggestion_button, pattern=r"^sg:"))
    application.add_handler(CallbackQueryHandler(withdraw_button, pattern=r"^nw:"))
    application.add_handler(CallbackQueryHandler(edit_button, pattern=r"^ne:"))
