"""Updates of different users handled concurrently, the updates of one user in arrival order.

python-telegram-bot's own `concurrent_updates` runs any updates side by side: a ✅ and the
/tasks that follows it, or two steps of a nomination draft, could then see each other's
effects out of order. `PerUserOrder` keeps one queue a key (the update's user, else its chat;
updates with neither form one queue of their own): an update starts only once the one before
it in its queue has finished, and up to `max_concurrent_updates` updates of different queues
run at a time. An update waiting for its turn does not hold one of those places, so a user who
sends many updates at once never keeps the others waiting.

The order is the order in which the updates reach `process_update`: the poller and the
webhook (bot/runtime/intake.py) hand them over in the order Telegram gave them, and
python-telegram-bot's own update queue does the same.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

DEFAULT_CONCURRENT_UPDATES = 8


def update_key(update: object) -> Hashable:
    """The queue an update belongs to: its user, else its chat, else the one of the rest."""
    if isinstance(update, Update):
        user = update.effective_user
        if user is not None:
            return ("user", user.id)
        chat = update.effective_chat
        if chat is not None:
            return ("chat", chat.id)
    return ("other",)


class PerUserOrder(BaseUpdateProcessor):
    """Different users' updates at the same time (up to `max_concurrent_updates`), each
    user's one after the other, in the order they came."""

    __slots__ = ("_last",)

    def __init__(self, max_concurrent_updates: int = DEFAULT_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        # The last update of each queue, done when it has finished (a key with no update in
        # hand has no entry).
        self._last: dict[Hashable, asyncio.Future[None]] = {}

    @property
    def queues_in_hand(self) -> int:
        return len(self._last)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = update_key(update)
        previous = self._last.get(key)
        finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._last[key] = finished
        try:
            try:
                if previous is not None and not previous.done():
                    await self._wait_for(previous)
            except BaseException:
                # Cancelled before its turn: the update is never handled.
                if inspect.iscoroutine(coroutine):
                    coroutine.close()
                raise
            await coroutine
        finally:
            finished.set_result(None)
            if self._last.get(key) is finished:
                del self._last[key]

    async def _wait_for(self, previous: asyncio.Future[None]) -> None:
        """Wait for the update before this one in its queue without holding a place:
        `process_update` took one before calling `do_process_update`; it is given back
        meanwhile and taken again (after the updates already waiting for one) before the
        update runs, even when cancelled meanwhile, since `process_update` gives it back at
        the end."""
        semaphore = self._semaphore
        semaphore.release()
        try:
            await asyncio.shield(previous)
        finally:
            taking = asyncio.ensure_future(semaphore.acquire())
            cancelled = False
            while not taking.done():
                try:
                    await asyncio.shield(taking)
                except asyncio.CancelledError:
                    if taking.cancelled():  # the loop itself is going away
                        raise
                    cancelled = True
            if cancelled:
                raise asyncio.CancelledError

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free: the updates in hand belong to whoever handed them over."""
