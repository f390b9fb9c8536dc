"""Quarter and deadline arithmetic on local calendar dates."""

from __future__ import annotations

import calendar
import re
from datetime import date

ROMAN_QUARTERS = {"I": 1, "II": 2, "III": 3, "IV": 4}


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_start(year: int, quarter: int) -> date:
    return date(year, 3 * quarter - 2, 1)


def quarter_end(year: int, quarter: int) -> date:
    """The default deadline of a quarter's tasks: the last day of its last month."""
    month = 3 * quarter
    return date(year, month, calendar.monthrange(year, month)[1])


def overdue_window_start(today: date) -> date:
    """Open tasks due from this day on still count as overdue in a unit's list.

    The whole current year, and in the first quarter also the previous year's last quarter, so
    that a task due on 31/12 is not forgotten on 2 January.
    """
    if quarter_of(today) == 1:
        return quarter_start(today.year - 1, 4)
    return date(today.year, 1, 1)


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
