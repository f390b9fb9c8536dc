"""Real bot processes: webhook mode with its secret token, and two processes on one
PostgreSQL database sending each reminder exactly once."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bot.core.db import make_engine, make_sessionmaker
from bot.core.migrate import upgrade
from tests.auxil.bulk import add_units_with_heads
from tests.auxil.fake_bot_api import TOKEN, FakeBotApi
from tests.conftest import PLAN_2020
from tests.test_cli import atdkt

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_until_listening(port: int) -> None:
    """PTB registers the webhook before its server listens: wait for the port to open."""
    async with asyncio.timeout(30):
        while True:
            try:
                _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.05)
            else:
                writer.close()
                await writer.wait_closed()
                return


def bot_env(api: FakeBotApi, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TDKT_")}
    env.update(
        {
            "TDKT_BOT_TOKEN": TOKEN,
            "TDKT_API_BASE_URL": api.base_url,
            "TDKT_API_FILE_URL": api.file_url,
            "TDKT_DATABASE_URL": database_url,
        }
    )
    return env


async def test_webhook_mode_checks_the_secret_token(api: FakeBotApi, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/tdkt-hook"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--webhook-url",
        url,
        "--listen",
        "127.0.0.1",
        "--port",
        str(port),
        env=bot_env(api, f"sqlite:///{tmp_path / 'bot.sqlite3'}"),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        registered = await api.wait_for_call("setWebhook")
        assert registered.params["url"] == url
        secret = registered.params["secret_token"]
        assert len(secret) >= 32
        await wait_until_listening(port)
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 77, "type": "private"},
                "from": {"id": 77, "is_bot": False, "first_name": "Lan", "language_code": "vi"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        async with aiohttp.ClientSession() as client:
            forged = await client.post(
                url,
                json={**update, "update_id": 2},
                headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
            )
            assert forged.status == 403
            accepted = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
            )
            assert accepted.status == 200
        await api.wait_for_sent(77)
        assert len(api.sent(77)) == 1
        assert "trợ lý công tác thi đua, khen thưởng" in api.sent(77)[0].text
    finally:
        process.terminate()
        _out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()[-2000:]


async def test_two_processes_on_postgresql_send_each_reminder_once(
    api: FakeBotApi, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the shared database of several processes is PostgreSQL")
    from bot.services.plan_parser import parse_plan_file
    from bot.services.plans import import_plan

    engine = make_engine(database_url)
    now = datetime(2020, 6, 1, tzinfo=UTC)
    async with make_sessionmaker(engine)() as session:
        await import_plan(session, parse_plan_file(PLAN_2020), now=now)
        users = await add_units_with_heads(session, 300, first_user_id=800_000, now=now)
    await engine.dispose()
    await upgrade(database_url)
    env = {
        "TDKT_DATABASE_URL": database_url,
        "TDKT_BOT_TOKEN": TOKEN,
        "TDKT_API_BASE_URL": api.base_url,
        "TDKT_API_FILE_URL": api.file_url,
    }
    api.send_delay = 0.002
    results = await asyncio.gather(
        *(atdkt("remind", "--at", "2020-06-16 08:00", env=env) for _ in range(2))
    )
    api.send_delay = 0
    assert all(code == 0 for code, _out, _err in results), [err for *_x, err in results]
    per_chat = Counter(call.chat_id for call in api.sent())
    assert set(per_chat) == set(users) and set(per_chat.values()) == {1}
    planned = sum(int(out.split("thêm mới ")[1].split(" ")[0]) for _c, out, _e in results)
    assert planned == 300, "the reminder log let exactly one process enqueue each"
