"""Names of nomination targets, achievement kinds and statuses, and a nomination's number
(the card that uses them is in `bot.texts.nominations`)."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.orm.base import NO_VALUE

from bot.core.i18n import N_, _, current_language
from models import Nomination

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
            number: int | None = original.number  # loaded_value is untyped
            return number
    return None
