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
        13,  # 12/4 is a Sunday: Monday
        15,
        20,  # 18/4 is a Saturday: Monday (the next repeat, 21/4, stays)
        21,
        24,
        27,
    ]  # 30/4 and 1/5 are holidays, 2/5 and 3/5 the weekend: the repeat comes on 4/5
    assert reminder_triggered(q1, date(2020, 5, 4), RULES, CALENDAR)
    every_week = ReminderRules(windows=(0,), overdue_every_days=7)
    assert [d.day for d in april if reminder_triggered(q1, d, every_week, CALENDAR)] == [
        7,
        14,
        21,
        28,
    ]


def test_an_overdue_repeat_on_a_day_off_moves_forward_not_onto_the_deadline() -> None:
    """Issue 13 #12: 31/12 + 3 days is a Sunday after the New Year holiday; moved back it fell
    on the deadline day itself and was lost, and the first overdue digest came on 6/1."""
    q4 = date(2020, 12, 31)
    days = [q4 + timedelta(days=n) for n in range(1, 19)]
    assert [d for d in days if reminder_triggered(q4, d, RULES, CALENDAR)] == [
        date(2021, 1, 4),
        date(2021, 1, 6),
        date(2021, 1, 11),  # 9/1 is a Saturday
        date(2021, 1, 12),
        date(2021, 1, 15),
        date(2021, 1, 18),
    ]
    # Countdown reminders before a deadline still move back: 3 days before 30/6/2020 is a
    # Saturday, so Friday 26/6.
    assert reminder_triggered(date(2020, 6, 30), date(2020, 6, 26), RULES, CALENDAR)
    # Long after the deadline the repeats keep their rhythm (28/2/2021 is a Sunday, 6/3 a
    # Saturday).
    old = date(2019, 3, 29)
    march = [date(2021, 3, 1) + timedelta(days=n) for n in range(10)]
    assert [d.day for d in march if reminder_triggered(old, d, RULES, CALENDAR)] == [1, 3, 8, 9]


def test_the_weekly_summary_is_on_mondays() -> None:
    days = [date(2020, 4, 1) + timedelta(days=n) for n in range(30)]
    assert [d.day for d in days if escalation_day(d, CALENDAR)] == [6, 13, 20, 27]
    # 31/08/2026 is a day off (substituted), so that week's summary goes out on Friday 28/08.
    assert escalation_day(date(2026, 8, 28), CALENDAR)
