"""Migration 0007 (plans can be closed) keeps every plan and closes only those whose tasks the
old overdue window had already dropped, so an upgrade brings no years-old task back."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from bot.core.db import make_engine
from bot.core.migrate import downgrade, upgrade


async def test_upgrade_closes_only_the_years_already_dropped(database_url: str) -> None:
    await downgrade(database_url, "0006")
    now = datetime.now(UTC)
    # In the first quarter, last year's quarter IV was still overdue: that year stays open.
    first_open = now.year - 1 if now.month <= 3 else now.year
    years = [2019, first_open - 1, first_open, now.year + 1]
    stamp = now.replace(tzinfo=None) if database_url.startswith("sqlite") else now
    engine = make_engine(database_url)
    try:
        async with engine.begin() as connection:
            for number, year in enumerate(years, start=1):
                await connection.execute(
                    text(
                        "INSERT INTO plans (id, year, title, created_at) "
                        "VALUES (:id, :year, :title, :now)"
                    ),
                    {"id": number, "year": year, "title": f"Kế hoạch {number}", "now": stamp},
                )
    finally:
        await engine.dispose()
    await upgrade(database_url)
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = (
                await connection.execute(text("SELECT year, closed_at FROM plans ORDER BY id"))
            ).all()
    finally:
        await engine.dispose()
    assert [year for year, _closed in rows] == years
    assert [closed is not None for _year, closed in rows] == [True, True, False, False]
