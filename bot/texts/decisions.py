"""What /decision says: the approved nominations awaiting a decision, and what was recorded."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date

from bot.core.i18n import _, format_date, ngettext


def decision_usage() -> str:
    return _(
        "Usage:\n/decision — the approved nominations awaiting a decision\n"
        "/decision NUMBERS DECISION_NO dd/mm/yyyy — record the decision, e.g. "
        "/decision 3,5 125/QĐ-UBND 15/01/2026 (NUMBERS: the nominations' numbers, or all)"
    )


def nothing_awaiting() -> str:
    return _("No approved nomination is awaiting a decision.")


def awaiting_text(waiting: Sequence[tuple[int | None, str | None, str | None]]) -> str:
    """The approved nominations (number, nominee, award in the reader's language) awaiting a
    decision, then the usage."""
    if not waiting:
        return nothing_awaiting() + "\n\n" + decision_usage()
    lines = [_("<b>Approved, awaiting a decision: {count}</b>").format(count=len(waiting))]
    for number, nominee, award in waiting:
        lines.append(f"#{number} {html.escape(nominee or '—')} — {html.escape(award or '—')}")
    return "\n".join([*lines, "", decision_usage()])


def _numbers(numbers: Sequence[int | None]) -> str:
    return ", ".join(f"#{n}" for n in numbers)


def recorded_text(
    decision_no: str,
    decided_on: date,
    *,
    recorded: Sequence[int | None],
    already: Sequence[int],
    not_approved: Sequence[int],
    unknown: Sequence[int],
) -> str:
    """What recording a decision did, nomination numbers by outcome."""
    lines = []
    if recorded:
        lines.append(
            ngettext(
                "Decision {number} of {date} recorded for {count} nomination: {numbers}. It is "
                "now in the award history.",
                "Decision {number} of {date} recorded for {count} nominations: {numbers}. They "
                "are now in the award history.",
                len(recorded),
            ).format(
                number=html.escape(decision_no),
                date=format_date(decided_on),
                count=len(recorded),
                numbers=_numbers(recorded),
            )
        )
    if already:
        lines.append(
            _("Already recorded, left as they were: {numbers}.").format(numbers=_numbers(already))
        )
    if not_approved:
        lines.append(
            _("Not approved, so not recorded: {numbers}.").format(numbers=_numbers(not_approved))
        )
    if unknown:
        lines.append(
            _("No nomination has these numbers: {numbers}.").format(numbers=_numbers(unknown))
        )
    if not lines:
        lines.append(nothing_awaiting())
    return "\n".join(lines)
