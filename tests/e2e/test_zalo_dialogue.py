"""The typed dialogue on Zalo (issue 19): /tasks with "xong 3"/"hủy 3" and numbered replies, the
digest's ✅ as typed words, guidance acknowledged by "đã nhận", a nomination filed by typed
steps, the short list of what can be typed at each step, and who may do what on Zalo."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.runtime.zalo.intake import ZaloChannel
from models import (
    BroadcastRecipient,
    Nomination,
    NominationStatus,
    OutboxMessage,
    OutboxStatus,
    Role,
    Task,
    TaskReport,
)
from tests.auxil.fake_zalo import FakeZaloApi
from tests.auxil.harness import BotHarness, button_data
from tests.conftest import invite_code, join, local
from tests.e2e import test_zalo
from tests.e2e.test_broadcasts import data_of, start_broadcast
from tests.e2e.test_zalo import USER, _join, _say

# The fake Zalo server and the Zalo channel on the harness's database.
zalo, channel = test_zalo.zalo, test_zalo.channel


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
    # Anything else: the short list of what can be typed here (the page's numbers, then the
    # top-level words).
    unknown = await _say(zalo, "xong rồi")
    assert "Tôi chưa hiểu nội dung này." in unknown
    assert "1. ✅ Xong #11 — gõ: xong 11" in unknown and "• việc —" in unknown
    assert "Không có lựa chọn số 7" in await _say(zalo, "7")
    await _say(zalo, "xong 11")
    assert "#11" in await _say(zalo, "hoàn tác 11") and not await _done(seeded, 11)
    # English words work whatever the language; someone else's task is refused.
    assert "không thuộc nhiệm vụ của đơn vị" in await _say(zalo, "done 999999")
    assert "không thuộc nhiệm vụ của đơn vị" in await _say(zalo, "undo 999999")


async def test_the_digest_buttons_become_typed_words_on_zalo(
    seeded: BotHarness, zalo: FakeZaloApi, channel: ZaloChannel
) -> None:
    await _join(seeded, zalo, "TT-VA")
    seeded.clock.set(local(2020, 6, 16, 8))
    await seeded.reminder_pass()
    before = len(zalo.sent(USER))
    assert (await channel.sender.drain()).sent >= 1
    digest = "\n".join(zalo.texts(USER)[before:])
    q2 = [await _task_id(seeded, 2, n) for n in (1, 2)]
    assert "Nhắc việc công tác thi đua, khen thưởng — 16/06/2020" in digest
    assert "<b>" not in digest and "Để trả lời, xin gõ:" in digest
    assert f"• ✅ Xong #{q2[0]} — gõ: xong {q2[0]}" in digest
    assert "\n1. " not in digest  # no numbers under a message sent on its own
    assert f"Đã ghi nhận: nhiệm vụ #{q2[0]}" in await _say(zalo, f"xong {q2[0]}")
    assert await _done(seeded, q2[0])


async def _all_sent(harness: BotHarness, channel: ZaloChannel) -> None:
    """Drains both channels until nothing is pending (the report follows the last copy)."""
    for _round in range(10):
        await harness.drain()
        await channel.sender.drain()
        async with harness.ctx.session() as session:
            pending = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)))
            )
        if not pending:
            await harness.drain()
            return
        harness.clock.advance(timedelta(minutes=6))
    raise AssertionError("the outbox did not empty")


async def test_one_deployment_with_a_head_on_each_channel(
    seeded: BotHarness, zalo: FakeZaloApi, channel: ZaloChannel, officer_id: int
) -> None:
    """A broadcast reaches both heads, "đã nhận" acknowledges it on Zalo, the report counts
    both channels, and /progress counts the work reported on each."""
    telegram_head = seeded.user(1201, "Nguyễn Văn An")
    await join(seeded, telegram_head, "TT-VA")
    await _join(seeded, zalo, "X-TA")
    officer = seeded.user(officer_id, "Trần Thị Bình")
    assert "Không có văn bản chỉ đạo nào" in await _say(zalo, "đã nhận")
    preview = await start_broadcast(officer, "Nộp báo cáo <6 tháng> trước 20/6.", "Tất cả")
    assert "2 thủ trưởng đơn vị tại 2 đơn vị" in preview.text
    await officer.press(preview.last_message(), data_of(preview, "Gửi"))
    await _all_sent(seeded, channel)
    [copy] = [c for c in seeded.api.sent(telegram_head.user_id) if "Hướng dẫn" in c.text]
    assert button_data(copy.result, "ack:")
    [on_zalo] = [t for t in zalo.texts(USER) if "Hướng dẫn của cán bộ" in t]
    assert "Nộp báo cáo <6 tháng> trước 20/6." in on_zalo and "&lt;" not in on_zalo
    assert on_zalo.endswith("• ✅ Đã nhận — gõ: đã nhận")
    report = next(c.text for c in reversed(seeded.api.sent(officer_id)) if "Báo cáo kết" in c.text)
    assert "Đã gửi được: 2/2" in report and "Telegram: 1 · Zalo: 1" in report
    # The typed acknowledgement is the ✅ Received button's.
    assert "xác nhận" in await _say(zalo, "đã nhận")
    async with seeded.ctx.session() as session:
        acknowledged = await session.scalar(
            select(func.count())
            .select_from(BroadcastRecipient)
            .where(BroadcastRecipient.acknowledged_at.is_not(None))
        )
    assert acknowledged == 1
    assert "Không có văn bản chỉ đạo nào" in await _say(zalo, "đã nhận")
    overview = await officer.send("/broadcasts")
    assert "đã gửi được 2/2, đã xác nhận 1" in overview.text

    # Each head reports a first-quarter task on their channel: /progress counts both units.
    q1 = await _task_id(seeded, 1, 2)
    await telegram_head.send(f"/done {q1}")
    await _say(zalo, f"xong {q1}")
    progress = await officer.send("/progress 1")
    assert "UBND thị trấn Vĩnh An" in progress.text and "UBND xã Tân An" in progress.text
    async with seeded.ctx.session() as session:
        done_units = await session.scalar(
            select(func.count())
            .select_from(TaskReport)
            .where(TaskReport.task_id == q1, TaskReport.done.is_(True))
        )
    assert done_units == 2


def _number_of(text: str, label: str) -> str:
    """The number of the typed choice whose label starts with `label`."""
    for line in text.splitlines():
        number, dot, rest = line.partition(". ")
        if dot and number.isdigit() and rest.startswith(label):
            return number
    raise AssertionError(f"no choice {label!r} in:\n{text}")


async def test_a_nomination_filed_by_typed_steps_on_zalo(
    seeded: BotHarness, zalo: FakeZaloApi, channel: ZaloChannel
) -> None:
    await _join(seeded, zalo, "PGD")
    step = await _say(zalo, "đề nghị")
    assert "Đối tượng đề nghị khen thưởng là?" in step and "3. ✖️ Hủy" in step
    target = _number_of(step, "👥")
    # Something else than a choice: the short list of what can be typed at this step.
    unknown = await _say(zalo, "tập thể nhé")
    assert "Tôi chưa hiểu nội dung này." in unknown
    assert "Đồng chí có thể gõ:" in unknown and "• hủy — dừng lại, không lưu" in unknown
    assert f"{target}. 👥 Tập thể" in unknown
    assert "Không có lựa chọn số 9" in await _say(zalo, "9")
    step = await _say(zalo, target)
    assert "Tên tập thể được đề nghị khen thưởng" in step
    step = await _say(zalo, "Trường Mầm non Hoa Sen")
    assert "Chọn hình thức khen thưởng" in step
    assert "Chiến sĩ thi đua cơ sở" not in step
    step = await _say(zalo, _number_of(step, "Tập thể lao động xuất sắc"))
    step = await _say(zalo, _number_of(step, "Thành tích thường xuyên"))
    assert "Tóm tắt thành tích" in step
    step = await _say(zalo, "Năm học 2019-2020 hoàn thành xuất sắc nhiệm vụ.")
    assert "hồ sơ kèm theo" in step.lower()
    # Files cannot come on Zalo: said so, and the step can be finished without them.
    assert "Telegram" in await _say(zalo, "đây là file")
    step = await _say(zalo, _number_of(step, "Xong ▶️"))
    assert "Đề nghị đồng chí kiểm tra lại nội dung trước khi gửi" in step
    assert "<b>" not in step and "Tên: Trường Mầm non Hoa Sen" in step
    # "quay lại" goes back a step (to the files), then to the summary, which is kept.
    await _say(zalo, "quay lại")
    back = await _say(zalo, "quay lại")
    assert "Hiện tại: Năm học 2019-2020 hoàn thành xuất sắc nhiệm vụ." in back
    step = await _say(zalo, _number_of(back, "Giữ nguyên"))
    step = await _say(zalo, _number_of(step, "Xong ▶️"))
    done = await _say(zalo, _number_of(step, "✅ Gửi"))
    assert "✅ Đã gửi đề nghị khen thưởng #1 đến cán bộ phụ trách TĐKT" in done
    async with seeded.ctx.session() as session:
        [nomination] = list(await session.scalars(select(Nomination)))
    assert nomination.status == NominationStatus.SUBMITTED.value
    assert nomination.nominee_name == "Trường Mầm non Hoa Sen"

    # "hủy" at any step cancels the draft; nothing is submitted.
    await _say(zalo, "đề nghị")
    cancelled = await _say(zalo, "hủy")
    assert "Đã hủy đề nghị khen thưởng; không có nội dung nào được gửi." in cancelled
    assert "Không có thao tác nào để hủy." in await _say(zalo, "hủy")
    listing = await _say(zalo, "/nominations")
    assert "Trường Mầm non Hoa Sen" in listing and "<b>" not in listing
    async with seeded.ctx.session() as session:
        drafts = await session.scalar(
            select(func.count())
            .select_from(Nomination)
            .where(Nomination.status == NominationStatus.DRAFT.value)
        )
    assert drafts == 0


async def test_who_may_do_what_on_zalo(
    seeded: BotHarness, zalo: FakeZaloApi, channel: ZaloChannel
) -> None:
    # A stranger gets the join instructions, whatever is typed.
    for typed in ("việc", "/tasks", "xong 3", "đã nhận", "đề nghị", "/plan", "/broadcast", "1"):
        assert "gửi cho tôi mã mời" in await _say(zalo, typed), typed
    # A unit head cannot use the officer's commands.
    await _join(seeded, zalo, "TT-VA")
    for typed in ("/plan", "/broadcast", "/progress", "/review", "/export"):
        assert "chỉ dành cho cán bộ phụ trách TĐKT" in await _say(zalo, typed), typed
    assert "Telegram" in await _say(zalo, "/vote")
    # The language as on Telegram: a choice by number or /lang en.
    choice = await _say(zalo, "/lang")
    assert "1. Tiếng Việt — gõ: /lang vi" in choice and "2. English — gõ: /lang en" in choice
    assert "Language set to English." in await _say(zalo, "2")
    assert "Sorry, this command is only for TĐKT officers." in await _say(zalo, "/plan")
    assert "Đã chuyển ngôn ngữ sang tiếng Việt." in await _say(zalo, "/lang vi")
    # An officer on Zalo is pointed to Telegram or the command line for officer commands,
    # and is not a unit head here.
    officer = "0ff1ce0ff1ce0ff1ce00"
    async with seeded.ctx.session() as session:
        code = await invite_code(session, "TT-VA", Role.OFFICER, seeded.clock.now())
    assert "cán bộ" in await _say(zalo, code, user=officer, name="Trần Thị Bình")
    refused = await _say(zalo, "/plan", user=officer, name="Trần Thị Bình")
    assert "Telegram" in refused and "tdkt-bot" in refused
    assert "thủ trưởng" in await _say(zalo, "việc", user=officer, name="Trần Thị Bình")
    helped = await _say(zalo, "trợ giúp", user=officer, name="Trần Thị Bình")
    assert "Các lệnh của cán bộ TĐKT: dùng trên Telegram" in helped
    assert "• việc" not in helped
