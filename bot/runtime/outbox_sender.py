"""Delivers the outbox over Telegram within its limits (about 30 messages a second overall,
one a second per chat): waits out 429s, retries network errors and 5xx with backoff for as
long as they last, and marks members who blocked the bot (403) unreachable instead of
retrying them forever. Only a permanent refusal (400, 403) ends a message."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
import uuid
import weakref
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.core.actions import Keyboard, keyboard_from_json
from bot.core.clock import Clock
from bot.core.db import DATABASE_MISTAKES, DATABASE_UNAVAILABLE
from bot.services import outbox
from bot.services.notices import report_unreachable
from models import OutboxMessage

log = logging.getLogger(__name__)

OVERALL_PER_SECOND = 30
PER_CHAT_INTERVAL = 1.0
# Ten seconds of sending at Telegram's rate: the pause between two batches (the last sends
# finishing, the next claim) then costs about 1% of a long broadcast's rate, and a batch is
# still sent well within the claim lease.
CLAIM_BATCH = 300
POLL_INTERVAL = 5.0
# Recording a send is retried until the database answers (a lock held by another process, a
# PostgreSQL restart); the wait between tries doubles from the first to the last.
RECORD_FIRST_WAIT = 0.1
RECORD_MAX_WAIT = 5.0
# Bad requests that mean the chat is gone for good, like a 403.
GONE = ("chat not found", "user is deactivated", "bot was blocked", "peer_id_invalid")
# Keyboards kept built (a wave of digests has a few hundred different ones at most).
MARKUPS_KEPT = 1000


class Sent(Protocol):
    """What the sender keeps of a message the channel accepted."""

    @property
    def message_id(self) -> int | None: ...


@dataclass(frozen=True)
class SentText:
    message_id: int


# The senders alive in this process, by worker id (several in tests, one in production).
_LIVE_SENDERS: weakref.WeakValueDictionary[str, OutboxSender] = weakref.WeakValueDictionary()


def worker_is_gone(worker: str) -> bool:
    """True when `worker` ran on this host in a process that no longer exists.

    Worker ids are `host:pid:random`. A claim of another host, or of a process that may still
    be alive, is left to the claim lease instead.
    """
    host, _sep, rest = worker.partition(":")
    pid_text, _sep, _random = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return worker not in _LIVE_SENDERS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass
class DrainStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unreachable: int = 0


class RateLimiter:
    """Spaces sends: at most `per_second` overall and one per `chat_interval` in each chat.

    Spacing is kept between the moments sends actually start, not between slots handed out
    in advance: after the event loop stalls, waiters go out one by one, not in a burst that
    Telegram would answer with 429. A 1% margin absorbs the jitter on the way to Telegram.
    Time and sleep are injectable so that the spacing can be checked without waiting.
    """

    MARGIN = 1.01

    def __init__(
        self,
        per_second: float,
        chat_interval: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = self.MARGIN / per_second
        self._chat_interval = chat_interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._last = float("-inf")
        self._chat_next: dict[object, float] = defaultdict(float)
        self._lock = asyncio.Lock()
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """After a 429: nothing goes out for `seconds`."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    async def wait(self, chat_id: object) -> float:
        """Waits until this chat's next send may start; returns that moment."""
        # A chat's messages are sent one after another, so its wait needs no lock and
        # holds up no other chat.
        chat_wait = self._chat_next[chat_id] - self._monotonic()
        if chat_wait > 0:
            await self._sleep(chat_wait)
        async with self._lock:
            while True:
                now = self._monotonic()
                start = max(self._last + self.interval, self._paused_until)
                if start <= now:
                    break
                await self._sleep(start - now)
            self._last = now
            self._chat_next[chat_id] = now + self._chat_interval
        return now


class OutboxSender:
    # The outbox rows this sender claims (a sender per channel, each within its own limits).
    channel = "telegram"

    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        per_second: float = OVERALL_PER_SECOND,
        chat_interval: float = PER_CHAT_INTERVAL,
        concurrency: int = 8,
        markup: Callable[[Keyboard], InlineKeyboardMarkup | None] | None = None,
    ) -> None:
        self.bot = bot
        # How buttons become Telegram's inline keyboards: the button table's `markup`
        # (handlers/callbacks.py), handed in by the wiring so this layer does not import handlers.
        self.markup = markup or _no_keyboards
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        _LIVE_SENDERS[self.worker] = self
        self.limiter = RateLimiter(per_second, chat_interval)
        self._concurrency = concurrency
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._drain_lock = asyncio.Lock()
        self._markups: dict[str, InlineKeyboardMarkup | None] = {}
        # Called after every batch (e.g. to show a broadcast's progress); True: more to send.
        self.after_batch: Callable[[], Awaitable[bool]] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def drain(self) -> DrainStats:
        """Sends every message that is due now; returns when none is left to claim."""
        stats = DrainStats()
        async with self._drain_lock:
            async with self.sessionmaker() as session:
                await self.release_abandoned_claims(session)
            while True:
                async with self.sessionmaker() as session:
                    batch = await outbox.claim_due(
                        session,
                        now=self.clock.now(),
                        worker=self.worker,
                        limit=CLAIM_BATCH,
                        channel=self.channel,
                    )
                if not batch:
                    if self.after_batch is not None and await self.after_batch():
                        continue
                    return stats
                await self._send_batch(batch, stats)
                if self.after_batch is not None:
                    await self.after_batch()

    async def release_abandoned_claims(self, session: AsyncSession) -> int:
        """Claims of killed processes on this host are released at once (what they were
        sending when they died goes out again), those of silent processes after the lease."""
        gone = [w for w in await outbox.claiming_workers(session) if worker_is_gone(w)]
        released = await outbox.release_claims_of(session, gone)
        if released:
            log.warning("Released %s messages claimed by dead processes %s", released, gone)
        return released + await outbox.release_stale_claims(session, now=self.clock.now())

    async def _send_batch(self, batch: list[OutboxMessage], stats: DrainStats) -> None:
        by_chat: dict[object, list[OutboxMessage]] = defaultdict(list)
        for message in batch:
            by_chat[self.chat_key(message)].append(message)
        semaphore = asyncio.Semaphore(self._concurrency)
        # Messages handed to Telegram in this batch: a claim not in here was never sent.
        started: set[int] = set()

        async def send_chat(messages: list[OutboxMessage]) -> None:
            for message in messages:
                async with semaphore:
                    try:
                        await self._send_one(message, stats, started)
                    except Exception:
                        # A bug in one send must not cancel its siblings: a sibling cancelled
                        # after Telegram accepted its message would be sent again.
                        log.exception("Outbox message %s: unexpected error", message.id)

        # A task group, not gather: when the drain is cancelled, no send is left running
        # behind it (it would use the database after the engine is disposed).
        try:
            async with asyncio.TaskGroup() as group:
                for messages in by_chat.values():
                    group.create_task(send_chat(messages))
        finally:
            unsent = [message.id for message in batch if message.id not in started]
            if unsent:
                await self._release_unsent(unsent)

    async def _release_unsent(self, message_ids: list[int]) -> None:
        """This process stops sending (cancelled, shutting down): its claims that never reached
        Telegram go back to pending at once, for itself or another process, not after the
        lease. One try: a process being stopped must not hang on a database that is away."""
        try:
            async with asyncio.timeout(5):
                async with self.sessionmaker() as session:
                    released = await outbox.release_own_claims(
                        session, message_ids, worker=self.worker
                    )
        except DATABASE_UNAVAILABLE as error:
            log.warning(
                "Could not release %s unsent outbox claims (left to the lease): %s",
                len(message_ids),
                error,
            )
            return
        if released:
            log.info("Released %s outbox messages this process had claimed", released)

    async def _record(
        self, message: OutboxMessage, record: Callable[[AsyncSession], Awaitable[object]]
    ) -> object:
        """Records how a send went, retrying with backoff until the database answers.

        Telegram has already acted on the message: giving up here would leave it claimed, and
        the lease would send it again. The wait doubles from RECORD_FIRST_WAIT to
        RECORD_MAX_WAIT; the send slot stays taken, so nothing more is sent meanwhile."""
        wait = RECORD_FIRST_WAIT
        failures = 0
        while True:
            try:
                async with self.sessionmaker() as session:
                    result = await record(session)
            except DATABASE_UNAVAILABLE as error:
                if isinstance(error, DATABASE_MISTAKES):
                    raise  # a bug, not an outage: retrying would not help
                failures += 1
                if failures == 1:
                    log.warning(
                        "Cannot record outbox message %s (the database does not answer); "
                        "retrying until it does: %s",
                        message.id,
                        str(error).splitlines()[0],
                    )
                await asyncio.sleep(wait)
                wait = min(wait * 2, RECORD_MAX_WAIT)
                continue
            if failures:
                log.info("Recorded outbox message %s after %s failed tries", message.id, failures)
            return result

    async def _send_one(
        self, message: OutboxMessage, stats: DrainStats, started: set[int]
    ) -> None:
        await self.limiter.wait(self.chat_key(message))
        started.add(message.id)
        now = self.clock.now
        try:
            sent = await self._send(message)
        except RetryAfter as error:
            seconds, reason = _seconds(error.retry_after), str(error)
            self.limiter.pause(seconds)
            await self._record(
                message,
                lambda session: outbox.mark_retry(
                    session,
                    message,
                    worker=self.worker,
                    now=now(),
                    error=reason,
                    delay=timedelta(seconds=seconds),
                ),
            )
            stats.retried += 1
        except Forbidden as error:
            await self._unreachable(message, str(error), stats)
        except (BadRequest, ChatMigrated) as error:
            if any(marker in str(error).lower() for marker in GONE):
                await self._unreachable(message, str(error), stats)
                return
            log.error("Outbox message %s refused by Telegram: %s", message.id, error)
            reason = str(error)
            await self._record(
                message,
                lambda session: outbox.mark_failed(
                    session, message.id, worker=self.worker, error=reason
                ),
            )
            stats.failed += 1
        except (NetworkError, TelegramError) as error:
            # Network errors, timeouts, 5xx: Telegram or the way to it is down for a while.
            # The message waits (backoff up to outbox.MAX_BACKOFF) however long that lasts.
            reason = str(error)
            await self._record(
                message,
                lambda session: outbox.mark_retry(
                    session, message, worker=self.worker, now=now(), error=reason
                ),
            )
            stats.retried += 1
        else:
            await self._record(
                message,
                lambda session: outbox.mark_sent(
                    session,
                    message.id,
                    worker=self.worker,
                    now=now(),
                    channel_message_id=sent.message_id,
                ),
            )
            stats.sent += 1

    def chat_key(self, message: OutboxMessage) -> object:
        """The chat a message goes to, for spacing sends per chat."""
        return message.chat_id

    def _markup(self, buttons: list[list[dict[str, Any]]] | None) -> InlineKeyboardMarkup | None:
        """Telegram's keyboard for stored buttons, built once for the same buttons (the digests
        of the same open tasks share theirs)."""
        key = json.dumps(buttons, ensure_ascii=False) if buttons else ""
        if key not in self._markups:
            try:
                markup = self.markup(keyboard_from_json(buttons))
            except (ValueError, KeyError, TypeError) as error:
                # A button the table refuses (an unknown action, an argument out of range): as
                # Telegram refuses bad callback data, the message fails instead of being retried.
                raise BadRequest(f"Button refused by the button table: {error!r}") from error
            if len(self._markups) >= MARKUPS_KEPT:
                self._markups.clear()
            self._markups[key] = markup
        return self._markups[key]

    async def _send(self, message: OutboxMessage) -> Sent:
        markup = self._markup(message.buttons)
        if message.chat_id is None:  # never on Telegram's rows; Telegram would refuse it so
            raise BadRequest("Chat_id is empty")
        if not (message.file_kind in ("photo", "document") and message.file_id):
            # The bulk of a wave (digests, broadcasts): the library's own call, without turning
            # Telegram's answer into a Message with its keyboard (about a millisecond of this
            # process's time per message, beside the replies it answers meanwhile); only the
            # message id is kept. Errors are the library's, as for send_message.
            result = await self.bot._post(
                "sendMessage",
                {
                    "chat_id": message.chat_id,
                    "text": message.text,
                    "parse_mode": ParseMode.HTML.value,
                    "reply_markup": markup,
                },
            )
            return SentText(int(result["message_id"]))
        if message.file_kind == "photo":
            return await self.bot.send_photo(
                message.chat_id,
                message.file_id,
                caption=message.text or None,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        return await self.bot.send_document(
            message.chat_id,
            message.file_id,
            caption=message.text or None,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
        )

    async def _unreachable(self, message: OutboxMessage, error: str, stats: DrainStats) -> None:
        async def record(session: AsyncSession) -> None:
            member = await outbox.mark_unreachable(
                session, message, worker=self.worker, now=self.clock.now(), error=error
            )
            if member is not None:
                log.warning("Member %s is unreachable: %s", member.id, error)
                await report_unreachable(session, member, now=self.clock.now())
                self.wake()

        await self._record(message, record)
        stats.unreachable += 1

    # ------------------------------------------------------------ background loop
    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.drain()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Outbox drain failed; retrying shortly")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=POLL_INTERVAL)
            except TimeoutError:
                pass
            self._wake.clear()


def _seconds(value: object) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)  # type: ignore[arg-type]


def _no_keyboards(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    """For a sender built without the button table: a message with buttons is refused."""
    if any(keyboard):
        raise ValueError("this sender was built without the button table")
    return None
