"""Excel and Word renderings of the nomination list, in the layout councils use."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core.i18n import _, format_date, format_percent, ngettext, quarter_numeral
from bot.services.progress import ProgressMatrix, ProgressReport, ReportNote

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

COLUMN_WIDTHS = (6, 28, 22, 28, 30, 60, 16, 30, 45)
HEADER_ROW = 5
DATE_FORMAT = "dd/mm/yyyy"
DATE_TIME_FORMAT = "dd/mm/yyyy hh:mm:ss"
# Text a spreadsheet program could read as a formula or a command when it starts with these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# The most characters a cell holds.
CELL_TEXT_LIMIT = 32_767
# Characters an .xlsx cannot hold (openpyxl refuses them): control characters but tab and
# line breaks.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def put(sheet: Worksheet, row: int, column: int, value: object) -> Cell:
    """Writes one cell of an export. Every export writes through here, so that text (names,
    notes, titles, anything a user typed) is always a text cell and never a formula, whatever
    it starts with; dates and times become real date cells shown dd/mm/yyyy; numbers stay
    numbers."""
    cell = sheet.cell(row=row, column=column)
    if value is None:
        return cell
    if isinstance(value, bool) or not isinstance(value, (int, float, date, str)):
        value = str(value)
    if isinstance(value, str):
        value = _ILLEGAL.sub("", value)
        if len(value) > CELL_TEXT_LIMIT:  # Excel refuses to open a longer cell
            value = value[: CELL_TEXT_LIMIT - 1] + "…"
        cell.value = value
        cell.data_type = "s"  # openpyxl would store "=..." as a formula
        if value.startswith(FORMULA_STARTS):
            # Also shown as text by Excel and LibreOffice when the cell is edited.
            cell.quotePrefix = True
    elif isinstance(value, datetime):
        cell.value = value.replace(tzinfo=None)  # already local time; Excel has no zones
        cell.number_format = DATE_TIME_FORMAT
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        cell.value = value
    return cell


def put_row(sheet: Worksheet, row: int, values: list[Any]) -> list[Cell]:
    """`put` for a whole row, from the first column."""
    return [put(sheet, row, column, value) for column, value in enumerate(values, start=1)]


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
    # The verdict on the candidate from the award history, with the reasons not met.
    eligibility: str = ""
    # individual | collective: the Word list's group (not a column of the workbook).
    target: str = ""
    state: str = ""  # the nomination's status code (NominationStatus), for the dossier

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
            self.eligibility,
        ]


@dataclass(frozen=True)
class ExportHeading:
    authority: str
    title: str
    subtitle: str
    date_line: str
    # The Word documents' heading: the body above the authority, the place and the day.
    parent: str = ""
    place: str = ""
    day: date | None = None


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
        _("Standard of the award (from the history)"),
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
    put(sheet, 1, 1, heading.authority).font = Font(bold=True)
    put(sheet, 2, 1, heading.title).font = Font(bold=True, size=14)
    sheet["A2"].alignment = Alignment(horizontal="center")
    sheet.merge_cells(f"A2:{last}2")
    put(sheet, 3, 1, heading.subtitle).font = Font(italic=True)
    sheet["A3"].alignment = Alignment(horizontal="center")
    sheet.merge_cells(f"A3:{last}3")
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for index, title in enumerate(columns, start=1):
        cell = put(sheet, HEADER_ROW, index, title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = COLUMN_WIDTHS[index - 1]
    for offset, row in enumerate(rows, start=1):
        for index, value in enumerate(row.cells(), start=1):
            cell = put(sheet, HEADER_ROW + offset, index, value)
            cell.border = border
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    put(sheet, HEADER_ROW + len(rows) + 2, 2, _total(rows)).font = Font(bold=True)
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# The Word list's columns (the award form is each group's heading), in millimetres of a
# landscape A4 page's 252 mm of text.
WORD_COLUMNS = (
    ("STT", 12),
    ("Tên tập thể / Họ và tên", 46),
    ("Chức vụ", 32),
    ("Đơn vị", 42),
    ("Tóm tắt thành tích", 66),
    ("Trạng thái", 26),
    ("Ghi chú", 28),
)
# Without the status (the dossier's list holds only what is proposed).
WORD_COLUMNS_PROPOSED = (
    ("STT", 12),
    ("Tên tập thể / Họ và tên", 50),
    ("Chức vụ", 38),
    ("Đơn vị", 48),
    ("Tóm tắt thành tích", 74),
    ("Ghi chú", 30),
)
GROUPS = (("collective", "TẬP THỂ"), ("individual", "CÁ NHÂN"))
# Forms of award one is "given" (tặng); any other is a title (danh hiệu).
_AWARD_WORDS = (
    "giấy khen",
    "bằng khen",
    "cờ thi đua",
    "huân chương",
    "huy chương",
    "kỷ niệm chương",
    "giải thưởng",
    "danh hiệu",
)


def proposal_heading(form: str) -> str:
    """ "Danh sách đề nghị tặng Giấy khen …", "… tặng danh hiệu “Lao động tiên tiến”"."""
    if not form:
        return "Chưa chọn hình thức khen thưởng"
    if form.lower().startswith(_AWARD_WORDS):
        return f"Danh sách đề nghị tặng {form}"
    return f"Danh sách đề nghị tặng danh hiệu “{form}”"


def grouped(rows: list[NominationRow]) -> list[tuple[str, list[tuple[str, list[NominationRow]]]]]:
    """Collectives, then individuals (then rows of neither), each by form of award in the
    order the rows come in."""
    groups: list[tuple[str, list[tuple[str, list[NominationRow]]]]] = []
    known = [target for target, _title in GROUPS]
    for target, title in [*GROUPS, ("", "KHÁC")]:
        mine = [
            row
            for row in rows
            if (row.target == target) or (target == "" and row.target not in known)
        ]
        if not mine:
            continue
        forms: dict[str, list[NominationRow]] = {}
        for row in mine:
            forms.setdefault(row.award_form, []).append(row)
        groups.append((title, list(forms.items())))
    return groups


def nomination_list_section(
    document: Any,
    rows: list[NominationRow],
    heading: ExportHeading,
    *,
    attached_to: str = "",
    with_status: bool = True,
) -> None:
    """The danh sách đề nghị khen thưởng on the current (landscape) section: the heading, the
    title, the table by group (I. TẬP THỂ, II. CÁ NHÂN) and form of award, the total."""
    from bot.services import official_docx as o

    o.heading(
        document,
        o.Letterhead(heading.authority, heading.parent, heading.place, heading.day),
    )
    o.title(document, heading.title, heading.subtitle, attached_to)
    columns = WORD_COLUMNS if with_status else WORD_COLUMNS_PROPOSED
    table = o.grid_table(document, [name for name, _width in columns], [w for _n, w in columns])
    numerals = ("I", "II", "III")
    for numeral, (title, forms) in zip(numerals, grouped(rows), strict=False):
        o.group_row(table, f"{numeral}. {title}")
        for index, (form, members) in enumerate(forms, start=1):
            o.group_row(table, f"{index}. {proposal_heading(form)} ({len(members)})")
            for number, row in enumerate(members, start=1):
                values: list[object] = [number, row.nominee, row.position, row.unit, row.summary]
                values += [row.status, row.decision] if with_status else [""]
                o.add_row(table, values, centre=(0,))
    collectives = sum(1 for row in rows if row.target == "collective")
    individuals = sum(1 for row in rows if row.target == "individual")
    o.line(document, "", after=6)
    o.body(
        document,
        f"Tổng số: {len(rows)} (tập thể: {collectives}; cá nhân: {individuals}).",
        bold=True,
    )


def nominations_docx(rows: list[NominationRow], heading: ExportHeading) -> bytes:
    """The nomination list as an administrative document (landscape A4, in Vietnamese)."""
    from bot.services import official_docx as o

    document = o.new_document(landscape=True)
    nomination_list_section(document, rows, heading)
    return o.to_bytes(document)


DEFAULT_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _cell_value(value: object) -> object:
    """A matrix cell: the day the task was done (a date cell), "—" when the task does not
    concern the unit, empty while open."""
    from bot.services.progress import NOT_CONCERNED

    if isinstance(value, date):
        return value
    if value == NOT_CONCERNED:
        return "—"
    return None


def note_text(note: ReportNote, tz: ZoneInfo) -> str:
    """One note or file of a report as a line of an export: when, who, the file, the text."""
    local = note.at.astimezone(tz)
    parts = []
    if note.has_file:
        parts.append(_("file: {name}").format(name=note.file_name or _("file without a name")))
    if note.note:
        parts.append(note.note)
    head = _("{time}, {author}").format(
        time=f"{format_date(local.date())} {local:%H:%M}", author=note.author or _("unknown")
    )
    return f"{head}: " + " — ".join(parts)


def progress_xlsx(matrix: ProgressMatrix, authority: str = "", tz: ZoneInfo = DEFAULT_TZ) -> bytes:
    """One sheet per quarter: units × tasks with the day each was done, totals, and each
    unit's notes and files."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for quarter in matrix.quarters:
        sheet = workbook.create_sheet(
            _("Q{quarter}").format(quarter=quarter_numeral(quarter.quarter))
        )
        put(sheet, 1, 1, authority).font = Font(bold=True)
        put(
            sheet,
            2,
            1,
            _("Progress of the TĐKT plan {year}, Q{quarter}").format(
                year=matrix.plan.year if matrix.plan else "",
                quarter=quarter_numeral(quarter.quarter),
            ),
        ).font = Font(bold=True, size=14)
        headers = [_("No."), _("Unit"), _("Cluster")]
        headers += [_task_heading(task.id, task.title, task.responsible) for task in quarter.tasks]
        headers.append(_("Tasks done"))
        headers.append(_("Notes and files"))
        notes_column = len(headers)
        for column, title in enumerate(headers, start=1):
            cell = put(sheet, 4, column, title)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="D9D9D9")
            cell.border = border
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        first_task_column = 4
        for index, (unit, cluster) in enumerate(quarter.rows, start=1):
            row = 4 + index
            values: list[object] = [index, unit.name, cluster]
            done = 0
            notes: list[str] = []
            for task in quarter.tasks:
                value = quarter.cells[(unit.id, task.id)]
                done += not isinstance(value, str) and value is not None
                values.append(_cell_value(value))
                notes += [
                    f"#{task.id} {note_text(note, tz)}"
                    for note in quarter.notes.get((unit.id, task.id), ())
                ]
            values.append(done)
            values.append("\n".join(notes) or None)
            for column, item in enumerate(values, start=1):
                cell = put(sheet, row, column, item)
                cell.border = border
                if column == notes_column:
                    cell.alignment = Alignment(vertical="top", wrap_text=True)
                elif column >= first_task_column:
                    cell.alignment = Alignment(horizontal="center")
        total_row = 5 + len(quarter.rows)
        put(sheet, total_row, 2, _("Units done")).font = Font(bold=True)
        for offset, task in enumerate(quarter.tasks):
            done = sum(
                1
                for unit, _cluster in quarter.rows
                if not isinstance(quarter.cells[(unit.id, task.id)], str)
                and quarter.cells[(unit.id, task.id)] is not None
            )
            cell = put(sheet, total_row, first_task_column + offset, done)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        sheet.freeze_panes = sheet.cell(row=5, column=first_task_column)
        sheet.row_dimensions[4].height = 90
        for column, width in ((1, 6), (2, 34), (3, 22)):
            sheet.column_dimensions[get_column_letter(column)].width = width
        for offset in range(len(quarter.tasks) + 1):
            sheet.column_dimensions[get_column_letter(first_task_column + offset)].width = 16
        sheet.column_dimensions[get_column_letter(notes_column)].width = 80
    if not workbook.worksheets:
        put(workbook.create_sheet(_("Progress")), 1, 1, _("No plan has been imported yet."))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def progress_docx(
    matrix: ProgressMatrix,
    report: ProgressReport,
    authority: str = "",
    tz: ZoneInfo = DEFAULT_TZ,
    *,
    parent: str = "",
    place: str = "",
    chart: tuple[int, bytes] | None = None,
) -> bytes:
    """A BÁO CÁO laid out as an administrative document: the heading with its number and
    date, per quarter a summary, the task table (with the body responsible), the chart (of
    its quarter) and the units' notes and files, the units lagging behind, Nơi nhận and the
    signature; then the appendix of units × tasks (bot/services/progress_document.py)."""
    from bot.services import official_docx as o
    from bot.services import progress_document as pd

    document = o.new_document()
    o.heading(
        document,
        o.Letterhead(authority, parent, place, matrix.today, kind_code="BC"),
    )
    year = matrix.plan.year if matrix.plan else ""
    o.title(
        document,
        "Báo cáo",
        f"Tiến độ thực hiện Kế hoạch công tác thi đua, khen thưởng năm {year}".strip(),
        _("As of {date}").format(date=format_date(matrix.today)),
    )
    width = o.text_width_mm(document)
    for quarter in matrix.quarters:
        tasks = report.quarters.get(quarter.quarter, [])
        o.body(
            document,
            _("Q{quarter}").format(quarter=quarter_numeral(quarter.quarter)),
            bold=True,
        )
        complete = sum(1 for task in tasks if task.total and task.done == task.total)
        cells = sum(task.total for task in tasks)
        done = sum(task.done for task in tasks)
        o.body(
            document,
            _(
                "{complete} of {count} tasks were completed by every unit concerned; counting "
                "each task of each unit, {done} of {cells} are done ({rate})."
            ).format(
                complete=complete,
                count=len(tasks),
                done=done,
                cells=cells,
                rate=format_percent(done / cells if cells else 0),
            ),
        )
        table = o.grid_table(
            document,
            [_("No."), _("Task"), _("Deadline"), _("Units done")],
            [12, width - 12 - 28 - 28, 28, 28],
        )
        for number, task in enumerate(tasks, start=1):
            o.add_row(
                table,
                [
                    number,
                    _task_heading(task.task_id, task.title, task.responsible),
                    format_date(task.deadline),
                    f"{task.done}/{task.total}",
                ],
                centre=(0, 2, 3),
            )
        o.line(document, "", after=6)
        if chart is not None and chart[0] == quarter.quarter and matrix.plan is not None:
            caption = pd.chart_caption(quarter.quarter, matrix.plan.year, authority, matrix.today)
            pd.add_chart(document, chart[1], caption)
        noted = [
            (task, unit, quarter.notes[(unit.id, task.id)])
            for task in quarter.tasks
            for unit, _cluster in quarter.rows
            if quarter.notes.get((unit.id, task.id))
        ]
        if noted:
            o.body(document, _("Notes and files of the units"), italic=True)
            for noted_task, noted_unit, notes in noted:
                for note in notes:
                    o.body(
                        document, f"#{noted_task.id} — {noted_unit.name} — {note_text(note, tz)}"
                    )
    if report.lagging:
        o.body(document, _("Units lagging behind"), bold=True)
        for lagging in report.lagging:
            o.body(
                document,
                "- "
                + ngettext(
                    "{unit}: {n} overdue task", "{unit}: {n} overdue tasks", lagging.overdue
                ).format(unit=lagging.name, n=lagging.overdue),
            )
    o.closing(
        document,
        o.Closing(
            ["Hội đồng Thi đua - Khen thưởng", "Các đơn vị thực hiện kế hoạch"],
            o.signature_for(authority),
        ),
    )
    pd.unit_task_appendix(document, matrix, authority=authority, note=note_text, tz=tz)
    return o.to_bytes(document)


@dataclass(frozen=True)
class AuditRow:
    at: datetime  # local time
    who: str
    telegram_id: int | None
    action: str
    record: str
    record_id: int | None
    details: str


def audit_xlsx(rows: list[AuditRow]) -> bytes:
    """The audit log: when, who (name and Telegram id), what, which record, and the details."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Audit log")[:31]
    headers = [
        _("Time"),
        _("Who"),
        _("Telegram id"),
        _("Action"),
        _("Record"),
        _("Record id"),
        _("Details"),
    ]
    for cell in put_row(sheet, 1, headers):
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        cells = put_row(
            sheet,
            number,
            [
                row.at,
                row.who,
                row.telegram_id,
                row.action,
                row.record,
                row.record_id,
                row.details,
            ],
        )
        cells[-1].alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in enumerate((20, 26, 14, 34, 18, 10, 80), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _task_heading(task_id: int, title: str, responsible: str | None) -> str:
    """A task as the exports name it: its code, title and the body responsible for it."""
    heading = f"#{task_id} {title}"
    if responsible:
        heading += "\n" + _("Responsible: {body}").format(body=responsible)
    return heading
