"""`tdkt-bot invite` and `tdkt-bot run` with the Zalo channel configured."""

from __future__ import annotations

import asyncio
import os
import sys

from tests.auxil.fake_bot_api import BOT_USERNAME
from tests.auxil.fake_zalo import FakeZaloApi
from tests.conftest import UNITS_CSV
from tests.test_cli import ROOT, tdkt


def test_invite_says_what_to_send_on_each_channel(database_url: str) -> None:
    env = {"TDKT_DATABASE_URL": database_url, "TDKT_ZALO_TOKEN": "1:zalo"}
    assert tdkt("import-units", str(UNITS_CSV), env=env).returncode == 0
    alone = tdkt("invite", "PGD", env=env)
    assert alone.returncode == 0, alone.stderr
    code, zalo_line = alone.stdout.strip().splitlines()[:2]
    assert zalo_line == f"Trên Zalo: gửi mã này cho bot (chỉ gửi mã, hoặc sau /start): {code}"
    both = tdkt("invite", "PGD", env={**env, "TDKT_BOT_USERNAME": BOT_USERNAME})
    code, link, zalo_line = both.stdout.strip().splitlines()[:3]
    assert link == f"https://t.me/{BOT_USERNAME}?start={code}"
    assert zalo_line.endswith(code)


async def test_run_with_a_wrong_zalo_token_is_one_clear_line(database_url: str) -> None:
    zalo = FakeZaloApi()
    await zalo.start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TDKT_")}
        env.update(
            TDKT_DATABASE_URL=database_url,
            TDKT_ZALO_TOKEN="1:wrong",
            TDKT_ZALO_API_BASE_URL=zalo.base_url,
            TDKT_LANGUAGE="en",
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _out, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        await zalo.stop()
    assert process.returncode == 1
    # Besides the log and the database announced at every start, the one line.
    lines = [
        line
        for line in err.decode().splitlines()
        if " INFO " not in line and not line.startswith("Database:")
    ]
    assert lines == [
        f"Zalo's Bot API at {zalo.base_url.removesuffix('/bot')} refused the bot token: check "
        "TDKT_ZALO_TOKEN (from Zalo Bot Creator)."
    ]
