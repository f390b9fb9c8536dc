"""A Word document laid out as a Vietnamese administrative document (văn bản hành chính) under
Nghị định 30/2020/NĐ-CP, Phụ lục I: A4, Times New Roman, the margins, the heading (the issuing
authority left, the national name and motto right), the number, the place-and-date line, the
document type and subject, the body, "Nơi nhận" and the signature block.

Plain functions over python-docx; the texts are the caller's (documents are in Vietnamese
whatever the reader's language). See README "Official documents" for what was followed.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docx.document import Document as DocumentType
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

FONT = "Times New Roman"
# Phụ lục I, mục I.5: top and bottom 20-25 mm, left 30-35 mm, right 15-20 mm (the low end:
# more room for tables).
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
A4_MM = (210, 297)
BODY_PT = 14  # nội dung: 13-14
HEAD_PT = 13  # quốc hiệu, tên cơ quan: 12-13 (one size for both, as the decree asks)
MOTTO_PT = 14  # tiêu ngữ: 13-14, one size above the national name
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
BLANK = "……"
# The width of the heading's two columns (landscape documents get the wider text width).
LEFT_COLUMN_MM = 60


@dataclass(frozen=True)
class Letterhead:
    """What the heading of a document says."""

    authority: str  # the issuing authority (TDKT_AUTHORITY); empty: left to fill
    parent: str = ""  # the body above it (TDKT_AUTHORITY_PARENT)
    place: str = ""  # TDKT_PLACE; empty: "……"
    day: date | None = None  # the date of the document; None: left to fill
    # The document type's abbreviation for the number ("TTr", "BC"); empty: no number line.
    kind_code: str = ""


@dataclass(frozen=True)
class Signature:
    """The signature block: quyền hạn (e.g. "TM. ỦY BAN NHÂN DÂN"), chức vụ, the name."""

    title: str
    authority_line: str = ""
    name: str = ""


@dataclass
class Closing:
    recipients: list[str] = field(default_factory=list)
    signature: Signature | None = None


def date_line(place: str, day: date | None) -> str:
    """ "Trị An, ngày 05 tháng 02 năm 2026": days below 10 and the months 1 and 2 with a
    leading zero (Phụ lục I, mục II.4); the place and date left to fill when unknown."""
    where = place.strip() or BLANK
    if day is None:
        return f"{where}, ngày {BLANK} tháng {BLANK} năm {BLANK}"
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{where}, ngày {day.day:02d} tháng {month} năm {day.year}"


def authority_code(authority: str) -> str:
    """The issuing authority's abbreviation for a document's number: its leading upper-case
    word ("UBND xã Trị An" → "UBND"), else left to fill."""
    first = (authority.split() or [""])[0]
    if len(first) >= 2 and first.upper() == first and re.fullmatch(r"[\w&]+", first):
        return first
    return BLANK


def number_line(head: Letterhead) -> str:
    """ "Số:      /TTr-UBND": the number is the registry's (văn thư) to give."""
    return f"Số:        /{head.kind_code}-{authority_code(head.authority)}"


def signature_for(authority: str) -> Signature:
    """The usual block for the authority: a People's Committee signs "TM. ỦY BAN NHÂN DÂN /
    CHỦ TỊCH"; any other body's head signs "THỦ TRƯỞNG"; the name is left to write."""
    if authority.upper().startswith(("UBND", "ỦY BAN NHÂN DÂN", "UỶ BAN NHÂN DÂN")):
        return Signature("CHỦ TỊCH", "TM. ỦY BAN NHÂN DÂN")
    return Signature("THỦ TRƯỞNG CƠ QUAN")


# ------------------------------------------------------------------ the page


def new_document(*, landscape: bool = False) -> DocumentType:
    """An empty A4 document with the decree's margins and Times New Roman throughout."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = Document()
    for name in ("Normal", "Table Grid"):
        style: Any = document.styles[name]
        style.font.name = FONT
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attribute), FONT)
    normal: Any = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    section = document.sections[0]
    width, height = Mm(A4_MM[0]), Mm(A4_MM[1])
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = height, width
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = width, height
    section.top_margin = Mm(MARGINS_MM["top"])
    section.bottom_margin = Mm(MARGINS_MM["bottom"])
    section.left_margin = Mm(MARGINS_MM["left"])
    section.right_margin = Mm(MARGINS_MM["right"])
    return document


def text_width_mm(document: DocumentType) -> float:
    section = document.sections[-1]
    assert section.page_width is not None
    assert section.left_margin is not None and section.right_margin is not None
    return (section.page_width - section.left_margin - section.right_margin) / 36000


def to_bytes(document: DocumentType) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
) -> Paragraph:
    """One run of text in `paragraph` (line breaks kept)."""
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.bold, run.italic = bold or None, italic or None
    if size:
        run.font.size = Pt(size)
    return paragraph


def line(
    container: Any,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    align: str = "left",
    after: float = 0,
    before: float = 0,
    indent_first_mm: float = 0,
) -> Paragraph:
    """A paragraph in a document or a table cell (the cell's first, empty paragraph is used)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    paragraphs = getattr(container, "paragraphs", [])
    if hasattr(container, "_tc") and len(paragraphs) == 1 and not paragraphs[0].text:
        paragraph: Paragraph = paragraphs[0]
    else:
        paragraph = container.add_paragraph()
    paragraph.alignment = {
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    }[align]
    paragraph.paragraph_format.space_after = Pt(after)
    paragraph.paragraph_format.space_before = Pt(before)
    if indent_first_mm:
        paragraph.paragraph_format.first_line_indent = Mm(indent_first_mm)
    if text:
        write(paragraph, text, bold=bold, italic=italic, size=size)
    return paragraph


def rule(container: Any, length_mm: float, width_mm: float) -> Paragraph:
    """A solid horizontal line `length_mm` long, centred in a column `width_mm` wide: an empty
    paragraph's bottom border between indents (a line, not underlined text, as the decree asks
    for the rules under the authority, the motto and the subject)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    paragraph = line(container, align="center")
    side = max(0.0, (width_mm - length_mm) / 2)
    paragraph.paragraph_format.left_indent = Mm(side)
    paragraph.paragraph_format.right_indent = Mm(side)
    properties = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (
        ("w:val", "single"),
        ("w:sz", "6"),
        ("w:space", "1"),
        ("w:color", "000000"),
    ):
        bottom.set(qn(key), value)
    borders.append(bottom)
    properties.append(borders)
    # The paragraph itself is a hairline: the line sits just under the text above.
    run = paragraph.add_run()
    run.font.size = Pt(3)
    paragraph.paragraph_format.line_spacing = Pt(5)
    paragraph.paragraph_format.space_before = Pt(1)
    return paragraph


def text_length_mm(text: str, size_pt: float, *, bold: bool = False) -> float:
    """About how long `text` is printed in Times New Roman (for the rules under a heading)."""
    # Average advance of Times New Roman: ~0.5 em for lower case, ~0.68 em for capitals.
    em = size_pt * 0.3528
    total = 0.0
    for char in text:
        if char == " ":
            total += 0.25
        elif char.isupper():
            total += 0.70 if bold else 0.67
        else:
            total += 0.47 if bold else 0.45
    return total * em


def borderless(table: Table) -> Table:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = table._tbl.tblPr
    for old in properties.findall(qn("w:tblBorders")):
        properties.remove(old)
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    properties.append(borders)
    return table


def column_widths(table: Table, widths_mm: list[float]) -> Table:
    """Fixed column widths (Word and LibreOffice both honour the cell widths with a fixed
    layout; without it STT would be as wide as any other column)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    table.autofit = False
    properties = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    properties.append(layout)
    grid = table._tbl.tblGrid
    for column, width in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=True):
        column.set(qn("w:w"), str(int(Mm(width).twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
    return table


def repeat_header(table: Table, rows: int = 1) -> None:
    for row in table.rows[:rows]:
        _row_flag(row, "w:tblHeader")


def keep_row_together(row: Any) -> None:
    """A row is not split across pages: a candidate's line stays whole under its header."""
    _row_flag(row, "w:cantSplit")


def _row_flag(row: Any, tag: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    marker = OxmlElement(tag)
    marker.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(marker)


# ------------------------------------------------------------------ the parts of a document


def heading(document: DocumentType, head: Letterhead) -> Table:
    """The borderless two-column heading: the authority (its parent above it), a short rule
    and the number on the left; the national name, the motto with its rule and the
    place-and-date line on the right."""
    width = text_width_mm(document)
    left_width = LEFT_COLUMN_MM
    right_width = width - left_width
    table = borderless(document.add_table(rows=1, cols=2))
    column_widths(table, [left_width, right_width])
    left, right = table.rows[0].cells
    authority = head.authority.strip().upper()
    if head.parent.strip():
        line(left, head.parent.strip().upper(), size=HEAD_PT, align="center")
    line(left, authority or BLANK, bold=True, size=HEAD_PT, align="center")
    # The rule under the authority: a third to a half of the line above it.
    longest = max(
        (text_length_mm(part, HEAD_PT, bold=True) for part in [authority or BLANK]), default=20
    )
    rule(left, min(max(longest * 0.4, 12), left_width * 0.5), left_width)
    if head.kind_code:
        line(left, number_line(head), size=HEAD_PT, align="center", before=4)
    line(right, NATION, bold=True, size=HEAD_PT, align="center")
    line(right, MOTTO, bold=True, size=MOTTO_PT, align="center")
    rule(right, text_length_mm(MOTTO, MOTTO_PT, bold=True), right_width)
    line(
        right, date_line(head.place, head.day), italic=True, size=BODY_PT, align="center", before=6
    )
    return table


def title(document: DocumentType, kind: str, subject: str = "", note: str = "") -> None:
    """The document type (upper case, bold, centred), the subject (bold, centred) with a short
    rule under it, and an italic note (e.g. "(Kèm theo Tờ trình số …)")."""
    line(document, kind.upper(), bold=True, size=BODY_PT, align="center", before=18)
    if subject:
        line(document, subject, bold=True, size=BODY_PT, align="center")
    width = text_width_mm(document)
    rule(document, min(45.0, width / 3), width)
    if note:
        line(document, note, italic=True, size=BODY_PT, align="center", before=3)
    line(document, "", after=6)


def body(
    document: DocumentType, text: str, *, bold: bool = False, italic: bool = False
) -> Paragraph:
    """A paragraph of the body: justified, first line indented 1 cm, 6 pt after, 14 pt."""
    paragraph = line(
        document, align="justify", after=6, indent_first_mm=10, bold=bold, italic=italic
    )
    if text:
        write(paragraph, text, bold=bold, italic=italic, size=BODY_PT)
    paragraph.paragraph_format.line_spacing = 1.15
    return paragraph


def closing(document: DocumentType, end: Closing) -> Table:
    """ "Nơi nhận:" (bold italic 12 pt) and its list (11 pt) at the left; the signature block
    (quyền hạn and chức vụ upper case bold, room to sign, the name bold) at the right."""
    width = text_width_mm(document)
    table = borderless(document.add_table(rows=1, cols=2))
    left_width = min(80.0, width / 2)
    column_widths(table, [left_width, width - left_width])
    left, right = table.rows[0].cells
    line(left, "Nơi nhận:", bold=True, italic=True, size=12, before=6)
    recipients = [*end.recipients, "Lưu: VT"]
    for index, recipient in enumerate(recipients):
        ending = "." if index == len(recipients) - 1 else ";"
        line(left, f"- {recipient.rstrip(';.')}{ending}", size=11)
    signature = end.signature or Signature("THỦ TRƯỞNG CƠ QUAN")
    if signature.authority_line:
        line(
            right,
            signature.authority_line.upper(),
            bold=True,
            size=BODY_PT,
            align="center",
            before=6,
        )
        line(right, signature.title.upper(), bold=True, size=BODY_PT, align="center")
    else:
        line(right, signature.title.upper(), bold=True, size=BODY_PT, align="center", before=6)
    for _blank in range(4):
        line(right, "", size=BODY_PT)
    line(right, signature.name or BLANK, bold=True, size=BODY_PT, align="center")
    return table


def grid_table(
    document: DocumentType,
    headers: list[str],
    widths_mm: list[float],
    *,
    size: float = 12,
) -> Table:
    """A bordered table with a bold, centred header row repeated on each page."""
    table: Table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    column_widths(table, widths_mm)
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        line(cell, text, bold=True, size=size, align="center")
    repeat_header(table)
    return table


def add_row(
    table: Table, values: list[object], *, size: float = 12, centre: tuple[int, ...] = ()
) -> list[_Cell]:
    # python-docx 1.2 leaves Table.add_row unannotated (its other methods are typed).
    row = table.add_row()  # type: ignore[no-untyped-call]
    keep_row_together(row)
    cells = row.cells
    for index, (cell, value) in enumerate(zip(cells, values, strict=True)):
        line(
            cell,
            str(value) if value is not None else "",
            size=size,
            align="center" if index in centre else "left",
        )
    return list(cells)


def group_row(table: Table, text: str, *, size: float = 12) -> None:
    """A row spanning the table: a group heading ("I. TẬP THỂ", "1. Danh sách đề nghị tặng …")."""
    # python-docx 1.2 leaves Table.add_row unannotated (its other methods are typed).
    cells = table.add_row().cells  # type: ignore[no-untyped-call]
    merged = cells[0].merge(cells[-1])
    line(merged, text, bold=True, size=size)


def signatures(
    document: DocumentType,
    left: list[str],
    right: list[str],
    *,
    left_name: str = "",
    right_name: str = "",
) -> Table:
    """Two signature blocks side by side (a report and its confirmation, a biên bản's
    secretary and chair): each upper case, bold, centred, "(Ký, ghi rõ họ và tên)", room to
    sign, then the name (bold) or a blank to write it."""
    width = text_width_mm(document)
    table = borderless(document.add_table(rows=1, cols=2))
    column_widths(table, [width / 2, width / 2])
    # The shorter block padded so that both names stand on one line.
    longest = max(len(left), len(right))
    for cell, lines, name in zip(
        table.rows[0].cells, (left, right), (left_name, right_name), strict=True
    ):
        for index, text in enumerate(lines):
            line(
                cell,
                text.upper(),
                bold=True,
                size=BODY_PT,
                align="center",
                before=12 * (not index),
            )
        line(cell, "(Ký, ghi rõ họ và tên)", italic=True, size=BODY_PT, align="center")
        for _blank in range(4 + longest - len(lines)):
            line(cell, "", size=BODY_PT)
        line(cell, name or BLANK, bold=True, size=BODY_PT, align="center")
    return table


def new_section(document: DocumentType) -> Any:
    """A section on a new page. The paragraph that ends the previous section is made a hairline:
    after a full page (a signature table at its foot) it would otherwise spill onto a blank
    page of its own."""
    from docx.enum.section import WD_SECTION
    from docx.shared import Pt

    section = document.add_section(WD_SECTION.NEW_PAGE)
    ending = document.paragraphs[-1]
    ending.paragraph_format.line_spacing = Pt(1)
    ending.paragraph_format.space_before = Pt(0)
    ending.paragraph_format.space_after = Pt(0)
    return section
