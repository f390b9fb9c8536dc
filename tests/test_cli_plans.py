"""`tdkt-bot import-plan` with the documents officers really have: other encodings, damaged Word
files, a --year that contradicts the document, the preview of a dry run."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from bot.services.plan_parser import PlanParseError, decode_text
from tests.e2e.test_plan_documents import HOSTILE
from tests.services.test_plan_corpus import CORPUS, to_cp1258
from tests.test_cli import tdkt

PLAN_2020 = CORPUS / "01-huyen-vinh-cuu-2020.txt"


def text_2020() -> str:
    return PLAN_2020.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda t: t.encode("utf-8"), id="utf-8"),
        pytest.param(lambda t: t.encode("utf-8-sig"), id="utf-8-bom"),
        pytest.param(lambda t: t.encode("utf-16"), id="utf-16-bom"),
        pytest.param(lambda t: t.encode("utf-16-be").join([b"\xfe\xff", b""]), id="utf-16-be"),
        pytest.param(to_cp1258, id="windows-1258"),
        pytest.param(lambda t: to_cp1258(t + "x"), id="windows-1258-odd-length"),
    ],
)
def test_every_usual_encoding_reads_the_same_plan(tmp_path: Path, encode) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ke-hoach.txt"
    path.write_bytes(encode(text_2020()))
    dry = tdkt("import-plan", str(path), "--dry-run", env={"TDKT_LANGUAGE": "en"})
    assert dry.returncode == 0, dry.stderr
    assert "Q1" not in dry.stderr
    assert "Quarter I: 5 tasks" in dry.stdout and "Quarter IV: 4 tasks" in dry.stdout
    assert "Xây dựng Kế hoạch phát động phong trào thi đua yêu nước" in dry.stdout


def test_windows_1258_tones_are_composed() -> None:
    raw = to_cp1258("Tổng kết công tác thi đua")
    assert "\u0309".encode("cp1258") in raw  # the hook above is a separate mark in the file
    assert decode_text(raw) == unicodedata.normalize("NFC", "Tổng kết công tác thi đua")


def test_an_undecodable_file_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "ke-hoach.txt"
    path.write_bytes("Quý I: Señor Müller, Straße, naïve".encode("latin-1"))
    refused = tdkt("import-plan", str(path), env={"TDKT_LANGUAGE": "en"})
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"{path} could not be read: its text is not UTF-8, UTF-16 or Windows-1258 (old "
        "TCVN3/VNI fonts are not supported). Save it as UTF-8 text or send the .docx. "
        "Nothing was stored."
    ]
    with pytest.raises(PlanParseError):
        decode_text(b"\x00\x01binary\x02")


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_damaged_word_files_are_one_line(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"{kind}.docx"
    path.write_bytes(HOSTILE[kind]())
    refused = tdkt("import-plan", str(path), "--dry-run")
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith(f"{path} không phải là văn bản kế hoạch mà bot đọc được")


def test_year_given_against_the_document_is_warned(tmp_path: Path) -> None:
    dry = tdkt(
        "import-plan", str(PLAN_2020), "--year", "2021", "--dry-run", env={"TDKT_LANGUAGE": "en"}
    )
    assert dry.returncode == 0, dry.stderr
    assert dry.stderr.strip() == (
        "Warning: the document states the year 2020; its tasks are dated 2021 as --year says."
    )
    assert "Quarter I: 5 tasks, deadline Mar 31, 2021" in dry.stdout
    same = tdkt(
        "import-plan", str(PLAN_2020), "--year", "2020", "--dry-run", env={"TDKT_LANGUAGE": "en"}
    )
    assert same.stderr.strip() == ""


def test_the_dry_run_preview(tmp_path: Path) -> None:
    path = tmp_path / "ke-hoach-so-noi-vu.txt"
    path.write_bytes((CORPUS / "04-so-noi-vu-2024.utf16.src").read_text("utf-8").encode("utf-16"))
    dry = tdkt("import-plan", str(path), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert lines[:3] == [
        "Kế hoạch năm 2024: Công tác thi đua, khen thưởng của Sở Nội vụ năm 2024",
        "Quý I: 3 nhiệm vụ, hạn 31/03/2024",
        "  - Tuyên truyền, phổ biến Nghị định số 98/2023/NĐ-CP đến toàn thể công chức, viên "
        "chức. (hạn 20/03/2024)",
    ]
    assert (
        '  - Xây dựng chuyên mục "Gương người tốt, việc tốt" trên Trang thông tin điện tử của '
        "Sở. (chủ trì: Văn phòng Sở)" in lines
    )
    assert (
        "  - Theo dõi, đôn đốc các phòng, đơn vị thuộc Sở thực hiện các phong trào thi đua. "
        "(thực hiện thường xuyên, hạn 31/12/2024)" in lines
    )
    assert "Các dòng bỏ qua trong phần nhiệm vụ (4):" in lines
    assert (
        "  × Đề xuất khen thưởng đột xuất cho tập thể, cá nhân có thành tích xuất sắc. — không "
        "thuộc mục quý nào và không ghi thời gian thực hiện" in lines
    )
    assert lines[-1] == "Chạy thử: chưa lưu dữ liệu nào."


def test_proposed_audiences_on_the_command_line(database_url: str) -> None:
    """The dry run shows the units each task names; --apply-audience gives the tasks to them,
    and without it every task is for every unit."""
    import asyncio

    from sqlalchemy import func, select

    from bot.core.db import make_engine, make_sessionmaker
    from models import Plan, Task, TaskAudience
    from tests.test_cli import UNITS_CSV

    plan = CORPUS / "12-huyen-giao-viec-2020.txt"
    env = {"TDKT_DATABASE_URL": database_url}
    assert tdkt("import-units", str(UNITS_CSV), env=env).returncode == 0
    dry = tdkt("import-plan", str(plan), "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "    → đề xuất giao: UBND các xã, thị trấn (3 đơn vị)" in dry.stdout
    assert "    → đề xuất giao: Cụm thi đua số 2 (1 đơn vị)" in dry.stdout
    assert "nhập với --apply-audience để chỉ giao các nhiệm vụ này" in dry.stdout

    async def narrowed() -> list[int]:
        engine = make_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                rows = await session.execute(
                    select(Plan.number, func.count(func.distinct(TaskAudience.task_id)))
                    .join(Task, Task.plan_id == Plan.id)
                    .outerjoin(TaskAudience, TaskAudience.task_id == Task.id)
                    .group_by(Plan.number)
                )
                return [count for _number, count in rows.all()]
        finally:
            await engine.dispose()

    assert asyncio.run(narrowed()) == []  # the dry run stored nothing
    plain = tdkt("import-plan", str(plan), env=env)
    assert plain.returncode == 0, plain.stderr
    assert "Đã lưu: 7 nhiệm vụ mới, 0 nhiệm vụ đã có." in plain.stdout
    assert "nhập với --apply-audience" in plain.stdout
    assert asyncio.run(narrowed()) == [0]  # every task for every unit, as before

    # Applied later: the tasks still for every unit get the units they name.
    stored = tdkt("import-plan", str(plan), "--apply-audience", env={**env, "TDKT_LANGUAGE": "en"})
    assert stored.returncode == 0, stored.stderr
    assert "Stored: 0 new tasks, 7 already present. 6 tasks were given the proposed units." in (
        stored.stdout
    )
    assert "--apply-audience to give" not in stored.stdout
    assert asyncio.run(narrowed()) == [6]
    again = tdkt("import-plan", str(plan), "--apply-audience", env={**env, "TDKT_LANGUAGE": "en"})
    assert "Stored: 0 new tasks, 7 already present.\n" in again.stdout  # nothing more to do


def test_a_dry_run_without_a_database_previews_without_proposals(tmp_path: Path) -> None:
    missing = tmp_path / "none.sqlite"
    dry = tdkt(
        "import-plan",
        str(CORPUS / "12-huyen-giao-viec-2020.txt"),
        "--dry-run",
        env={"TDKT_DATABASE_URL": f"sqlite:///{missing}", "TDKT_LANGUAGE": "en"},
    )
    assert dry.returncode == 0, dry.stderr
    assert "proposed for" not in dry.stdout
    assert (
        "No audiences are proposed: the unit directory cannot be read from a database that is "
        "not up to date." in dry.stdout
    )
    assert not missing.exists()
