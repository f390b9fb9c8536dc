"""Every note and file a unit adds to a report is kept, in order, with time and author, and the
officer sees them: per task from /progress, and in the progress exports."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from models import Task
from tests.auxil.harness import BotHarness, Reply, button_data, buttons
from tests.conftest import join, local, report_notes

HEAD, OTHER_HEAD = 1501, 1502


def _with_buttons(reply: Reply, prefix: str) -> dict[str, Any]:
    """The message of the reply that carries buttons starting with `prefix`."""
    found = [c.result for c in reply.messages if button_data(c.result, prefix)]
    assert found, f"no message with {prefix} buttons"
    return found[-1]  # type: ignore[no-any-return]


async def _first_task_of_quarter_two(harness: BotHarness) -> int:
    async with harness.ctx.session() as session:
        task_id = await session.scalar(
            select(Task.id).where(Task.quarter == 2).order_by(Task.position).limit(1)
        )
    assert task_id is not None
    return task_id


async def test_notes_and_files_are_all_kept_and_shown_to_the_officer(
    seeded: BotHarness, officer_id: int
) -> None:
    head = seeded.user(HEAD, "Nguyễn Văn An")
    other = seeded.user(OTHER_HEAD, "Trần Thị Cúc")
    await join(seeded, head, "TT-VA")
    await join(seeded, other, "X-TA")
    task = await _first_task_of_quarter_two(seeded)

    # /done with a note, then a reply with more text, then 📎 and a file with a caption:
    # each is attached, and none replaces another.
    done = await head.send(f"/done {task} Đã tổ chức hội nghị")
    assert "Đã ghi nhận" in done.text
    seeded.clock.set(local(2020, 5, 15, 10, 30))
    more = await head.send("Bổ sung: 45 đại biểu dự", reply_to=done.last_message())
    assert "Đã đính kèm" in more.text
    seeded.clock.set(local(2020, 5, 15, 11, 5))
    listing = await head.send("/tasks")
    await head.press(listing.last_message(), f"note:{task}")
    filed = await head.send_document("bien-ban.pdf", caption="Biên bản hội nghị")
    assert "Đã đính kèm" in filed.text
    assert await report_notes(seeded, task, "TT-VA") == [
        ("Đã tổ chức hội nghị", None),
        ("Bổ sung: 45 đại biểu dự", None),
        ("Biên bản hội nghị", "bien-ban.pdf"),
    ]
    await other.send(f"/done {task}")

    # /progress counts the notes and offers the task's reports by a button.
    officer = seeded.user(officer_id, "Bình")
    progress = await officer.send("/progress 2")
    assert "— 2/5 · 📎 3" in progress.text
    overview = _with_buttons(progress, "prt:")
    assert f"prt:{task}" in button_data(overview, "prt:")
    assert "/progress #MÃ" in progress.text

    shown = await officer.press(overview, f"prt:{task}")
    text = shown.text
    assert f"Báo cáo của các đơn vị về nhiệm vụ #{task}" in text
    assert "Hạn: 30/06/2020 · 2/5 đơn vị đã hoàn thành" in text
    lines = [
        "✅ UBND thị trấn Vĩnh An — hoàn thành ngày 15/05/2020",
        "15/05/2020 09:00, Nguyễn Văn An: Đã tổ chức hội nghị",
        "15/05/2020 10:30, Nguyễn Văn An: Bổ sung: 45 đại biểu dự",
        "15/05/2020 11:05, Nguyễn Văn An: 📄 bien-ban.pdf — Biên bản hội nghị",
    ]
    positions = [text.index(line) for line in lines]
    assert positions == sorted(positions), text
    assert "✅ UBND xã Tân An — hoàn thành ngày 15/05/2020" in text
    assert "⏳ Phòng Nội vụ — chưa hoàn thành" in text

    # The file itself comes with its button.
    [(label, file_button)] = [b for b in buttons(shown.last_message()) if b[1].startswith("prf:")]
    assert label == "📄 UBND thị trấn Vĩnh An: bien-ban.pdf"
    received = await officer.press(shown.last_message(), file_button)
    [document] = [c for c in received.messages if c.method == "sendDocument"]
    assert document.params["document"] == "file-bien-ban.pdf"
    assert document.params["caption"] == f"📄 #{task} · UBND thị trấn Vĩnh An"

    # The same view by command; a unit head may not open it.
    typed = await officer.send(f"/progress #{task}")
    assert typed.text == text
    refused = await head.press(overview, f"prt:{task}")
    assert not refused.messages and refused.alerts
    for forged in ("prt:2147483648", "prf:2147483647", "prf:0"):
        pressed = await officer.press(overview, forged)
        assert pressed.alerts and not pressed.errors and not pressed.messages, forged
    missing = await officer.send("/progress #99999")
    assert "Không có nhiệm vụ #99999." in missing.text

    # The exports hold them all: a notes column in the workbook, a list in the report.
    exported = await officer.send("/export progress")
    xlsx, docx = (
        seeded.api.uploads[c.result["document"]["file_id"]][1]
        for c in exported.messages
        if c.method == "sendDocument"
    )
    sheet = load_workbook(io.BytesIO(xlsx))["Quý II"]
    headers = [c.value for c in sheet[4]]
    notes_column = headers.index("Ghi chú và tệp đính kèm") + 1
    assert headers[notes_column - 2] == "Số nhiệm vụ hoàn thành"
    rows = {sheet.cell(row=r, column=2).value: r for r in range(5, 10)}
    assert sheet.cell(row=rows["UBND thị trấn Vĩnh An"], column=notes_column).value == "\n".join(
        [
            f"#{task} 15/05/2020 09:00, Nguyễn Văn An: Đã tổ chức hội nghị",
            f"#{task} 15/05/2020 10:30, Nguyễn Văn An: Bổ sung: 45 đại biểu dự",
            f"#{task} 15/05/2020 11:05, Nguyễn Văn An: tệp: bien-ban.pdf — Biên bản hội nghị",
        ]
    )
    assert sheet.cell(row=rows["UBND xã Tân An"], column=notes_column).value is None
    paragraphs = [p.text for p in Document(io.BytesIO(docx)).paragraphs]
    assert "Ghi chú và tệp đính kèm của các đơn vị" in paragraphs
    assert (
        f"#{task} — UBND thị trấn Vĩnh An — 15/05/2020 11:05, Nguyễn Văn An: "
        "tệp: bien-ban.pdf — Biên bản hội nghị"
    ) in paragraphs


async def test_the_task_reports_in_english(seeded: BotHarness, officer_id: int) -> None:
    head = seeded.user(HEAD, "Alice", language_code="en")
    await join(seeded, head, "TT-VA")
    task = await _first_task_of_quarter_two(seeded)
    await head.send(f"/done {task} Conference held")
    await head.send_document("minutes.pdf", reply_to=(await head.send("/tasks")).last_message())
    officer = seeded.user(officer_id, "Officer", language_code="en")
    await officer.send("/lang en")
    shown = await officer.send(f"/progress #{task}")
    assert f"Reports on task #{task}" in shown.text
    assert "Deadline: Jun 30, 2020 · done by 1 of 5 units" in shown.text
    assert "✅ UBND thị trấn Vĩnh An — done on May 15, 2020" in shown.text
    assert "May 15, 2020 09:00, Alice: Conference held" in shown.text
    bad = await officer.send("/progress #x")
    assert "Please give a task code, for example: /progress #12" in bad.text


async def test_a_photo_note_is_kept_and_sent_back_as_a_photo(
    seeded: BotHarness, officer_id: int
) -> None:
    head = seeded.user(HEAD, "Nguyễn Văn An")
    await join(seeded, head, "TT-VA")
    task = await _first_task_of_quarter_two(seeded)
    done = await head.send(f"/done {task}")
    photo = [{"file_id": "photo-hoi-nghi", "file_unique_id": "p1", "width": 800, "height": 600}]
    message = head._message(
        photo=photo, caption="Ảnh hội nghị", reply_to_message=done.last_message()
    )
    attached = await seeded.deliver({"message": message}, HEAD)
    assert "Đã đính kèm" in attached.text
    assert await report_notes(seeded, task, "TT-VA") == [("Ảnh hội nghị", "photo.jpg")]
    officer = seeded.user(officer_id, "Bình")
    shown = await officer.send(f"/progress #{task}")
    assert "Nguyễn Văn An: 📄 photo.jpg — Ảnh hội nghị" in shown.text
    [file_button] = button_data(shown.last_message(), "prf:")
    received = await officer.press(shown.last_message(), file_button)
    [sent] = [c for c in received.messages if c.method == "sendPhoto"]
    assert sent.params["photo"] == "photo-hoi-nghi"
