"""Reading the Vĩnh Cửu 2020 plan and refusing documents that are not plans."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from docx import Document

from bot.services.plan_parser import PlanParseError, parse_plan_file, parse_plan_text
from tests.conftest import PLAN_2020

SHARED_PLAN = Path(__file__).resolve().parents[3] / "shared" / "data" / "ke-hoach-tdkt-2020.txt"


def bullets_of(path: Path) -> list[str]:
    """Every '- ' line between 'II. NỘI DUNG' and 'III.' exactly as written, without '- '."""
    text = path.read_text(encoding="utf-8")
    section = text.split("II. NỘI DUNG", 1)[1].split("III. TỔ CHỨC", 1)[0]
    return [
        line.strip()[2:].strip() for line in section.splitlines() if line.strip().startswith("- ")
    ]


def test_the_2020_plan_has_four_quarters_of_tasks() -> None:
    plan = parse_plan_file(PLAN_2020)
    assert plan.year == 2020
    assert plan.title == "Công tác thi đua, khen thưởng trên địa bàn huyện Vĩnh Cửu năm 2020"
    assert plan.issued_on == date(2020, 2, 11)
    assert [len(plan.tasks_in(q)) for q in (1, 2, 3, 4)] == [5, 7, 4, 4]
    deadlines = {q: {t.deadline for t in plan.tasks_in(q)} for q in (1, 2, 3, 4)}
    assert deadlines == {
        1: {date(2020, 3, 31)},
        2: {date(2020, 6, 30)},
        3: {date(2020, 9, 30)},
        4: {date(2020, 12, 31)},
    }
    assert [task.title for task in plan.tasks] == bullets_of(PLAN_2020)
    assert plan.tasks_in(3)[2].title == (
        "Trình khen thưởng cấp Tỉnh và cấp Nhà nước ngành Giáo dục – Đào tạo năm học 2019-2020 ."
    )


@pytest.mark.skipif(not SHARED_PLAN.exists(), reason="shared/ is not beside this checkout")
def test_the_test_copy_is_the_shared_plan() -> None:
    assert PLAN_2020.read_bytes() == SHARED_PLAN.read_bytes()


def test_a_docx_plan_reads_like_the_text(tmp_path: Path) -> None:
    document = Document()
    for line in PLAN_2020.read_text(encoding="utf-8").splitlines():
        if line.startswith("- "):
            document.add_paragraph(line[2:], style="List Bullet")
        else:
            document.add_paragraph(line)
    path = tmp_path / "ke-hoach.docx"
    document.save(str(path))
    from_docx = parse_plan_file(path)
    from_text = parse_plan_file(PLAN_2020)
    assert [(t.quarter, t.title) for t in from_docx.tasks] == [
        (t.quarter, t.title) for t in from_text.tasks
    ]


def test_year_comes_from_the_option_when_the_document_has_none() -> None:
    text = "KẾ HOẠCH\nThi đua\n\n1. Quý I:\n- Việc một\n2. Quý II:\n- Việc hai\n"
    with pytest.raises(PlanParseError) as error:
        parse_plan_text(text)
    assert error.value.reason == "year"
    plan = parse_plan_text(text, year=2026)
    assert [(t.quarter, t.deadline) for t in plan.tasks] == [
        (1, date(2026, 3, 31)),
        (2, date(2026, 6, 30)),
    ]


@pytest.mark.parametrize(
    "name,content,reason",
    [
        ("note.txt", "Biên bản họp chi bộ năm 2020\n- Ý kiến một\n".encode(), "no-tasks"),
        ("empty.txt", b"", "no-tasks"),
        ("latin1.txt", "Quý I: Señor Müller, Straße".encode("latin-1"), "encoding"),
        ("plan.pdf", b"%PDF-1.4", "damaged"),
        ("plan.doc", b"\xd0\xcf\x11\xe0", "doc"),
        ("plan.odt", b"PK", "odt"),
        ("plan.xlsx", b"PK", "format"),
        ("broken.docx", b"not a zip", "damaged"),
    ],
)
def test_documents_that_are_not_plans_are_refused(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PlanParseError) as error:
        parse_plan_file(path)
    assert error.value.reason == reason


def test_a_scanned_pdf_is_refused_as_such() -> None:
    """A PDF whose pages are pictures has no text to read: say so, not 'no tasks'."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from bot.services.plan_parser import parse_plan_bytes

    figure = Figure(figsize=(8.27, 11.69))
    figure.add_axes((0, 0, 1, 1)).imshow([[0, 1], [1, 0]], cmap="gray")
    figure.axes[0].set_axis_off()
    out = io.BytesIO()
    figure.savefig(out, format="pdf")
    with pytest.raises(PlanParseError) as error:
        parse_plan_bytes(out.getvalue(), "ke-hoach-scan.pdf")
    assert error.value.reason == "scanned"


def test_quarter_headings_in_their_usual_forms() -> None:
    """Quarter headings in their usual forms, each giving its tasks the quarter's end."""
    text = (
        "KẾ HOẠCH\nCông tác thi đua, khen thưởng năm 2024\n\n"
        "II. NỘI DUNG\n"
        "QUÝ I\n- Một\n"
        "Quý 2\n+ Hai\n"
        "3. Quý III (từ tháng 7 đến tháng 9):\na) Ba\n"
        "quý IV năm 2024\n1.1. Bốn\nNăm, việc không có dấu đầu dòng\n\n"
        "Sáu, sau một dòng trống\n"
    )
    plan = parse_plan_text(text)
    assert [(t.quarter, t.title, t.deadline) for t in plan.tasks] == [
        (1, "Một", date(2024, 3, 31)),
        (2, "Hai", date(2024, 6, 30)),
        (3, "Ba", date(2024, 9, 30)),
        (4, "Bốn Năm, việc không có dấu đầu dòng", date(2024, 12, 31)),
        (4, "Sáu, sau một dòng trống", date(2024, 12, 31)),
    ]


def test_a_line_naming_the_chair_belongs_to_the_task_above_a_marked_one_is_a_task() -> None:
    text = (
        "KẾ HOẠCH\nCông tác thi đua, khen thưởng năm 2024\n\nII. NỘI DUNG\nQuý II\n"
        "- Tổ chức tập huấn nghiệp vụ thi đua, khen thưởng\n"
        "Phòng Nội vụ chủ trì, phối hợp các xã, thị trấn.\n"
        "- UBND huyện chủ trì, phối hợp tổ chức Hội nghị điển hình tiên tiến\n"
    )
    plan = parse_plan_text(text)
    assert [(t.title, t.responsible) for t in plan.tasks] == [
        ("Tổ chức tập huấn nghiệp vụ thi đua, khen thưởng", "Phòng Nội vụ"),
        ("UBND huyện chủ trì, phối hợp tổ chức Hội nghị điển hình tiên tiến", None),
    ]


def test_word_list_levels_nest_items_under_their_heading(tmp_path: Path) -> None:
    """Word numbering with no marker in the text: a level-2 item belongs to the level-1 item
    above it, whose time it takes."""
    document = Document()
    for text in ("KẾ HOẠCH", "Công tác thi đua, khen thưởng năm 2024", "II. NỘI DUNG"):
        document.add_paragraph(text)
    document.add_paragraph("Công tác khen thưởng (Quý IV/2024)", style="List Number")
    document.add_paragraph("Tổng hợp hồ sơ khen thưởng tổng kết năm", style="List Bullet 2")
    document.add_paragraph("Trình Hội đồng Thi đua - Khen thưởng xét", style="List Bullet 2")
    path = tmp_path / "ke-hoach.docx"
    document.save(str(path))
    plan = parse_plan_file(path)
    assert [(t.quarter, t.title, t.deadline) for t in plan.tasks] == [
        (4, "Tổng hợp hồ sơ khen thưởng tổng kết năm", date(2024, 12, 31)),
        (4, "Trình Hội đồng Thi đua - Khen thưởng xét", date(2024, 12, 31)),
    ]
    assert [(s.text, s.reason) for s in plan.skipped] == [
        ("Công tác khen thưởng (Quý IV/2024)", "heading")
    ]
