"""Hardening through the real Application: a locked database, flood control, invite brute
force, unexpected errors reported to officers."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select

from models import AuditLog, TaskReport
from tests.auxil.harness import BotHarness, settings_for
from tests.conftest import join, seed_directory_and_plan


async def test_a_locked_database_gets_a_polite_try_again(
    api,
    database_url,
    clock,
    officer_id,  # type: ignore[no-untyped-def]
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("locking the database file is SQLite's failure mode")
    harness = BotHarness(api, settings_for(api, database_url, db_busy_timeout_ms=100), clock)
    await harness.start()
    try:
        async with harness.ctx.session() as session:
            await seed_directory_and_plan(session, clock.now())
        head = harness.user(1701, "Vân")
        await join(harness, head, "PGD")
        path = database_url.split("///", 1)[1]
        blocker = sqlite3.connect(path, timeout=0.1)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            reply = await head.send("/done 6 Đã gửi báo cáo")
        finally:
            blocker.rollback()
            blocker.close()
        assert "Hệ thống đang bận" in reply.text
        async with harness.ctx.session() as session:
            assert await session.scalar(select(func.count()).select_from(TaskReport)) == 0
        again = await head.send("/done 6 Đã gửi báo cáo")
        assert "Đã ghi nhận" in again.text
    finally:
        await harness.stop()


async def test_postgres_connections_dropped_under_the_bot_recover(seeded: BotHarness) -> None:
    if not seeded.settings.database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL restart")
    import asyncpg

    from tests.auxil.databases import PG_ADMIN_DSN

    head = seeded.user(1702, "Xuân")
    await join(seeded, head, "X-TA")
    name = seeded.settings.database_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )
    finally:
        await admin.close()
    reply = await head.send("/tasks")
    assert "Nhiệm vụ của UBND xã Tân An" in reply.text


async def test_flood_control(seeded: BotHarness) -> None:
    from handlers.flood import FloodGuard

    assert seeded.app is not None
    seeded.app.bot_data["flood_guard"] = FloodGuard()  # the production limits
    head = seeded.user(1703, "Yến")
    await join(seeded, head, "TT-VA")
    replies = [await head.send("/help") for _ in range(25)]
    warnings = [r for r in replies if "quá nhanh" in r.text or "too quickly" in r.text]
    answered = [r for r in replies if "/tasks" in r.text]
    assert len(warnings) == 1
    assert len(answered) == 19  # 20 updates in the window, one of them was /start
    other = seeded.user(1704, "Khách")
    assert "trợ lý công tác thi đua" in (await other.send("/start")).text


async def test_invite_brute_force_is_throttled(seeded: BotHarness) -> None:
    from datetime import timedelta

    from bot.services.invites import create_invite
    from models import Role

    attacker = seeded.user(1705, "Kẻ dò mã")
    for attempt in range(5):
        reply = await attacker.send(f"/start {'A' * 21}{attempt}")
        assert "Mã mời không hợp lệ" in reply.text
    async with seeded.ctx.session() as session:
        code = await create_invite(
            session, "PGD", Role.HEAD, now=seeded.clock.now(), ttl=timedelta(days=1)
        )
    blocked = await attacker.send(f"/start {code}")
    assert "Đã thử quá nhiều mã mời không hợp lệ" in blocked.text
    seeded.clock.advance(timedelta(hours=1, minutes=1))
    assert "Chào mừng đồng chí Kẻ dò mã" in (await attacker.send(f"/start {code}")).text
    async with seeded.ctx.session() as session:
        refused = await session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "invite-refused")
        )
    assert refused == 5  # the throttled attempt never looked the code up


async def test_unexpected_errors_are_reported_to_officers_once(
    seeded: BotHarness, officer_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.runtime.errors
    import handlers.progress

    officer = seeded.user(officer_id, "Bình")
    await officer.send("/start")

    async def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(handlers.progress, "plan_progress", broken)
    monkeypatch.setattr(bot.runtime.errors, "_last_alert", float("-inf"))
    first = await officer.send("/progress")
    second = await officer.send("/progress")
    assert "Xin lỗi, hệ thống gặp sự cố" in first.text and "gặp sự cố" in second.text
    await seeded.drain()
    alerts = [c.text for c in seeded.api.sent(officer_id) if "lỗi ngoài dự kiến" in c.text]
    assert len(alerts) == 1 and "RuntimeError: disk on fire" in alerts[0]


@pytest.mark.parametrize(
    ("who", "command", "expected"),
    [
        ("head", "/done ² Đã xong", "mã nhiệm vụ"),
        ("officer", "/deactivate ²", "/deactivate"),
        ("officer", "/deadline ² 31/12/2020", "/deadline"),
        ("officer", "/plan rename ² Tên mới", "/plan"),
        ("officer", "/plan rename 99999999999999999999 Tên mới", "/plan"),
        ("officer", "/deactivate 99999999999999999999", "/deactivate"),
        # One past PostgreSQL's 32-bit integer ids, and a Telegram id past 64 bits.
        ("head", "/done 2147483648 Đã xong", "mã nhiệm vụ"),
        ("head", "/done #2147483648", "mã nhiệm vụ"),
        ("officer", "/deadline 2147483648 31/12/2020", "/deadline"),
        ("officer", "/plan rename 2147483648 Tên mới", "/plan"),
        ("officer", "/deactivate 9223372036854775808", "/deactivate"),
    ],
)
async def test_odd_typed_ids_get_the_usage_not_an_error(
    seeded: BotHarness,
    officer_id: int,
    caplog: pytest.LogCaptureFixture,
    who: str,
    command: str,
    expected: str,
) -> None:
    """`str.isdigit` takes "²" and numbers too big for the database: both get the usage."""
    user = seeded.user(officer_id, "Bình") if who == "officer" else seeded.user(1501, "Hà")
    if who == "head":
        await join(seeded, user, "TT-VA")
    reply = await user.send(command)
    assert expected in reply.text
    assert not [r for r in caplog.records if r.name == "tdkt_bot.errors"]
    assert "Xin lỗi" not in reply.text
