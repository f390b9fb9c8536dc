"""The fake Bot API in a process of its own, so that neither its work nor the simulated users'
is charged to the bot or delays the other: `RemoteApi` starts `python -m bench.api_process`
and talks to it over HTTP.

The process serves the fake Bot API (`tests.auxil.fake_bot_api.FakeBotApi`, with Telegram's 30
messages a second) to the bot, and a small control API to the benchmark on another port:
`POST /push` queues an update (or a list of them) and answers the moment it arrived (the
server's monotonic clock, which on Linux is the same in every process), `GET /calls?since=N`
the calls recorded since the N-th, `GET /state` how many getUpdates calls and 429s there were.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from tests.auxil.fake_bot_api import SEND_METHODS, ApiCall, FakeBotApi

# The project's folder: the API's process imports bench/ and tests/ from there.
ROOT = str(Path(__file__).resolve().parent.parent)


def _call_json(call: ApiCall) -> dict[str, Any]:
    return {
        "method": call.method,
        "params": call.params,
        "at": call.at,
        "result": call.result,
        "error": call.error,
    }


async def serve(sends_per_second: int | None) -> None:
    api = FakeBotApi(sends_per_second=sends_per_second)
    await api.start()

    async def push(request: web.Request) -> web.Response:
        # One update, or a list of them queued at once.
        body = await request.json()
        for payload in body if isinstance(body, list) else [body]:
            api.push_update(payload)
        return web.json_response({"at": time.monotonic()})

    async def calls(request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return web.json_response([_call_json(call) for call in api.calls[since:]])

    async def state(_request: web.Request) -> web.Response:
        return web.json_response({"polls": api.polls, "too_many": api.too_many})

    control = web.Application(client_max_size=16 * 1024 * 1024)
    control.router.add_post("/push", push)
    control.router.add_get("/calls", calls)
    control.router.add_get("/state", state)
    runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(
        json.dumps(
            {
                "base_url": api.base_url,
                "file_url": api.file_url,
                "control": f"http://127.0.0.1:{port}",
            }
        ),
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await api.stop()


class RemoteApi:
    """The benchmark's side: the calls the bot made (fetched with `sync`), updates pushed."""

    def __init__(self, sends_per_second: int | None = None) -> None:
        self.sends_per_second = sends_per_second
        self.calls: list[ApiCall] = []
        self.base_url = self.file_url = self._control = ""
        self._process: asyncio.subprocess.Process | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")]))
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.api_process",
            str(self.sends_per_second or 0),
            stdout=asyncio.subprocess.PIPE,
            env=env,
        )
        assert self._process.stdout is not None
        line = await asyncio.wait_for(self._process.stdout.readline(), 60)
        where = json.loads(line)
        self.base_url, self.file_url = where["base_url"], where["file_url"]
        self._control = where["control"]
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.terminate()
            await self._process.wait()

    @property
    def session(self) -> aiohttp.ClientSession:
        assert self._session is not None, "RemoteApi.start() first"
        return self._session

    async def push_update(self, payload: dict[str, Any]) -> float:
        """Queues an update for the bot; the moment it arrived at the server."""
        async with self.session.post(f"{self._control}/push", json=payload) as response:
            return float((await response.json())["at"])

    async def push_updates(self, payloads: list[dict[str, Any]]) -> float:
        """Queues several updates at once; the moment they arrived."""
        async with self.session.post(f"{self._control}/push", json=payloads) as response:
            return float((await response.json())["at"])

    async def sync(self) -> list[ApiCall]:
        """Fetches the calls made since the last sync; returns them."""
        url = f"{self._control}/calls?since={len(self.calls)}"
        async with self.session.get(url) as response:
            new = [
                ApiCall(c["method"], c["params"], c["at"], c["result"], c["error"])
                for c in await response.json()
            ]
        self.calls.extend(new)
        return new

    async def state(self) -> dict[str, int]:
        async with self.session.get(f"{self._control}/state") as response:
            return dict(await response.json())

    def sent(self, chat_id: int | None = None) -> list[ApiCall]:
        return [
            call
            for call in self.calls
            if call.method in SEND_METHODS
            and call.error is None
            and (chat_id is None or call.chat_id == chat_id)
        ]

    async def wait_for_sent(self, chat_id: int, count: int = 1, within: float = 60) -> None:
        deadline = time.monotonic() + within
        while len(self.sent(chat_id)) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{count} messages to {chat_id} within {within} s")
            await asyncio.sleep(0.02)
            await self.sync()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]) or None))
