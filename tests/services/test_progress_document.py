"""The Word progress report's chart and its appendix of units × tasks with notes and files."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from docx import Document

from bot.core.i18n import use_language
from bot.services.exports import progress_docx
from bot.services.progress import (
    NOT_CONCERNED,
    ClusterProgress,
    ProgressMatrix,
    ProgressReport,
    QuarterMatrix,
    ReportNote,
    TaskProgress,
)
from bot.services.progress_document import chart_quarter, progress_chart
from models import Plan, Task, Unit

TODAY = date(2020, 5, 15)


def _data() -> tuple[ProgressMatrix, ProgressReport]:
    plan = Plan(id=1, year=2020, title="Kế hoạch")
    tasks = [
        Task(id=6, plan_id=1, quarter=2, title="Hội nghị", deadline=date(2020, 6, 30)),
        Task(id=7, plan_id=1, quarter=2, title="Báo cáo", deadline=date(2020, 6, 30)),
    ]
    units = [
        Unit(id=1, code="A", name="UBND xã Trị An"),
        Unit(id=2, code="B", name="Phòng Nội vụ"),
    ]
    cells: dict[tuple[int, int], date | str | None] = {
        (1, 6): date(2020, 5, 2),
        (1, 7): None,
        (2, 6): NOT_CONCERNED,
        (2, 7): date(2021, 1, 3),
    }
    note = ReportNote(
        1, datetime(2020, 5, 2, 2, 0, tzinfo=UTC), "An", "Đã tổ chức", "bb.pdf", True
    )
    matrix = ProgressMatrix(
        plan,
        TODAY,
        [QuarterMatrix(2, tasks, [(u, "Cụm 1") for u in units], cells, {(1, 6): [note]})],
    )
    report = ProgressReport(
        plan,
        TODAY,
        units_total=2,
        quarters={
            2: [
                TaskProgress(6, "Hội nghị", date(2020, 6, 30), 1, 1),
                TaskProgress(7, "Báo cáo", date(2020, 6, 30), 1, 2),
            ]
        },
        clusters={2: [ClusterProgress("Cụm 1", 2, 3)]},
    )
    return matrix, report


def test_the_report_embeds_the_chart_and_appends_the_units_by_tasks_table() -> None:
    matrix, report = _data()
    assert chart_quarter(report) == 2
    with use_language("vi"):
        chart = progress_chart(report, "UBND xã Trị An")
        assert chart is not None and chart[1].startswith(b"\x89PNG")
        data = progress_docx(matrix, report, "UBND xã Trị An", chart=chart)
    document = Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs if p.text]
    assert (
        "Biểu đồ tiến độ thực hiện Quý II năm 2020 của UBND xã Trị An "
        "(số liệu tính đến ngày 15/05/2020)"
    ) in texts
    assert len(document.inline_shapes) == 1
    # The appendix: a landscape section after the signature.
    assert len(document.sections) == 2
    assert document.sections[1].page_width > document.sections[1].page_height
    assert "PHỤ LỤC" in texts
    assert "(Kèm theo Báo cáo số        /BC-UBND ngày 15/05/2020 của UBND xã Trị An)" in texts
    table = document.tables[-1]
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["STT", "Đơn vị", "#6", "#7", "Số việc đã xong", "Ghi chú, minh chứng"]
    assert rows[1][:5] == ["1", "UBND xã Trị An", "02/05", "", "1/2"]
    assert rows[1][5] == "#6: 02/05/2020 09:00, An: tệp: bb.pdf — Đã tổ chức"
    # Not concerned: a dash; done in another year: the year is written.
    assert rows[2][:5] == ["2", "Phòng Nội vụ", "—", "03/01/2021", "1/1"]
    assert rows[3][1:4] == ["Số đơn vị hoàn thành", "1/1", "1/2"]


def test_without_a_plan_there_is_no_chart_nor_appendix() -> None:
    report = ProgressReport(None, TODAY)
    assert progress_chart(report, "") is None
    with use_language("vi"):
        data = progress_docx(ProgressMatrix(None, TODAY), report, "")
    document = Document(io.BytesIO(data))
    assert len(document.sections) == 1 and not document.inline_shapes
