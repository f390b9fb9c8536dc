"""The README's quick start as a newcomer follows it: `make run` writes the settings to a
`.env` that the command line in a second shell reads too, the examples load, and the bot is
not reinstalled on every start."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.auxil.fake_bot_api import BOT_USERNAME, TOKEN, FakeBotApi

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TDKT_")}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env.update(extra)
    return env


async def second_shell(*args: str, cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """`.venv/bin/tdkt-bot ...` in another terminal, in the same folder, no TDKT_ variables."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_make_run_writes_the_settings_the_command_line_reads(
    api: FakeBotApi, tmp_path: Path
) -> None:
    folder = tmp_path / "tdkt-bot"
    folder.mkdir()
    first = make(
        "-s",
        "-f",
        str(ROOT / "Makefile"),
        ".env",
        cwd=folder,
        env=clean_env(tmp_path, TDKT_BOT_TOKEN=TOKEN, TDKT_OFFICER_IDS="900001"),
    )
    assert first.returncode == 0, first.stderr
    assert "Fill in what is still empty" in first.stdout
    settings = folder / ".env"
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600
    lines = settings.read_text(encoding="utf-8").splitlines()
    assert f"TDKT_BOT_TOKEN={TOKEN}" in lines and "TDKT_OFFICER_IDS=900001" in lines
    # Written once: an edited .env is never overwritten.
    again = make("-s", "-f", str(ROOT / "Makefile"), ".env", cwd=folder, env=clean_env(tmp_path))
    assert again.returncode == 0 and again.stdout == ""
    assert f"TDKT_BOT_TOKEN={TOKEN}" in settings.read_text(encoding="utf-8")

    # This Bot API stands in for api.telegram.org (as a self-hosted Bot API server would).
    with settings.open("a", encoding="utf-8") as file:
        file.write(f"TDKT_API_BASE_URL={api.base_url}\nTDKT_API_FILE_URL={api.file_url}\n")
    env = clean_env(tmp_path)
    for command in (
        ("import-units", str(EXAMPLES / "units.csv")),
        ("import-plan", str(EXAMPLES / "ke-hoach-tdkt-2020.txt")),
    ):
        code, _out, err = await second_shell(*command, cwd=folder, env=env)
        assert code == 0, err
    code, out, err = await second_shell("invite", "TT-VA", cwd=folder, env=env)
    assert code == 0, err
    invite_code, link = out.splitlines()[:2]
    # The username came from the Bot API, asked with the token in .env.
    assert link == f"https://t.me/{BOT_USERNAME}?start={invite_code}"
    assert any(call.method == "getMe" for call in api.calls)


def test_make_run_does_not_reinstall_unless_pyproject_changes(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    stamp = venv / ".installed"
    env = clean_env(tmp_path)
    fresh = make("-n", f"VENV={venv}", "setup", cwd=ROOT, env=env)
    assert "pip install" in fresh.stdout, fresh.stdout + fresh.stderr
    stamp.touch()
    installed = make("-n", f"VENV={venv}", "setup", cwd=ROOT, env=env)
    assert "pip install" not in installed.stdout, installed.stdout
    changed = (ROOT / "pyproject.toml").stat().st_mtime + 1
    os.utime(stamp, (changed - 3600, changed - 3600))
    outdated = make("-n", f"VENV={venv}", "setup", cwd=ROOT, env=env)
    assert "pip install" in outdated.stdout
