"""What /export says: its usage, the choice of which nominations a list or dossier holds, and
the dossier's caption. (The files' own cells are documents, built by bot/services.)"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.core.actions import Action, Message
from bot.core.i18n import _, format_date
from bot.texts.common import short_title

# Button families: the nomination list (xn) and the dossier (xd); see handlers/callbacks.py.
LIST, DOSSIER = "list", "dossier"
ROUND_TITLE_SHOWN = 40


def export_usage() -> str:
    return _(
        "Usage:\n/export nominations — the nomination list as Excel and Word files\n"
        "/export progress — the plan's progress as Excel and Word files\n"
        "/export audit — the audit log as an Excel file\n"
        "/export suggestions — who meets a higher title this year, from the history (Excel)\n"
        "/export dossier — the Tờ trình đề nghị khen thưởng with its list, as Word files"
    )


def scope_question(
    kind: str,
    *,
    open_round: tuple[int, str] | None,
    other_rounds: bool,
    year: int,
) -> Message:
    """Which nominations the list (or the dossier) holds: the open round's, another round's
    (listed on a further press) or a whole year's (this one or the last)."""
    keyboard = []
    if open_round is not None:
        round_id, title = open_round
        label = _("Open round: {title}").format(title=short_title(title, ROUND_TITLE_SHOWN))
        keyboard.append([Action(label, f"export.{kind}.round", (round_id,))])
    if other_rounds:
        keyboard.append([Action(_("Another round…"), f"export.{kind}.rounds", (0,))])
    keyboard.append(
        [
            Action(_("The whole year {year}").format(year=y), f"export.{kind}.year", (y,))
            for y in (year, year - 1)
        ]
    )
    if kind == DOSSIER:
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
    return Message(text, keyboard)


def rounds_list(kind: str, rounds: Sequence[tuple[int, str, date]]) -> Message:
    """The latest rounds (id, title, deadline), a button each."""
    return Message(
        _("Which round? (the latest {count})").format(count=len(rounds)),
        [
            [
                Action(
                    f"{short_title(title, ROUND_TITLE_SHOWN)} · {format_date(deadline)}",
                    f"export.{kind}.round",
                    (round_id,),
                )
            ]
            for round_id, title, deadline in rounds
        ],
    )


def round_gone() -> str:
    return _("This round no longer exists.")


def dossier_caption(collectives: int, individuals: int, filed: int, proposed: bool) -> str:
    caption = _(
        "Dossier: the Tờ trình proposes {collectives} collectives and {individuals} "
        "individuals approved in review, of {filed} nominations filed. The documents are in "
        "Vietnamese; the number, the recipient and the signature are for you to fill in."
    ).format(collectives=collectives, individuals=individuals, filed=filed)
    if not proposed:
        caption += "\n" + _("No nomination of this scope has been approved yet (/review).")
    return caption
