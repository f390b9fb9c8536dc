"""Clean databases for tests: a migrated template per session, copied for every test.

SQLite always; PostgreSQL when reachable (required when CI=true). Each test gets its own
database, so tests never see each other's rows and the real Application can open its own
engine on the URL.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import asyncpg

from bot.core.migrate import upgrade

PG_ADMIN_DSN = os.environ.get("TDKT_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
# Concurrent runs on one server (several checkouts) each set their own template name.
PG_TEMPLATE = os.environ.get("TDKT_TEST_PG_TEMPLATE", "tdkt_test_template")


def pg_url(database: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{database}"


async def _pg_admin() -> asyncpg.Connection:
    return await asyncpg.connect(PG_ADMIN_DSN, timeout=3)


def postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""

    async def probe() -> None:
        connection = await _pg_admin()
        await connection.close()

    try:
        asyncio.run(probe())
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return f"{type(error).__name__}: {error}"
    return None


def build_sqlite_template(directory: Path) -> Path:
    path = directory / "template.sqlite3"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


def sqlite_copy(template: Path, directory: Path) -> str:
    target = directory / f"test-{uuid.uuid4().hex[:8]}.sqlite3"
    shutil.copyfile(template, target)
    return f"sqlite+aiosqlite:///{target}"


def build_pg_template() -> None:
    async def build() -> None:
        admin = await _pg_admin()
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {PG_TEMPLATE} WITH (FORCE)")
            await admin.execute(f"CREATE DATABASE {PG_TEMPLATE}")
        finally:
            await admin.close()
        await upgrade(pg_url(PG_TEMPLATE))

    asyncio.run(build())


def pg_create_from_template() -> str:
    name = f"tdkt_test_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        admin = await _pg_admin()
        try:
            await admin.execute(f"CREATE DATABASE {name} TEMPLATE {PG_TEMPLATE}")
        finally:
            await admin.close()

    asyncio.run(create())
    return name


def pg_drop(name: str) -> None:
    async def drop() -> None:
        admin = await _pg_admin()
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            await admin.close()

    asyncio.run(drop())
