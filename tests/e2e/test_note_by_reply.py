"""A reply to a bot message only ever attaches a note or file to a task already reported done:
replying to a one-task reminder ("not finished, may we have more time?") reports nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from models import AuditLog, Member, Task, TaskReport, Unit
from tests.auxil.harness import BotHarness
from tests.conftest import join, local, report_notes

HEAD = 1101


async def _report(harness: BotHarness, task_id: int) -> TaskReport | None:
    async with harness.ctx.session() as session:
        return await session.scalar(
            select(TaskReport)
            .join(Unit, Unit.id == TaskReport.unit_id)
            .where(TaskReport.task_id == task_id, Unit.code == "TT-VA")
        )


async def _audit_rows(harness: BotHarness) -> int:
    async with harness.ctx.session() as session:
        return int(await session.scalar(select(func.count()).select_from(AuditLog)) or 0)


async def test_a_reply_to_a_one_task_reminder_does_not_report_it_done(
    seeded: BotHarness,
) -> None:
    head = seeded.user(HEAD, "Nguyễn Văn An")
    await join(seeded, head, "TT-VA")
    async with seeded.ctx.session() as session:
        q2 = list(
            await session.scalars(select(Task.id).where(Task.quarter == 2).order_by(Task.position))
        )
    # All but the last of this quarter's tasks are done: the reminder names one task only.
    for task_id in q2[:-1]:
        await head.send(f"/done {task_id}")
    open_task = q2[-1]
    seeded.clock.set(local(2020, 6, 16, 8))
    await seeded.reminder_pass()
    await seeded.drain()
    reminder = seeded.api.sent(HEAD)[-1].result
    assert "Nhắc việc công tác thi đua" in reminder["text"]
    assert f"#{open_task}" in reminder["text"]
    assert not any(f"#{task_id} " in reminder["text"] for task_id in q2[:-1])

    audit_before = await _audit_rows(seeded)
    asked = await head.send("Chưa làm xong, xin gia hạn", reply_to=reminder)
    assert f"Nhiệm vụ #{open_task} chưa được báo cáo hoàn thành" in asked.text
    assert f"/done {open_task}" in asked.text
    assert "Đã ghi nhận" not in asked.text
    filed = await head.send_document("du-thao.pdf", reply_to=reminder)
    assert f"Nhiệm vụ #{open_task} chưa được báo cáo hoàn thành" in filed.text
    assert await _report(seeded, open_task) is None
    assert await _audit_rows(seeded) == audit_before

    # In English too.
    english = seeded.user(HEAD, "Nguyễn Văn An", language_code="en")
    await english.send("/lang en")
    refused = await english.send("Not finished yet", reply_to=reminder)
    assert f"Task #{open_task} is not reported as done yet" in refused.text
    assert await _report(seeded, open_task) is None

    # Once reported done, a reply to the same reminder attaches the note.
    await english.send(f"/done {open_task}")
    noted = await english.send("Đã hoàn thành, gửi kèm báo cáo", reply_to=reminder)
    assert f"attached to the report on task #{open_task}" in noted.text
    report = await _report(seeded, open_task)
    assert report is not None and report.done
    assert await report_notes(seeded, open_task, "TT-VA") == [
        ("Đã hoàn thành, gửi kèm báo cáo", None)
    ]


async def test_a_head_detached_after_pressing_the_note_button_is_told_and_nothing_is_stored(
    seeded: BotHarness,
) -> None:
    head = seeded.user(HEAD, "Nguyễn Văn An")
    await join(seeded, head, "TT-VA")
    async with seeded.ctx.session() as session:
        task_id = await session.scalar(select(Task.id).where(Task.quarter == 2).limit(1))
    assert task_id is not None
    done = await head.send(f"/done {task_id}")
    assert "Đã ghi nhận" in done.text
    listing = await head.send("/tasks")
    asked = await head.press(listing.last_message(), f"note:{task_id}")
    assert f"Vui lòng gửi ghi chú cho nhiệm vụ #{task_id}" in asked.text
    async with seeded.ctx.session() as session:
        member = await session.scalar(select(Member).where(Member.telegram_id == HEAD))
        assert member is not None
        member.unit_id = None
        await session.commit()
    told = await head.send("Biên bản đã gửi")
    assert "không còn gắn với đơn vị nào nên chưa đính kèm" in told.text, told.text
    report = await _report(seeded, task_id)
    assert report is not None
    assert await report_notes(seeded, task_id, "TT-VA") == []
    async with seeded.ctx.session() as session:
        member = await session.scalar(select(Member).where(Member.telegram_id == HEAD))
        assert member is not None and member.pending_input is None
