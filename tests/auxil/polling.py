"""Waiting for state that sends no events: rows in a database, another process."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 30) -> None:
    """Until `check()` is true, looking every 20 ms; TimeoutError after `within` seconds."""
    async with asyncio.timeout(within):
        while not await check():  # noqa: ASYNC110 - a database row has no event to wait on
            await asyncio.sleep(0.02)
