"""Overdue tasks through the real Application: a done report on one can be taken back the same
day (issue 13 #7), and last year's open tasks stay overdue until the officer closes that year's
plan (issue 13 #11)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from models import AuditLog, Plan, Task, TaskReport
from tests.auxil.harness import BotHarness, button_data, buttons
from tests.conftest import join, local

HEAD, OTHER_HEAD = 1101, 1102


async def _task_ids(harness: BotHarness, quarter: int) -> list[int]:
    async with harness.ctx.session() as session:
        return list(
            await session.scalars(
                select(Task.id).where(Task.quarter == quarter).order_by(Task.position)
            )
        )


async def _day(harness: BotHarness, day: date) -> dict[int, list[str]]:
    """The day's reminder pass at 08:00, delivered: what each chat received."""
    mark = len(harness.api.calls)
    harness.clock.set(local(day.year, day.month, day.day, 8))
    await harness.reminder_pass()
    await harness.drain()
    received: dict[int, list[str]] = defaultdict(list)
    for call in harness.api.sent(since=mark):
        assert call.chat_id is not None
        received[call.chat_id].append(call.text)
    return received


async def test_a_done_report_on_an_overdue_task_can_be_undone_that_day(
    seeded: BotHarness,
) -> None:
    head = seeded.user(HEAD, "Nguyễn Văn An")
    await join(seeded, head, "TT-VA")
    q1 = await _task_ids(seeded, 1)
    listing = await head.send("/tasks")  # 15/05/2020: the first quarter's tasks are overdue
    page = listing.last_message()
    assert f"done:{q1[0]}:0" in button_data(page, "done:")

    pressed = await head.press(page, f"done:{q1[0]}:0")
    refreshed = pressed.edits[-1].result
    # Still listed, now done, with ↩️ and 📎 beside it, until the day ends.
    assert f"#{q1[0]}" in refreshed["text"]
    assert f"undo:{q1[0]}:0" in button_data(refreshed, "undo:")
    assert f"note:{q1[0]}" in button_data(refreshed, "note:")
    assert f"done:{q1[0]}:0" not in button_data(refreshed, "done:")
    # /tasks again later that day shows it the same way.
    seeded.clock.set(local(2020, 5, 15, 23, 50))
    again = (await head.send("/tasks")).last_message()
    assert f"undo:{q1[0]}:0" in button_data(again, "undo:")

    # ↩️ takes the report back: the task is open and overdue again.
    undone = await head.press(again, f"undo:{q1[0]}:0")
    assert undone.edits, "the list is refreshed in place"
    reopened = undone.edits[-1].result
    assert f"done:{q1[0]}:0" in button_data(reopened, "done:")
    async with seeded.ctx.session() as session:
        report = await session.scalar(select(TaskReport).where(TaskReport.task_id == q1[0]))
    assert report is not None and not report.done

    # Reported again; the next day the done overdue task has left the list.
    await head.press(reopened, f"done:{q1[0]}:0")
    seeded.clock.set(local(2020, 5, 16, 0, 5))
    next_day = (await head.send("/tasks")).last_message()
    assert f"#{q1[0]}</b>" not in next_day["text"]
    assert f"done:{q1[0]}:0" not in button_data(next_day, "done:")
    assert f"undo:{q1[0]}:0" not in button_data(next_day, "undo:")


async def test_last_years_open_tasks_stay_overdue_until_the_plan_is_closed(
    seeded: BotHarness, officer_id: int
) -> None:
    head = seeded.user(HEAD, "Nguyễn Văn An")
    await join(seeded, head, "TT-VA")
    await join(seeded, seeded.user(OTHER_HEAD, "Lê Văn Bình"), "X-TA")
    officer = seeded.user(officer_id, "Trần Thị Bình")
    await officer.send("/start")
    q1, q2, q3 = [await _task_ids(seeded, quarter) for quarter in (1, 2, 3)]
    await head.send(f"/done {q2[0]}")  # Vĩnh An leaves 19 of the 20 tasks of 2020 open

    # Monday 04/01/2021: every open task of 2020 is still overdue.
    received = await _day(seeded, date(2021, 1, 4))
    digest = received[HEAD][0]
    assert "(quá hạn 279 ngày)" in digest and f"#{q1[0]}</b>" in digest  # quarter I
    assert "(quá hạn 96 ngày)" in digest and f"#{q3[0]}</b>" in digest  # quarter III
    summary = received[officer_id][0]
    assert "Tổng hợp hằng tuần" in summary
    assert "UBND thị trấn Vĩnh An: 19 nhiệm vụ quá hạn" in summary
    assert "UBND xã Tân An: 20 nhiệm vụ quá hạn" in summary
    listing = await head.send("/tasks")
    assert "31/03/2020 (quá hạn 279 ngày)" in listing.text
    assert len(button_data(listing.last_message(), "done:")) == 10
    assert button_data(listing.last_message(), "tasks:") == ["tasks:1"]

    # The officer closes the 2020 plan from /plan, with a confirmation.
    menu = (await officer.send("/plan")).last_message()
    assert ("🔒 Đóng kế hoạch năm 2020", "plc:2020:0") in buttons(menu)
    asked = await officer.press(menu, "plc:2020:0")
    question = asked.last_message()
    assert "Đóng kế hoạch năm 2020?" in asked.text
    assert "Chưa hoàn thành: 99 nhiệm vụ tại 5 đơn vị." in asked.text
    assert "• UBND thị trấn Vĩnh An (TT-VA): 19 nhiệm vụ chưa hoàn thành" in asked.text
    assert "• UBND xã Tân An (X-TA): 20 nhiệm vụ chưa hoàn thành" in asked.text
    assert button_data(question, "plc") == ["plc:2020:1", "plc:2020:2"]
    async with seeded.ctx.session() as session:
        assert await session.scalar(select(Plan.closed_at)) is None  # nothing before confirming
    kept = await officer.press(question, "plc:2020:2")
    assert "Kế hoạch năm 2020 vẫn để mở" in kept.text
    assert not button_data(seeded.api.messages[(officer_id, question["message_id"])], "plc")
    # Kept open, the next day's digest still has the second quarter's tasks (189 days late).
    assert "(quá hạn 189 ngày)" in (await _day(seeded, date(2021, 1, 5)))[HEAD][0]

    question = (await officer.press(menu, "plc:2020:0")).last_message()
    closed = await officer.press(question, "plc:2020:1")
    assert "Đã đóng kế hoạch năm 2020" in closed.text
    assert "• UBND thị trấn Vĩnh An (TT-VA): 19 nhiệm vụ chưa hoàn thành" in closed.text
    async with seeded.ctx.session() as session:
        plan = await session.scalar(select(Plan))
        audit = await session.scalar(select(AuditLog).where(AuditLog.action == "close-plan"))
    assert plan is not None and plan.closed_at == seeded.clock.now()
    assert audit is not None and audit.member_id is not None
    assert not button_data(seeded.api.messages[(officer_id, question["message_id"])], "plc")
    # An old menu's button, pressed again: the plan is already closed, nothing changes.
    again = await officer.press(menu, "plc:2020:0")
    assert "Kế hoạch năm 2020 đã được đóng ngày 05/01/2021." in again.text
    menu = (await officer.send("/plan")).last_message()
    assert not button_data(menu, "plc")

    # Gone from /tasks, the digests and the weekly summary; the reports are kept.
    listing = await head.send("/tasks")
    assert "Quý này đơn vị không có nhiệm vụ nào." in listing.text and not button_data(
        listing.last_message(), ""
    )
    for day in (date(2021, 1, 6), date(2021, 1, 11)):
        assert await _day(seeded, day) == {}
    async with seeded.ctx.session() as session:
        report = await session.scalar(select(TaskReport).where(TaskReport.task_id == q2[0]))
    assert report is not None and report.done


async def test_progress_of_one_quarter_counts_only_its_overdue_tasks(
    seeded: BotHarness, officer_id: int
) -> None:
    """Issue 13 #30: /progress 1 counted the lagging units' overdue tasks of every quarter."""
    head = seeded.user(HEAD, "Nguyễn Văn An")
    await join(seeded, head, "TT-VA")
    q1, q2 = [await _task_ids(seeded, quarter) for quarter in (1, 2)]
    await head.send(f"/done {q1[0]}")
    officer = seeded.user(officer_id, "Trần Thị Bình")
    seeded.clock.set(local(2020, 7, 15))  # quarters I and II are both overdue
    await head.send(f"/done {q2[0]}")

    first = (await officer.send("/progress 1")).text
    assert "Đơn vị chậm tiến độ trong Quý I" in first
    assert "UBND thị trấn Vĩnh An: 4 nhiệm vụ quá hạn" in first  # 5 of quarter I, 1 done
    assert "UBND xã Tân An: 5 nhiệm vụ quá hạn" in first
    second = (await officer.send("/progress 2")).text
    assert "Đơn vị chậm tiến độ trong Quý II" in second
    assert "UBND thị trấn Vĩnh An: 6 nhiệm vụ quá hạn" in second
    assert "UBND xã Tân An: 7 nhiệm vụ quá hạn" in second
    whole = (await officer.send("/progress")).text
    assert "UBND thị trấn Vĩnh An: 10 nhiệm vụ quá hạn" in whole
    assert "UBND xã Tân An: 12 nhiệm vụ quá hạn" in whole
    third = (await officer.send("/progress 3")).text  # not due yet
    assert "Không có đơn vị nào còn nhiệm vụ quá hạn." in third
