"""What /awards and /round say: the catalogue of award forms and the nomination rounds."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.core.i18n import _, format_date
from bot.services.awards import AwardChange
from bot.services.nomination_labels import TARGET_LABELS, label


@dataclass(frozen=True)
class FormShown:
    """A form of award as the catalogue lists it (its name in the reader's language)."""

    code: str
    name: str
    target: str
    active: bool
    historical: bool


def awards_usage() -> str:
    return _(
        "Usage:\n/awards — the catalogue\n/awards add individual|collective Tên | Name\n"
        "/awards rename CODE Tên | Name\n/awards off CODE — retire a form\n"
        "/awards on CODE — use it again"
    )


def catalogue_text(forms: Sequence[FormShown]) -> str:
    lines = [_("<b>Forms of award</b>")]
    for form in forms:
        status = "" if form.active else " " + _("(not in use)")
        if form.historical:
            status = " " + _("(kept for old nominations only)")
        lines.append(
            f"<code>{html.escape(form.code)}</code> · {html.escape(form.name)} · "
            f"{label(TARGET_LABELS, form.target)}{status}"
        )
    return "\n".join([*lines, "", awards_usage()])


def award_refused(outcome: AwardChange, code: str) -> str:
    """Why a change to the catalogue was not made (`code` as typed)."""
    if outcome is AwardChange.HISTORICAL:
        return _(
            "{code} is a form of the district level, abolished on 01/07/2025: it is kept "
            "only so that old nominations still show it, and is no longer offered."
        ).format(code=html.escape(code.upper()))
    if outcome is AwardChange.NOT_FOUND:
        return _("No form of award has the code {code}.").format(code=html.escape(code))
    assert outcome is AwardChange.BAD_NAME
    return _("Please give the name as: Tên tiếng Việt | English name (at most 300 characters).")


def award_saved(code: str, name: str, active: bool) -> str:
    return _("Saved: <code>{code}</code> · {name} · {status}").format(
        code=html.escape(code),
        name=html.escape(name),
        status=_("in use") if active else _("not in use"),
    )


def round_usage() -> str:
    return _(
        "Usage:\n/round — the current nomination round\n/round open dd/mm/yyyy Title — open a "
        "round until that day\n/round reopen dd/mm/yyyy — accept nominations again until "
        "that day\n/round close — end the round"
    )


def current_round(title: str | None, deadline: date | None, units_filed: int) -> str:
    """The round open now (title None: none is), then the usage."""
    if title is None or deadline is None:
        text = _(
            "No nomination round is open: a nomination filed now is outside any round "
            "(it is in the year's list, /export nominations)."
        )
    else:
        text = _(
            "Current round: “{title}”, deadline {date}; units that have filed: {count}. "
            "A nomination filed now goes into this round."
        ).format(title=html.escape(title), date=format_date(deadline), count=units_filed)
    return text + "\n\n" + round_usage()


def round_closed(title: str | None) -> str:
    if title is None:
        return _("No round is open.")
    return _(
        "The round “{title}” is closed. Nominations filed from now on are outside "
        "any round, until a new round is opened."
    ).format(title=html.escape(title))


def deadline_past() -> str:
    return _("The deadline must not be in the past.")


def round_opened(title: str, deadline: date) -> str:
    return _(
        "The round “{title}” is open until {date}; every unit head is being told. "
        "Nominations filed until then go into this round."
    ).format(title=html.escape(title), date=format_date(deadline))


def round_reopened(title: str | None, deadline: date | None) -> str:
    if title is None or deadline is None:
        return _("No round has been opened yet.")
    return _("The round “{title}” is open again until {date}.").format(
        title=html.escape(title), date=format_date(deadline)
    )
