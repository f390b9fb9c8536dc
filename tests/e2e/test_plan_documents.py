"""Plan documents sent to /plan as an officer sends them: the table and topic shapes of the
corpus previewed and imported, hostile Word files refused without an alert, every document
parsed once and off the event loop."""

from __future__ import annotations

import io
import threading
import zipfile
from datetime import date

import pytest
from docx import Document
from sqlalchemy import func, select

import handlers.plan
from models import OutboxMessage, Plan, Task
from tests.auxil.harness import BotHarness
from tests.services.test_plan_corpus import CORPUS, document_bytes, document_for

NOT_READABLE = "không phải là văn bản kế hoạch mà bot đọc được"


def plain_docx() -> bytes:
    document = Document()
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Quý I")
    document.add_paragraph("- Việc một")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def with_part(docx: bytes, name: str, data: bytes, *, corrupt: bool = False) -> bytes:
    """The package with one part replaced; `corrupt` damages its deflated bytes."""
    source = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, data if info.filename == name else source.read(info))
    raw = bytearray(out.getvalue())
    if corrupt:
        header = raw.index(b"PK\x03\x04" + bytes(raw[4:4]))  # first local header
        while True:
            name_length = int.from_bytes(raw[header + 26 : header + 28], "little")
            extra_length = int.from_bytes(raw[header + 28 : header + 30], "little")
            if raw[header + 30 : header + 30 + name_length] == name.encode():
                start = header + 30 + name_length + extra_length
                raw[start + 10 : start + 40] = b"\xff" * 30
                break
            header = raw.index(b"PK\x03\x04", header + 4)
    return bytes(raw)


def many_paragraphs(count: int) -> bytes:
    body = b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * count
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body>" + body + b"</w:body></w:document>"
    )


HOSTILE = {
    "malformed-xml": lambda: with_part(plain_docx(), "word/document.xml", b"<w:document><w:bo"),
    "corrupt-deflate": lambda: with_part(
        plain_docx(), "word/document.xml", many_paragraphs(200), corrupt=True
    ),
    "zip-bomb": lambda: with_part(plain_docx(), "word/document.xml", b" " * (30 * 1024 * 1024)),
    "120000-paragraphs": lambda: with_part(
        plain_docx(), "word/document.xml", many_paragraphs(120_000)
    ),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
async def test_hostile_word_files_are_refused_without_an_alert(
    seeded: BotHarness, officer_id: int, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    content = HOSTILE[kind]()
    officer = seeded.user(officer_id, "Bình")
    await officer.send("/plan")
    since = len(seeded.api.calls)
    reply = await officer.send_document(f"ke-hoach-{kind}.docx", content_bytes=content)
    assert NOT_READABLE in reply.text
    assert "Chưa lưu dữ liệu nào" in reply.text
    await seeded.drain()
    assert [call.params["text"] for call in seeded.api.sent(since=since)] == [reply.text]
    async with seeded.ctx.session() as session:
        alerts = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "error-alert")
        )
        plans = await session.scalar(select(func.count()).select_from(Plan))
    assert (alerts, plans) == (0, 1)
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


async def test_a_plan_is_parsed_once_in_a_worker_thread(
    seeded: BotHarness, officer_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[threading.Thread] = []
    real = handlers.plan.parse_plan_bytes

    def counting(content: bytes, name: str):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        return real(content, name)

    monkeypatch.setattr(handlers.plan, "parse_plan_bytes", counting)
    content, name = document_bytes(document_for(CORPUS / "06-ubnd-tinh-bang-2024.expected"))
    officer = seeded.user(officer_id, "Bình")
    await officer.send("/plan")
    preview = await officer.send_document(name, content_bytes=content)
    assert "Kế hoạch năm 2024" in preview.text
    imported = await officer.press(preview.last_message(), "pl:ok")
    assert "Đã lưu: 7 nhiệm vụ mới, 0 nhiệm vụ đã có." in imported.text
    assert len(threads) == 1
    assert threads[0] is not threading.main_thread()


async def test_the_table_plan_through_plan(seeded: BotHarness, officer_id: int) -> None:
    content, name = document_bytes(document_for(CORPUS / "06-ubnd-tinh-bang-2024.expected"))
    officer = seeded.user(officer_id, "Bình")
    await officer.send("/plan")
    preview = await officer.send_document(name, content_bytes=content)
    text = preview.text
    assert "Quý I: 3 nhiệm vụ, hạn 31/03/2024" in text
    assert (
        "Ban hành Kế hoạch tổ chức các phong trào thi đua năm 2024 (hạn 31/01/2024; "
        "chủ trì: Sở Nội vụ)" in text
    )
    assert (
        "Tuyên truyền gương người tốt, việc tốt trên Báo Hải Dương, Đài Phát thanh và Truyền "
        "hình tỉnh (thực hiện thường xuyên, hạn 31/12/2024; chủ trì: Sở Thông tin và Truyền "
        "thông)" in text
    )
    assert "Các dòng bỏ qua trong phần nhiệm vụ (2):" in text
    assert (
        '× Xét tặng danh hiệu "Cờ thi đua của UBND tỉnh" — không thuộc mục quý nào và không '
        "ghi thời gian thực hiện" in text
    )
    await officer.press(preview.last_message(), "pl:ok")
    async with seeded.ctx.session() as session:
        plan = await session.scalar(select(Plan).where(Plan.year == 2024))
        assert plan is not None
        tasks = list(
            await session.scalars(
                select(Task).where(Task.plan_id == plan.id).order_by(Task.quarter, Task.position)
            )
        )
    assert [(t.quarter, t.deadline, t.year_round, t.responsible) for t in tasks][:3] == [
        (1, date(2024, 1, 31), False, "Sở Nội vụ"),
        (1, date(2024, 3, 31), False, "Ban Thi đua - Khen thưởng"),
        (1, date(2024, 12, 31), True, "Sở Thông tin và Truyền thông"),
    ]


async def test_the_topic_plan_through_plan_and_a_corrected_version(
    seeded: BotHarness, officer_id: int
) -> None:
    source = document_for(CORPUS / "04-so-noi-vu-2024.expected")
    content, name = document_bytes(source)
    officer = seeded.user(officer_id, "Bình")
    await officer.send("/plan")
    preview = await officer.send_document(name, content_bytes=content)
    assert (
        "Tuyên truyền, phổ biến Nghị định số 98/2023/NĐ-CP đến toàn thể công chức, viên chức. "
        "(hạn 20/03/2024)" in preview.text
    )
    assert "× Công tác khen thưởng — là đề mục, không phải nhiệm vụ" in preview.text
    await officer.press(preview.last_message(), "pl:ok")

    corrected = (
        source.read_text(encoding="utf-8")
        .replace("trước ngày 20/3/2024", "trước ngày 25/3/2024")
        .replace("Xây dựng chuyên mục", "Xây dựng, duy trì chuyên mục")
        .encode("utf-16")
    )
    await officer.send("/plan")
    again = await officer.send_document("ke-hoach-sua.txt", content_bytes=corrected)
    stored = await officer.press(again.last_message(), "pl:ok")
    assert "Đã lưu: 0 nhiệm vụ mới, 4 nhiệm vụ đã có. Đã cập nhật 2 nhiệm vụ" in stored.text
    async with seeded.ctx.session() as session:
        titles = {
            t.title: t.deadline
            for t in await session.scalars(select(Task).join(Plan).where(Plan.year == 2024))
        }
    assert len(titles) == 6
    assert titles[
        "Tuyên truyền, phổ biến Nghị định số 98/2023/NĐ-CP đến toàn thể công chức, viên chức."
    ] == date(2024, 3, 25)
    assert any(title.startswith("Xây dựng, duy trì chuyên mục") for title in titles)


async def test_year_round_tasks_get_no_countdown(seeded: BotHarness, officer_id: int) -> None:
    """A year-round task is due 31/12 but is not counted down to it: on 17/12 (14 days before)
    the head hears of the quarter-IV task due the same day, not of the year-round ones; the
    quarter kickoffs list the year-round tasks with the quarter's own."""
    from bot.services.plan_parser import parse_plan_bytes
    from bot.services.plans import import_plan
    from tests.conftest import join, local

    content, name = document_bytes(document_for(CORPUS / "02-ubnd-tinh-2024.expected"))
    async with seeded.ctx.session() as session:
        await import_plan(session, parse_plan_bytes(content, name), now=seeded.clock.now())
    head = seeded.user(1801, "Nguyễn Văn An")
    await join(seeded, head, "TT-VA")
    year_round = "Tuyên truyền, phát hiện, bồi dưỡng, nhân rộng các điển hình tiên tiến"
    quarter_iv = "Tổng hợp hồ sơ, trình Hội đồng Thi đua - Khen thưởng tỉnh"

    async def day(when: date) -> str:
        mark = len(seeded.api.calls)
        seeded.clock.set(local(when.year, when.month, when.day, 8))
        await seeded.reminder_pass()
        await seeded.drain()
        return "\n".join(call.text for call in seeded.api.sent(1801, since=mark))

    countdown = await day(date(2024, 12, 17))
    assert quarter_iv in countdown
    assert year_round not in countdown
    kickoff = await day(date(2024, 4, 1))
    assert year_round in kickoff
    assert "Sơ kết phong trào thi đua" in kickoff


async def test_responsible_bodies_in_tasks_and_the_export(
    seeded: BotHarness, officer_id: int
) -> None:
    """The body a plan names as responsible is shown to the head in /tasks and to the officer in
    the progress export; a year-round task stays in /tasks in every quarter."""
    from openpyxl import load_workbook

    from tests.conftest import join, local

    content, name = document_bytes(document_for(CORPUS / "06-ubnd-tinh-bang-2024.expected"))
    officer = seeded.user(officer_id, "Bình")
    await officer.send("/plan")
    preview = await officer.send_document(name, content_bytes=content)
    await officer.press(preview.last_message(), "pl:ok")
    head = seeded.user(1802, "Lê Thị Hoa")
    await join(seeded, head, "TT-VA")

    seeded.clock.set(local(2024, 2, 5, 9))
    # The seeded 2020 plan would otherwise still list its open tasks as overdue, first.
    from bot.services.plan_closure import close_year

    async with seeded.ctx.session() as session:
        await close_year(session, 2020, today=seeded.ctx.today(), now=seeded.clock.now())
    winter = (await head.send("/tasks")).text
    assert "Ban hành Kế hoạch tổ chức các phong trào thi đua năm 2024" in winter
    assert "Chủ trì: Sở Nội vụ" in winter
    seeded.clock.set(local(2024, 8, 5, 9))
    summer = (await head.send("/tasks")).text
    assert "Kiểm tra công tác thi đua, khen thưởng tại các huyện" in summer
    assert "Tuyên truyền gương người tốt, việc tốt" in summer
    assert "Chủ trì: Sở Thông tin và Truyền thông" in summer

    reply = await officer.send("/export progress")
    (xlsx,) = [
        c
        for c in reply.messages
        if c.method == "sendDocument" and c.result["document"]["file_name"].endswith(".xlsx")
    ]
    sheet = load_workbook(io.BytesIO(seeded.api.uploads[xlsx.result["document"]["file_id"]][1]))[
        "Quý I"
    ]
    headers = [sheet.cell(row=4, column=c).value or "" for c in range(4, 7)]
    assert any(h.endswith("\nChủ trì: Sở Nội vụ") for h in headers), headers


@pytest.mark.parametrize(
    "name,content,expected",
    [
        ("ke-hoach.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "là tệp Word cũ (.doc) hoặc RTF"),
        ("ke-hoach.odt", b"PK\x03\x04", "là tệp OpenDocument (.odt)"),
        ("ke-hoach.txt", "Señor Müller".encode("latin-1"), "không ở bảng mã UTF-8, UTF-16"),
    ],
)
async def test_other_formats_are_refused_saying_what_to_send(
    seeded: BotHarness, officer_id: int, name: str, content: bytes, expected: str
) -> None:
    officer = seeded.user(officer_id, "Bình")
    await officer.send("/plan")
    reply = await officer.send_document(name, content_bytes=content)
    assert expected in reply.text
    assert "Chưa lưu dữ liệu nào" in reply.text


async def test_a_plan_without_a_year_is_told_where_to_write_it(
    seeded: BotHarness, officer_id: int
) -> None:
    officer = seeded.user(officer_id, "Bình")
    await officer.send("/plan")
    reply = await officer.send_document(
        "ke-hoach.txt", content_bytes="KẾ HOẠCH\nThi đua\n\nQuý I:\n- Việc một\n".encode()
    )
    assert "chưa ghi năm của kế hoạch" in reply.text
    assert "--year" in reply.text and "năm 2025" in reply.text


async def test_a_long_plan_preview_fits_one_message(seeded: BotHarness, officer_id: int) -> None:
    """160 long tasks and a skipped line: every quarter and the skipped count are still shown,
    the rest is counted, and the message stays within Telegram's 4,096 characters."""
    quarters = "".join(
        f"Quý {q}\n"
        + "".join(f"- Nhiệm vụ {i} của quý {q}: {'nội dung chi tiết ' * 8}\n" for i in range(40))
        for q in (1, 2, 3, 4)
    )
    text = "KẾ HOẠCH\nThi đua năm 2024\n\nII. NỘI DUNG\nMột đoạn mở đầu.\n\n" + quarters
    officer = seeded.user(officer_id, "Bình")
    await officer.send("/plan")
    preview = await officer.send_document("ke-hoach-dai.txt", content_bytes=text.encode())
    message = preview.last_message()["text"]
    assert len(message) < 4096
    for quarter in ("I", "II", "III", "IV"):
        assert f"Quý {quarter}: 40 nhiệm vụ" in message
    assert "Các dòng bỏ qua trong phần nhiệm vụ (1):" in message
    assert "… và " in message
    imported = await officer.press(preview.last_message(), "pl:ok")
    assert "Đã lưu: 160 nhiệm vụ mới" in imported.text
