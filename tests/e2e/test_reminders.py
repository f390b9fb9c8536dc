"""Reminders through the real Application and the fake Bot API, with a controlled clock:
a whole quarter day by day, restarts, concurrent passes, 403/429/network errors."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func, select

from bot.services.working_days import is_day_off
from models import Member, OutboxMessage, OutboxStatus, ReminderLog, Task, Unit
from tests.auxil.fake_bot_api import FailRule
from tests.auxil.harness import BotHarness, button_data, settings_for
from tests.conftest import join, local

HEAD_VI, HEAD_EN = 1001, 1002


async def _task_ids(harness: BotHarness, quarter: int) -> list[int]:
    async with harness.ctx.session() as session:
        return list(
            await session.scalars(
                select(Task.id).where(Task.quarter == quarter).order_by(Task.position)
            )
        )


async def _enrol(harness: BotHarness, officer_id: int) -> None:
    await join(harness, harness.user(HEAD_VI, "Nguyễn Văn An"), "TT-VA")
    await join(harness, harness.user(HEAD_EN, "Alice", language_code="en"), "X-TA")
    await harness.user(officer_id, "Trần Thị Bình").send("/start")


async def _day(harness: BotHarness, day: date, hour: int = 8) -> dict[int, list[str]]:
    """Run the day's pass and deliver; what each chat received that day."""
    mark = len(harness.api.calls)
    harness.clock.set(local(day.year, day.month, day.day, hour))
    await harness.reminder_pass()
    await harness.drain()
    received: dict[int, list[str]] = defaultdict(list)
    for call in harness.api.sent(since=mark):
        assert call.chat_id is not None
        received[call.chat_id].append(call.text)
    return received


async def test_a_quarter_day_by_day(seeded: BotHarness, officer_id: int) -> None:
    await _enrol(seeded, officer_id)
    q1, q2 = await _task_ids(seeded, 1), await _task_ids(seeded, 2)
    days_with = defaultdict(list)
    day = date(2020, 4, 1)
    while day <= date(2020, 6, 30):
        if day == date(2020, 4, 7):
            # The unit head reports one overdue task done; it is never reminded again.
            seeded.clock.set(local(2020, 4, 7, 7))
            await seeded.user(HEAD_VI, "Nguyễn Văn An").send(f"/done {q1[0]}")
        received = await _day(seeded, day)
        if received:
            assert not is_day_off(day), f"reminder on a day off: {day}"
        for chat_id, texts in received.items():
            days_with[chat_id].append(day)
            for text in texts:
                for task_id in q1 + q2:
                    if f"#{task_id}</b>" in text:
                        days_with[(chat_id, task_id)].append(day)
            kinds = [text.split("</b>")[0] for text in texts]
            assert len(kinds) == len(set(kinds)), f"duplicate kind on {day} for {chat_id}"
        day += timedelta(days=1)

    # Kickoff on the first working day of the quarter lists the quarter's seven tasks.
    kickoff_day = [d for d in days_with[(HEAD_VI, q2[0])] if d.month == 4]
    assert kickoff_day == [date(2020, 4, 1)]
    # This quarter's tasks: 14, 7, 3 (27/6 is a Saturday, so Friday 26/6), 1 day before, and
    # on the deadline day.
    june = [d.day for d in days_with[(HEAD_VI, q2[0])] if d.month == 6]
    assert june == [16, 23, 26, 29, 30]
    # An overdue first-quarter task every three days, moved forward past days off (12/4 is a
    # Sunday, 18/4 a Saturday, 30/4-3/5 holidays and a weekend), until the end of the quarter;
    # the one reported done on 7/4 stops after 6/4.
    overdue = days_with[(HEAD_EN, q1[0])]
    assert [d.day for d in overdue if d.month == 4] == [3, 6, 9, 13, 15, 20, 21, 24, 27]
    assert overdue[9] == date(2020, 5, 4)
    assert days_with[(HEAD_VI, q1[0])] == [date(2020, 4, 3), date(2020, 4, 6)]
    assert days_with[(HEAD_VI, q1[1])] == days_with[(HEAD_EN, q1[1])]
    # The officer gets the weekly summary on Mondays only.
    assert days_with[officer_id] and all(d.weekday() == 0 for d in days_with[officer_id])
    assert len(days_with[officer_id]) == 13  # every Monday of the quarter

    # Exactly one outbox message per reminder log row, all sent.
    async with seeded.ctx.session() as session:
        logs = await session.scalar(select(func.count()).select_from(ReminderLog))
        sent = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.SENT.value)
        )
    assert logs == sent == sum(len(v) for k, v in days_with.items() if isinstance(k, int))


async def test_an_overdue_repeat_on_a_day_off_is_sent_on_the_next_working_day(
    seeded: BotHarness, officer_id: int
) -> None:
    """Issue 13 #12: the quarter-IV deadline is Thursday 31/12; three days later is a Sunday
    after the New Year holiday. That repeat goes out on Monday 4/1, not lost on 31/12."""
    await _enrol(seeded, officer_id)
    q4 = await _task_ids(seeded, 4)
    head = seeded.user(HEAD_VI, "Nguyễn Văn An")
    for quarter in (1, 2, 3):  # only quarter IV is left
        for task_id in await _task_ids(seeded, quarter):
            await head.send(f"/done {task_id}")
    day = date(2020, 12, 26)
    while day <= date(2021, 1, 13):
        received = await _day(seeded, day)
        if received:
            assert not is_day_off(day), f"reminder on a day off: {day}"
        day += timedelta(days=1)
    async with seeded.ctx.session() as session:
        member = await session.scalar(select(Member).where(Member.telegram_id == HEAD_VI))
        assert member is not None
        logs = await session.execute(
            select(ReminderLog.day, ReminderLog.task_ids).where(
                ReminderLog.member_id == member.id, ReminderLog.kind == "digest"
            )
        )
        reminded = sorted(day for day, task_ids in logs if q4[0] in (task_ids or []))
    # Before the deadline: 3 and 1 days before and the day itself; after it, every three days
    # moved forward past days off (9/1 is a Saturday).
    assert reminded == [
        date(2020, 12, 28),
        date(2020, 12, 30),
        date(2020, 12, 31),
        date(2021, 1, 4),
        date(2021, 1, 6),
        date(2021, 1, 11),
        date(2021, 1, 12),
    ]
    first_overdue = [call.text for call in seeded.api.sent(HEAD_VI) if "04/01/2021" in call.text]
    assert len(first_overdue) == 1
    assert "Thời hạn: 31/12/2020 (quá hạn 4 ngày)" in first_overdue[0]


async def test_digest_content_languages_and_buttons(seeded: BotHarness, officer_id: int) -> None:
    await _enrol(seeded, officer_id)
    q2 = await _task_ids(seeded, 2)
    received = await _day(seeded, date(2020, 6, 16))
    assert len(received[HEAD_VI]) == 1 and len(received[HEAD_EN]) == 1
    vi, en = received[HEAD_VI][0], received[HEAD_EN][0]
    assert "<b>Nhắc việc công tác thi đua, khen thưởng</b> — 16/06/2020" in vi
    assert "Thời hạn: 30/06/2020 (còn 14 ngày)" in vi
    assert "<b>TĐKT reminder</b> — Jun 16, 2020" in en
    assert "Deadline: Jun 30, 2020 (14 days left)" in en
    message = seeded.api.sent(HEAD_VI)[-1].result
    assert button_data(message, "rd:") == [f"rd:{task_id}" for task_id in q2]

    # Pressing a button in the reminder reports the task and removes that button.
    head = seeded.user(HEAD_VI, "Nguyễn Văn An")
    pressed = await head.press(message, f"rd:{q2[0]}")
    assert f"Đã ghi nhận: nhiệm vụ #{q2[0]}" in pressed.text
    assert button_data(seeded.api.messages[(HEAD_VI, message["message_id"])], "rd:") == [
        f"rd:{task_id}" for task_id in q2[1:]
    ]
    # Running the pass again the same day sends nothing.
    assert await _day(seeded, date(2020, 6, 16), hour=15) == {}
    # Completed tasks are left out of the next reminder.
    next_one = await _day(seeded, date(2020, 6, 23))
    assert f"#{q2[0]}</b>" not in next_one[HEAD_VI][0]
    assert f"#{q2[0]}</b>" in next_one[HEAD_EN][0]


async def test_a_press_in_the_digest_marks_its_line_done(
    seeded: BotHarness, officer_id: int
) -> None:
    """Issue 13 #30: after ✅ in a digest, the pressed task's line still showed ⏳."""
    await _enrol(seeded, officer_id)
    q2 = await _task_ids(seeded, 2)
    await _day(seeded, date(2020, 6, 16))
    for chat_id, name, language, done_status in (
        (HEAD_VI, "Nguyễn Văn An", "vi", "Thời hạn: 30/06/2020 (hoàn thành ngày 16/06/2020)"),
        (HEAD_EN, "Alice", "en", "Deadline: Jun 30, 2020 (done on Jun 16, 2020)"),
    ):
        digest = seeded.api.sent(chat_id)[-1].result
        key = (chat_id, digest["message_id"])
        user = seeded.user(chat_id, name, language_code=language)
        await user.press(digest, f"rd:{q2[1]}")
        lines = seeded.api.messages[key]["text"].split("\n")
        marked = lines.index(next(line for line in lines if f"<b>#{q2[1]}</b>" in line))
        assert lines[marked].startswith(f"✅ <b>#{q2[1]}</b> ")
        assert lines[marked + 1] == done_status
        others = [line for line in lines if line.startswith(("⏳", "✅"))]
        assert len(others) == len(q2) and sum(line.startswith("✅") for line in others) == 1
        assert f"rd:{q2[1]}" not in button_data(seeded.api.messages[key], "rd:")
        # A second press marks that line too; the first stays marked.
        await user.press(seeded.api.messages[key], f"rd:{q2[0]}")
        text = seeded.api.messages[key]["text"]
        assert text.count("✅ <b>#") == 2 and f"✅ <b>#{q2[0]}</b>" in text
        assert button_data(seeded.api.messages[key], "rd:") == [f"rd:{t}" for t in q2[2:]]


async def test_nothing_before_the_reminder_time_and_no_replay(
    seeded: BotHarness, officer_id: int
) -> None:
    await _enrol(seeded, officer_id)
    assert await _day(seeded, date(2020, 6, 16), hour=7) == {}
    # Down all of 16/6: on 18/6 at 10:00 nothing of the 16th is sent (the 18th has no window
    # and no overdue repeat of its own).
    assert await _day(seeded, date(2020, 6, 18), hour=10) == {}
    # Down until 11:30 on 23/6: that day's reminders still go out (catch-up).
    received = await _day(seeded, date(2020, 6, 23), hour=11)
    assert set(received) == {HEAD_VI, HEAD_EN}


async def test_catch_up_at_start_through_the_job_queue(
    api,
    database_url,
    clock,
    officer_id: int,  # type: ignore[no-untyped-def]
) -> None:
    """A bot started at 10:30 sends that day's reminders by itself (JobQueue + sender)."""
    setup = BotHarness(api, settings_for(api, database_url), clock)
    await setup.start()
    async with setup.ctx.session() as session:
        from tests.conftest import seed_directory_and_plan

        await seed_directory_and_plan(session, clock.now())
    await join(setup, setup.user(HEAD_VI, "An"), "TT-VA")
    await setup.stop()

    clock.set(local(2020, 6, 16, 10, 30))
    bot = BotHarness(api, settings_for(api, database_url), clock, background=True)
    await bot.start()
    try:
        await api.wait_for_sent(HEAD_VI, count=2)  # the welcome, then the reminder
        assert "Nhắc việc công tác thi đua" in api.sent(HEAD_VI)[-1].text
        assert bot.app is not None and bot.app.job_queue is not None
        daily = bot.app.job_queue.get_jobs_by_name("reminder-pass:daily")
        assert len(daily) == 1
        next_run = daily[0].next_t
        assert next_run is not None and (next_run.hour, next_run.minute) == (8, 0)
        assert str(next_run.tzinfo) in ("Asia/Ho_Chi_Minh", "+07:00", "UTC+07:00")
        # A week later at 08:00 the scheduled job itself (run now, on the test's clock, not
        # waited for) sends the 7-day reminder, once however often it fires that day.
        clock.set(local(2020, 6, 23, 8, 0))
        await daily[0].run(bot.app)
        await api.wait_for_sent(HEAD_VI, count=3)
        assert "23/06/2020" in api.sent(HEAD_VI)[-1].text
        await daily[0].run(bot.app)
        await bot.drain()
        assert len(api.sent(HEAD_VI)) == 3
    finally:
        await bot.stop()


async def test_restart_mid_pass_delivers_the_rest_exactly_once(
    seeded: BotHarness, officer_id: int
) -> None:
    await _enrol(seeded, officer_id)
    async with seeded.ctx.session() as session:
        for number in range(20):
            unit = Unit(code=f"X{number}", name=f"UBND xã số {number}", kind="commune")
            session.add(unit)
        await session.commit()
    for number in range(20):
        await join(seeded, seeded.user(2000 + number, f"Trưởng {number}"), f"X{number}")
    seeded.clock.set(local(2020, 6, 16, 8))
    # Sending breaks down after five messages (the process "dies"): the rest stay queued.
    sends = {"n": 0}

    def after_five(call):  # type: ignore[no-untyped-def]
        if call.method != "sendMessage":
            return False
        sends["n"] += 1
        return sends["n"] > 5

    seeded.api.fail_rules.append(FailRule(after_five, 502, "Bad Gateway", times=None))
    mark = len(seeded.api.calls)
    result = await seeded.reminder_pass()
    assert result is not None and result.enqueued == 22
    await seeded.drain()
    assert len(seeded.api.sent(since=mark)) == 5
    # Also a claim left behind by a process killed while sending.
    async with seeded.ctx.session() as session:
        from bot.services.outbox import claim_due

        orphaned = await claim_due(
            session, now=seeded.clock.now() + timedelta(minutes=1), worker="dead-process", limit=2
        )
    assert len(orphaned) == 2

    seeded.api.fail_rules.clear()
    await seeded.restart()
    assert (await seeded.reminder_pass()) is not None  # the daily job runs again: no-op
    seeded.clock.advance(timedelta(minutes=10))  # past the backoff and the claim lease
    await seeded.drain()
    per_chat = defaultdict(int)
    for call in seeded.api.sent(since=mark):
        per_chat[call.chat_id] += 1
    assert len(per_chat) == 22 and set(per_chat.values()) == {1}


async def test_two_bots_on_one_database_send_once(seeded: BotHarness, officer_id: int) -> None:
    await _enrol(seeded, officer_id)
    second = BotHarness(seeded.api, seeded.settings, seeded.clock)
    await second.start()
    try:
        seeded.clock.set(local(2020, 6, 16, 8))
        mark = len(seeded.api.calls)
        results = await asyncio.gather(
            seeded.reminder_pass(), second.reminder_pass(), seeded.reminder_pass()
        )
        assert sum(r.enqueued for r in results if r) == 2
        await asyncio.gather(seeded.drain(), second.drain())
        chats = [call.chat_id for call in seeded.api.sent(since=mark)]
        assert sorted(chats) == [HEAD_VI, HEAD_EN]
    finally:
        await second.stop()


async def test_blocked_members_rate_limits_and_network_errors(
    seeded: BotHarness, officer_id: int
) -> None:
    await _enrol(seeded, officer_id)
    api = seeded.api
    api.fail_rules += [
        FailRule(
            lambda c: c.method == "sendMessage" and c.chat_id == HEAD_VI,
            403,
            "Forbidden: bot was blocked by the user",
            times=None,
        ),
        FailRule(
            lambda c: c.method == "sendMessage" and c.chat_id == HEAD_EN,
            429,
            "Too Many Requests: retry after 1",
            {"retry_after": 1},
            times=1,
        ),
    ]
    received = await _day(seeded, date(2020, 6, 16))
    assert set(received) == {officer_id}  # only the notice about the blocked head
    async with seeded.ctx.session() as session:
        blocked = await session.scalar(select(Member).where(Member.telegram_id == HEAD_VI))
        assert blocked is not None and not blocked.reachable
    # The 429 is waited out, then the message goes; the officer hears about the blocked head.
    seeded.clock.advance(timedelta(seconds=2))
    await seeded.drain()
    assert len(api.sent(HEAD_EN)) == 2  # welcome + reminder
    notice = api.sent(officer_id)[-1].text
    assert "Đồng chí Nguyễn Văn An (UBND thị trấn Vĩnh An) đã chặn bot" in notice
    attempts = [
        c for c in api.calls if c.method == "sendMessage" and c.chat_id == HEAD_VI and c.error
    ]
    assert len(attempts) == 1, "a blocked member is not retried"

    # A flaky network: two failures, retried with backoff, delivered once.
    api.fail_rules.append(
        FailRule(lambda c: c.method == "sendMessage", 502, "Bad Gateway", times=2)
    )
    received = await _day(seeded, date(2020, 6, 23))
    assert received == {}
    seeded.clock.advance(timedelta(seconds=3))
    await seeded.drain()
    seeded.clock.advance(timedelta(seconds=5))
    await seeded.drain()
    assert api.sent(HEAD_EN)[-1].text.count("Deadline") == 12  # 7 due in a week, 5 overdue
    assert len(api.sent(HEAD_EN)) == 3
    # The blocked head is skipped until they write to the bot again.
    assert not any(c.chat_id == HEAD_VI for c in api.calls[-5:] if c.method == "sendMessage")
    api.fail_rules.clear()
    await seeded.user(HEAD_VI, "Nguyễn Văn An").send("/tasks")
    assert HEAD_VI in await _day(seeded, date(2020, 6, 26))


async def test_cluster_leader_gets_the_cluster_summary(
    seeded: BotHarness, officer_id: int
) -> None:
    await _enrol(seeded, officer_id)
    # X-TP is marked as the leader of "Cụm thi đua số 1" in tests/data/units.csv.
    await join(seeded, seeded.user(1003, "Cụm trưởng"), "X-TP")
    received = await _day(seeded, date(2020, 4, 6))
    summary = [t for t in received[1003] if "Weekly" in t or "Tổng hợp" in t]
    assert len(summary) == 1
    assert "Cụm thi đua số 1" in summary[0]
    assert "UBND thị trấn Vĩnh An: 5 nhiệm vụ quá hạn" in summary[0]
    assert "Tân An" not in summary[0]  # another cluster
    assert "UBND xã Tân An" in received[officer_id][0]
