"""What a unit head reads while nominating: the nomination card, the question of each step of
the guided draft with its buttons, the answers chosen, refusals, the unit's list, and the
suggestions sent when a round opens. Functions of plain values (and of the nomination being
shown), returning text or a `Message` with channel-neutral buttons."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.core.actions import Action, Keyboard, Message
from bot.core.i18n import _, current_language, format_date
from bot.services.nomination_labels import (
    KIND_LABELS,
    STATUS_LABELS,
    TARGET_LABELS,
    award_name,
    label,
    number_of,
)
from bot.services.nominations.common import (
    MAX_FILES,
    OPEN_STATUSES,
    TEXT_FIELDS,
    TEXT_LIMITS,
    InputProblem,
    Step,
)
from bot.texts.access import invalid_button_text
from models import AchievementKind, AwardForm, Nomination, NominationStatus, Target

# The card must fit in one message (4,096 characters) with every other field at its maximum.
SUMMARY_SHOWN = 2500
# The kinds of achievement in the order of their buttons (the button carries the index).
KINDS = (AchievementKind.YEARLY, AchievementKind.THEMATIC, AchievementKind.ADHOC)


def nomination_card(nomination: Nomination, *, with_status: bool = True) -> str:
    """The nomination as officials read it, in the current language (HTML)."""
    escape = html.escape
    number = number_of(nomination)
    lines = [
        _("<b>Nomination #{code}</b>").format(code=number)
        if number is not None
        else _("<b>New nomination</b>")
    ]
    lines.append(_("Nominee: {value}").format(value=label(TARGET_LABELS, nomination.target)))
    lines.append(_("Name: {value}").format(value=escape(nomination.nominee_name or "—")))
    if nomination.target == Target.INDIVIDUAL:
        lines.append(_("Position: {value}").format(value=escape(nomination.position_title or "—")))
        lines.append(_("Works at: {value}").format(value=escape(nomination.workplace or "—")))
    lines.append(_("Form of award: {value}").format(value=escape(award_name(nomination))))
    kind = label(KIND_LABELS, nomination.achievement_kind)
    if nomination.achievement_kind == AchievementKind.THEMATIC and nomination.campaign:
        kind += " — " + escape(nomination.campaign)
    lines.append(_("Kind of achievement: {value}").format(value=kind))
    lines.append(_("Summary of achievements:"))
    summary = nomination.summary or "—"
    if len(summary) > SUMMARY_SHOWN:
        summary = summary[: SUMMARY_SHOWN - 1] + "…"
    lines.append(escape(summary))
    lines.append(_("Dossier files: {count}").format(count=len(nomination.files)))
    if with_status:
        lines.append(_("Status: {value}").format(value=label(STATUS_LABELS, nomination.status)))
        if nomination.decision_reason:
            lines.append(_("Reason: {value}").format(value=escape(nomination.decision_reason)))
    return "\n".join(lines)


# --------------------------------------------------------------------------- the guided draft
def _navigation(draft: Nomination, *, keep: bool = False) -> Keyboard:
    row = []
    if draft.step != Step.TARGET:
        row.append(Action(_("◀️ Back"), "nomination.back", (draft.id,)))
    if keep:
        row.append(Action(_("Keep ▶️"), "nomination.keep", (draft.id,)))
    row.append(Action(_("✖️ Cancel"), "nomination.cancel", (draft.id,)))
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


def _files_done(draft_id: int, count: int) -> Action:
    return Action(_("Done ▶️ ({count} files)").format(count=count), "nomination.files", (draft_id,))


def prompt(draft: Nomination, awards: Sequence[AwardForm] = ()) -> Message:
    """The question of the draft's current step and its buttons (`awards` for that step)."""
    step = Step(draft.step or Step.TARGET)
    if step is Step.TARGET:
        text = _("<b>New nomination</b>\nWho is the nomination for?")
        rows: Keyboard = [
            [
                Action(_("👥 A collective"), "nomination.target", (draft.id, 0)),
                Action(_("👤 An individual"), "nomination.target", (draft.id, 1)),
            ]
        ]
        return Message(text, rows + _navigation(draft))
    if step is Step.AWARD:
        rows = [
            [Action(award.name(current_language()), "nomination.award", (draft.id, award.id))]
            for award in awards
        ]
        return Message(_("Choose the form of award:"), rows + _navigation(draft))
    if step is Step.KIND:
        rows = [
            [Action(_(KIND_LABELS[kind]), "nomination.kind", (draft.id, index))]
            for index, kind in enumerate(KINDS)
        ]
        return Message(_("What kind of achievement is it?"), rows + _navigation(draft))
    if step is Step.FILES:
        return _files_prompt(draft)
    if step is Step.REVIEW:
        text = (
            _("<b>Please check the nomination before submitting:</b>")
            + "\n\n"
            + nomination_card(draft, with_status=False)
        )
        rows = [[Action(_("✅ Submit"), "nomination.submit", (draft.id,))]]
        return Message(text, rows + _navigation(draft))
    value = getattr(draft, TEXT_FIELDS[step])
    return Message(_question(draft, step) + _current(value), _navigation(draft, keep=bool(value)))


def _files_prompt(draft: Nomination) -> Message:
    text = _(
        "Send the dossier files: documents (PDF, Word, Excel…) or photos, several if "
        "needed (at most {count} files of 20 MB each). Press Done when finished; files "
        "are optional."
    ).format(count=MAX_FILES)
    if draft.files:
        text += "\n" + _("Files received: {count}").format(count=len(draft.files))
    return Message(text, [[_files_done(draft.id, len(draft.files))], *_navigation(draft)])


def _question(draft: Nomination, step: Step) -> str:
    """The question of a step answered by typing."""
    name = html.escape(draft.nominee_name or "")
    if step is Step.NAME:
        if draft.target == Target.INDIVIDUAL:
            return _("Full name of the person nominated:")
        return _("Name of the collective nominated:")
    if step is Step.POSITION:
        return _("Position or title of {name}:").format(name=name)
    if step is Step.WORKPLACE:
        return _("The unit (agency, organisation) where {name} works:").format(name=name)
    if step is Step.CAMPAIGN:
        return _("Which campaign or emulation movement is the achievement in?")
    return _(
        "Summary of achievements (at most {limit} characters). It can be pasted from the report."
    ).format(limit=TEXT_LIMITS[Step.SUMMARY])


def file_received(draft_id: int, count: int) -> Message:
    return Message(
        _("📎 File received ({count}). Send more, or press Done.").format(count=count),
        [[_files_done(draft_id, count)]],
    )


def problem_text(problem: InputProblem, step: Step | None = None) -> str:
    limit = TEXT_LIMITS.get(step) if step else None
    return {
        InputProblem.EMPTY: _("Please send the answer as text."),
        InputProblem.TOO_LONG: _("That is too long: at most {limit} characters, please.").format(
            limit=limit
        ),
        InputProblem.TOO_MANY_FILES: _(
            "At most {count} files can be attached. Press Done to continue."
        ).format(count=MAX_FILES),
        InputProblem.FILE_TOO_LARGE: _("The file is too large (at most 20 MB)."),
        InputProblem.FILE_TYPE: _(
            "Files of this type are not accepted. Please send PDF, Word, Excel, images or "
            "compressed (zip, rar) files."
        ),
        InputProblem.WRONG_STEP: invalid_button_text(),
        InputProblem.UNKNOWN_AWARD: _(
            "This form of award is not available; please choose another."
        ),
    }[problem]


def _shown(value: str | None, limit: int = 200) -> str:
    value = value or "—"
    return html.escape(value if len(value) <= limit else value[: limit - 1] + "…")


def chosen_text(draft: Nomination, action: str, step: Step) -> str | None:
    """The answer a press (the button action `action`) gave, as the line that replaces its
    question; None when the question just loses its buttons."""
    if action == "nomination.target":
        return _("Nominee: {value}").format(value=label(TARGET_LABELS, draft.target))
    if action == "nomination.award":
        return _("Form of award: {value}").format(value=html.escape(award_name(draft)))
    if action == "nomination.kind":
        return _("Kind of achievement: {value}").format(
            value=label(KIND_LABELS, draft.achievement_kind)
        )
    if action == "nomination.files":
        return _("Dossier files: {count}").format(count=len(draft.files))
    if action == "nomination.keep" and step in TEXT_FIELDS:
        labels = {
            Step.NAME: _("Name: {value}"),
            Step.POSITION: _("Position: {value}"),
            Step.WORKPLACE: _("Works at: {value}"),
            Step.CAMPAIGN: _("Campaign or movement: {value}"),
            Step.SUMMARY: _("Summary of achievements: {value}"),
        }
        return labels[step].format(value=_shown(getattr(draft, TEXT_FIELDS[step])))
    return None


# --------------------------------------------------------------------------- short replies
# The stale-button alert is the one every feature shows.
button_invalid_text = invalid_button_text


def not_understood_text() -> str:
    return _("Sorry, I did not understand that. Send /help to see what I can do.")


def send_text_text() -> str:
    return _("Please send the answer as text.")


def send_file_text() -> str:
    return _("Please send a document or a photo, or press Done.")


def use_buttons_text() -> str:
    return _("Please choose with the buttons below.")


def cancelled_text() -> str:
    return _("The nomination is cancelled; nothing was submitted.")


def round_closed_text(title: str, deadline: date) -> str:
    return _(
        "The nomination round “{title}” closed on {date}; nominations are no longer accepted. "
        "Please contact the TĐKT officer."
    ).format(title=html.escape(title), date=format_date(deadline))


def started_text(resumed: bool, round_title: str | None, deadline: date | None) -> str:
    """What /nominate says before the first question."""
    if resumed:
        return _("You have an unfinished nomination; let us continue where you stopped.")
    if round_title is not None and deadline is not None:
        return _("This nomination is filed in the round “{title}”, open until {date}.").format(
            title=html.escape(round_title), date=format_date(deadline)
        )
    return _(
        "No nomination round is open: this nomination is filed outside any round, and "
        "the officer sees it in this year's list."
    )


def suggestion_blocked_text() -> str:
    return _(
        "You have an unfinished nomination; please finish it or /cancel it before "
        "starting the suggested one."
    )


def incomplete_text() -> str:
    return _("The nomination is not complete yet; please answer every step.")


def edit_refused_text(code: int | None, status: str | None) -> str:
    return _(
        "Nomination #{code} can no longer be edited: its status is now “{status}”. "
        "Your changes were not submitted and no new nomination was stored. "
        "Please see /nominations."
    ).format(code=code or "—", status=label(STATUS_LABELS, status))


def submitted_text(code: int | None) -> str:
    return _(
        "✅ Nomination #{code} is submitted to the TĐKT officer. You will be told here "
        "when it has been reviewed. /nominations lists your unit's nominations."
    ).format(code=code)


def withdrawn_text(code: int | None) -> str:
    return _("Nomination #{code} is withdrawn.").format(code=code)


def not_yours_text() -> str:
    return _("This nomination is not one of your unit's.")


def cannot_withdraw_text() -> str:
    return _("Only a nomination that has not been reviewed yet can be withdrawn.")


def cannot_edit_text() -> str:
    return _("Only a nomination awaiting review or returned for revision can be edited.")


def draft_open_text() -> str:
    return _("Please finish or cancel the nomination you are filling in first (/nominate).")


def editing_text(code: int | None) -> str:
    return _(
        "Editing nomination #{code}: use Back to change any answer, then submit again."
    ).format(code=code)


# --------------------------------------------------------------------------- the unit's list
def unit_list(items: Sequence[Nomination]) -> Message:
    """/nominations: each nomination with its status (and the reason of a decision that sent it
    back), Edit for the open ones and Withdraw for those not yet reviewed."""
    if not items:
        return Message(_("Your unit has no nominations yet. Send /nominate to make one."))
    lines = [_("<b>Nominations of your unit</b>")]
    rows: Keyboard = []
    for item in items:
        code = number_of(item)
        name = html.escape(item.nominee_name or "")
        line = f"#{code} {name} — {html.escape(award_name(item))}\n" + (
            "   " + label(STATUS_LABELS, item.status)
        )
        sent_back = (NominationStatus.RETURNED, NominationStatus.REJECTED)
        if item.decision_reason and item.status in sent_back:
            line += " — " + _shown(item.decision_reason)
        lines.append(line)
        buttons = []
        if item.status in OPEN_STATUSES:
            buttons.append(
                Action(_("✏️ Edit #{code}").format(code=code), "nomination.edit", (item.id,))
            )
        if item.status == NominationStatus.SUBMITTED:
            buttons.append(
                Action(
                    _("🗑 Withdraw #{code}").format(code=code), "nomination.withdraw", (item.id,)
                )
            )
        if buttons:
            rows.append(buttons)
    return Message("\n\n".join(lines), rows or None)


# --------------------------------------------------------------------------- suggestions
@dataclass(frozen=True)
class SuggestionLine:
    """One suggested candidate: who (None: the unit itself), the award's name and article, and
    what its button carries (the history row and the form of award)."""

    who: str | None
    award: str
    article: str
    source: str
    source_id: int
    award_form_id: int


def suggestions_message(year: int, suggestions: Sequence[SuggestionLine]) -> Message:
    """To a unit head when a round opens: who meets a higher title, each with a button that
    starts that nomination filled in."""
    lines = [
        _(
            "<b>From the award history, these meet the standard of a higher title in {year}:</b>"
        ).format(year=year)
    ]
    rows: Keyboard = []
    for s in suggestions:
        who = s.who or _("the unit")
        lines.append(
            "• "
            + _("{who} — {award} ({article})").format(
                who=html.escape(who), award=html.escape(s.award), article=s.article
            )
        )
        caption = _("Nominate {who}: {award}").format(who=who, award=s.award)[:60]
        rows.append(
            [Action(caption, "suggestion.start", (s.source, s.source_id, s.award_form_id))]
        )
    lines.append(_("The council still judges what the history cannot show (initiatives, votes)."))
    return Message("\n".join(lines), rows)
