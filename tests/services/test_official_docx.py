"""The administrative-document template (Nghị định 30/2020/NĐ-CP, Phụ lục I)."""

from __future__ import annotations

import io
from datetime import date

from docx import Document
from docx.shared import Pt

from bot.services import official_docx as o


def test_the_date_line_has_leading_zeros_for_days_below_10_and_months_1_and_2() -> None:
    assert o.date_line("Trị An", date(2026, 2, 5)) == "Trị An, ngày 05 tháng 02 năm 2026"
    assert o.date_line("Trị An", date(2026, 1, 31)) == "Trị An, ngày 31 tháng 01 năm 2026"
    assert o.date_line("Trị An", date(2026, 3, 9)) == "Trị An, ngày 09 tháng 3 năm 2026"
    assert o.date_line("Trị An", date(2026, 12, 10)) == "Trị An, ngày 10 tháng 12 năm 2026"
    assert o.date_line("", date(2026, 11, 1)) == "……, ngày 01 tháng 11 năm 2026"
    assert o.date_line("", None) == "……, ngày …… tháng …… năm ……"


def test_the_number_takes_the_authoritys_abbreviation() -> None:
    head = o.Letterhead("UBND xã Trị An", kind_code="TTr")
    assert o.number_line(head) == "Số:        /TTr-UBND"
    assert o.number_line(o.Letterhead("Trường Tiểu học A", kind_code="BC")).endswith("/BC-……")


def _document() -> object:
    document = o.new_document()
    o.heading(
        document,
        o.Letterhead(
            "UBND xã Trị An",
            parent="UBND tỉnh Đồng Nai",
            place="Trị An",
            day=date(2026, 2, 5),
            kind_code="TTr",
        ),
    )
    o.title(document, "Tờ trình", "Về việc đề nghị khen thưởng")
    o.body(document, "Căn cứ Luật Thi đua, khen thưởng.")
    o.closing(document, o.Closing(["Như trên"], o.signature_for("UBND xã Trị An")))
    return Document(io.BytesIO(o.to_bytes(document)))  # type: ignore[arg-type]


def _runs(paragraph: object) -> list[object]:
    return [run for run in paragraph.runs if run.text]  # type: ignore[attr-defined]


def test_page_margins_heading_title_and_closing() -> None:
    document = _document()
    section = document.sections[0]  # type: ignore[attr-defined]
    mm = [
        round(length / 36000, 1)
        for length in (
            section.page_width,
            section.page_height,
            section.top_margin,
            section.bottom_margin,
            section.left_margin,
            section.right_margin,
        )
    ]
    assert mm == [210, 297, 20, 20, 30, 15]
    assert document.styles["Normal"].font.name == "Times New Roman"  # type: ignore[attr-defined]
    head, end = document.tables  # type: ignore[attr-defined]
    borders = head._tbl.tblPr.xml
    assert 'w:val="nil"' in borders and "Table Grid" not in borders
    left, right = (cell.paragraphs for cell in head.rows[0].cells)
    texts = [p.text for p in left if p.text]
    assert texts == ["UBND TỈNH ĐỒNG NAI", "UBND XÃ TRỊ AN", "Số:        /TTr-UBND"]
    parent, authority = _runs(left[0])[0], _runs(left[1])[0]
    assert not parent.bold and authority.bold and authority.font.size == Pt(13)
    # The rule under the authority is a border, not underlined text.
    assert "w:pBdr" in left[2]._p.xml
    nation, motto = right[0], right[1]
    assert nation.text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" and _runs(nation)[0].bold
    assert motto.text == "Độc lập - Tự do - Hạnh phúc" and _runs(motto)[0].bold
    assert "w:pBdr" in right[2]._p.xml
    dated = next(p for p in right if p.text.startswith("Trị An"))
    assert dated.text == "Trị An, ngày 05 tháng 02 năm 2026" and _runs(dated)[0].italic
    body = [p for p in document.paragraphs if p.text]  # type: ignore[attr-defined]
    assert [p.text for p in body[:2]] == ["TỜ TRÌNH", "Về việc đề nghị khen thưởng"]
    assert all(_runs(p)[0].bold for p in body[:2])
    assert body[2].alignment == 3  # justified
    assert _runs(body[2])[0].font.size == Pt(14)
    recipients, signature = (cell.paragraphs for cell in end.rows[0].cells)
    assert recipients[0].text == "Nơi nhận:"
    assert _runs(recipients[0])[0].bold and _runs(recipients[0])[0].italic
    assert _runs(recipients[0])[0].font.size == Pt(12)
    assert [p.text for p in recipients[1:]] == ["- Như trên;", "- Lưu: VT."]
    assert _runs(recipients[1])[0].font.size == Pt(11)
    signed = [p.text for p in signature if p.text]
    assert signed == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "……"]


def test_table_rows_are_not_split_across_pages_and_the_header_repeats() -> None:
    document = o.new_document()
    table = o.grid_table(document, ["STT", "Họ và tên"], [15, 100])
    o.add_row(table, [1, "Nguyễn Thị Hoa"], centre=(0,))
    opened = Document(io.BytesIO(o.to_bytes(document)))
    header, row = opened.tables[0].rows
    assert header._tr.xpath("./w:trPr/w:tblHeader")
    assert row._tr.xpath("./w:trPr/w:cantSplit")
