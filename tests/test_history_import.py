"""`tdkt-bot import-awards` and `import-ratings` as an operator runs them: counts, idempotence,
and one clear line for a wrong row, with nothing stored."""

from __future__ import annotations

import asyncio
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.core.db import make_engine, make_sessionmaker
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


def test_eligibility_from_the_command_line(database_url: str) -> None:
    """The verdict first (in the CLI's language), then one line per reason naming its article;
    exit 0 whatever the verdict."""
    env = {"TDKT_DATABASE_URL": database_url, "TDKT_LANGUAGE": "vi"}
    for command, sheet in (
        ("import-units", UNITS_CSV),
        ("import-awards", AWARDS_CSV),
        ("import-ratings", RATINGS_CSV),
    ):
        assert tdkt(command, str(sheet), env=env).returncode == 0

    lacking = tdkt(
        "eligibility",
        "--person",
        "Nguyễn Văn An",
        "--unit",
        "X-TP",
        "--award",
        "CSTD-TINH",
        "--year",
        "2025",
        env=env,
    )
    assert lacking.returncode == 0, lacking.stderr
    lines = lacking.stdout.strip().splitlines()
    assert lines[0] == "chưa đủ điều kiện"
    assert lines[1] == (
        "Chiến sĩ thi đua cấp tỉnh cần 3 năm liên tục đạt Chiến sĩ thi đua cơ sở (Điều 22 Luật "
        "Thi đua, khen thưởng 2022); hồ sơ có 2023, 2024 — chưa có 2025."
    )

    enough = tdkt(
        "eligibility",
        "--person",
        "trần thị  bình",
        "--unit",
        "X-TP",
        "--award",
        "Chiến sĩ thi đua cấp tỉnh",
        "--year",
        "2024",
        env={**env, "TDKT_LANGUAGE": "en"},
    )
    assert enough.returncode == 0, enough.stderr
    assert enough.stdout.splitlines()[0] == "eligible"
    assert "(Điều 22 Luật Thi đua, khen thưởng 2022)" in enough.stdout

    collective = tdkt(
        "eligibility",
        "--unit",
        "X-TP",
        "--award",
        "TTLDXS",
        "--year",
        "2024",
        env={**env, "TDKT_LANGUAGE": "en"},
    )
    assert collective.returncode == 0, collective.stderr
    assert collective.stdout.splitlines()[0] == "eligible"
    assert "2 of the unit's 2 people rated for 2024 are Advanced Worker" in collective.stdout

    # The 2021 Bằng khen was thematic: it is named as not counted.
    thematic = tdkt(
        "eligibility",
        "--person",
        "Lê Văn Cường",
        "--unit",
        "PGD",
        "--award",
        "BK-TTG-CN",
        "--year",
        "2024",
        env={**env, "TDKT_LANGUAGE": "en"},
    )
    assert thematic.stdout.splitlines()[0] == "not eligible"
    assert "Thematic or one-off awards (2021) do not count toward higher awards" in thematic.stdout

    stranger = tdkt(
        "eligibility",
        "--person",
        "Ngô Văn Dũng",
        "--unit",
        "X-TP",
        "--award",
        "LDTT",
        env={**env, "TDKT_LANGUAGE": "en"},
    )
    assert stranger.returncode == 0, stranger.stderr
    assert stranger.stdout.splitlines()[0] == "unknown"

    wrong = tdkt(
        "eligibility",
        "--unit",
        "X-TP",
        "--award",
        "Huy hiệu lạ",
        env={**env, "TDKT_LANGUAGE": "en"},
    )
    assert wrong.returncode == 1
    assert wrong.stderr.strip().splitlines()[-1] == (
        "'Huy hiệu lạ' is not an award for a unit in the catalogue (see /awards)."
    )


def test_a_province_rule_file_overrides_the_national_rule(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
    env = {"TDKT_DATABASE_URL": url, "TDKT_LANGUAGE": "en"}
    assert tdkt("import-units", str(UNITS_CSV), env=env).returncode == 0
    assert tdkt("import-awards", str(AWARDS_CSV), env=env).returncode == 0
    ask = ("eligibility", "--person", "Nguyễn Văn An", "--unit", "X-TP", "--award", "CSTD-TINH")
    assert tdkt(*ask, "--year", "2024", env=env).stdout.splitlines()[0] == "not eligible"

    province = tmp_path / "tinh.toml"
    province.write_text(
        '[[rule]]\naward = "CSTD-TINH"\narticle = "Quyết định 12/2025/QĐ-UBND, Điều 8"\n'
        'effective_from = "2025-07-01"\ncertain = true\n'
        'checks = [{ type = "consecutive", awards = ["CSTDCS"], count = 2 }]\n',
        encoding="utf-8",
    )
    overridden = tdkt(*ask, "--year", "2024", env={**env, "TDKT_RULES_FILE": str(province)})
    assert overridden.stdout.splitlines()[0] == "eligible", overridden.stderr
    assert "(Quyết định 12/2025/QĐ-UBND, Điều 8)" in overridden.stdout

    missing = tdkt(*ask, env={**env, "TDKT_RULES_FILE": str(tmp_path / "none.toml")})
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines()[-1] == (
        f"TDKT_RULES_FILE: '{tmp_path / 'none.toml'}' is not a file."
    )
    province.write_text("[[rule]\n", encoding="utf-8")
    broken = tdkt(*ask, env={**env, "TDKT_RULES_FILE": str(province)})
    assert broken.returncode == 1
    assert (
        broken.stderr.strip()
        .splitlines()[-1]
        .startswith(f"The rule file {province} cannot be used:")
    )


def test_decision_from_the_command_line(database_url: str) -> None:
    """An approved nomination joins the history with `tdkt-bot decision`; a wrong date is one
    line; recording again changes nothing."""
    asyncio.run(_approved_nomination(database_url))
    env = {"TDKT_DATABASE_URL": database_url, "TDKT_LANGUAGE": "en"}
    wrong = tdkt("decision", "1", "--number", "15/QĐ-UBND", "--date", "32/01/2026", env=env)
    assert wrong.returncode == 1
    assert wrong.stderr.strip().splitlines()[-1] == "'32/01/2026' is not a date like 15/01/2026."
    done = tdkt("decision", "1,7", "--number", "15/QĐ-UBND", "--date", "20/01/2026", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "Recorded: #1; already recorded: —; not approved: —; unknown numbers: #7."
    )
    again = tdkt("decision", "all", "--number", "15/QĐ-UBND", "--date", "20/01/2026", env=env)
    assert again.stdout.strip() == (
        "Recorded: —; already recorded: —; not approved: —; unknown numbers: —."
    )
    assert asyncio.run(history_counts(database_url))[0] == 1


async def _approved_nomination(url: str) -> None:
    from datetime import datetime

    from bot.services.unit_import import import_units, read_unit_rows
    from models import AwardForm, Nomination, Unit

    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            now = datetime(2026, 1, 10, 2, tzinfo=UTC)
            await import_units(session, read_unit_rows(UNITS_CSV), now=now)
            unit = await session.scalar(select(Unit).where(Unit.code == "X-TP"))
            form = await session.scalar(select(AwardForm).where(AwardForm.code == "CSTDCS"))
            assert unit is not None and form is not None
            session.add(
                Nomination(
                    number=1,
                    unit_id=unit.id,
                    target="individual",
                    nominee_name="Nguyễn Văn An",
                    award_form_id=form.id,
                    achievement_kind="yearly",
                    status="approved",
                    submitted_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
            await session.commit()
    finally:
        await engine.dispose()
