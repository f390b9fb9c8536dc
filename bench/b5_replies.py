"""B5 (the old B2, a figure without a target): updates a second through the real Application
(N `/tasks`, then N presses of a done button, from N unit heads), through the replay bot (the
same calls without a database) and through a bare python-telegram-bot echo bot, all polling
the same fake Bot API in the same run. Unlike B2 and B3, the bots run in this process, beside
the fake Bot API: its work is charged to them, alike for all three."""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from bench.datagen import generate
from bot.app import ALLOWED_UPDATES, build_application
from bot.core.clock import FrozenClock
from bot.core.db import make_engine, make_sessionmaker
from bot.runtime.aiohttp_request import AiohttpRequest
from bot.runtime.context import runtime_of
from bot.runtime.intake import UpdatePoller
from handlers.flood import FloodGuard
from models import TaskReport
from tests.auxil.fake_bot_api import TOKEN, FakeBotApi
from tests.auxil.harness import settings_for

YEAR = 2026
# The three bots take turns this many times; each figure is the median of its rounds.
ROUNDS = 3
PRESS_DAY = datetime(YEAR, 6, 15, 2, tzinfo=UTC)
_ids = itertools.count(1)


@dataclass
class ThroughputFigures:
    updates: int
    # Updates a second of each round.
    bot: list[float]
    echo: list[float]
    replay: list[float]

    @property
    def ratio(self) -> float:
        return statistics.median(self.bot) / statistics.median(self.echo)

    @property
    def replay_ratio(self) -> float:
        """The ceiling the bot's calls and messages leave: the replay bot against the echo."""
        return statistics.median(self.replay) / statistics.median(self.echo)


NAMES: dict[int, str] = {}


def _user(user_id: int) -> dict[str, Any]:
    name = NAMES.get(user_id, "Head")
    return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "vi"}


def _command(user_id: int, text: str) -> dict[str, Any]:
    return {
        "message": {
            "message_id": next(_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": _user(user_id),
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        }
    }


def _press(user_id: int, message: dict[str, Any], data: str) -> dict[str, Any]:
    return {
        "callback_query": {
            "id": str(next(_ids)),
            "from": _user(user_id),
            "chat_instance": str(user_id),
            "message": message,
            "data": data,
        }
    }


async def _timed_round(
    api: FakeBotApi, payloads: list[dict[str, Any]], answered: Callable[[], int]
) -> float:
    """Seconds until every pushed update has been answered."""
    target = answered() + len(payloads)
    started = time.perf_counter()
    for payload in payloads:
        api.push_update(payload)
    await api.wait_until(lambda: answered() >= target, within=120)
    return time.perf_counter() - started


def _count(api: FakeBotApi, method: str) -> Callable[[], int]:
    seen = {"n": 0, "calls": 0}

    def answered() -> int:
        # Only the calls recorded since the last look are scanned.
        for call in api.calls[seen["calls"] :]:
            if call.method == method and call.error is None:
                seen["n"] += 1
        seen["calls"] = len(api.calls)
        return seen["n"]

    return answered


async def _echo_bot(api: FakeBotApi, heads: list[int]) -> float:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("ok")

    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(api.base_url)
        .base_file_url(api.file_url)
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, echo))
    application.add_handler(CallbackQueryHandler(pressed))

    def presses(lists: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            _press(h, {"message_id": 1, "date": 0, "chat": {"id": h, "type": "private"}}, "d:1")
            for h in heads
        ]

    return await _plain_rounds(application, api, heads, presses)


async def _plain_rounds(
    application: Application,  # type: ignore[type-arg]
    api: FakeBotApi,
    heads: list[int],
    presses: Callable[[dict[int, dict[str, Any]]], list[dict[str, Any]]],
) -> float:
    """Updates a second of a library-only bot: every head's /tasks, then the presses made
    from the lists it sent (by chat id); any failed call fails the benchmark."""
    async with application:
        await application.start()
        poller = UpdatePoller(application, allowed_updates=None, timeout=2)
        await poller.start()
        mark = len(api.calls)
        sent, answered = _count(api, "sendMessage"), _count(api, "answerCallbackQuery")
        first = await _timed_round(api, [_command(h, "/tasks") for h in heads], sent)
        lists = {
            call.chat_id: call.result
            for call in api.calls[mark:]
            if call.method == "sendMessage" and call.error is None and call.chat_id is not None
        }
        second = await _timed_round(api, presses(lists), answered)
        failed = [call for call in api.calls[mark:] if call.error is not None]
        assert not failed, f"{len(failed)} failed calls: {failed[0].error}"
        await poller.stop()
        await application.stop()
    return 2 * len(heads) / (first + second)


@dataclass
class Answers:
    """What the real bot answered each head: the list it sent, the notice of the press and the
    list edited in place. The replay bot gives the same answers without a database."""

    lists: dict[int, dict[str, Any]] = field(default_factory=dict)
    notices: dict[int, str] = field(default_factory=dict)
    edits: dict[int, dict[str, Any]] = field(default_factory=dict)
    presses: list[dict[str, Any]] = field(default_factory=list)


async def _real_bot(api: FakeBotApi, url: str, heads: list[int]) -> tuple[float, Answers]:
    settings = settings_for(api, url)
    application = build_application(
        settings,
        clock=FrozenClock(PRESS_DAY),
        rate_limit=False,
        background=False,
    )
    async with application:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        # Each head writes once a round: flood control is per user and never trips here.
        application.bot_data["flood_guard"] = FloodGuard()
        # What the bot's own work costs, not Telegram's 30 messages a second (B2 measures
        # replies within that budget): the echo and replay bots have none either.
        budget = runtime_of(application).send_budget
        assert budget is not None
        budget.set_rate(1_000_000)
        # Updates come in as `tdkt-bot run` takes them: confirmed once handled.
        poller = UpdatePoller(application, allowed_updates=ALLOWED_UPDATES, timeout=2)
        await poller.start()
        mark = len(api.calls)
        sent, answered = _count(api, "sendMessage"), _count(api, "answerCallbackQuery")
        first = await _timed_round(api, [_command(h, "/tasks") for h in heads], sent)
        replies = {
            call.chat_id: call.result
            for call in api.calls[mark:]
            if call.method == "sendMessage" and call.error is None
        }
        presses = []
        for head in heads:
            message = replies[head]
            data = next(
                button["callback_data"]
                for row in message["reply_markup"]["inline_keyboard"]
                for button in row
                if button.get("callback_data", "").startswith("done:")
            )
            presses.append(_press(head, message, data))
        press_mark = len(api.calls)
        second = await _timed_round(api, presses, answered)
        await poller.stop()
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
    answers = Answers(presses=presses)
    by_query = {p["callback_query"]["id"]: p["callback_query"]["from"]["id"] for p in presses}
    for call in api.calls[mark:press_mark]:
        if call.method == "sendMessage" and call.error is None and call.chat_id is not None:
            answers.lists[call.chat_id] = call.params
    for call in api.calls[press_mark:]:
        if call.error is not None:
            continue
        if call.method == "answerCallbackQuery":
            head = by_query[str(call.params["callback_query_id"])]
            answers.notices[head] = str(call.params.get("text") or "")
        elif call.method == "editMessageText" and call.chat_id is not None:
            answers.edits[call.chat_id] = call.params
    return 2 * len(heads) / (first + second), answers


async def _replay_bot(api: FakeBotApi, heads: list[int], answers: Answers) -> float:
    """The same Bot API calls with the same texts and keyboards as the real bot, with the same
    library, transport and defaults, but no database and no rules: what the bot's own work
    costs is the difference between this one and the real one."""

    def markup(params: dict[str, Any]) -> InlineKeyboardMarkup | None:
        value = params.get("reply_markup")
        return InlineKeyboardMarkup.de_json(value, None) if value else None

    async def tasks(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_user is not None
        sent = answers.lists[update.effective_user.id]
        await update.effective_message.reply_text(sent["text"], reply_markup=markup(sent))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and update.effective_user is not None
        await query.answer(answers.notices.get(update.effective_user.id))
        edit = answers.edits.get(update.effective_user.id)
        if edit is not None and isinstance(query.message, Message):
            await query.message.edit_text(edit["text"], reply_markup=markup(edit))

    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(api.base_url)
        .base_file_url(api.file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(connections=1))
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, tasks))
    application.add_handler(CallbackQueryHandler(pressed))

    def presses(lists: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
        # Its presses are on its own lists (the real bot's were edited already).
        return [
            _press(
                p["callback_query"]["from"]["id"],
                lists[p["callback_query"]["from"]["id"]],
                p["callback_query"]["data"],
            )
            for p in answers.presses
        ]

    return await _plain_rounds(application, api, heads, presses)


async def measure(url: str, updates: int) -> ThroughputFigures:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            dataset = await generate(session, updates, year=YEAR)
    finally:
        await engine.dispose()
    heads = dataset.head_ids
    NAMES.update(zip(heads, dataset.head_names, strict=True))
    api = FakeBotApi()
    await api.start()
    echo: list[float] = []
    real: list[float] = []
    replay: list[float] = []
    try:
        for _ in range(ROUNDS):
            echo.append(await _echo_bot(api, heads))
            rate, answers = await _real_bot(api, url, heads)
            real.append(rate)
            replay.append(await _replay_bot(api, heads, answers))
            # Every round starts from the same data: the presses of this one are taken back.
            await _reopen(url, YEAR)
    finally:
        await api.stop()
    return ThroughputFigures(2 * len(heads), real, echo, replay)


async def _reopen(url: str, year: int) -> None:
    """Deletes the reports the presses made (dated at the bot's frozen instant)."""
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(delete(TaskReport).where(TaskReport.done_at == PRESS_DAY))
    finally:
        await engine.dispose()
