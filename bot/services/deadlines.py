"""Quarter and deadline arithmetic on local calendar dates."""

from __future__ import annotations

import calendar
import re
from datetime import date

ROMAN_QUARTERS = {"I": 1, "II": 2, "III": 3, "IV": 4}


def roman_quarter(quarter: int) -> str:
    """The quarter in Roman numerals whatever the language (the plan's headings, the task
    pickers); `bot.core.i18n.quarter_numeral` writes it as the reader's language does."""
    return next(roman for roman, number in ROMAN_QUARTERS.items() if number == quarter)


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_start(year: int, quarter: int) -> date:
    return date(year, 3 * quarter - 2, 1)


def quarter_end(year: int, quarter: int) -> date:
    """The default deadline of a quarter's tasks: the last day of its last month."""
    month = 3 * quarter
    return date(year, month, calendar.monthrange(year, month)[1])


_DATE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$")


def parse_local_date(text: str) -> date | None:
    """A date as officials type it: dd/mm/yyyy (also with '-' or '.'), else None."""
    match = _DATE.match(text or "")
    if not match:
        return None
    try:
        return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None
