"""How updates come in and how `tdkt-bot run` starts: an update is confirmed to Telegram only
after it was handled (kill -9 mid-handling loses nothing), the webhook checks the secret before
reading a body and caps bodies, a start without the Bot API says so in one line and waits, and
a second poller on one token says so and stops."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path
from typing import Any

from bot.app import ALLOWED_UPDATES
from bot.runtime.intake import MAX_WEBHOOK_BODY, SECRET_HEADER, UpdatePoller
from tests.auxil.bulk import add_units_with_heads
from tests.auxil.fake_bot_api import FakeBotApi
from tests.auxil.harness import BotHarness
from tests.auxil.remote import RemoteOfficer
from tests.auxil.telegram_html import html_to_text
from tests.test_processes import bot_env, free_port, wait_until_listening

OFFICER = 900_777
STRANGER = 4343


def _start_update(user_id: int, update_id: int | None = None) -> dict[str, Any]:
    message = {
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Lan", "language_code": "vi"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        }
    }
    return message if update_id is None else {"update_id": update_id, **message}


def _greeted(api: FakeBotApi, user_id: int) -> int:
    return sum("trợ lý công tác thi đua" in html_to_text(c.text) for c in api.sent(user_id))


async def test_an_update_is_confirmed_only_after_it_was_handled(seeded: BotHarness) -> None:
    api = seeded.api
    api.hold_sends_after = len(api.sent())  # the reply hangs: the handler is mid-way
    update_id = api.push_update(_start_update(STRANGER))
    await api.wait_until(lambda: api.held > 0)
    # The bot has the update in hand and already polls again, but without confirming it.
    assert api.confirmed_offset <= update_id
    # The process dies mid-handling (as with kill -9: nothing is finished or confirmed).
    assert seeded.poller is not None and seeded.poller._task is not None
    seeded.poller._task.cancel()
    await asyncio.gather(seeded.poller._task, return_exceptions=True)
    api.release_held()
    assert _greeted(api, STRANGER) == 0

    # The next process (a fresh poller) gets the update again from Telegram and handles it.
    seeded.poller = UpdatePoller(seeded.app, allowed_updates=ALLOWED_UPDATES, timeout=2)  # type: ignore[arg-type]
    await seeded.poller.start()
    await api.wait_fetched(update_id)
    assert _greeted(api, STRANGER) == 1
    assert api.confirmed_offset == update_id + 1


async def _seed_heads(database_url: str, count: int) -> list[int]:
    from datetime import UTC, datetime

    from bot.core.db import make_engine, make_sessionmaker

    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            return await add_units_with_heads(
                session, count, first_user_id=700_000, now=datetime(2020, 6, 1, tzinfo=UTC)
            )
    finally:
        await engine.dispose()


async def _run_bot(
    api: FakeBotApi, database_url: str, cwd: Path, *args: str
) -> asyncio.subprocess.Process:
    env = {**bot_env(api, database_url), "TDKT_OFFICER_IDS": str(OFFICER)}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def _terminate(process: asyncio.subprocess.Process) -> str:
    if process.returncode is None:
        process.terminate()
    _out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    return err.decode()


async def test_a_press_in_hand_at_kill_9_is_handled_by_the_next_process(
    api: FakeBotApi, database_url: str, tmp_path: Path
) -> None:
    await _seed_heads(database_url, 3)
    process = await _run_bot(api, database_url, tmp_path)
    try:
        officer = RemoteOfficer(api, OFFICER)
        await officer.send("/broadcast")
        choose = await officer.send("Hướng dẫn tổng kết năm")
        data = next(
            b["callback_data"]
            for row in choose["reply_markup"]["inline_keyboard"]
            for b in row
            if "Tất cả thủ trưởng" in b["text"]
        )
        # Every call the bot makes for the officer hangs: the press is in hand, unfinished.
        api.hold_calls = lambda call: call.chat_id == OFFICER or call.method.startswith("answer")
        press_id = api.push_update(
            {
                "callback_query": {
                    "id": "audience",
                    "from": officer.user,
                    "chat_instance": "1",
                    "message": choose,
                    "data": data,
                }
            }
        )
        await api.wait_until(lambda: api.held > 0)
        process.kill()
        await process.wait()
        assert process.returncode == -9
        api.release_held()
        assert not any("người nhận" in html_to_text(c.text) for c in api.sent(OFFICER))
        assert api.confirmed_offset <= press_id

        process = await _run_bot(api, database_url, tmp_path)

        def previewed() -> bool:
            return any("người nhận: 3 thủ trưởng" in html_to_text(c.text) for c in api.sent())

        await api.wait_until(previewed, within=60)
    finally:
        err = await _terminate(process)
    assert process.returncode == 0, err[-2000:]
    assert api.confirmed_offset == press_id + 1


# ------------------------------------------------------------------------------ webhook
async def _raw_post(
    port: int, headers: dict[str, str], first_part: bytes
) -> tuple[str, asyncio.StreamWriter]:
    """Send a POST's headers and the first part of its body; the status line the server
    answers with before the rest is sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = "POST /tdkt-hook HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items()
    )
    writer.write(head.encode() + b"\r\n" + first_part)
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), timeout=10)
    return status.decode().strip(), writer


async def test_the_webhook_checks_the_secret_before_the_body_caps_it_and_answers_when_done(
    api: FakeBotApi, tmp_path: Path
) -> None:
    import aiohttp

    port = free_port()
    url = f"http://127.0.0.1:{port}/tdkt-hook"
    database_url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    process = await _run_bot(
        api, database_url, tmp_path, "--webhook-url", url, "--port", str(port)
    )
    try:
        secret = (await api.wait_for_call("setWebhook")).params["secret_token"]
        await wait_until_listening(port)
        json_type = {"Content-Type": "application/json"}
        # 90 MB announced, 64 KiB sent: a 403 now cannot have waited for the body.
        for forged in ({}, {SECRET_HEADER: "wrong"}):
            headers = {**json_type, **forged, "Content-Length": str(90 * 1024 * 1024)}
            status, writer = await _raw_post(port, headers, b"{" + b" " * 65535)
            assert status.startswith("HTTP/1.1 403"), status
            writer.close()
        # With the secret, more than 1 MB is refused: announced, or chunked without a length.
        granted = {**json_type, SECRET_HEADER: secret}
        too_big = {**granted, "Content-Length": str(MAX_WEBHOOK_BODY + 1)}
        status, writer = await _raw_post(port, too_big, b"{" + b" " * 65535)
        assert status.startswith("HTTP/1.1 413"), status
        writer.close()
        chunk = b" " * 65536
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(17))
        chunked = {**granted, "Transfer-Encoding": "chunked"}
        status, writer = await _raw_post(port, chunked, b"1\r\n{\r\n" + chunks)
        assert status.startswith("HTTP/1.1 413"), status
        writer.close()

        # A real update: Telegram gets its answer only once the update was handled.
        api.hold_sends_after = len(api.sent())
        async with aiohttp.ClientSession() as client:
            posting = asyncio.ensure_future(
                client.post(url, json=_start_update(STRANGER, 7), headers={SECRET_HEADER: secret})
            )
            await api.wait_until(lambda: api.held > 0)
            done, _pending = await asyncio.wait({posting}, timeout=0.5)
            assert not done, "answered before the reply was sent"
            api.release_held()
            answer = await posting
            assert answer.status == 200
            # The next update is handled normally.
            again = await client.post(
                url, json=_start_update(STRANGER + 1, 8), headers={SECRET_HEADER: secret}
            )
            assert again.status == 200
        assert _greeted(api, STRANGER + 1) == 1
    finally:
        err = await _terminate(process)
    assert process.returncode == 0, err[-2000:]


# ------------------------------------------------------------------------- start and stop
async def test_run_without_the_bot_api_says_so_in_one_line_and_starts_when_it_is_back(
    tmp_path: Path,
) -> None:
    api = FakeBotApi()
    port = free_port()
    api.port = port  # not listening yet: connections are refused
    process = await _run_bot(api, f"sqlite:///{tmp_path / 'bot.sqlite3'}", tmp_path)
    try:
        assert process.stderr is not None
        line = (await asyncio.wait_for(process.stderr.readline(), timeout=60)).decode()
        # The database it uses, then migration log lines.
        while "tdkt_bot" in line or "alembic" in line.lower() or "Cơ sở dữ liệu:" in line:
            line = (await asyncio.wait_for(process.stderr.readline(), timeout=60)).decode()
        assert "Không kết nối được tới Bot API" in line, line
        assert f"http://127.0.0.1:{port}" in line, line
        await api.start(port)
        await api.wait_for_call("setMyCommands", within=60)
        update_id = api.push_update(_start_update(STRANGER))
        await api.wait_fetched(update_id, within=30)
        assert _greeted(api, STRANGER) == 1
    finally:
        err = line + await _terminate(process)
        await api.stop()
    assert process.returncode == 0, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    assert err.count("Không kết nối được tới Bot API") == 1, err[-3000:]
    assert "Failed run" not in err


async def test_a_second_poller_says_so_once_and_exits(api: FakeBotApi, tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    first = await _run_bot(api, database_url, tmp_path)
    second: asyncio.subprocess.Process | None = None
    try:
        api.push_update(_start_update(STRANGER))
        await api.wait_for_sent(STRANGER)
        # The first poller is established: its poll has waited a few seconds undisturbed.
        await _established(api)
        second = await _run_bot(api, database_url, tmp_path)
        code = await asyncio.wait_for(second.wait(), timeout=60)
        assert second.stderr is not None
        err = (await second.stderr.read()).decode()
        assert code == 1, err[-3000:]
        # "409" as a word: a scheduler's job id (random hex) may contain those digits.
        lines = [
            line for line in err.splitlines() if re.search(r"\b409\b", line) or "Conflict" in line
        ]
        assert len(lines) == 1, err[-3000:]
        assert "Một tiến trình khác đang nhận tin (polling) của bot này" in lines[0]
        assert "Traceback" not in err
        # The first one keeps answering.
        api.push_update(_start_update(STRANGER + 1))
        await api.wait_for_sent(STRANGER + 1)
    finally:
        err_first = await _terminate(first)
    assert first.returncode == 0, err_first[-3000:]
    assert "Traceback" not in err_first


async def _established(api: FakeBotApi) -> None:
    import time

    async with asyncio.timeout(30):
        while (  # noqa: ASYNC110 - a long poll's age sends no event
            api.poll_waiting_since is None or time.monotonic() - api.poll_waiting_since < 3.5
        ):
            await asyncio.sleep(0.05)
