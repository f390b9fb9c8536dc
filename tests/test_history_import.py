"""`tdkt-bot import-awards` and `import-ratings` as an operator runs them: counts, idempotence,
and one clear line for a wrong row, with nothing stored."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.db import make_engine, make_sessionmaker
from models import AwardRecord, YearRating
from tests.conftest import DATA, UNITS_CSV
from tests.test_cli import tdkt

AWARDS_CSV = DATA / "awards.csv"
RATINGS_CSV = DATA / "ratings.csv"


async def history_counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            awards = await session.scalar(select(func.count()).select_from(AwardRecord))
            ratings = await session.scalar(select(func.count()).select_from(YearRating))
            thematic = await session.scalar(
                select(func.count()).select_from(AwardRecord).where(AwardRecord.thematic)
            )
            return int(awards or 0), int(ratings or 0), int(thematic or 0)
    finally:
        await engine.dispose()


def test_import_awards_and_ratings_twice_changes_nothing(database_url: str) -> None:
    env = {"TDKT_DATABASE_URL": database_url, "TDKT_LANGUAGE": "en"}
    assert tdkt("import-units", str(UNITS_CSV), env=env).returncode == 0
    first = tdkt("import-awards", str(AWARDS_CSV), env=env)
    assert first.returncode == 0, first.stderr
    assert "Awards: 8 created, 0 updated, 0 unchanged." in first.stdout
    again = tdkt("import-awards", str(AWARDS_CSV), env={**env, "TDKT_LANGUAGE": "vi"})
    assert again.returncode == 0, again.stderr
    assert "0 thêm mới, 0 cập nhật, 8 không đổi" in again.stdout
    ratings = tdkt("import-ratings", str(RATINGS_CSV), env=env)
    assert "Ratings: 8 created, 0 updated, 0 unchanged." in ratings.stdout
    ratings_again = tdkt("import-ratings", str(RATINGS_CSV), env=env)
    assert "Ratings: 0 created, 0 updated, 8 unchanged." in ratings_again.stdout
    assert asyncio.run(history_counts(database_url)) == (8, 8, 1)


@pytest.mark.parametrize(
    ("command", "row", "expected"),
    [
        (
            "import-awards",
            "cá nhân,Ngô Văn Dũng,NOPE,,Chiến sĩ thi đua cơ sở,2024,,,,",
            "row 3: there is no unit with the code NOPE; nothing was stored.",
        ),
        (
            "import-awards",
            "cá nhân,Ngô Văn Dũng,X-TP,,Huy hiệu lạ,2024,,,,",
            "row 3: 'Huy hiệu lạ' is not in the award catalogue (a name or a code from "
            "/awards); nothing was stored.",
        ),
        (
            "import-awards",
            "cá nhân,Ngô Văn Dũng,X-TP,,CSTDCS,năm ngoái,,,,",
            "row 3: 'năm ngoái' is not a year like 2024 (or a period 2023-2024).",
        ),
        (
            "import-awards",
            "cá nhân,Ngô Văn Dũng,X-TP,,CSTDCS,2024,1/QĐ,32/01/2025,,",
            "row 3: '32/01/2025' is not a date like 15/01/2025.",
        ),
        (
            "import-ratings",
            "cá nhân,Ngô Văn Dũng,X-TP,2024,giỏi",
            "row 3: unknown rating 'giỏi'. Use htxs, htt, ht, kht (hoàn thành xuất sắc nhiệm "
            "vụ, hoàn thành tốt nhiệm vụ, hoàn thành nhiệm vụ, không hoàn thành nhiệm vụ).",
        ),
    ],
)
def test_a_wrong_row_is_named_and_nothing_is_stored(
    tmp_path: Path, command: str, row: str, expected: str
) -> None:
    source = AWARDS_CSV if command == "import-awards" else RATINGS_CSV
    header, good = source.read_text(encoding="utf-8").splitlines()[:2]
    sheet = tmp_path / "history.csv"
    sheet.write_text(f"{header}\n{good}\n{row}\n", encoding="utf-8")
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
    env = {"TDKT_DATABASE_URL": url, "TDKT_LANGUAGE": "en"}
    assert tdkt("import-units", str(UNITS_CSV), env=env).returncode == 0
    result = tdkt(command, str(sheet), env=env)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == f"{sheet}, {expected}"
    assert asyncio.run(history_counts(url)) == (0, 0, 0)
