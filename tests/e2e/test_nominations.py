"""Nominations through the real Application and the fake Bot API: the guided conversation,
restart in the middle, bad input, withdraw/edit, review decisions and notifications, rounds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.services import nominations as service
from bot.services.nominations import review as review_service
from models import AuditLog, Member, Nomination, NominationStatus, OutboxMessage
from tests.auxil.harness import BotHarness, Reply, TelegramUser, button_data, buttons
from tests.conftest import join


def press_label(reply: Reply, fragment: str) -> str:
    """The callback data of the button whose label contains `fragment` (last message)."""
    for text, data in buttons(reply.last_message()):
        if fragment in text:
            return data
    raise AssertionError(f"no button with {fragment!r} in {buttons(reply.last_message())}")


async def click(user: TelegramUser, reply: Reply, fragment: str) -> Reply:
    return await user.press(reply.last_message(), press_label(reply, fragment))


async def _nominations(harness: BotHarness) -> list[Nomination]:
    async with harness.ctx.session() as session:
        return list(await session.scalars(select(Nomination).order_by(Nomination.id)))


async def test_individual_nomination_in_english(seeded: BotHarness, officer_id: int) -> None:
    head = seeded.user(801, "Alice", language_code="en")
    await join(seeded, head, "X-TP")
    step = await head.send("/nominate")
    assert "Who is the nomination for?" in step.text
    step = await click(head, step, "An individual")
    assert "Full name of the person nominated" in step.text
    step = await head.send("Nguyễn Thị Hoa")
    assert "Position or title of Nguyễn Thị Hoa" in step.text
    step = await head.send("Vice Chairwoman of the Commune People's Committee")
    assert "where Nguyễn Thị Hoa works" in step.text
    step = await head.send("UBND xã Trị An")
    assert "Choose the form of award" in step.text
    labels = [text for text, _data in buttons(step.last_message())]
    assert "Grassroots Emulation Soldier" in labels
    assert "Advanced Labour Collective" not in labels  # collective forms are filtered out
    step = await click(head, step, "Grassroots Emulation Soldier")
    assert "What kind of achievement" in step.text
    step = await click(head, step, "Thematic campaign")
    assert "Which campaign" in step.text
    step = await head.send("Toàn huyện chung sức xây dựng nông thôn mới")
    assert "Summary of achievements" in step.text
    step = await head.send("Hoàn thành xuất sắc nhiệm vụ năm 2020.")
    assert "Send the dossier files" in step.text
    got = await head.send_document("bao-cao-thanh-tich.pdf", size=300_000)
    assert "File received (1)" in got.text
    step = await click(head, got, "Done")
    assert "Please check the nomination before submitting" in step.text
    assert "Dossier files: 1" in step.text
    done = await click(head, step, "Submit")
    assert "is submitted to the TĐKT officer" in done.text
    [nomination] = await _nominations(seeded)
    assert nomination.status == NominationStatus.SUBMITTED.value
    assert nomination.nominee_name == "Nguyễn Thị Hoa"
    assert nomination.campaign == "Toàn huyện chung sức xây dựng nông thôn mới"

    # The officer writes in Vietnamese; the unit head hears the decision in English.
    officer = seeded.user(officer_id, "Bình")
    card = await officer.send("/review")
    assert "Tên: Nguyễn Thị Hoa" in card.text
    await click(officer, card, "Phê duyệt")
    await seeded.drain()
    notice = seeded.api.sent(801)[-1].text
    assert (
        "The TĐKT officer has reviewed this nomination and agreed to put it to the competent "
        "authority for a decision." in notice
    )
    assert "council" not in notice.lower()
    assert "Nguyễn Thị Hoa" in notice and "Grassroots Emulation Soldier" in notice
    assert "phê duyệt" not in notice


async def _fill_collective(head: TelegramUser, name: str = "Trường Mầm non Hoa Sen") -> Reply:
    """A collective nomination up to the review screen, in Vietnamese."""
    step = await head.send("/nominate")
    step = await click(head, step, "Tập thể")
    assert "Tên tập thể được đề nghị khen thưởng" in step.text
    step = await head.send(name)
    assert "Chọn hình thức khen thưởng" in step.text
    labels = [text for text, _data in buttons(step.last_message())]
    assert labels[:3] == [
        "Tập thể lao động tiên tiến",
        "Tập thể lao động xuất sắc",
        "Giấy khen của Chủ tịch UBND cấp xã",
    ]
    assert "Chiến sĩ thi đua cơ sở" not in labels
    step = await click(head, step, "Tập thể lao động xuất sắc")
    step = await click(head, step, "Thành tích thường xuyên")
    assert "Tóm tắt thành tích" in step.text
    step = await head.send("Năm học 2019-2020 hoàn thành xuất sắc nhiệm vụ.")
    assert "hồ sơ kèm theo" in step.text.lower()
    step = await click(head, step, "Xong")
    assert "Đề nghị đồng chí kiểm tra lại nội dung trước khi gửi" in step.text
    return step


async def test_back_keeps_answers_and_cancel_submits_nothing(seeded: BotHarness) -> None:
    head = seeded.user(802, "Bảo")
    await join(seeded, head, "PGD")
    review = await _fill_collective(head)
    assert "Tên: Trường Mầm non Hoa Sen" in review.text
    assert "Loại thành tích: Thành tích thường xuyên, hằng năm" in review.text
    back = await click(head, review, "Quay lại")  # to the files step
    back = await click(head, back, "Quay lại")  # to the summary, which is kept
    assert "Hiện tại: Năm học 2019-2020 hoàn thành xuất sắc nhiệm vụ." in back.text
    kept = await click(head, back, "Giữ nguyên")
    assert "hồ sơ kèm theo" in kept.text.lower()
    again = await click(head, kept, "Quay lại")
    again = await click(head, again, "Quay lại")  # kind
    again = await click(head, again, "Quay lại")  # award
    again = await click(head, again, "Quay lại")  # name
    assert "Hiện tại: Trường Mầm non Hoa Sen" in again.text
    renamed = await head.send("Trường Tiểu học Vĩnh An")
    assert "Chọn hình thức khen thưởng" in renamed.text
    cancelled = await head.send("/cancel")
    assert "Đã hủy đề nghị khen thưởng" in cancelled.text
    [draft] = await _nominations(seeded)
    assert draft.status == NominationStatus.ABANDONED.value
    assert draft.nominee_name == "Trường Tiểu học Vĩnh An"
    after = await head.send("Xin chào")
    assert "chưa hiểu yêu cầu" in after.text
    nothing = await head.send("/cancel")
    assert "Không có thao tác nào để hủy." in nothing.text


async def test_bad_input_is_answered_with_what_is_expected(seeded: BotHarness) -> None:
    head = seeded.user(803, "Cường")
    await join(seeded, head, "X-TA")
    first = await head.send("/nominate")
    wrong = await head.send("cá nhân")
    assert "chọn bằng các nút" in wrong.text
    # The question is asked again below; only the latest copy keeps its buttons.
    assert buttons(first.last_message()) == []
    step = await click(head, wrong, "Cá nhân")
    sticker = await head.send_sticker()
    assert "Vui lòng trả lời bằng văn bản." in sticker.text
    blank = await head.send("   ")
    assert "Vui lòng trả lời bằng văn bản." in blank.text
    long_name = await head.send("A" * 201)
    assert "Nội dung quá dài: vui lòng không quá 200 ký tự." in long_name.text
    await head.send("Lê Văn Dũng")
    await head.send("Công chức Văn phòng - Thống kê")
    step = await head.send("UBND xã Tân An")
    step = await click(head, step, "Chiến sĩ thi đua cơ sở")
    step = await click(head, step, "đột xuất")
    step = await head.send("Dũng cảm cứu người bị đuối nước ngày 02/5/2020.")
    back_data = press_label(step, "Quay lại")
    too_big = await head.send_document("video.pdf", size=25 * 1024 * 1024)
    assert "Tệp quá lớn (tối đa 20 MB)." in too_big.text
    exe = await head.send_document("virus.exe")
    assert "Không nhận loại tệp này" in exe.text
    not_file = await head.send_sticker()
    assert "Vui lòng gửi tệp tài liệu hoặc hình ảnh" in not_file.text
    for number in range(10):
        ok = await head.send_document(f"anh-{number}.jpg")
        assert f"Đã nhận tệp ({number + 1})" in ok.text
    eleventh = await head.send_document("anh-11.jpg")
    assert "tối đa 10 tệp" in eleventh.text
    # Only the latest receipt keeps a Done button; every earlier one lost it.
    assert buttons(step.last_message()) == []
    assert [text for text, _data in buttons(ok.last_message())] == ["Xong ▶️ (10 tệp)"]
    stale = await head.press(step.last_message(), back_data)
    assert back_data.startswith("nm:b:")
    assert "Tóm tắt thành tích" in stale.text  # Back from files works from any message
    forged = await head.press(step.last_message(), "nm:a:99999:1")
    assert any("không còn hiệu lực" in alert for alert in forged.alerts)
    assert not any(reply.errors for reply in (wrong, sticker, too_big, exe, stale))


async def test_restart_in_the_middle_and_timeout(seeded: BotHarness) -> None:
    head = seeded.user(804, "Duyên")
    await join(seeded, head, "TT-VA")
    step = await head.send("/nominate")
    await click(head, step, "Cá nhân")
    await head.send("Phạm Thị Duyên")
    await seeded.restart()
    resumed = await head.send("Chủ tịch Hội Liên hiệp Phụ nữ")
    assert "Đơn vị (cơ quan, tổ chức) nơi Phạm Thị Duyên công tác" in resumed.text
    again = await head.send("/nominate")
    assert "đang soạn dở; xin tiếp tục từ bước đã dừng" in again.text
    assert "Đơn vị (cơ quan, tổ chức) nơi Phạm Thị Duyên công tác" in again.text

    # Abandoned for more than an hour: closed with a message, nothing submitted.
    from bot.runtime.reminder_jobs import expire_drafts

    assert seeded.app is not None
    seeded.clock.advance(timedelta(minutes=30))
    assert await expire_drafts(seeded.app) == 0
    seeded.clock.advance(timedelta(minutes=31))
    assert await expire_drafts(seeded.app) == 1
    await seeded.drain()
    assert "đã được đóng do quá lâu không có phản hồi" in seeded.api.sent(804)[-1].text
    [draft] = await _nominations(seeded)
    assert draft.status == NominationStatus.ABANDONED.value
    late = await head.send("UBND thị trấn Vĩnh An")
    assert "chưa hiểu yêu cầu" in late.text


async def test_review_decisions_notify_the_unit(seeded: BotHarness, officer_id: int) -> None:
    head = seeded.user(805, "Giang")
    english = seeded.user(806, "Henry", language_code="en")
    await join(seeded, head, "PNV")
    await join(seeded, english, "X-TP")
    for name in ("Tổ Văn thư", "Tổ Tổng hợp", "Tổ Một cửa"):
        review = await _fill_collective(head, name)
        await click(head, review, "Gửi đề nghị")
    officer = seeded.user(officer_id, "Bình")
    card = await officer.send("/review")
    assert "Số đề nghị đang chờ xét duyệt: 3" in card.text
    assert "Đơn vị: Phòng Nội vụ" in card.text and "Tên: Tổ Văn thư" in card.text
    approved = await click(officer, card, "Phê duyệt")
    assert "Đã phê duyệt đề nghị khen thưởng" in approved.text
    assert "Tên: Tổ Tổng hợp" in approved.text  # the next one is shown
    ask = await click(officer, approved, "Không chấp thuận")
    assert "ghi lý do không chấp thuận" in ask.text
    await seeded.restart()  # the question survives a restart
    rejected = await officer.send("Chưa đủ tiêu chuẩn theo Điều 27 Luật Thi đua, khen thưởng.")
    assert "Không chấp thuận đề nghị khen thưởng" in rejected.text
    returned_ask = await click(officer, rejected, "Trả lại")
    returned = await officer.send("Bổ sung báo cáo thành tích có xác nhận của thủ trưởng.")
    assert "Đã trả lại đề nghị khen thưởng" in returned.text
    assert "Không có đề nghị khen thưởng nào đang chờ xét duyệt." in returned.text
    assert returned_ask.messages

    await seeded.drain()
    notices = [call.text for call in seeded.api.sent(805)][-3:]
    # The officer's approval is not the Council's decision, and no notice says it is.
    assert "đã được cán bộ TĐKT thẩm định, đồng ý trình cấp có thẩm quyền" in notices[0]
    assert not any("Hội đồng" in notice for notice in notices)
    assert "Lý do: Chưa đủ tiêu chuẩn theo Điều 27" in notices[1]
    assert "trả lại để bổ sung, hoàn thiện" in notices[2]

    # The returned one is edited and resubmitted; the approved one can no longer be changed.
    listing = await head.send("/nominations")
    assert "Trả lại để bổ sung — Bổ sung báo cáo thành tích" in listing.text
    edit_data = [d for d in button_data(listing.last_message(), "ne:")]
    assert len(edit_data) == 1
    edit = await head.press(listing.last_message(), edit_data[0])
    assert "Chỉnh sửa đề nghị khen thưởng" in edit.text
    files = await click(head, edit, "Quay lại")
    summary = await click(head, files, "Quay lại")
    fixed = await head.send("Đã bổ sung báo cáo thành tích có xác nhận.")
    received = await head.send_document("bao-cao-bo-sung.pdf")
    assert buttons(fixed.last_message()) == []  # "Xong ▶️ (0 tệp)" is gone
    review = await click(head, received, "Xong ▶️ (1 tệp)")
    assert summary.messages and "Đã bổ sung báo cáo" in review.text
    resubmitted = await click(head, review, "Gửi đề nghị")
    assert "Đã gửi đề nghị khen thưởng" in resubmitted.text
    items = {
        n.nominee_name: n
        for n in await _nominations(seeded)
        if n.status != NominationStatus.ABANDONED.value
    }
    assert items["Tổ Một cửa"].status == NominationStatus.SUBMITTED.value
    assert items["Tổ Một cửa"].summary == "Đã bổ sung báo cáo thành tích có xác nhận."
    assert items["Tổ Văn thư"].status == NominationStatus.APPROVED.value
    # A forged edit of the approved nomination or of another unit's changes nothing.
    forged = await head.press(listing.last_message(), f"ne:{items['Tổ Văn thư'].id}")
    assert any("Chỉ có thể chỉnh sửa" in alert for alert in forged.alerts)
    other = await english.press(listing.last_message(), f"nw:{items['Tổ Một cửa'].id}")
    assert any("is not one of your unit's" in alert for alert in other.alerts)
    withdrawn = await head.press(listing.last_message(), f"nw:{items['Tổ Một cửa'].id}")
    assert "Đã rút đề nghị khen thưởng" in withdrawn.text
    refused = await head.send("/review")
    assert "chỉ dành cho cán bộ phụ trách TĐKT" in refused.text

    async with seeded.ctx.session() as session:
        actions = list(
            await session.scalars(select(AuditLog.action).where(AuditLog.entity == "nomination"))
        )
    for action in (
        "submit-nomination",
        "decide-nomination",
        "edit-nomination",
        "resubmit-nomination",
        "withdraw-nomination",
    ):
        assert action in actions


async def test_round_deadline_reminders_and_reopen(seeded: BotHarness, officer_id: int) -> None:
    from tests.conftest import local

    head = seeded.user(807, "Khánh")
    idle = seeded.user(808, "Lan")
    await join(seeded, head, "X-TA")
    await join(seeded, idle, "TT-VA")
    officer = seeded.user(officer_id, "Bình")
    seeded.clock.set(local(2020, 11, 20, 9))
    opened = await officer.send("/round open 15/12/2020 Tổng kết năm 2020")
    assert (
        "Đã mở đợt “Tổng kết năm 2020”, tiếp nhận đề nghị đến hết ngày 15/12/2020" in opened.text
    )
    review = await _fill_collective(head)
    await click(head, review, "Gửi đề nghị")
    status = await officer.send("/round")
    assert "số đơn vị đã gửi đề nghị: 1" in status.text

    # Seven days before the deadline, only the unit that filed nothing is reminded.
    seeded.clock.set(local(2020, 12, 8, 8))
    await seeded.reminder_pass()
    await seeded.drain()
    reminded = [
        call.text for call in seeded.api.sent(808) if "Đợt đề nghị khen thưởng" in call.text
    ]
    assert len(reminded) == 1 and "còn 7 ngày" in reminded[0]
    assert not any("Đợt đề nghị khen thưởng" in c.text for c in seeded.api.sent(807))

    seeded.clock.set(local(2020, 12, 16, 9))
    late = await idle.send("/nominate")
    assert "đã kết thúc ngày 15/12/2020; không tiếp nhận thêm đề nghị" in late.text
    reopened = await officer.send("/round reopen 18/12/2020")
    assert "Đã gia hạn đợt “Tổng kết năm 2020” đến hết ngày 18/12/2020" in reopened.text
    review = await _fill_collective(idle, "Tổ dân phố 3")
    # A draft started before the deadline but confirmed after it is refused too.
    seeded.clock.set(local(2020, 12, 19, 9))
    refused = await click(idle, review, "Gửi đề nghị")
    assert "đã kết thúc ngày 18/12/2020" in refused.text
    async with seeded.ctx.session() as session:
        submitted = await session.scalar(
            select(func.count())
            .select_from(Nomination)
            .where(Nomination.status == NominationStatus.SUBMITTED.value)
        )
    assert submitted == 1


async def test_export_nominations_in_chat_and_on_the_command_line(
    seeded: BotHarness, officer_id: int, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    import io

    from docx import Document
    from openpyxl import load_workbook

    from tests.test_cli import atdkt

    head = seeded.user(809, "Mai")
    await join(seeded, head, "PGD")
    officer = seeded.user(officer_id, "Bình")
    await officer.send("/round open 15/12/2020 Tổng kết năm 2020")
    review = await _fill_collective(head, "Trường Tiểu học Thạnh Phú")
    await click(head, review, "Gửi đề nghị")
    usage = await officer.send("/export")
    assert "/export nominations" in usage.text
    choice = await officer.send("/export nominations")
    sent = await click(officer, choice, "Đợt đang mở: Tổng kết năm 2020")
    documents = [c for c in sent.messages if c.method == "sendDocument"]
    assert len(documents) == 2
    assert documents[0].params["caption"] == (
        "Số đề nghị khen thưởng: 1\nĐợt “Tổng kết năm 2020” (thời hạn 15/12/2020): các đề nghị "
        "gửi trong đợt"
    )
    uploads = [seeded.api.uploads[c.result["document"]["file_id"]] for c in documents]
    names = [name for name, _data in uploads]
    assert names[0].endswith(".xlsx") and names[1].endswith(".docx")
    sheet = load_workbook(io.BytesIO(uploads[0][1])).active
    assert sheet is not None
    assert sheet["A2"].value == "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG"
    assert [sheet.cell(row=6, column=c).value for c in range(1, 8)] == [
        1,
        "Trường Tiểu học Thạnh Phú",
        None,
        "Phòng Giáo dục và Đào tạo",
        "Tập thể lao động xuất sắc",
        "Năm học 2019-2020 hoàn thành xuất sắc nhiệm vụ.",
        "Đã gửi, chờ xét duyệt",
    ]
    table = Document(io.BytesIO(uploads[1][1])).tables[1]  # tables[0] is the heading
    assert [cell.text for cell in table.rows[3].cells[:2]] == ["1", "Trường Tiểu học Thạnh Phú"]
    refused = await head.send("/export nominations")
    assert "chỉ dành cho cán bộ phụ trách TĐKT" in refused.text

    env = {
        "TDKT_DATABASE_URL": seeded.settings.database_url,
        "TDKT_LANGUAGE": "en",
        "TDKT_AUTHORITY": "UBND xã Trị An",
    }
    for suffix in ("xlsx", "docx"):
        out = tmp_path / f"list.{suffix}"
        code, stdout, stderr = await atdkt("export", "nominations", "--out", str(out), env=env)
        assert code == 0, stderr
        assert stdout.strip() == f"Wrote {out}: 1 nomination."
    sheet = load_workbook(tmp_path / "list.xlsx").active
    assert sheet is not None and sheet["A1"].value == "UBND XÃ TRỊ AN"
    assert sheet["A3"].value == (
        "Round “Tổng kết năm 2020” (deadline Dec 15, 2020): the nominations filed in this round"
    )
    assert [sheet.cell(row=6, column=c).value for c in (2, 5, 7)] == [
        "Trường Tiểu học Thạnh Phú",
        "Excellent Labour Collective",
        "Submitted, awaiting review",
    ]
    # The Word list is in Vietnamese whatever the language: grouped, collectives first.
    rows = Document(str(tmp_path / "list.docx")).tables[1].rows
    assert [row.cells[0].text for row in rows[1:3]] == [
        "I. TẬP THỂ",
        "1. Danh sách đề nghị tặng danh hiệu “Tập thể lao động xuất sắc” (1)",
    ]
    assert rows[3].cells[1].text == "Trường Tiểu học Thạnh Phú"
    code, _out, stderr = await atdkt(
        "export", "nominations", "--out", str(tmp_path / "x.pdf"), env=env
    )
    assert code == 1 and "must end in .xlsx or .docx" in stderr


async def test_officers_edit_the_award_catalogue(seeded: BotHarness, officer_id: int) -> None:
    officer = seeded.user(officer_id, "Bình")
    listing = await officer.send("/awards")
    assert "CSTDCS · Chiến sĩ thi đua cơ sở · Cá nhân" in listing.text
    assert "CO-TINH · Cờ thi đua của UBND tỉnh · Tập thể" in listing.text
    added = await officer.send(
        "/awards add canhan Giấy khen của Chủ tịch UBND xã | Certificate of Merit of the "
        "Commune Chairman"
    )
    assert "Đã lưu" in added.text and "Giấy khen của Chủ tịch UBND xã" in added.text
    renamed = await officer.send("/awards rename GK-XA-CN Giấy khen của Chủ tịch UBND tỉnh (cũ)")
    assert "Giấy khen của Chủ tịch UBND tỉnh (cũ)" in renamed.text
    retired = await officer.send("/awards off CSTDCS")
    assert "ngừng sử dụng" in retired.text
    missing = await officer.send("/awards off NOPE")
    assert "Không có hình thức khen thưởng nào mang mã NOPE" in missing.text
    usage = await officer.send("/awards frobnicate")
    assert "/awards add canhan|tapthe" in usage.text

    head = seeded.user(810, "Nga")
    await join(seeded, head, "X-TP")
    step = await head.send("/nominate")
    step = await click(head, step, "Cá nhân")
    await head.send("Trần Văn Nam")
    await head.send("Trưởng Công an xã")
    step = await head.send("UBND xã Trị An")
    labels = [text for text, _data in buttons(step.last_message())]
    assert "Chiến sĩ thi đua cơ sở" not in labels
    assert "Giấy khen của Chủ tịch UBND xã" in labels
    assert "Giấy khen của Chủ tịch UBND tỉnh (cũ)" in labels
    refused = await head.send("/awards")
    assert "chỉ dành cho cán bộ phụ trách TĐKT" in refused.text
    async with seeded.ctx.session() as session:
        actions = set(
            await session.scalars(select(AuditLog.action).where(AuditLog.entity == "award_form"))
        )
    assert actions == {"add-award", "rename-award", "retire-award"}


async def test_an_edit_is_refused_once_the_original_is_decided_or_withdrawn(
    seeded: BotHarness, officer_id: int
) -> None:
    head = seeded.user(811, "Oanh")
    await join(seeded, head, "PNV")
    for name in ("Tổ Văn thư", "Tổ Tổng hợp"):
        review = await _fill_collective(head, name)
        await click(head, review, "Gửi đề nghị")
    first, second = [n.id for n in await _nominations(seeded)]
    officer = seeded.user(officer_id, "Bình")

    # The head opens the edit; meanwhile the officer approves the original.
    listing = await head.send("/nominations")
    edit = await head.press(listing.last_message(), f"ne:{first}")
    assert "Chỉnh sửa đề nghị khen thưởng" in edit.text
    card = await officer.send("/review")
    assert "Tên: Tổ Văn thư" in card.text
    await click(officer, card, "Phê duyệt")
    refused = await click(head, edit, "Gửi đề nghị")
    assert f"Đề nghị khen thưởng #{first} không còn chỉnh sửa được" in refused.text
    assert "“Đã thẩm định, đồng ý trình”" in refused.text
    assert "không có đề nghị mới nào được lưu" in refused.text

    # The same when the unit withdraws the original while its edit is open.
    edit = await head.press(listing.last_message(), f"ne:{second}")
    assert "Chỉnh sửa đề nghị khen thưởng" in edit.text
    withdrawn = await head.press(listing.last_message(), f"nw:{second}")
    assert "Đã rút đề nghị khen thưởng" in withdrawn.text
    refused = await click(head, edit, "Gửi đề nghị")
    assert f"Đề nghị khen thưởng #{second} không còn chỉnh sửa được" in refused.text
    assert "“Đã rút lại”" in refused.text

    statuses = {n.id: n.status for n in await _nominations(seeded)}
    assert statuses.pop(first) == NominationStatus.APPROVED.value
    assert statuses.pop(second) == NominationStatus.WITHDRAWN.value
    assert set(statuses.values()) == {NominationStatus.ABANDONED.value}  # the two edit drafts
    fresh = await head.send("/nominate")
    assert "Đề nghị khen thưởng mới" in fresh.text
    assert "đang soạn dở" not in fresh.text  # the refused edit left no draft behind


async def _decisions(harness: BotHarness, nomination_id: int) -> tuple[list[str], int]:
    """The decide-nomination audit entries of a nomination and its queued decision notices."""
    async with harness.ctx.session() as session:
        decided = list(
            await session.scalars(
                select(AuditLog.action).where(
                    AuditLog.action == "decide-nomination", AuditLog.entity_id == nomination_id
                )
            )
        )
        notices = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.dedupe_key.like(f"decision:{nomination_id}:%"))
        )
    return decided, int(notices or 0)


async def test_a_nomination_is_decided_once_when_two_decisions_race(
    seeded: BotHarness, officer_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = seeded.user(812, "Phúc")
    await join(seeded, head, "PNV")
    for name in ("Tổ Văn thư", "Tổ Tổng hợp"):
        review = await _fill_collective(head, name)
        await click(head, review, "Gửi đề nghị")
    first, second = [n.id for n in await _nominations(seeded)]
    officer = seeded.user(officer_id, "Bình")
    card = await officer.send("/review")
    assert "Tên: Tổ Văn thư" in card.text

    # Another bot process rejects the nomination a minute later, just after this process has
    # read it as still submitted and before it writes its approval.
    read_nomination = service.get_nomination
    raced: list[service.DecideResult] = []
    racing = False

    async def read_then_other_process_decides(session, nomination_id):  # type: ignore[no-untyped-def]
        nonlocal racing
        nomination = await read_nomination(session, nomination_id)
        if not racing and nomination is not None and nomination.id == first:
            racing = True
            async with seeded.ctx.session() as other:
                same_officer = await other.scalar(
                    select(Member).where(Member.telegram_id == officer_id)
                )
                assert same_officer is not None
                raced.append(
                    await service.decide(
                        other,
                        same_officer,
                        first,
                        service.Decision.REJECT,
                        "Chưa đủ tiêu chuẩn.",
                        now=seeded.clock.now() + timedelta(minutes=1),
                    )
                )
        return nomination

    monkeypatch.setattr(review_service, "get_nomination", read_then_other_process_decides)
    approved = await click(officer, card, "Phê duyệt")
    monkeypatch.undo()
    assert [r.outcome for r in raced] == [service.DecideOutcome.DONE]
    assert "Đề nghị khen thưởng này đã được xét duyệt." in approved.text
    assert "Đã phê duyệt" not in approved.text
    decided, notices = await _decisions(seeded, first)
    assert (decided, notices) == (["decide-nomination"], 1)
    [stored] = [n for n in await _nominations(seeded) if n.id == first]
    assert stored.status == NominationStatus.REJECTED.value

    # A double press of Approve: the second press is told, and the unit hears once.
    card = await officer.send("/review")
    assert "Tên: Tổ Tổng hợp" in card.text
    approve = press_label(card, "Phê duyệt")
    once = await officer.press(card.last_message(), approve)
    twice = await officer.press(card.last_message(), approve)
    assert "Đã phê duyệt đề nghị khen thưởng" in once.text
    assert "Đề nghị khen thưởng này đã được xét duyệt." in twice.text
    assert await _decisions(seeded, second) == (["decide-nomination"], 1)
    seeded.clock.advance(timedelta(minutes=2))  # the other process queued its notice later
    await seeded.drain()
    subjects = [c.text.split("\n")[0] for c in seeded.api.sent(812)]
    assert len([s for s in subjects if s.startswith(f"<b>Đề nghị khen thưởng #{first}:")]) == 1
    assert len([s for s in subjects if s.startswith(f"<b>Đề nghị khen thưởng #{second}:")]) == 1


async def test_the_decision_notice_is_queued_with_the_decision(
    seeded: BotHarness, officer_id: int
) -> None:
    head = seeded.user(813, "Quang")
    await join(seeded, head, "PNV")
    review = await _fill_collective(head, "Tổ Một cửa")
    await click(head, review, "Gửi đề nghị")
    await seeded.user(officer_id, "Bình").send("/review")
    [nomination] = await _nominations(seeded)
    async with seeded.ctx.session() as session:
        officer = await session.scalar(select(Member).where(Member.telegram_id == officer_id))
        assert officer is not None
        result = await service.decide(
            session, officer, nomination.id, service.Decision.APPROVE, None, now=seeded.clock.now()
        )
        again = await service.decide(
            session,
            officer,
            nomination.id,
            service.Decision.RETURN,
            "Bổ sung.",
            now=seeded.clock.now(),
        )
    assert result.outcome is service.DecideOutcome.DONE
    assert again.outcome is service.DecideOutcome.ALREADY_DECIDED
    # No caller has to remember the notice: it is committed together with the decision.
    assert await _decisions(seeded, nomination.id) == (["decide-nomination"], 1)
