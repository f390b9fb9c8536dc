"""Working days and when a reminder is due."""

from __future__ import annotations

from datetime import date, timedelta

from bot.services.reminders import ReminderRules, escalation_day, reminder_triggered
from bot.services.working_days import WorkingCalendar, is_day_off

RULES = ReminderRules()
CALENDAR = WorkingCalendar()


def test_weekends_and_vietnamese_holidays_are_days_off() -> None:
    assert is_day_off(date(2020, 6, 27))  # Saturday
    assert is_day_off(date(2020, 4, 30))  # Reunification Day
    assert is_day_off(date(2020, 4, 2))  # Hùng Kings' Commemoration Day (10/3 lunar)
    assert all(is_day_off(date(2026, 2, day)) for day in range(16, 21))  # Tết Bính Ngọ
    assert not is_day_off(date(2020, 6, 30))


def test_a_reminder_on_a_day_off_moves_to_the_last_working_day_before() -> None:
    assert CALENDAR.send_day(date(2020, 6, 27)) == date(2020, 6, 26)
    assert CALENDAR.send_day(date(2020, 5, 3)) == date(2020, 4, 29)  # Sun, Sat, 1/5, 30/4
    assert WorkingCalendar(False).send_day(date(2020, 6, 27)) == date(2020, 6, 27)
    assert CALENDAR.first_working_day_of_quarter(2026, 1) == date(2026, 1, 2)
    assert CALENDAR.first_working_day_of_quarter(2020, 2) == date(2020, 4, 1)


def test_deadline_windows_and_overdue_repeats() -> None:
    deadline = date(2020, 6, 30)
    june = [date(2020, 6, day) for day in range(1, 31)]
    assert [d.day for d in june if reminder_triggered(deadline, d, RULES, CALENDAR)] == [
        16,
        23,
        26,
        29,
        30,
    ]
    q1 = date(2020, 3, 31)
    april = [date(2020, 4, 1) + timedelta(days=n) for n in range(30)]
    assert [d.day for d in april if reminder_triggered(q1, d, RULES, CALENDAR)] == [
        3,
        6,
        9,
        10,
        15,
        17,
        21,
        24,
        27,
        29,
    ]
    every_week = ReminderRules(windows=(0,), overdue_every_days=7)
    assert [d.day for d in april if reminder_triggered(q1, d, every_week, CALENDAR)] == [
        7,
        14,
        21,
        28,
    ]


def test_the_weekly_summary_is_on_mondays() -> None:
    days = [date(2020, 4, 1) + timedelta(days=n) for n in range(30)]
    assert [d.day for d in days if escalation_day(d, CALENDAR)] == [6, 13, 20, 27]
    # 31/08/2026 is a day off (substituted), so that week's summary goes out on Friday 28/08.
    assert escalation_day(date(2026, 8, 28), CALENDAR)
