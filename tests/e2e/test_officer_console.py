"""The officer's tools through the real Application: progress with a chart, progress
exports, the directory (/units, /invite, /deactivate), /plan, and refusals for unit heads."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from docx import Document
from matplotlib import image
from openpyxl import load_workbook
from sqlalchemy import select

from models import Member, Task, TaskAudience
from tests.auxil.harness import BotHarness, TelegramUser, buttons
from tests.auxil.telegram_html import html_to_text
from tests.conftest import PLAN_2020, join, local
from tests.test_cli import atdkt

OFFICER_COMMANDS = [
    "/progress",
    "/deadline",
    "/review",
    "/round",
    "/awards",
    "/export progress",
    "/broadcast",
    "/broadcasts",
    "/units",
    "/invite PGD",
    "/deactivate 1",
    "/plan",
]


async def _report_some(harness: BotHarness) -> tuple[int, int]:
    """TT-VA finishes two quarter II tasks, X-TA one; returns the first two task ids."""
    head_a, head_b = harness.user(1301, "An"), harness.user(1302, "Bình")
    await join(harness, head_a, "TT-VA")
    await join(harness, head_b, "X-TA")
    async with harness.ctx.session() as session:
        q2 = list(
            await session.scalars(select(Task.id).where(Task.quarter == 2).order_by(Task.position))
        )
    await head_a.send(f"/done {q2[0]}")
    await head_a.send(f"/done {q2[1]}")
    await head_b.send(f"/done {q2[0]}")
    return q2[0], q2[1]


async def test_progress_by_cluster_with_a_chart(seeded: BotHarness, officer_id: int) -> None:
    first, _second = await _report_some(seeded)
    officer = seeded.user(officer_id, "Bình")
    reply = await officer.send("/progress 2")
    assert f"#{first} " in reply.text and "— 2/5" in reply.text
    assert "Tỷ lệ hoàn thành theo cụm thi đua, Quý II:" in reply.text
    # Cluster 1 (TT-VA, X-TP): 2 of 14 reports; cluster 2 (X-TA): 1 of 7. One decimal, with
    # a decimal comma in Vietnamese.
    assert "Cụm thi đua số 1: 14,3% (2/14)" in reply.text
    assert "Cụm thi đua số 2: 14,3% (1/7)" in reply.text
    [photo] = [c for c in reply.messages if c.method == "sendPhoto"]
    assert photo.params["caption"] == "Tiến độ Quý II/2020"
    name, png = seeded.api.uploads[photo.result["photo"][0]["file_id"]]
    assert name == "tien-do.png" and png.startswith(b"\x89PNG")
    pixels = image.imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (1350, 1080)  # portrait, full width on a phone

    # In English the decimal is a point.
    english = seeded.user(officer_id, "Bình", language_code="en")
    await english.send("/lang en")
    reply = await english.send("/progress 2")
    assert "Cụm thi đua số 1: 14.3% (2/14)" in reply.text


async def test_progress_exports_in_chat_and_on_the_command_line(
    seeded: BotHarness,
    officer_id: int,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    first, second = await _report_some(seeded)
    officer = seeded.user(officer_id, "Bình")
    reply = await officer.send("/export progress")
    documents = [c for c in reply.messages if c.method == "sendDocument"]
    assert [seeded.api.uploads[c.result["document"]["file_id"]][0] for c in documents] == [
        "tien-do-ke-hoach-tdkt-2020-05-15.xlsx",
        "tien-do-ke-hoach-tdkt-2020-05-15.docx",
    ]
    workbook = load_workbook(
        io.BytesIO(seeded.api.uploads[documents[0].result["document"]["file_id"]][1])
    )
    assert workbook.sheetnames == ["Quý I", "Quý II", "Quý III", "Quý IV"]
    sheet = workbook["Quý II"]
    assert sheet.freeze_panes == "D5"
    assert sheet["A2"].value == "Tiến độ thực hiện Kế hoạch công tác TĐKT năm 2020, Quý II"
    headers = [sheet.cell(row=4, column=c).value for c in range(1, 12)]
    assert headers[:3] == ["STT", "Đơn vị", "Cụm thi đua"]
    assert headers[3].startswith(f"#{first} Tổ chức Hội nghị tổng kết")
    assert headers[10] == "Số nhiệm vụ hoàn thành"
    rows = {sheet.cell(row=r, column=2).value: r for r in range(5, 10)}
    tt_va = rows["UBND thị trấn Vĩnh An"]
    # The days are real dates, shown dd/mm/yyyy.
    assert [sheet.cell(row=tt_va, column=c).value for c in (4, 5, 6, 11)] == [
        datetime(2020, 5, 15),
        datetime(2020, 5, 15),
        None,
        2,
    ]
    assert sheet.cell(row=tt_va, column=4).is_date
    assert sheet.cell(row=tt_va, column=4).number_format == "dd/mm/yyyy"
    totals = 10
    assert sheet.cell(row=totals, column=2).value == "Số đơn vị hoàn thành"
    assert [sheet.cell(row=totals, column=c).value for c in (4, 5, 6)] == [2, 1, 0]
    assert sheet.column_dimensions["B"].width == 34
    report = Document(
        io.BytesIO(seeded.api.uploads[documents[1].result["document"]["file_id"]][1])
    )
    texts = [p.text for p in report.paragraphs]
    # An administrative document: the type, then the subject (Nghị định 30/2020, Phụ lục I).
    assert texts[:2] == [
        "BÁO CÁO",
        "Tiến độ thực hiện Kế hoạch công tác thi đua, khen thưởng năm 2020",
    ]
    assert "Tính đến ngày 15/05/2020" in texts
    # Plain words and a percentage to one decimal: 3 of 5 units × 7 tasks.
    assert (
        "0/7 nhiệm vụ đã được tất cả các đơn vị liên quan hoàn thành; tính theo từng nhiệm vụ "
        "của từng đơn vị, đã hoàn thành 3/35 (8,6%)."
    ) in texts
    assert not any("lượt" in text for text in texts)
    head = report.tables[0]
    left, right = ([p.text for p in cell.paragraphs if p.text] for cell in head.rows[0].cells)
    assert left == ["……", "Số:        /BC-……"]  # no TDKT_AUTHORITY set: left to fill
    assert right == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "……, ngày 15 tháng 5 năm 2020",
    ]
    section = report.sections[0]
    assert [round(v / 36000) for v in (section.page_width, section.page_height)] == [210, 297]
    # The signature closes the report; the appendix of units × tasks follows it.
    signed = next(t for t in report.tables if t.cell(0, 0).text.startswith("Nơi nhận"))
    closing = signed.rows[0].cells
    assert closing[0].paragraphs[0].text == "Nơi nhận:"
    assert "THỦ TRƯỞNG CƠ QUAN" in closing[1].text
    quarter_two = report.tables[2]  # after the heading and quarter I
    # STT is narrow, the task wide.
    widths = [round(cell.width / 36000) for cell in quarter_two.rows[0].cells]
    assert widths[0] == 12 and widths[1] == max(widths)
    assert quarter_two.rows[1].cells[3].text == "2/5"
    assert quarter_two.rows[2].cells[3].text == "1/5"

    out = tmp_path / "tien-do.xlsx"
    code, stdout, stderr = await atdkt(
        "export",
        "progress",
        "--out",
        str(out),
        env={"TDKT_DATABASE_URL": seeded.settings.database_url, "TDKT_LANGUAGE": "en"},
    )
    assert code == 0, stderr
    assert stdout.strip() == f"Wrote {out}."
    assert load_workbook(out).sheetnames == [
        "Q1",
        "Q2",
        "Q3",
        "Q4",
    ]
    assert second


async def test_units_invite_and_deactivate(seeded: BotHarness, officer_id: int) -> None:
    officer = seeded.user(officer_id, "Bình")
    head = seeded.user(1401, "Phúc")
    await join(seeded, head, "PNV")
    listing = await officer.send("/units")
    assert "Cụm thi đua số 3" in listing.text
    assert "PNV Phòng Nội vụ — Phúc (1401)" in listing.text
    assert "/deactivate" in listing.text
    assert "TT-VA UBND thị trấn Vĩnh An — chưa có người đăng ký" in listing.text
    invited = await officer.send("/invite X-TP")
    link = next(line for line in invited.texts[0].splitlines() if line.startswith("https://"))
    assert link.startswith("https://t.me/tdkt_test_bot?start=")
    assert "dùng một lần, hiệu lực đến ngày 29/05/2020" in invited.text
    newcomer = seeded.user(1402, "Quân")
    welcome = await newcomer.send("/start " + link.split("start=")[1])
    assert "thủ trưởng UBND xã Trị An" in welcome.text
    unknown = await officer.send("/invite NOPE")
    assert "Không có đơn vị nào mang mã NOPE" in unknown.text

    revoked = await officer.send("/deactivate 1401")
    assert "Phúc không còn quyền sử dụng bot" in revoked.text
    refused = await head.send("/tasks")
    assert "Quyền truy cập của đồng chí đã bị thu hồi" in refused.text
    self_revoke = await officer.send(f"/deactivate {officer_id}")
    assert "Không có thành viên nào khác" in self_revoke.text
    async with seeded.ctx.session() as session:
        member = await session.scalar(select(Member).where(Member.telegram_id == 1401))
    assert member is not None and not member.active


async def test_plan_upload_preview_import_and_edits(
    seeded: BotHarness, officer_id: int, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    officer = seeded.user(officer_id, "Bình")
    asked = await officer.send("/plan")
    assert "Đồng chí gửi văn bản kế hoạch" in asked.text
    wrong = await officer.send_document("bien-ban.xlsx", content_bytes=b"PK")
    assert "Vui lòng gửi kế hoạch dạng tệp .txt, .docx hoặc .pdf" in wrong.text
    not_plan = await officer.send_document(
        "bien-ban.txt", content_bytes="Biên bản họp\n- Ý kiến\n".encode()
    )
    assert "không phải là kế hoạch công tác TĐKT" in not_plan.text
    text_2021 = PLAN_2020.read_text(encoding="utf-8").replace("2020", "2021")
    preview = await officer.send_document("ke-hoach-2021.txt", content_bytes=text_2021.encode())
    assert "Kế hoạch năm 2021" in preview.text
    assert "Quý I: 5 nhiệm vụ, hạn 31/03/2021" in preview.text
    imported = await officer.press(preview.last_message(), "pl:ok")
    assert "Đã lưu: 20 nhiệm vụ mới, 0 nhiệm vụ đã có." in imported.text
    again = await officer.press(preview.last_message(), "pl:ok")
    assert any("không còn hiệu lực" in alert for alert in again.alerts)

    seeded.clock.set(local(2021, 5, 3))
    added = await officer.send("/plan add 2 Tổ chức tuyên truyền Ngày Bác Hồ ra lời kêu gọi")
    assert "Quý II, thời hạn 30/06/2021" in added.text
    async with seeded.ctx.session() as session:
        task = await session.scalar(select(Task).where(Task.title.like("Tổ chức tuyên truyền%")))
    assert task is not None and task.deadline == date(2021, 6, 30)
    renamed = await officer.send(f"/plan rename {task.id} Tuyên truyền kỷ niệm 73 năm")
    assert "“Tuyên truyền kỷ niệm 73 năm”" in renamed.text
    unknown = await officer.send(f"/plan narrow {task.id} X-TA, Cụm không có")
    assert "Không có đơn vị hoặc cụm thi đua: Cụm không có" in unknown.text
    narrowed = await officer.send(f"/plan narrow {task.id} X-TA, Cụm thi đua số 3")
    assert "Đã lưu" in narrowed.text
    head = seeded.user(1501, "Sơn")
    await join(seeded, head, "TT-VA")
    assert f"#{task.id} " not in await all_pages(head)
    await officer.send(f"/plan all {task.id}")
    assert f"#{task.id} " in await all_pages(head)
    async with seeded.ctx.session() as session:
        assert not list(
            await session.scalars(select(TaskAudience).where(TaskAudience.task_id == task.id))
        )


async def all_pages(head: TelegramUser) -> str:
    """Every page of the head's /tasks list."""
    reply = await head.send("/tasks")
    text = reply.text
    message, page = reply.last_message(), 0
    while f"tasks:{page + 1}" in [data for _t, data in buttons(message)]:
        page += 1
        turned = await head.press(message, f"tasks:{page}")
        text += html_to_text(turned.edits[-1].params["text"])
        message = turned.edits[-1].result
    return text


@pytest.mark.parametrize("command", OFFICER_COMMANDS)
async def test_every_officer_command_is_refused_for_a_unit_head(
    seeded: BotHarness, command: str
) -> None:
    head = seeded.user(1601, "Tâm")
    await join(seeded, head, "PGD")
    reply = await head.send(command)
    assert "Xin lỗi, lệnh này chỉ dành cho cán bộ phụ trách TĐKT." in reply.text, command
    assert not any(c.method in ("sendDocument", "sendPhoto") for c in reply.calls)
    assert buttons(reply.last_message()) == []


async def test_officers_export_the_audit_log(
    seeded: BotHarness, officer_id: int, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    await _report_some(seeded)
    officer = seeded.user(officer_id, "Bình")
    await officer.send("/deadline 6 10/07/2020")
    reply = await officer.send("/export audit")
    [document] = [c for c in reply.messages if c.method == "sendDocument"]
    name, payload = seeded.api.uploads[document.result["document"]["file_id"]]
    assert name == "nhat-ky-2020-05-15.xlsx"
    sheet = load_workbook(io.BytesIO(payload)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == [
        "Thời điểm",
        "Người thực hiện",
        "Mã Telegram",
        "Thao tác",
        "Đối tượng",
        "Mã",
        "Chi tiết",
    ]
    # In the reader's words: a real date, the actor's name with the id beside it, the action
    # and the record named, the details as text.
    newest = sheet[2]
    assert newest[0].value == datetime(2020, 5, 15, 9, 0)
    assert newest[0].is_date and newest[0].number_format == "dd/mm/yyyy hh:mm:ss"
    assert [c.value for c in newest[1:]] == [
        "Bình",
        officer_id,
        "Đổi hạn hoàn thành",
        "Nhiệm vụ",
        6,
        "30/06/2020 → 10/07/2020",
    ]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    actions = {row[3] for row in rows}
    assert {
        "Báo cáo hoàn thành nhiệm vụ",
        "Tham gia bằng lời mời",
        "Tạo lời mời",
        "Nhập kế hoạch",
    } <= actions
    assert not any("-" in action and " " not in action for action in actions)
    imported = next(row for row in rows if row[3] == "Nhập kế hoạch")
    assert imported[1] == "dòng lệnh" and imported[2] is None
    assert imported[6] == "năm: 2020; số nhiệm vụ được tạo: 20"
    # The newest report is X-TA's (Bình), its unit named by code and name.
    done = next(row for row in rows if row[3] == "Báo cáo hoàn thành nhiệm vụ")
    assert done[1:3] == ["Bình", 1302]
    assert done[6].startswith("nhiệm vụ: ") and "; đơn vị: X-TA UBND xã Tân An; " in done[6]
    assert "— → hoàn thành: có, thời điểm hoàn thành: 15/05/2020 09:00" in done[6]
    out = tmp_path / "audit.docx"
    code, _out, err = await atdkt(
        "export",
        "audit",
        "--out",
        str(out),
        env={"TDKT_DATABASE_URL": seeded.settings.database_url, "TDKT_LANGUAGE": "en"},
    )
    assert code == 1 and "written as .xlsx only" in err
