"""The typed dialogue on Zalo (issue 19): /tasks with "xong 3"/"hủy 3" and numbered replies, the
digest's ✅ as typed words, guidance acknowledged by "đã nhận", a nomination filed by typed
steps, the short list of what can be typed at each step, and who may do what on Zalo."""

from __future__ import annotations

from sqlalchemy import select

from bot.runtime.zalo.intake import ZaloChannel
from models import Task, TaskReport
from tests.auxil.fake_zalo import FakeZaloApi
from tests.auxil.harness import BotHarness
from tests.e2e.test_zalo import USER, _join, _say, channel, zalo  # noqa: F401  (fixtures)


async def _task_id(harness: BotHarness, quarter: int, position: int) -> int:
    async with harness.ctx.session() as session:
        task_id = await session.scalar(
            select(Task.id).where(Task.quarter == quarter, Task.position == position)
        )
    assert task_id is not None
    return task_id


async def _done(harness: BotHarness, task_id: int) -> bool:
    async with harness.ctx.session() as session:
        report = await session.scalar(select(TaskReport).where(TaskReport.task_id == task_id))
        return report is not None and report.done


async def test_tasks_typed_on_zalo(
    seeded: BotHarness, zalo: FakeZaloApi, channel: ZaloChannel
) -> None:
    await _join(seeded, zalo, "TT-VA")
    page = await _say(zalo, "việc")
    # The same page as on Telegram, as plain text.
    assert "Nhiệm vụ của UBND thị trấn Vĩnh An — Quý II/2020" in page
    assert "quá hạn 45 ngày" in page and "<b>" not in page
    task = await _task_id(seeded, 2, 1)
    # Its buttons as numbered typed replies.
    assert "Trả lời bằng số hoặc từ khóa được nêu:" in page
    assert f"✅ Xong #{task} — gõ: xong {task}" in page
    assert "1. ✅ Xong #" in page and "11. Trang sau ▶️ — gõ: trang 2" in page
    assert "📎" not in page  # a note by reply is for Telegram; on Zalo: "xong 3 note"
    assert page == await _say(zalo, "/tasks")

    answer = await _say(zalo, f"xong {task}")
    assert f"Đã ghi nhận: nhiệm vụ #{task}" in answer and await _done(seeded, task)
    assert f"gõ: xong {task}" in answer  # how to add a note on Zalo
    noted = await _say(zalo, f"xong {task} Đã gửi báo cáo")
    assert f"#{task}" in noted and "đính kèm" in noted
    assert "đã được báo cáo hoàn thành" in await _say(zalo, f"done {task}")
    page = await _say(zalo, "tasks")
    assert f"↩️ Hoàn tác #{task} — gõ: hủy {task}" in page
    undone = await _say(zalo, f"hủy {task}")
    assert f"#{task}" in undone and not await _done(seeded, task)

    # A number answers the latest list: 1 is the first ✅ of the page just shown.
    page = await _say(zalo, "việc")
    first = page.split("1. ✅ Xong #")[1].split(" ")[0]
    assert f"Đã ghi nhận: nhiệm vụ #{first}" in await _say(zalo, "1")
    assert await _done(seeded, int(first))
    second = await _say(zalo, "trang 2")
    assert "Trang 2/2" in second and "3. ◀️ Trang trước — gõ: trang 1" in second
    assert "Nhiệm vụ của UBND thị trấn Vĩnh An" in second
    # English words work whatever the language; someone else's task is refused.
    assert "không thuộc nhiệm vụ của đơn vị" in await _say(zalo, "done 999999")
    assert "không thuộc nhiệm vụ của đơn vị" in await _say(zalo, "undo 999999")
