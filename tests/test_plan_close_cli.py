"""`tdkt-bot plan close YEAR` as an operator runs it (issue 13 #11)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.core.db import make_engine, make_sessionmaker
from models import Plan, Task, TaskReport, Unit
from tests.conftest import PLAN_2020, UNITS_CSV
from tests.test_cli import tdkt


async def _report_done(url: str, unit_code: str, quarter: int) -> None:
    """The unit reported every task of `quarter` done."""
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            unit = await session.scalar(select(Unit).where(Unit.code == unit_code))
            assert unit is not None
            now = datetime(2020, 5, 4, 3, tzinfo=UTC)
            for task_id in await session.scalars(select(Task.id).where(Task.quarter == quarter)):
                session.add(
                    TaskReport(
                        task_id=task_id, unit_id=unit.id, done=True, done_at=now, updated_at=now
                    )
                )
            await session.commit()
    finally:
        await engine.dispose()


async def _closed(url: str) -> dict[int, datetime | None]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            return dict((await session.execute(select(Plan.year, Plan.closed_at))).all())
    finally:
        await engine.dispose()


def test_plan_close_prints_what_stays_unfinished(database_url: str, tmp_path: Path) -> None:
    env = {"TDKT_DATABASE_URL": database_url}
    assert tdkt("import-units", str(UNITS_CSV), env=env).returncode == 0
    assert tdkt("import-plan", str(PLAN_2020), env=env).returncode == 0
    this_year = datetime.now(UTC).year + 1  # a plan for a year that is not over
    current = tmp_path / "ke-hoach.txt"
    current.write_text(
        PLAN_2020.read_text(encoding="utf-8").replace("2020", str(this_year)), encoding="utf-8"
    )
    assert tdkt("import-plan", str(current), env=env).returncode == 0
    asyncio.run(_report_done(database_url, "PGD", 1))  # 5 of its 20 tasks done

    closed = tdkt("plan", "close", "2020", env=env)
    assert closed.returncode == 0, closed.stderr
    lines = closed.stdout.strip().splitlines()
    assert lines[0] == (
        "Đã đóng kế hoạch năm 2020: các nhiệm vụ chưa hoàn thành không còn được tính là quá hạn."
    )
    assert lines[1] == "Chưa hoàn thành: 95 nhiệm vụ tại 5 đơn vị."
    # Per unit, most unfinished first; every unit is listed.
    assert lines[2:] == [
        "• Phòng Nội vụ (PNV): 20 nhiệm vụ chưa hoàn thành",
        "• UBND thị trấn Vĩnh An (TT-VA): 20 nhiệm vụ chưa hoàn thành",
        "• UBND xã Trị An (X-TP): 20 nhiệm vụ chưa hoàn thành",
        "• UBND xã Tân An (X-TA): 20 nhiệm vụ chưa hoàn thành",
        "• Phòng Giáo dục và Đào tạo (PGD): 15 nhiệm vụ chưa hoàn thành",
    ]
    closures = asyncio.run(_closed(database_url))
    assert closures[2020] is not None and closures[this_year] is None

    again = tdkt("plan", "close", "2020", env={**env, "TDKT_LANGUAGE": "en"})
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("The 2020 plan was already closed on ")
    assert "Unfinished: 95 tasks in 5 units." in again.stdout
    assert asyncio.run(_closed(database_url))[2020] == closures[2020]

    for year, message in (
        ("2019", "Chưa có kế hoạch năm 2019."),
        (str(this_year), f"Kế hoạch năm {this_year} chỉ có thể đóng sau khi hết năm."),
    ):
        refused = tdkt("plan", "close", year, env=env)
        assert refused.returncode == 1
        assert refused.stderr.strip().splitlines()[-1] == message
    assert asyncio.run(_closed(database_url))[this_year] is None
    assert tdkt("plan", "close", "abc", env=env).returncode == 2
    assert tdkt("plan", env=env).returncode == 2
