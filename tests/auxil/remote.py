"""A Telegram user talking to a bot that runs in another process, through the fake Bot API."""

from __future__ import annotations

import inspect
import itertools
import time
from typing import Any, Protocol

from tests.auxil.fake_bot_api import ApiCall

_ids = itertools.count(1)


class BotApiServer(Protocol):
    """The fake Bot API in this process (`FakeBotApi`), or in its own (`bench.api_process`),
    where pushing an update is itself a request."""

    def push_update(self, payload: dict[str, Any]) -> Any: ...

    def sent(self, chat_id: int | None = None) -> list[ApiCall]: ...

    async def wait_for_sent(self, chat_id: int, count: int = 1, within: float = 30) -> None: ...


class RemoteOfficer:
    """The officer, writing to a bot that runs in another process."""

    def __init__(self, api: BotApiServer, user_id: int) -> None:
        self.api = api
        self.user_id = user_id
        self.user = {"id": user_id, "is_bot": False, "first_name": "Bình", "language_code": "vi"}

    def replies(self) -> list[dict[str, Any]]:
        return [call.result for call in self.api.sent(self.user_id)]

    async def _push(self, payload: dict[str, Any]) -> dict[str, Any]:
        count = len(self.replies())
        pushed = self.api.push_update(payload)
        if inspect.isawaitable(pushed):
            await pushed
        await self.api.wait_for_sent(self.user_id, count + 1)
        return self.replies()[-1]

    async def send(self, text: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(_ids),
            "date": int(time.time()),
            "chat": {"id": self.user_id, "type": "private"},
            "from": self.user,
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
        return await self._push({"message": message})

    async def press(self, message: dict[str, Any], fragment: str) -> dict[str, Any]:
        rows = message["reply_markup"]["inline_keyboard"]
        data = next(b["callback_data"] for row in rows for b in row if fragment in b["text"])
        query = {
            "id": str(next(_ids)),
            "from": self.user,
            "chat_instance": "1",
            "message": message,
            "data": data,
        }
        return await self._push({"callback_query": query})
