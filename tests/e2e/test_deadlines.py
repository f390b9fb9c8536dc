"""/deadline: an officer moves a task's deadline with buttons or typed; reminders follow."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from models import AuditLog, Member, Role, Task
from tests.auxil.harness import BotHarness, button_data
from tests.conftest import join, local


async def _task(harness: BotHarness, quarter: int, position: int) -> Task:
    async with harness.ctx.session() as session:
        task = await session.scalar(
            select(Task).where(Task.quarter == quarter, Task.position == position)
        )
    assert task is not None
    return task


async def test_officer_changes_a_deadline_with_buttons(
    seeded: BotHarness, officer_id: int
) -> None:
    officer = seeded.user(officer_id, "Bình")
    task = await _task(seeded, 2, 3)
    picker = await officer.send("/deadline")
    assert "Đồng chí muốn thay đổi thời hạn của nhiệm vụ nào?" in picker.text
    assert "Trang 1/2" in picker.text
    first_page = picker.last_message()
    assert f"dl:{task.id}" in button_data(first_page, "dl:")
    second = await officer.press(first_page, "dlp:1")
    assert "Trang 2/2" in second.edits[-1].result["text"]
    assert f"dl:{task.id}" not in button_data(second.edits[-1].result, "dl:")

    asked = await officer.press(first_page, f"dl:{task.id}")
    assert f"thời hạn mới của nhiệm vụ #{task.id}" in asked.text
    await seeded.restart()  # the question is kept in the database
    wrong = await officer.send("ngày mai")
    assert "Vui lòng ghi ngày theo dạng dd/mm/yyyy" in wrong.text
    too_far = await officer.send("15/07/2030")
    assert "Thời hạn phải thuộc năm 2020 hoặc 2021" in too_far.text
    done = await officer.send("15/07/2020")
    assert f"Thời hạn của nhiệm vụ #{task.id}" in done.text
    assert "15/07/2020 (trước đây là 30/06/2020)" in done.text
    assert (await _task(seeded, 2, 3)).deadline == date(2020, 7, 15)
    after = await officer.send("15/08/2020")
    assert "chưa hiểu yêu cầu" in after.text, "the conversation has ended"
    async with seeded.ctx.session() as session:
        entry = await session.scalar(select(AuditLog).where(AuditLog.action == "change-deadline"))
    assert entry is not None and entry.details == {"before": "2020-06-30", "after": "2020-07-15"}


async def test_typed_deadline_cancel_and_refusals(seeded: BotHarness, officer_id: int) -> None:
    officer = seeded.user(officer_id, "Officer", language_code="en")
    task = await _task(seeded, 2, 1)
    changed = await officer.send(f"/deadline {task.id} 10/07/2020")
    assert "is now Jul 10, 2020 (was Jun 30, 2020)" in changed.text
    same = await officer.send(f"/deadline {task.id} 10/07/2020")
    assert "is already due on Jul 10, 2020" in same.text
    missing = await officer.send("/deadline 99999 10/07/2020")
    assert "There is no task #99999." in missing.text
    usage = await officer.send("/deadline abc")
    assert "/deadline CODE dd/mm/yyyy" in usage.text
    picker = await officer.send("/deadline")
    await officer.press(picker.last_message(), f"dl:{task.id}")
    cancelled = await officer.send("/cancel")
    assert "Cancelled. Nothing was changed." in cancelled.text
    assert (await _task(seeded, 2, 1)).deadline == date(2020, 7, 10)

    head = seeded.user(700, "Hà")
    await join(seeded, head, "PGD")
    refused = await head.send(f"/deadline {task.id} 01/08/2020")
    assert "chỉ dành cho cán bộ phụ trách TĐKT" in refused.text
    forged = await head.press(picker.last_message(), f"dl:{task.id}")
    assert any("chỉ dành cho cán bộ" in alert for alert in forged.alerts)
    assert (await _task(seeded, 2, 1)).deadline == date(2020, 7, 10)


async def test_reminders_follow_a_changed_deadline(seeded: BotHarness, officer_id: int) -> None:
    head = seeded.user(701, "Lâm")
    await join(seeded, head, "TT-VA")
    task = await _task(seeded, 2, 2)
    await seeded.user(officer_id, "Bình").send(f"/deadline {task.id} 20/06/2020")
    # 20/06/2020 is a Saturday: "on the deadline day" moves to Friday 19/06, 6 days before is
    # 13/06 → no; 7 days before is Saturday 13/06 → Friday 12/06.
    seeded.clock.set(local(2020, 6, 12, 8))
    await seeded.reminder_pass()
    await seeded.drain()
    reminder = seeded.api.sent(701)[-1].text
    assert f"#{task.id}</b>" in reminder
    assert "Thời hạn: 20/06/2020 (còn 8 ngày)" in reminder


async def test_an_answer_after_losing_the_officer_role_drops_the_question(
    seeded: BotHarness, officer_id: int
) -> None:
    """The role is checked again when the typed answer arrives, not only at the button."""
    officer = seeded.user(officer_id, "Bình")
    task = await _task(seeded, 2, 3)
    picker = await officer.send("/deadline")
    await officer.press(picker.last_message(), f"dl:{task.id}")
    async with seeded.ctx.session() as session:
        member = await session.scalar(select(Member).where(Member.telegram_id == officer_id))
        assert member is not None and member.pending_input is not None
        member.role = Role.HEAD.value
        await session.commit()
    await officer.send("15/07/2020")
    assert (await _task(seeded, 2, 3)).deadline == date(2020, 6, 30)
    async with seeded.ctx.session() as session:
        member = await session.scalar(select(Member).where(Member.telegram_id == officer_id))
    assert member is not None and member.pending_input is None
