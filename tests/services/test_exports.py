"""The nomination list as Excel and Word, opened back and checked cell by cell."""

from __future__ import annotations

import io
from datetime import date

from docx import Document
from docx.enum.section import WD_ORIENT
from openpyxl import load_workbook

from bot.core.i18n import use_language
from bot.services.exports import (
    ExportHeading,
    NominationRow,
    nominations_docx,
    nominations_xlsx,
)

ROWS = [
    NominationRow(
        1,
        "Nguyễn Thị Hoa",
        "Phó Chủ tịch UBND xã",
        "UBND xã Trị An",
        "Chiến sĩ thi đua cơ sở",
        "Hoàn thành xuất sắc nhiệm vụ.\nDẫn đầu phong trào.",
        "Đã được phê duyệt",
        "",
        target="individual",
    ),
    NominationRow(
        2,
        "Trường Mầm non Hoa Sen",
        "",
        "Phòng Giáo dục và Đào tạo",
        "Tập thể lao động xuất sắc",
        "Năm học 2019-2020 hoàn thành xuất sắc.",
        "Trả lại để bổ sung",
        "Bổ sung báo cáo có xác nhận.",
        target="collective",
    ),
    NominationRow(
        3,
        "Lê Văn Dũng",
        "Công chức",
        "UBND xã Tân An",
        "Giấy khen của Chủ tịch UBND huyện",
        "Dũng cảm cứu người.",
        "Đã gửi, chờ xét duyệt",
        "",
        target="individual",
    ),
]
HEADING = ExportHeading(
    "UBND HUYỆN VĨNH CỬU",
    "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG",
    "Đợt: Tổng kết năm 2020",
    "Ngày 15/12/2020",
    day=date(2020, 12, 5),
    place="Vĩnh Cửu",
)
COLUMNS_EN = [
    "No.",
    "Nominee",
    "Position",
    "Unit",
    "Award form",
    "Achievement summary",
    "Status",
    "Decision",
    "Standard of the award (from the history)",
]


def test_workbook_cells() -> None:
    with use_language("en"):
        data = nominations_xlsx(ROWS, HEADING)
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert sheet.title == "Nominations"
    assert sheet["A1"].value == "UBND HUYỆN VĨNH CỬU"
    assert sheet["A2"].value == "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG"
    assert sheet["A3"].value == "Đợt: Tổng kết năm 2020"
    assert [sheet.cell(row=5, column=c).value for c in range(1, 10)] == COLUMNS_EN
    for offset, row in enumerate(ROWS, start=6):
        expected = [
            row.number,
            row.nominee,
            row.position or None,
            row.unit,
            row.award_form,
            row.summary,
            row.status,
            row.decision or None,
            row.eligibility or None,
        ]
        assert [sheet.cell(row=offset, column=c).value for c in range(1, 10)] == expected
    assert sheet.freeze_panes == "A6"
    assert sheet["B10"].value == "Total: 3"
    assert sheet.column_dimensions["F"].width == 60
    assert sheet.page_setup.orientation == "landscape"


def test_vietnamese_headers_and_an_empty_list() -> None:
    sheet = load_workbook(io.BytesIO(nominations_xlsx([], HEADING))).active
    assert sheet is not None
    assert sheet.cell(row=5, column=2).value == "Đối tượng đề nghị"
    assert sheet.cell(row=6, column=1).value is None
    assert sheet["B7"].value == "Tổng số: 0"
    document = Document(io.BytesIO(nominations_docx([], HEADING)))
    assert len(document.tables[1].rows) == 1  # the heading is tables[0]
    assert document.paragraphs[-1].text == "Tổng số: 0 (tập thể: 0; cá nhân: 0)."


def test_word_document() -> None:
    """The Word list is an administrative document in Vietnamese, also for an English reader:
    the heading, the title, and the table by group (collectives first) and form of award."""
    with use_language("en"):
        document = Document(io.BytesIO(nominations_docx(ROWS, HEADING)))
    head = document.tables[0]
    left, right = (cell.text.split("\n") for cell in head.rows[0].cells)
    assert left[0] == "UBND HUYỆN VĨNH CỬU"
    assert right[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert "Vĩnh Cửu, ngày 05 tháng 12 năm 2020" in right
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts[:2] == ["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG", "Đợt: Tổng kết năm 2020"]
    assert texts[-1] == "Tổng số: 3 (tập thể: 1; cá nhân: 2)."
    section = document.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert round(section.page_width / 36000) == 297 and round(section.page_height / 36000) == 210
    table = document.tables[1]
    assert [cell.text for cell in table.rows[0].cells] == [
        "STT",
        "Tên tập thể / Họ và tên",
        "Chức vụ",
        "Đơn vị",
        "Tóm tắt thành tích",
        "Trạng thái",
        "Ghi chú",
    ]
    # STT is narrow, the summary wide.
    widths = [round(cell.width / 36000) for cell in table.rows[0].cells]
    assert widths[0] == 12 and widths[4] == max(widths)
    rows = [[cell.text for cell in row.cells] for row in table.rows[1:]]
    assert [row[0] for row in rows] == [
        "I. TẬP THỂ",
        "1. Danh sách đề nghị tặng danh hiệu “Tập thể lao động xuất sắc” (1)",
        "1",
        "II. CÁ NHÂN",
        "1. Danh sách đề nghị tặng danh hiệu “Chiến sĩ thi đua cơ sở” (1)",
        "1",
        "2. Danh sách đề nghị tặng Giấy khen của Chủ tịch UBND huyện (1)",
        "1",
    ]
    assert rows[2] == [
        "1",
        "Trường Mầm non Hoa Sen",
        "",
        "Phòng Giáo dục và Đào tạo",
        "Năm học 2019-2020 hoàn thành xuất sắc.",
        "Trả lại để bổ sung",
        "Bổ sung báo cáo có xác nhận.",
    ]
    assert rows[5][1:4] == ["Nguyễn Thị Hoa", "Phó Chủ tịch UBND xã", "UBND xã Trị An"]
    assert document.styles["Normal"].font.name == "Times New Roman"


def test_percentages_have_one_decimal_in_the_readers_way() -> None:
    from bot.core.i18n import format_percent

    with use_language("vi"):
        assert [format_percent(r) for r in (1 / 8, 1 / 7, 0.5, 0)] == [
            "12,5%",
            "14,3%",
            "50%",
            "0%",
        ]
    with use_language("en"):
        assert [format_percent(r) for r in (1 / 8, 1, 2 / 3)] == ["12.5%", "100%", "66.7%"]


def test_cells_are_written_as_text_dates_or_numbers() -> None:
    from datetime import date, datetime

    from openpyxl import Workbook

    from bot.services.exports import put_row

    sheet = Workbook().active
    assert sheet is not None
    cells = put_row(
        sheet,
        1,
        ["=1+1", "-3", "a\x01b\x1fc", 7, date(2020, 5, 15), datetime(2020, 5, 15, 9, 30), None],
    )
    assert [c.data_type for c in cells[:4]] == ["s", "s", "s", "n"]
    assert cells[0].quotePrefix and cells[1].quotePrefix and not cells[2].quotePrefix
    assert cells[2].value == "abc"  # characters a workbook cannot hold are dropped
    assert cells[4].is_date and cells[4].number_format == "dd/mm/yyyy"
    assert cells[5].is_date and cells[5].number_format == "dd/mm/yyyy hh:mm:ss"
    assert cells[6].value is None
    [long] = put_row(sheet, 2, ["x" * 40_000])
    assert len(long.value) == 32_767 and long.value.endswith("…")
