"""Names of nomination targets, achievement kinds and statuses, and the nomination card."""

from __future__ import annotations

import html

from sqlalchemy import inspect
from sqlalchemy.orm.base import NO_VALUE

from bot.core.i18n import N_, _, current_language
from models import Nomination

# The card must fit in one message (4,096 characters) with every other field at its maximum.
SUMMARY_SHOWN = 2500
TARGET_LABELS = {"individual": N_("Individual"), "collective": N_("Collective")}
KIND_LABELS = {
    "yearly": N_("Yearly / regular achievement"),
    "thematic": N_("Thematic campaign"),
    "adhoc": N_("Ad-hoc / exceptional achievement (e.g. a brave act)"),
}
STATUS_LABELS = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted, awaiting review"),
    "approved": N_("Approved"),
    "rejected": N_("Not accepted"),
    "returned": N_("Returned for revision"),
    "withdrawn": N_("Withdrawn"),
    "abandoned": N_("Not submitted"),
}


def label(labels: dict[str, str], key: str | None) -> str:
    return _(labels[key]) if key in labels else "—"


def award_name(nomination: Nomination) -> str:
    if nomination.award_form is None:
        return "—"
    return nomination.award_form.name(current_language())


def number_of(nomination: Nomination) -> int | None:
    """The nomination's one number: its own once filed; an edit copy shows its original's."""
    if nomination.number is not None:
        return nomination.number
    if nomination.replaces_id is not None:
        original = inspect(nomination).attrs.replaces.loaded_value
        if original is not NO_VALUE and original is not None:
            return original.number  # type: ignore[no-any-return]
    return None


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
    if nomination.target == "individual":
        lines.append(_("Position: {value}").format(value=escape(nomination.position_title or "—")))
        lines.append(_("Works at: {value}").format(value=escape(nomination.workplace or "—")))
    lines.append(_("Form of award: {value}").format(value=escape(award_name(nomination))))
    kind = label(KIND_LABELS, nomination.achievement_kind)
    if nomination.achievement_kind == "thematic" and nomination.campaign:
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
