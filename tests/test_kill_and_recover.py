"""kill -9 of a real bot process in the middle of sending, then a fresh start: every unit
head gets each message exactly once. The fake Bot API holds the sends in flight at the kill
and refuses them afterwards, as requests that never reached Telegram."""

from __future__ import annotations

import asyncio
import itertools
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.core.db import make_engine, make_sessionmaker
from models import OutboxMessage, OutboxStatus
from tests.auxil.bulk import add_units_with_heads
from tests.auxil.fake_bot_api import FakeBotApi
from tests.auxil.polling import eventually
from tests.auxil.remote import RemoteOfficer
from tests.auxil.telegram_html import html_to_text
from tests.conftest import PLAN_2020
from tests.test_cli import atdkt
from tests.test_processes import bot_env

HEADS = 1000
OFFICER = 900_777
_ids = itertools.count(1)


async def seed(database_url: str, *, with_plan: bool) -> list[int]:
    from bot.services.plan_parser import parse_plan_file
    from bot.services.plans import import_plan

    engine = make_engine(database_url)
    now = datetime(2020, 6, 1, tzinfo=UTC)
    try:
        async with make_sessionmaker(engine)() as session:
            if with_plan:
                await import_plan(session, parse_plan_file(PLAN_2020), now=now)
            return await add_units_with_heads(session, HEADS, first_user_id=700_000, now=now)
    finally:
        await engine.dispose()


def fast_env(api: FakeBotApi, database_url: str) -> dict[str, str]:
    # A self-hosted Bot API server allows more than Telegram's 30 a second: keep tests short.
    return {**bot_env(api, database_url), "TDKT_SEND_PER_SECOND": "1000"}


async def recorded_as_sent(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            return int(
                await session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.status == OutboxStatus.SENT.value)
                )
                or 0
            )
    finally:
        await engine.dispose()


async def kill_while_sends_hang(
    process: asyncio.subprocess.Process, api: FakeBotApi, database_url: str, users: list[int]
) -> None:
    """kill -9 while sends hang unanswered and every answered one is recorded.

    A message Telegram accepted in the last milliseconds before a kill, before the bot could
    record it, is sent again after the restart (the Bot API has no idempotency key); the
    README says so. This test pins everything else: nothing lost, nothing else repeated.
    """
    await api.wait_until(lambda: api.held > 0)

    async def answered_ones_recorded() -> bool:
        return await recorded_as_sent(database_url) >= sum(delivered(api, users, "").values())

    await eventually(answered_ones_recorded)
    process.kill()
    await process.wait()
    api.release_held()


def delivered(api: FakeBotApi, users: list[int], fragment: str) -> Counter[int]:
    wanted = set(users)
    return Counter(
        call.chat_id
        for call in api.sent()
        if call.chat_id in wanted and fragment in html_to_text(call.text)
    )


async def test_kill_9_during_a_reminder_pass(api: FakeBotApi, database_url: str) -> None:
    users = await seed(database_url, with_plan=True)
    env = fast_env(api, database_url)
    api.hold_sends_after = 300
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "remind",
        "--at",
        "2020-06-16 08:00",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await kill_while_sends_hang(process, api, database_url, users)
    assert process.returncode == -9
    before = delivered(api, users, "")
    assert 300 <= sum(before.values()) < HEADS

    code, out, err = await atdkt("remind", "--at", "2020-06-16 08:30", env=env)
    assert code == 0, err
    assert "thêm mới 0 tin" in out, out  # the reminder log: nothing is planned twice
    per_chat = delivered(api, users, "")
    assert set(per_chat) == set(users)
    assert set(per_chat.values()) == {1}, [c for c, n in per_chat.items() if n > 1][:10]


async def start_bot(api: FakeBotApi, database_url: str, cwd: Path) -> asyncio.subprocess.Process:
    env = {**fast_env(api, database_url), "TDKT_OFFICER_IDS": str(OFFICER)}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_kill_9_during_a_broadcast_to_a_thousand(
    api: FakeBotApi, database_url: str, tmp_path: Path
) -> None:
    users = await seed(database_url, with_plan=False)
    process = await start_bot(api, database_url, tmp_path)
    try:
        officer = RemoteOfficer(api, OFFICER)
        asked = await officer.send("/broadcast")
        assert "Đồng chí gửi nội dung hướng dẫn" in html_to_text(asked["text"])
        choose = await officer.send("Hướng dẫn tổng kết năm: nộp báo cáo trước 15/12")
        preview = await officer.press(choose, "Tất cả thủ trưởng")
        assert f"người nhận: {HEADS} thủ trưởng" in html_to_text(preview["text"])
        api.hold_sends_after = len(api.sent()) + 300
        api.push_update(
            {
                "callback_query": {
                    "id": "confirm",
                    "from": officer.user,
                    "chat_instance": "1",
                    "message": preview,
                    "data": next(
                        b["callback_data"]
                        for row in preview["reply_markup"]["inline_keyboard"]
                        for b in row
                        if "Gửi" in b["text"]
                    ),
                }
            }
        )
        await kill_while_sends_hang(process, api, database_url, users)
        assert process.returncode == -9
        assert 290 <= sum(delivered(api, users, "Hướng dẫn tổng kết năm").values()) < HEADS

        process = await start_bot(api, database_url, tmp_path)

        def reported() -> bool:
            return any("Báo cáo kết quả gửi" in html_to_text(c.text) for c in api.sent(OFFICER))

        await api.wait_until(reported, within=120)
    finally:
        if process.returncode is None:
            process.terminate()
            _out, err = await asyncio.wait_for(process.communicate(), timeout=30)
            assert process.returncode == 0, err.decode()[-2000:]
    per_chat = delivered(api, users, "Hướng dẫn tổng kết năm")
    assert set(per_chat) == set(users)
    assert set(per_chat.values()) == {1}, [c for c, n in per_chat.items() if n > 1][:10]
    report = next(
        html_to_text(c.text) for c in api.sent(OFFICER) if "Báo cáo kết quả gửi" in c.text
    )
    assert f"Đã gửi được: {HEADS}/{HEADS}" in report
