"""The first workflow end to end: invite → /start → /tasks → done/note/undo → /progress,
through the real Application and the fake Bot API, in Vietnamese and in English."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import Member, Role, Task, TaskReport, Unit
from tests.auxil.harness import BotHarness, button_data, buttons
from tests.conftest import join, local, report_notes


async def _report_of(harness: BotHarness, task_id: int, unit_code: str) -> TaskReport | None:
    async with harness.ctx.session() as session:
        return await session.scalar(
            select(TaskReport)
            .join(Unit, Unit.id == TaskReport.unit_id)
            .where(TaskReport.task_id == task_id, Unit.code == unit_code)
        )


async def _task_id(harness: BotHarness, quarter: int, position: int) -> int:
    async with harness.ctx.session() as session:
        task_id = await session.scalar(
            select(Task.id).where(Task.quarter == quarter, Task.position == position)
        )
    assert task_id is not None
    return task_id


async def test_unit_head_reports_a_task_and_the_officer_sees_it(
    seeded: BotHarness, officer_id: int
) -> None:
    head = seeded.user(101, "Nguyễn Văn An")
    await join(seeded, head, "TT-VA")

    reply = await head.send("/tasks")
    page = reply.last_message()
    text = reply.text
    assert "Nhiệm vụ của UBND thị trấn Vĩnh An — Quý II/2020" in text
    # Overdue first-quarter tasks come first (oldest deadline), then this quarter's.
    assert text.index("31/03/2020") < text.index("30/06/2020")
    assert "quá hạn 45 ngày" in text
    assert "còn 46 ngày" in text
    done_buttons = button_data(page, "done:")
    assert len(done_buttons) == 10  # 5 overdue + 7 this quarter = 12 tasks, ten a page
    assert button_data(page, "tasks:") == ["tasks:1"]

    q2_first = await _task_id(seeded, 2, 1)
    pressed = await head.press(page, f"done:{q2_first}:0")
    # The press is answered by its own notice and the list is refreshed in place: no extra
    # message in the chat.
    assert pressed.alerts == [f"✅ Đã ghi nhận: nhiệm vụ #{q2_first} đã hoàn thành."]
    assert not pressed.messages
    assert pressed.edits, "the list is refreshed in place"
    refreshed = pressed.edits[-1].result
    assert f"undo:{q2_first}:0" in button_data(refreshed, "undo:")
    # "Hủy" would read as deleting the task: the button says the report is taken back.
    assert (f"↩️ Hoàn tác #{q2_first}", f"undo:{q2_first}:0") in buttons(refreshed)
    assert f"note:{q2_first}" in button_data(refreshed, "note:")
    assert f"done:{q2_first}:0" not in button_data(refreshed, "done:")
    report = await _report_of(seeded, q2_first, "TT-VA")
    assert report is not None and report.done
    assert await report_notes(seeded, q2_first, "TT-VA") == []

    # The 📎 button of the done task asks for a note, then a file.
    asked = await head.press(refreshed, f"note:{q2_first}")
    assert f"Vui lòng gửi ghi chú cho nhiệm vụ #{q2_first}" in asked.text
    noted = await head.send("Đã tổ chức hội nghị ngày 14/5")
    assert "Đã đính kèm ghi chú/tệp" in noted.text
    await head.press(refreshed, f"note:{q2_first}")
    sticker = await head.send_sticker()  # neither text nor a file: asked again, nothing lost
    assert "Vui lòng gửi ghi chú dạng văn bản" in sticker.text
    filed = await head.send_document("bien-ban.pdf")
    assert "Đã đính kèm" in filed.text
    assert await report_notes(seeded, q2_first, "TT-VA") == [
        ("Đã tổ chức hội nghị ngày 14/5", None),
        (None, "bien-ban.pdf"),
    ]
    # Asked for nothing now: a plain message is not taken as a note.
    stray = await head.send("Cảm ơn")
    assert "Đã đính kèm" not in stray.text
    # /cancel after 📎 attaches nothing.
    await head.press(refreshed, f"note:{q2_first}")
    cancelled = await head.send("/cancel")
    assert "Không đính kèm gì" in cancelled.text

    officer = seeded.user(officer_id, "Trần Thị Bình")
    progress = await officer.send("/progress")
    assert "Tiến độ thực hiện Kế hoạch công tác TĐKT năm 2020" in progress.text
    assert (
        f"#{q2_first} Tổ chức Hội nghị tổng kết phong trào thi đua yêu nước năm 2019"
        in progress.text
    )
    assert "— 1/5" in progress.text
    assert "Đơn vị chậm tiến độ" in progress.text
    assert "UBND thị trấn Vĩnh An: 5 nhiệm vụ quá hạn" in progress.text

    # Undo on the same day reopens the task.
    undone = await head.press(refreshed, f"undo:{q2_first}:0")
    assert any("Đã hoàn tác báo cáo" in alert for alert in undone.alerts)
    report = await _report_of(seeded, q2_first, "TT-VA")
    assert report is not None and not report.done


async def test_the_same_workflow_in_english(seeded: BotHarness, officer_id: int) -> None:
    head = seeded.user(102, "Alice", language_code="en")
    await join(seeded, head, "X-TA")
    reply = await head.send("/tasks")
    assert "Tasks of UBND xã Tân An — Q2 2020" in reply.text
    assert "Deadline: Mar 31, 2020 (overdue by 45 days)" in reply.text
    task = await _task_id(seeded, 1, 2)
    done = await head.send(f"/done {task} Registration sent to the province")
    assert f"Recorded: task #{task}" in done.text
    report = await _report_of(seeded, task, "X-TA")
    assert report is not None and report.done
    assert await report_notes(seeded, task, "X-TA") == [
        ("Registration sent to the province", None)
    ]
    again = await head.send(f"/done {task}")
    assert f"Task #{task} was already reported as done." in again.text

    officer = seeded.user(officer_id, "Officer", language_code="en")
    progress = await officer.send("/progress 1")
    assert "Progress of the TĐKT plan 2020" in progress.text
    assert "Q1 (deadline Mar 31, 2020)" in progress.text
    assert "Q2" not in progress.text
    assert "UBND xã Tân An: 4 overdue tasks" in progress.text


async def test_invite_codes_work_once_and_expire(seeded: BotHarness) -> None:
    from bot.services.invites import create_invite

    async with seeded.ctx.session() as session:
        code = await create_invite(
            session, "PGD", Role.HEAD, now=seeded.clock.now(), ttl=timedelta(days=1)
        )
        stale = await create_invite(
            session, "PGD", Role.HEAD, now=seeded.clock.now(), ttl=timedelta(hours=1)
        )
    first = seeded.user(201, "Hùng")
    welcome = await first.send(f"/start {code}")
    assert "Chào mừng đồng chí Hùng" in welcome.text
    assert "thủ trưởng Phòng Giáo dục và Đào tạo" in welcome.text

    second = seeded.user(202, "Minh")
    used = await second.send(f"/start {code}")
    assert "Mã mời này đã được sử dụng" in used.text
    unknown = await second.send("/start AAAAAAAAAAAAAAAAAAAAAA")
    assert "Mã mời không hợp lệ" in unknown.text
    seeded.clock.advance(timedelta(hours=2))
    expired = await second.send(f"/start {stale}")
    assert "Mã mời này đã hết hạn" in expired.text
    async with seeded.ctx.session() as session:
        assert await session.scalar(select(Member).where(Member.telegram_id == 202)) is None

    english = seeded.user(203, "Tom", language_code="en")
    refused = await english.send("/start not-a-code")
    assert "This invite code is not valid" in refused.text
    about = await english.send("/start")
    assert "To join, open the invite link" in about.text


async def test_permissions_are_checked_on_commands_and_buttons(seeded: BotHarness) -> None:
    stranger = seeded.user(300, "Khách")
    for command in ("/tasks", "/done", "/progress", "/help", "/lang en"):
        reply = await stranger.send(command)
        assert "chưa đăng ký sử dụng bot" in reply.text, command
    forged = await stranger.press(
        {"message_id": 1, "chat": {"id": 300, "type": "private"}, "date": 0, "text": "x"},
        "done:1:0",
    )
    assert any("chưa đăng ký" in alert for alert in forged.alerts)

    head_a = seeded.user(301, "An")
    head_b = seeded.user(302, "Bình")
    await join(seeded, head_a, "TT-VA")
    await join(seeded, head_b, "X-TA")
    refused = await head_a.send("/progress")
    assert "chỉ dành cho cán bộ phụ trách TĐKT" in refused.text

    # A task narrowed to X-TA only: TT-VA does not see it and cannot report it.
    from models import TaskAudience

    narrowed = await _task_id(seeded, 2, 4)
    async with seeded.ctx.session() as session:
        unit_b = await session.scalar(select(Unit).where(Unit.code == "X-TA"))
        assert unit_b is not None
        session.add(TaskAudience(task_id=narrowed, unit_id=unit_b.id))
        await session.commit()
    listing = await head_a.send("/tasks")
    assert f"#{narrowed} " not in listing.text
    page = listing.last_message()
    forged_press = await head_a.press(page, f"done:{narrowed}:0")
    assert any(f"#{narrowed} không thuộc nhiệm vụ" in alert for alert in forged_press.alerts)
    assert await _report_of(seeded, narrowed, "TT-VA") is None
    by_command = await head_a.send(f"/done {narrowed}")
    assert "không thuộc nhiệm vụ của đơn vị" in by_command.text

    # B reports a shared task; A cannot undo B's report with forged data.
    shared = await _task_id(seeded, 2, 1)
    await head_b.send(f"/done {shared}")
    forged_undo = await head_a.press(page, f"undo:{shared}:0")
    assert any("chưa được báo cáo hoàn thành" in alert for alert in forged_undo.alerts)
    report_b = await _report_of(seeded, shared, "X-TA")
    assert report_b is not None and report_b.done

    for junk in ("done:abc:0", "done:1", "undo:-1:0", "tasks:x", "done:" + "9" * 80):
        reply = await head_a.press(page, junk)
        assert any("không còn hiệu lực" in alert for alert in reply.alerts), junk

    # A deactivated head loses access at once.
    async with seeded.ctx.session() as session:
        member = await session.scalar(select(Member).where(Member.telegram_id == 301))
        assert member is not None
        member.active = False
        await session.commit()
    revoked = await head_a.send("/tasks")
    assert "Quyền truy cập của đồng chí đã bị thu hồi" in revoked.text


async def test_undo_only_on_the_same_day(seeded: BotHarness) -> None:
    head = seeded.user(401, "Cúc")
    await join(seeded, head, "PNV")
    task = await _task_id(seeded, 2, 2)
    listing = await head.send("/tasks")
    await head.press(listing.last_message(), f"done:{task}:0")
    seeded.clock.set(local(2020, 5, 16, 8))
    late = await head.press(listing.last_message(), f"undo:{task}:0")
    assert any("Chỉ có thể hoàn tác báo cáo trong ngày" in alert for alert in late.alerts)
    report = await _report_of(seeded, task, "PNV")
    assert report is not None and report.done
    # The next day the done task shows its date and no undo button.
    listing = await head.send("/tasks")
    assert "hoàn thành ngày 15/05/2020" in listing.text
    assert not button_data(listing.last_message(), f"undo:{task}")


async def test_paging_help_language_and_unknown_input(seeded: BotHarness, officer_id: int) -> None:
    head = seeded.user(501, "Dũng")
    await join(seeded, head, "TT-VA")
    first = await head.send("/done")
    assert "Nhiệm vụ nào đã hoàn thành?" in first.text
    second_page = await head.press(first.last_message(), "tasks:1")
    edited = second_page.edits[-1].result
    assert "Trang 2/2" in edited["text"]
    assert len(button_data(edited, "done:")) == 2
    assert button_data(edited, "tasks:") == ["tasks:0"]

    help_head = await head.send("/help")
    assert "/tasks" in help_head.text and "/progress" not in help_head.text
    officer = seeded.user(officer_id, "Bình")
    help_officer = await officer.send("/help")
    assert "/progress" in help_officer.text and "/tasks" not in help_officer.text

    choose = await head.send("/lang")
    assert [data for _t, data in buttons(choose.last_message())] == ["lang:vi", "lang:en"]
    switched = await head.press(choose.last_message(), "lang:en")
    assert "Language set to English." in switched.text
    english = await head.send("/tasks")
    assert "Tasks of UBND thị trấn Vĩnh An" in english.text
    back = await head.send("/lang vi")
    assert "Đã chuyển ngôn ngữ sang tiếng Việt." in back.text

    sticker = await head.send_sticker()
    assert "Xin lỗi, tôi chưa hiểu yêu cầu" in sticker.text
    nonsense = await head.send("/khongco")
    assert "Xin lỗi, tôi chưa hiểu yêu cầu" in nonsense.text
    bad_code = await head.send("/done abc")
    assert "Vui lòng ghi mã nhiệm vụ" in bad_code.text
    bad_quarter = await officer.send("/progress 7")
    assert "Vui lòng ghi quý từ 1 đến 4" in bad_quarter.text
    assert not any(reply.errors for reply in (first, second_page, english, sticker))


async def test_commands_are_registered_per_language_and_role(
    seeded: BotHarness, officer_id: int
) -> None:
    commands = seeded.api.commands
    default_vi = commands[('{"type": "default"}', "vi")]
    default_en = commands[('{"type": "default"}', "en")]
    assert {c["command"] for c in default_vi} == {
        "tasks",
        "done",
        "nominate",
        "nominations",
        "help",
        "lang",
        "start",
    }
    assert any(c["description"] == "Nhiệm vụ quý này của đơn vị" for c in default_vi)
    assert any(c["description"] == "This quarter's tasks of your unit" for c in default_en)

    officer = seeded.user(officer_id, "Bình")
    await officer.send("/lang en")
    officer_scope = commands[(f'{{"chat_id": {officer_id}, "type": "chat"}}', "")]
    assert "progress" in {c["command"] for c in officer_scope}
    assert any(c["description"] == "Progress of all units by quarter" for c in officer_scope)

    head = seeded.user(601, "Em")
    await join(seeded, head, "X-TP")
    head_scope = commands[('{"chat_id": 601, "type": "chat"}', "")]
    assert "progress" not in {c["command"] for c in head_scope}
    assert "tasks" in {c["command"] for c in head_scope}
