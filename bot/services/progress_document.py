"""What the Word progress report (bot/services/exports.py `progress_docx`) shows beyond its
task tables: the progress chart (its quarter, the authority and the as-of date under it) and,
as an appendix on landscape pages, the units × tasks table with the day each unit finished
each task and the notes and files (minh chứng) it reported.

The documents are in Vietnamese whatever the reader's language (see official_docx.py); the
chart's own labels come from bot/services/charts.py in the current language (Vietnamese when
the report is built).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.i18n import quarter_numeral
from bot.services import official_docx as o
from bot.services.progress import NOT_CONCERNED, ProgressMatrix, ProgressReport, QuarterMatrix

# The most task columns one table holds on a landscape page; more tasks take more tables.
TASKS_PER_TABLE = 8
TABLE_PT = 10
CHART_WIDTH_MM = 110


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def chart_quarter(report: ProgressReport) -> int | None:
    """The quarter the chart shows (as /progress does): the only one, else the current one
    of this year's plan, else the last; None without a plan or tasks."""
    if report.plan is None or not report.quarters:
        return None
    if len(report.quarters) == 1:
        return next(iter(report.quarters))
    if report.plan.year == report.today.year and quarter_of(report.today) in report.quarters:
        return quarter_of(report.today)
    return max(report.quarters)


def chart_caption(quarter: int, year: int, authority: str, today: date) -> str:
    who = f" của {authority.strip()}" if authority.strip() else ""
    return (
        f"Biểu đồ tiến độ thực hiện Quý {quarter_numeral(quarter)} năm {year}{who} "
        f"(số liệu tính đến ngày {today:%d/%m/%Y})"
    )


def progress_chart(report: ProgressReport, authority: str) -> tuple[int, bytes] | None:
    """The chart's quarter and PNG (the title names the quarter, the authority and the day)."""
    quarter = chart_quarter(report)
    if quarter is None or report.plan is None:
        return None
    from bot.services.charts import progress_chart_png

    title = f"Tiến độ Quý {quarter_numeral(quarter)} năm {report.plan.year}"
    if authority.strip():
        title += f"\n{authority.strip()}"
    title += f" — tính đến ngày {report.today:%d/%m/%Y}"
    png = progress_chart_png(
        title, report.clusters.get(quarter, []), report.quarters.get(quarter, [])
    )
    return quarter, png


def add_chart(document: Any, png: bytes, caption: str) -> None:
    """The chart centred in the body, its caption (italic) under it."""
    import io

    from docx.shared import Mm

    paragraph = o.line(document, align="center", before=6)
    paragraph.add_run().add_picture(io.BytesIO(png), width=Mm(CHART_WIDTH_MM))
    o.line(document, caption, italic=True, size=12, align="center", after=6)


def _cell(value: date | str | None, year: int | None) -> str:
    if isinstance(value, date):
        return f"{value:%d/%m}" if value.year == year else f"{value:%d/%m/%Y}"
    if value == NOT_CONCERNED:
        return "—"
    return ""


def _quarter_tables(
    document: Any, quarter: QuarterMatrix, year: int | None, note: Any, tz: ZoneInfo
) -> None:
    width = o.text_width_mm(document)
    for start in range(0, max(len(quarter.tasks), 1), TASKS_PER_TABLE):
        tasks = quarter.tasks[start : start + TASKS_PER_TABLE]
        fixed = [12.0, 48.0]
        task_width = 17.0
        notes_width = width - sum(fixed) - task_width * len(tasks) - 16
        widths = [*fixed, *[task_width] * len(tasks), 16.0, notes_width]
        table = o.grid_table(
            document,
            [
                "STT",
                "Đơn vị",
                *[f"#{task.id}" for task in tasks],
                "Số việc đã xong",
                "Ghi chú, minh chứng",
            ],
            widths,
            size=TABLE_PT,
        )
        for number, (unit, _cluster) in enumerate(quarter.rows, start=1):
            values = [quarter.cells.get((unit.id, task.id)) for task in tasks]
            done = sum(1 for value in values if isinstance(value, date))
            concerned = sum(1 for value in values if value != NOT_CONCERNED)
            evidence = [
                f"#{task.id}: {note(item, tz)}"
                for task in tasks
                for item in quarter.notes.get((unit.id, task.id), ())
            ]
            o.add_row(
                table,
                [
                    number,
                    unit.name,
                    *[_cell(value, year) for value in values],
                    f"{done}/{concerned}",
                    "\n".join(evidence),
                ],
                size=TABLE_PT,
                centre=(0, *range(2, 3 + len(tasks))),
            )
        totals = ["", "Số đơn vị hoàn thành"]
        for task in tasks:
            cells = [quarter.cells.get((unit.id, task.id)) for unit, _c in quarter.rows]
            done = sum(1 for value in cells if isinstance(value, date))
            concerned = sum(1 for value in cells if value != NOT_CONCERNED)
            totals.append(f"{done}/{concerned}")
        total_cells = o.add_row(
            table, [*totals, "", ""], size=TABLE_PT, centre=tuple(range(2, 3 + len(tasks)))
        )
        for cell in total_cells:
            for run in cell.paragraphs[0].runs:
                run.bold = True
        o.line(document, "", after=6)


def unit_task_appendix(
    document: Any,
    matrix: ProgressMatrix,
    *,
    authority: str,
    note: Any,
    tz: ZoneInfo,
) -> None:
    """A landscape section after the signature: "PHỤ LỤC", what it is attached to, then per
    quarter the units × tasks table; `note(report_note, tz)` words one note or file."""
    if not matrix.quarters:
        return
    from docx.enum.section import WD_ORIENT

    section = o.new_section(document)
    section.orientation = WD_ORIENT.LANDSCAPE
    if section.page_width < section.page_height:
        section.page_width, section.page_height = section.page_height, section.page_width
    year = matrix.plan.year if matrix.plan else None
    code = o.authority_code(authority)
    o.line(document, "PHỤ LỤC", bold=True, size=o.BODY_PT, align="center")
    o.line(
        document,
        "Tiến độ thực hiện nhiệm vụ của từng đơn vị" + (f" năm {year}" if year else ""),
        bold=True,
        size=o.BODY_PT,
        align="center",
    )
    o.line(
        document,
        f"(Kèm theo Báo cáo số        /BC-{code} ngày {matrix.today:%d/%m/%Y} của "
        f"{authority.strip() or o.BLANK})",
        italic=True,
        size=o.BODY_PT,
        align="center",
        after=6,
    )
    o.line(
        document,
        "Ô ghi ngày: ngày đơn vị báo cáo hoàn thành nhiệm vụ; “—”: nhiệm vụ không giao cho "
        "đơn vị; ô trống: chưa hoàn thành. Mã nhiệm vụ (#) như trong bảng nhiệm vụ của từng "
        "quý ở phần báo cáo.",
        italic=True,
        size=12,
        align="justify",
        after=6,
    )
    for quarter in matrix.quarters:
        o.line(
            document,
            f"Quý {quarter_numeral(quarter.quarter)}",
            bold=True,
            size=o.BODY_PT,
            before=6,
            after=3,
        )
        _quarter_tables(document, quarter, year, note, tz)
