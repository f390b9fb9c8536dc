"""Migration 0013 keeps every member and outbox message, on Telegram."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sqlalchemy import text

from bot.core.db import make_engine
from bot.core.migrate import downgrade, upgrade


async def test_existing_members_and_messages_stay_on_telegram(database_url: str) -> None:
    [path] = Path(__file__).parent.parent.parent.glob("migrations/versions/*_channels.py")
    spec = importlib.util.spec_from_file_location("channels_migration", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    await downgrade(database_url, migration.down_revision)
    engine = make_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO members (id, telegram_id, full_name, language, role, "
                    "active, reachable, created_at) VALUES (1, 1501, 'Nguyễn Văn An', 'vi', "
                    "'head', true, true, '2020-05-15 02:00:00')"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO outbox (id, dedupe_key, kind, member_id, chat_id, text, status, "
                    "attempts, not_before, created_at) VALUES (1, 'k1', 'digest', 1, 1501, "
                    "'Nhắc việc', 'pending', 0, '2020-05-15 02:00:00', '2020-05-15 02:00:00')"
                )
            )
        await upgrade(database_url)
        async with engine.begin() as connection:
            member = (
                await connection.execute(text("SELECT telegram_id, channel FROM members"))
            ).one()
            message = (
                await connection.execute(text("SELECT chat_id, channel, chat_ref FROM outbox"))
            ).one()
            # A Zalo-only member can now exist, once per Zalo id.
            await connection.execute(
                text(
                    "INSERT INTO members (id, telegram_id, full_name, language, role, active, "
                    "reachable, created_at, channel) VALUES (2, NULL, 'Trần Bình', 'vi', 'head', "
                    "true, true, '2020-05-15 02:00:00', 'zalo')"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO channel_identities (member_id, channel, external_id, created_at)"
                    " VALUES (2, 'zalo', '6ede9afa66b88fe6d6a9', '2020-05-15 02:00:00')"
                )
            )
        assert tuple(member) == (1501, "telegram")
        assert tuple(message) == (1501, "telegram", None)
        await downgrade(database_url, migration.down_revision)
        async with engine.begin() as connection:
            ids = (await connection.execute(text("SELECT id FROM members"))).scalars().all()
        assert ids == [1]
        await upgrade(database_url)
    finally:
        await engine.dispose()
