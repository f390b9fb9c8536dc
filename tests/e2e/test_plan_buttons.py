"""/plan guided by buttons: an officer adds, renames and narrows tasks (and gives a task back to
every unit) by pressing buttons and typing only the title or the units; unit heads are refused."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from models import Task, TaskAudience
from tests.auxil.harness import BotHarness, button_data, buttons
from tests.conftest import join

OFFICERS_ONLY = "Xin lỗi, lệnh này chỉ dành cho cán bộ phụ trách TĐKT."


async def _task(harness: BotHarness, quarter: int, position: int) -> Task:
    async with harness.ctx.session() as session:
        task = await session.scalar(
            select(Task).where(Task.quarter == quarter, Task.position == position)
        )
    assert task is not None
    return task


async def _audience(harness: BotHarness, task_id: int) -> list[TaskAudience]:
    async with harness.ctx.session() as session:
        return list(
            await session.scalars(select(TaskAudience).where(TaskAudience.task_id == task_id))
        )


async def test_the_plan_reply_offers_the_edit_buttons(seeded: BotHarness, officer_id: int) -> None:
    officer = seeded.user(officer_id, "Bình")
    asked = await officer.send("/plan")
    assert "Đồng chí gửi văn bản kế hoạch" in asked.text
    labels = [text for text, _data in buttons(asked.last_message())]
    assert labels == [
        "➕ Thêm nhiệm vụ",
        "✏️ Đổi tên nhiệm vụ",
        "🎯 Giới hạn đối tượng",
        "🌐 Áp dụng cho tất cả đơn vị",
    ]


async def test_officer_renames_a_task_with_buttons(seeded: BotHarness, officer_id: int) -> None:
    officer = seeded.user(officer_id, "Bình")
    task = await _task(seeded, 4, 2)
    menu = (await officer.send("/plan")).last_message()
    picker = await officer.press(menu, "pl:r")
    assert "Đồng chí muốn đổi tên nhiệm vụ nào?" in picker.text
    assert "Trang 1/2" in picker.text
    first_page = picker.last_message()
    assert f"pl:t:r:{task.id}" not in button_data(first_page, "pl:t:")
    second = await officer.press(first_page, "pl:p:r:1")
    assert "Trang 2/2" in second.edits[-1].result["text"]
    assert f"pl:t:r:{task.id}" in button_data(second.edits[-1].result, "pl:t:")

    asked = await officer.press(first_page, f"pl:t:r:{task.id}")
    assert f"tên mới của nhiệm vụ #{task.id}" in asked.text
    await seeded.restart()  # the question is kept in the database
    empty = await officer.send("   ")
    assert "Đề nghị đồng chí gửi lại" in empty.text
    done = await officer.send("Tổng kết công tác thi đua, khen thưởng năm 2020")
    assert f"Đã lưu: nhiệm vụ #{task.id} “Tổng kết công tác thi đua, khen thưởng năm 2020”" in (
        done.text
    )
    assert (await _task(seeded, 4, 2)).title == "Tổng kết công tác thi đua, khen thưởng năm 2020"
    after = await officer.send("Một tên khác")
    assert "chưa hiểu yêu cầu" in after.text, "the conversation has ended"

    # /cancel after choosing the task: nothing changes.
    await officer.press(first_page, f"pl:t:r:{task.id}")
    cancelled = await officer.send("/cancel")
    assert "Đã hủy. Không có thay đổi nào." in cancelled.text
    await officer.send("Tên sẽ không được lưu")
    assert (await _task(seeded, 4, 2)).title == "Tổng kết công tác thi đua, khen thưởng năm 2020"


async def test_officer_narrows_a_task_and_gives_it_back_with_buttons(
    seeded: BotHarness, officer_id: int
) -> None:
    officer = seeded.user(officer_id, "Bình")
    task = await _task(seeded, 2, 1)
    menu = (await officer.send("/plan")).last_message()
    picker = await officer.press(menu, "pl:n")
    assert "Nhiệm vụ nào chỉ áp dụng cho một số đơn vị?" in picker.text
    asked = await officer.press(picker.last_message(), f"pl:t:n:{task.id}")
    assert f"thực hiện nhiệm vụ #{task.id}, cách nhau bằng dấu phẩy" in asked.text
    unknown = await officer.send("X-TA, Cụm không có")
    assert "Không có đơn vị hoặc cụm thi đua: Cụm không có" in unknown.text
    assert await _audience(seeded, task.id) == []
    narrowed = await officer.send("X-TA, Cụm thi đua số 3")
    assert f"Đã lưu: nhiệm vụ #{task.id}" in narrowed.text
    assert len(await _audience(seeded, task.id)) == 2

    head = seeded.user(1701, "Sơn")
    await join(seeded, head, "TT-VA")
    assert f"#{task.id} " not in (await head.send("/tasks")).text

    picker = await officer.press(menu, "pl:u")
    assert "Nhiệm vụ nào được áp dụng lại cho tất cả đơn vị?" in picker.text
    back = await officer.press(picker.last_message(), f"pl:t:u:{task.id}")
    assert f"Đã lưu: nhiệm vụ #{task.id}" in back.text
    assert await _audience(seeded, task.id) == []
    assert f"#{task.id} " in (await head.send("/tasks")).text


async def test_officer_adds_a_task_with_buttons(seeded: BotHarness, officer_id: int) -> None:
    officer = seeded.user(officer_id, "Bình")
    menu = (await officer.send("/plan")).last_message()
    quarters = await officer.press(menu, "pl:a")
    assert "Nhiệm vụ mới thuộc quý nào?" in quarters.text
    assert button_data(quarters.last_message(), "pl:q:") == [f"pl:q:{n}" for n in range(1, 5)]
    asked = await officer.press(quarters.last_message(), "pl:q:3")
    assert "tên nhiệm vụ mới của Quý III" in asked.text
    added = await officer.send("Tổ chức Hội nghị điển hình tiên tiến")
    assert "“Tổ chức Hội nghị điển hình tiên tiến”, Quý III, thời hạn 30/09/2020" in added.text
    async with seeded.ctx.session() as session:
        task = await session.scalar(
            select(Task).where(Task.title == "Tổ chức Hội nghị điển hình tiên tiến")
        )
    assert task is not None and task.quarter == 3 and task.deadline == date(2020, 9, 30)
    # The typed forms keep working beside the buttons.
    renamed = await officer.send(f"/plan rename {task.id} Hội nghị điển hình tiên tiến")
    assert "“Hội nghị điển hình tiên tiến”" in renamed.text


async def test_a_unit_head_pressing_plan_buttons_is_refused(
    seeded: BotHarness, officer_id: int
) -> None:
    officer = seeded.user(officer_id, "Bình")
    menu = (await officer.send("/plan")).last_message()
    task = await _task(seeded, 2, 1)
    head = seeded.user(1702, "Tâm")
    await join(seeded, head, "TT-VA")
    async with seeded.ctx.session() as session:
        tasks_before = await session.scalar(select(func.count()).select_from(Task))
    for data in (
        "pl:a",
        "pl:q:2",
        "pl:r",
        "pl:n",
        "pl:u",
        "pl:p:r:1",
        f"pl:t:r:{task.id}",
        f"pl:t:n:{task.id}",
        f"pl:t:u:{task.id}",
    ):
        refused = await head.press(menu, data)
        assert OFFICERS_ONLY in refused.alerts, (data, refused.everything())
        assert not refused.messages and not refused.edits, data
    # No question was asked: the head's next message is not taken as a title.
    await head.send("Tên giả mạo")
    async with seeded.ctx.session() as session:
        assert await session.scalar(select(func.count()).select_from(Task)) == tasks_before
        assert (await session.get(Task, task.id)).title == task.title  # type: ignore[union-attr]
    assert await _audience(seeded, task.id) == []


async def test_forged_plan_buttons_are_refused(seeded: BotHarness, officer_id: int) -> None:
    officer = seeded.user(officer_id, "Bình")
    menu = (await officer.send("/plan")).last_message()
    for data in (
        "pl:q:5",
        "pl:q:²",
        "pl:t:r:999999",
        "pl:t:x:1",
        "pl:p:r:-1",
        "pl:t:r:" + "9" * 30,
    ):
        forged = await officer.press(menu, data)
        assert "không còn hiệu lực" in " ".join(forged.alerts), data
        assert not forged.messages and not forged.edits, data
