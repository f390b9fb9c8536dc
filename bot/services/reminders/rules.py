"""Which reminders are due on a day: the countdown windows before a deadline, the repeats after
it, the weekly summary's day and the round reminder's days, moved off days off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.services.working_days import WorkingCalendar

# Days off never stretch further than this, so a reminder is never moved by more days.
HOLIDAY_MARGIN = timedelta(days=15)


@dataclass(frozen=True)
class ReminderRules:
    windows: tuple[int, ...] = (14, 7, 3, 1, 0)
    overdue_every_days: int = 3
    working_days_only: bool = True


@dataclass(frozen=True)
class DueTask:
    task_id: int
    title: str
    deadline: date
    quarter: int
    year: int
    # Year-round ("thường xuyên") tasks are due 31/12 but get no countdown before it.
    year_round: bool = False


def reminder_triggered(
    deadline: date, today: date, rules: ReminderRules, calendar: WorkingCalendar
) -> bool:
    """Whether a task due on `deadline` is reminded of on `today` (windows or overdue)."""
    for days_before in rules.windows:
        if calendar.send_day(deadline - timedelta(days=days_before)) == today:
            return True
    if today <= deadline:
        return False
    # Repeats after the deadline move forward to the next working day. A day off never lasts
    # longer than HOLIDAY_MARGIN, so only the repeats due in that span before today can land on
    # today: start there, however long ago the deadline was.
    every = max(1, rules.overdue_every_days)
    behind = (today - HOLIDAY_MARGIN - deadline).days
    target = deadline + timedelta(days=every * max(1, -(-behind // every)))
    while target <= today:
        if calendar.next_working_day(target) == today:
            return True
        target += timedelta(days=every)
    return False


def escalation_day(today: date, calendar: WorkingCalendar) -> bool:
    """The weekly summary is due on Monday, or the last working day before a Monday off."""
    this_monday = today - timedelta(days=today.weekday())
    return any(
        calendar.send_day(monday) == today
        for monday in (this_monday, this_monday + timedelta(days=7))
    )


def round_reminder_due(
    deadline: date, today: date, rules: ReminderRules, calendar: WorkingCalendar
) -> bool:
    """Before a round closes, on the same windows as task deadlines (no overdue repeats)."""
    return today <= deadline and any(
        calendar.send_day(deadline - timedelta(days=days)) == today for days in rules.windows
    )


def year_end(today: date) -> date:
    return date(today.year, 12, 31)
