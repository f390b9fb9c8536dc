"""The dossier of a round or a year (`/export dossier`, `tdkt-bot export dossier`): the Tờ trình
đề nghị khen thưởng and the danh sách attached, as administrative documents (Nghị định
30/2020/NĐ-CP, Phụ lục I), opened back and checked against what was filed and reviewed."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from docx import Document
from docx.shared import Pt

from bot.core.clock import FrozenClock
from tests.auxil.fake_bot_api import FakeBotApi
from tests.auxil.harness import BotHarness, Reply, TelegramUser, buttons, settings_for
from tests.conftest import join, local, seed_directory_and_plan
from tests.e2e.test_nomination_scope import _file
from tests.e2e.test_nominations import click
from tests.test_cli import atdkt

AUTHORITY, PARENT, PLACE = "UBND xã Trị An", "UBND tỉnh Đồng Nai", "Trị An"


async def _file_individual(head: TelegramUser, name: str, position: str) -> Reply:
    step = await head.send("/nominate")
    step = await click(head, step, "Cá nhân")
    for answer in (name, position, "UBND xã Trị An"):
        step = await head.send(answer)
    step = await click(head, step, "Chiến sĩ thi đua cơ sở")
    step = await click(head, step, "Thành tích thường xuyên")
    step = await head.send("Hoàn thành xuất sắc nhiệm vụ năm 2019.")
    step = await click(head, step, "Xong")
    return await click(head, step, "Gửi đề nghị")


def _texts(document: Any) -> list[str]:
    return [p.text for p in document.paragraphs if p.text]


def _check_heading(table: Any) -> None:
    left, right = ([p for p in cell.paragraphs if p.text] for cell in table.rows[0].cells)
    assert [p.text for p in left] == [
        "UBND TỈNH ĐỒNG NAI",
        "UBND XÃ TRỊ AN",
        *[p.text for p in left[2:]],
    ]
    assert [p.text for p in right] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Trị An, ngày 05 tháng 02 năm 2020",
    ]
    assert right[2].runs[0].italic and right[0].runs[0].bold and right[1].runs[0].bold
    assert 'w:val="nil"' in table._tbl.tblPr.xml  # no borders


def _check_to_trinh(document: Any) -> None:
    section = document.sections[0]
    assert [round(v / 36000) for v in (section.page_width, section.page_height)] == [210, 297]
    assert [
        round(v / 36000)
        for v in (
            section.top_margin,
            section.bottom_margin,
            section.left_margin,
            section.right_margin,
        )
    ] == [20, 20, 30, 15]
    head = document.tables[0]
    _check_heading(head)
    left = [p.text for p in head.rows[0].cells[0].paragraphs if p.text]
    assert left[2] == "Số:        /TTr-UBND"
    texts = _texts(document)
    assert texts[:2] == ["TỜ TRÌNH", "Về việc đề nghị khen thưởng năm 2020"]
    body = document.paragraphs
    kind = next(p for p in body if p.text == "TỜ TRÌNH")
    assert kind.runs[0].bold and kind.alignment == 1  # centred
    assert "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022;" in texts
    assert any(t.startswith("Căn cứ Nghị định số 152/2025/NĐ-CP") for t in texts)
    assert any("khen thưởng cho 2 tập thể và 3 cá nhân" in t for t in texts)
    assert "- Tập thể lao động xuất sắc: 2 tập thể;" in texts
    assert "- Chiến sĩ thi đua cơ sở: 3 cá nhân;" in texts
    assert any(
        t.startswith("Kết quả xét duyệt của cơ quan thường trực: đã nhận 6 hồ sơ đề nghị; 5 hồ sơ")
        and "1 hồ sơ đang chờ xét duyệt" in t
        for t in texts
    )
    justified = next(p for p in body if p.text.startswith("Căn cứ Luật"))
    assert justified.alignment == 3 and justified.runs[0].font.size == Pt(14)
    end = document.tables[1]
    recipients, signature = end.rows[0].cells
    assert recipients.paragraphs[0].text == "Nơi nhận:"
    assert [p.text for p in signature.paragraphs if p.text] == [
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "……",
    ]


def _check_list(head: Any, table: Any, document_texts: list[str]) -> None:
    _check_heading(head)
    assert "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG" in document_texts
    assert any(t.startswith("(Kèm theo Tờ trình số") for t in document_texts)
    assert [c.text for c in table.rows[0].cells][:4] == [
        "STT",
        "Tên tập thể / Họ và tên",
        "Chức vụ",
        "Đơn vị",
    ]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert [row[0] for row in rows if not row[0].isdigit()] == [
        "I. TẬP THỂ",
        "1. Danh sách đề nghị tặng danh hiệu “Tập thể lao động xuất sắc” (2)",
        "II. CÁ NHÂN",
        "1. Danh sách đề nghị tặng danh hiệu “Chiến sĩ thi đua cơ sở” (3)",
    ]
    people = [row[1:4] for row in rows if row[0].isdigit()]
    # The one still awaiting review is not proposed.
    assert sorted(p[0] for p in people) == sorted(
        ["Tổ Văn thư", "Tổ Một cửa", "Lê Văn Dũng", "Trần Thị Mai", "Phạm Văn Nam"]
    )
    assert ["Lê Văn Dũng", "Công chức Văn phòng", "UBND xã Trị An"] in people


async def test_the_dossier_in_chat_and_on_the_command_line(
    api: FakeBotApi, database_url: str, officer_id: int, tmp_path: Path
) -> None:
    clock = FrozenClock(local(2020, 2, 5, 10))
    harness = BotHarness(
        api,
        settings_for(
            api,
            database_url,
            officer_ids=frozenset({officer_id}),
            authority=AUTHORITY,
            authority_parent=PARENT,
            place=PLACE,
        ),
        clock,
    )
    await harness.start()
    try:
        async with harness.ctx.session() as session:
            await seed_directory_and_plan(session, clock.now())
        head = harness.user(871, "Hạnh")
        await join(harness, head, "PGD")
        for name in ("Tổ Văn thư", "Tổ Một cửa"):
            await _file(head, name)
        for name, position in (
            ("Lê Văn Dũng", "Công chức Văn phòng"),
            ("Trần Thị Mai", "Chuyên viên"),
            ("Phạm Văn Nam", "Kế toán"),
        ):
            await _file_individual(head, name, position)
        # The officer reads English: the chat is in English, the documents in Vietnamese.
        officer = harness.user(officer_id, "Bình", language_code="en")
        card = await officer.send("/review")
        while "Approve" in str(buttons(card.last_message())):
            card = await click(officer, card, "Approve")
        await _file(head, "Tổ Tổng hợp")  # filed, not reviewed: not proposed

        usage = await officer.send("/export")
        assert "/export dossier" in usage.text
        choice = await officer.send("/export dossier")
        assert "Which round's dossier?" in choice.text
        labels = [label for label, data in buttons(choice.last_message())]
        assert labels == ["The whole year 2020", "The whole year 2019"]
        sent = await click(officer, choice, "The whole year 2020")
        documents = [c for c in sent.messages if c.method == "sendDocument"]
        assert len(documents) == 2
        caption = str(documents[0].params["caption"])
        assert caption.startswith(
            "Dossier: the Tờ trình proposes 2 collectives and 3 individuals approved in "
            "review, of 6 nominations filed."
        )
        (docx_name, docx), (zip_name, zipped) = [
            harness.api.uploads[c.result["document"]["file_id"]] for c in documents
        ]
        assert docx_name == "ho-so-de-nghi-khen-thuong-nam-2020-2020-02-05.docx"
        assert zip_name.endswith(".zip")
        combined = Document(io.BytesIO(docx))
        _check_to_trinh(combined)
        # The danh sách follows on a landscape page of its own.
        assert len(combined.sections) == 2
        landscape = combined.sections[1]
        assert round(landscape.page_width / 36000) == 297
        _check_list(combined.tables[2], combined.tables[3], _texts(combined))

        with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
            names = sorted(archive.namelist())
            assert [n.split("-")[0] for n in names] == ["01", "02", *["03"] * 5]
            to_trinh = Document(io.BytesIO(archive.read(names[0])))
            danh_sach = Document(io.BytesIO(archive.read(names[1])))
            # One báo cáo thành tích per proposed candidate, collectives first.
            assert [n.split("-", 1)[1] for n in names[2:]] == [
                "bao-cao-thanh-tich-01-to-van-thu.docx",
                "bao-cao-thanh-tich-02-to-mot-cua.docx",
                "bao-cao-thanh-tich-03-le-van-dung.docx",
                "bao-cao-thanh-tich-04-tran-thi-mai.docx",
                "bao-cao-thanh-tich-05-pham-van-nam.docx",
            ]
            report = _texts(Document(io.BytesIO(archive.read(names[4]))))
        assert report[:3] == [
            "BÁO CÁO THÀNH TÍCH",
            "Đề nghị tặng Chiến sĩ thi đua cơ sở",
            "Lê Văn Dũng, Công chức Văn phòng, UBND xã Trị An",
        ]
        assert "I. SƠ LƯỢC LÝ LỊCH" in report and "- Họ và tên: Lê Văn Dũng" in report
        assert "Hoàn thành xuất sắc nhiệm vụ năm 2019." in report
        assert "III. CÁC HÌNH THỨC ĐÃ ĐƯỢC KHEN THƯỞNG" in report
        _check_to_trinh(to_trinh)
        assert "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG" not in _texts(to_trinh)
        _check_list(danh_sach.tables[0], danh_sach.tables[1], _texts(danh_sach))

        # A unit head cannot have it, not even by forging the button.
        refused = await head.send("/export dossier")
        assert "chỉ dành cho cán bộ phụ trách TĐKT" in refused.text
        forged = await head.press(choice.last_message(), "xd:y:2020")
        assert not [c for c in forged.messages if c.method == "sendDocument"]
    finally:
        await harness.stop()

    env = {
        "TDKT_DATABASE_URL": database_url,
        "TDKT_LANGUAGE": "en",
        "TDKT_AUTHORITY": AUTHORITY,
        "TDKT_AUTHORITY_PARENT": PARENT,
        "TDKT_PLACE": PLACE,
    }
    out = tmp_path / "dossier.docx"
    code, stdout, stderr = await atdkt(
        "export", "dossier", "--out", str(out), "--year", "2020", env=env
    )
    assert code == 0, stderr
    assert stdout.strip() == (
        f"Wrote {out}: the Tờ trình proposes 2 collectives and 3 individuals (approved in "
        "review) of 6 nominations filed."
    )
    document = Document(str(out))
    assert _texts(document)[:2] == ["TỜ TRÌNH", "Về việc đề nghị khen thưởng năm 2020"]
    assert "- Chiến sĩ thi đua cơ sở: 3 cá nhân;" in _texts(document)
    out = tmp_path / "dossier.zip"
    code, _stdout, stderr = await atdkt(
        "export", "dossier", "--out", str(out), "--year", "2020", env=env
    )
    assert code == 0, stderr
    assert len(zipfile.ZipFile(out).namelist()) == 7
    code, _stdout, stderr = await atdkt(
        "export", "dossier", "--out", str(tmp_path / "d.xlsx"), env=env
    )
    assert (code, stderr.strip().splitlines()[-1]) == (
        1,
        f"{tmp_path / 'd.xlsx'}: the file name must end in .docx or .zip.",
    )
    code, _stdout, stderr = await atdkt(
        "export", "dossier", "--out", str(tmp_path / "d.docx"), "--round", "99", env=env
    )
    assert (code, stderr.strip().splitlines()[-1]) == (1, "No nomination round has the id 99.")
