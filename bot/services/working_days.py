"""Working days: weekends and Vietnamese public holidays (Tết included) are days off."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

from bot.services.deadlines import quarter_start

ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=64)
def _holidays_of(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=year))


def is_day_off(day: date) -> bool:
    return day.weekday() >= 5 or day in _holidays_of(day.year)


class WorkingCalendar:
    """Moves a reminder that would fall on a day off: to the last working day before it when it
    counts down to a deadline, to the next working day after it when it repeats an overdue one
    (moved back, a repeat could land on the deadline day itself and be lost)."""

    def __init__(self, working_days_only: bool = True) -> None:
        self.working_days_only = working_days_only

    def is_working_day(self, day: date) -> bool:
        return not self.working_days_only or not is_day_off(day)

    def send_day(self, target: date) -> date:
        day = target
        while not self.is_working_day(day):
            day -= ONE_DAY
        return day

    def next_working_day(self, target: date) -> date:
        day = target
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def first_working_day_of_quarter(self, year: int, quarter: int) -> date:
        day = quarter_start(year, quarter)
        while not self.is_working_day(day):
            day += ONE_DAY
        return day
