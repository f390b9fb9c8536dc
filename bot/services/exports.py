"""Excel and Word renderings of the nomination list, in the layout councils use."""

from __future__ import annotations

import io
from dataclasses import dataclass

from bot.i18n import _, ngettext, quarter_numeral
from bot.services.progress import ProgressMatrix, ProgressReport

COLUMN_WIDTHS = (6, 28, 22, 28, 30, 60, 16, 30)
HEADER_ROW = 5


@dataclass(frozen=True)
class NominationRow:
    number: int
    nominee: str
    position: str
    unit: str
    award_form: str
    summary: str
    status: str
    decision: str

    def cells(self) -> list[object]:
        return [
            self.number,
            self.nominee,
            self.position,
            self.unit,
            self.award_form,
            self.summary,
            self.status,
            self.decision,
        ]


@dataclass(frozen=True)
class ExportHeading:
    authority: str
    title: str
    subtitle: str
    date_line: str


def nomination_columns() -> list[str]:
    return [
        _("No."),
        _("Nominee"),
        _("Position"),
        _("Unit"),
        _("Award form"),
        _("Achievement summary"),
        _("Status"),
        _("Decision"),
    ]


def _total(rows: list[NominationRow]) -> str:
    return _("Total: {count}").format(count=len(rows))


def nominations_xlsx(rows: list[NominationRow], heading: ExportHeading) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Nominations")[:31]
    columns = nomination_columns()
    last = get_column_letter(len(columns))
    sheet["A1"] = heading.authority
    sheet["A1"].font = Font(bold=True)
    sheet["A2"] = heading.title
    sheet["A2"].font = Font(bold=True, size=14)
    sheet["A2"].alignment = Alignment(horizontal="center")
    sheet.merge_cells(f"A2:{last}2")
    sheet["A3"] = heading.subtitle
    sheet["A3"].font = Font(italic=True)
    sheet["A3"].alignment = Alignment(horizontal="center")
    sheet.merge_cells(f"A3:{last}3")
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for index, title in enumerate(columns, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = COLUMN_WIDTHS[index - 1]
    for offset, row in enumerate(rows, start=1):
        for index, value in enumerate(row.cells(), start=1):
            cell = sheet.cell(row=HEADER_ROW + offset, column=index, value=value)
            cell.border = border
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    sheet.cell(row=HEADER_ROW + len(rows) + 2, column=2, value=_total(rows)).font = Font(bold=True)
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def nominations_docx(rows: list[NominationRow], heading: ExportHeading) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"  # type: ignore[attr-defined]
    normal.font.size = Pt(13)  # type: ignore[attr-defined]
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()  # type: ignore[attr-defined]
    fonts.set(qn("w:eastAsia"), "Times New Roman")
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(2))

    def paragraph(
        text: str,
        *,
        bold: bool = False,
        italic: bool = False,
        size: int | None = None,
        align: object = None,
    ) -> None:
        if not text:
            return
        block = document.add_paragraph()
        run = block.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
        if align is not None:
            block.alignment = align  # type: ignore[assignment]

    paragraph(heading.authority, bold=True)
    paragraph(heading.title, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph(heading.subtitle, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph(heading.date_line, italic=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    columns = nomination_columns()
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    header = table.rows[0]
    header_properties = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_properties.append(repeat)
    for cell, title in zip(header.cells, columns, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(title)
        run.bold = True
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for row in rows:
        for cell, value in zip(table.add_row().cells, row.cells(), strict=True):
            cell.text = str(value)
    paragraph(_total(rows), bold=True)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _cell_text(value: object) -> str:
    from datetime import date

    from bot.i18n import format_date
    from bot.services.progress import NOT_CONCERNED

    if isinstance(value, date):
        return format_date(value)
    if value == NOT_CONCERNED:
        return "—"
    return ""


def progress_xlsx(matrix: ProgressMatrix, authority: str = "") -> bytes:
    """One sheet per quarter: units × tasks with the day each was done, and totals."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for quarter in matrix.quarters:
        sheet = workbook.create_sheet(
            _("Q{quarter}").format(quarter=quarter_numeral(quarter.quarter))
        )
        sheet["A1"] = authority
        sheet["A1"].font = Font(bold=True)
        sheet["A2"] = _("Progress of the TĐKT plan {year}, Q{quarter}").format(
            year=matrix.plan.year if matrix.plan else "", quarter=quarter_numeral(quarter.quarter)
        )
        sheet["A2"].font = Font(bold=True, size=14)
        headers = [_("No."), _("Unit"), _("Cluster")]
        headers += [f"#{task.id} {task.title}" for task in quarter.tasks]
        headers.append(_("Tasks done"))
        for column, title in enumerate(headers, start=1):
            cell = sheet.cell(row=4, column=column, value=title)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="D9D9D9")
            cell.border = border
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        first_task_column = 4
        for index, (unit, cluster) in enumerate(quarter.rows, start=1):
            row = 4 + index
            values: list[object] = [index, unit.name, cluster]
            done = 0
            for task in quarter.tasks:
                value = quarter.cells[(unit.id, task.id)]
                done += not isinstance(value, str) and value is not None
                values.append(_cell_text(value))
            values.append(done)
            for column, value in enumerate(values, start=1):
                cell = sheet.cell(row=row, column=column, value=value)
                cell.border = border
                if column >= first_task_column:
                    cell.alignment = Alignment(horizontal="center")
        total_row = 5 + len(quarter.rows)
        sheet.cell(row=total_row, column=2, value=_("Units done")).font = Font(bold=True)
        for offset, task in enumerate(quarter.tasks):
            done = sum(
                1
                for unit, _cluster in quarter.rows
                if not isinstance(quarter.cells[(unit.id, task.id)], str)
                and quarter.cells[(unit.id, task.id)] is not None
            )
            cell = sheet.cell(row=total_row, column=first_task_column + offset, value=done)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        sheet.freeze_panes = sheet.cell(row=5, column=first_task_column)
        sheet.row_dimensions[4].height = 90
        for column, width in ((1, 6), (2, 34), (3, 22)):
            sheet.column_dimensions[get_column_letter(column)].width = width
        for offset in range(len(quarter.tasks) + 1):
            sheet.column_dimensions[get_column_letter(first_task_column + offset)].width = 16
    if not workbook.worksheets:
        workbook.create_sheet(_("Progress"))["A1"] = _("No plan has been imported yet.")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def progress_docx(matrix: ProgressMatrix, report: ProgressReport, authority: str = "") -> bytes:
    """A report in the style of an official one: per quarter a summary and the task table."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    from bot.i18n import format_date

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"  # type: ignore[attr-defined]
    normal.font.size = Pt(13)  # type: ignore[attr-defined]
    if authority:
        document.add_paragraph().add_run(authority.upper()).bold = True
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(
        _("REPORT ON THE PROGRESS OF THE TĐKT PLAN {year}").format(
            year=matrix.plan.year if matrix.plan else ""
        )
    )
    run.bold, run.font.size = True, Pt(14)
    dated = document.add_paragraph(_("As of {date}").format(date=format_date(matrix.today)))
    dated.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for quarter in matrix.quarters:
        tasks = report.quarters.get(quarter.quarter, [])
        heading = document.add_paragraph()
        heading.add_run(
            _("Q{quarter}").format(quarter=quarter_numeral(quarter.quarter))
        ).bold = True
        complete = sum(1 for task in tasks if task.total and task.done == task.total)
        cells = sum(task.total for task in tasks)
        done = sum(task.done for task in tasks)
        document.add_paragraph(
            _(
                "{complete} of {count} tasks were completed by every unit concerned; overall "
                "{done} of {cells} unit reports are done ({rate}%)."
            ).format(
                complete=complete,
                count=len(tasks),
                done=done,
                cells=cells,
                rate=round(100 * done / cells) if cells else 0,
            )
        )
        table = document.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells, (_("No."), _("Task"), _("Deadline"), _("Units done")), strict=True
        ):
            cell.text = ""
            cell.paragraphs[0].add_run(text).bold = True
        for number, task in enumerate(tasks, start=1):
            row = table.add_row().cells
            row[0].text, row[1].text = str(number), f"#{task.task_id} {task.title}"
            row[2].text, row[3].text = format_date(task.deadline), f"{task.done}/{task.total}"
    if report.lagging:
        document.add_paragraph().add_run(_("Units lagging behind")).bold = True
        for unit in report.lagging:
            document.add_paragraph(
                ngettext(
                    "{unit}: {n} overdue task", "{unit}: {n} overdue tasks", unit.overdue
                ).format(unit=unit.name, n=unit.overdue),
                style="List Bullet",
            )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def audit_xlsx(rows: list[tuple[str, str, str, str, str, str, str]]) -> bytes:
    """The audit log: when, who, what, which record, before/after."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Audit log")[:31]
    headers = [
        _("Time"),
        _("Actor"),
        _("Member"),
        _("Action"),
        _("Record"),
        _("Record id"),
        _("Details"),
    ]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for column, width in enumerate((18, 22, 26, 22, 16, 10, 80), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
