"""How updates come in and how `tdkt-bot run` starts: a start that waits for the Bot API, long
polling that confirms an update to Telegram only after it was handled, and a webhook server that
checks the secret before reading a body and answers only after handling.

python-telegram-bot's Updater confirms a batch (its next getUpdates call carries the new offset)
as soon as the batch is queued, before any handler ran: an update received just before a
`kill -9` was lost. Here the offset moves past an update only once it and every update before it
were handled, so Telegram hands every unhandled update to the next process again. Updates are
handled side by side by the Application's update processor (different users' at once, each
user's in order: bot/runtime/update_order.py); the poller keeps polling meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import hashlib
import hmac
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.error import BadRequest, Conflict, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application

from bot.core.config import data_folder
from bot.core.i18n import _

log = logging.getLogger("tdkt_bot.intake")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; a file's content never comes in an update.
MAX_WEBHOOK_BODY = 1024 * 1024
# Waiting for the Bot API at start: 2 s, doubling, at most 5 minutes between tries.
START_FIRST_WAIT, START_LONGEST_WAIT = 2.0, 300.0
# A running poller retries as python-telegram-bot's Updater did: 1 s, x1.5, at most 30 s.
POLL_FIRST_WAIT, POLL_LONGEST_WAIT = 1.0, 30.0
# Telegram answers 409 Conflict to the older of two getUpdates calls. A poll that stayed
# unanswered this long proves no other process polled meanwhile: this process is the
# established poller, and a later 409 means a newcomer, which stops by itself. A 409 before
# that means this process is the newcomer.
SETTLED_AFTER = 3.0
CONFLICT_WAIT = 0.5
# While updates are in hand, getUpdates is answered at once (with them): the poller asks again
# when one finishes, else after this long, for the updates that came meanwhile.
POLL_WHILE_IN_HAND = 0.01
# ... and at most about this many updates it already has come again in one such interval.
REFETCH_PER_POLL = 10
# Updates handled ahead (see `HandledAhead`) older than Telegram keeps updates are forgotten.
STALE_AFTER = 24 * 3600

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class AnotherPoller(Exception):
    """Another process polls this bot's token (409 Conflict on this process's first polls)."""


def api_address(base_url: str) -> str:
    """The Bot API server as an operator knows it (no "/bot" suffix, and never the token)."""
    return base_url.removesuffix("/").removesuffix("/bot")


async def handle_updates(application: AnyApplication, updates: Sequence[Update]) -> None:
    """Hand updates to the handlers with the Application's own concurrency (one at a time
    unless `concurrent_updates` was set), returning once all were handled."""
    processor = application.update_processor
    if processor.max_concurrent_updates > 1:
        await asyncio.gather(
            *(processor.process_update(u, application.process_update(u)) for u in updates)
        )
        return
    for update in updates:
        await processor.process_update(update, application.process_update(update))


async def _wait(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds` unless `stop` is set first; True when it was."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    return stop.is_set()


async def until_reachable(
    action: Callable[[], Awaitable[None]],
    *,
    api_url: str,
    stop: asyncio.Event,
    first_wait: float = START_FIRST_WAIT,
    longest_wait: float = START_LONGEST_WAIT,
) -> bool:
    """Run `action` until the Bot API answers it, saying once (one line on stderr) that the
    Bot API cannot be reached; False when stopped while waiting."""
    wait = first_wait
    announced = False
    while True:
        try:
            await action()
            if announced:
                log.info("The Bot API at %s answers again", api_url)
            return True
        except BadRequest:
            raise
        except (NetworkError, RetryAfter) as error:
            if not announced:
                print(
                    _(
                        "Cannot reach the Bot API at {url} ({error}); trying again in 2 s, "
                        "then less and less often (at most every 5 minutes) until it answers."
                    ).format(url=api_url, error=_one_line(error)),
                    file=sys.stderr,
                    flush=True,
                )
                announced = True
            else:
                log.debug("The Bot API still cannot be reached: %s", error)
            if isinstance(error, RetryAfter):
                seconds = error.retry_after
                wait_now = float(seconds if isinstance(seconds, int | float) else wait)
            else:
                wait_now = wait
            if await _wait(stop, wait_now):
                return False
            wait = min(wait * 2, longest_wait)


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


class HandledAhead:
    """The updates handled while an earlier one was not finished yet, kept in a file until
    Telegram is told (the offset passes them): after a kill -9 Telegram hands them out again
    with the unfinished one (an offset cannot skip it), and the next poller skips them. Each
    is appended as it finishes, without fsync: the system keeps what a killed process wrote,
    a power cut may lose it (those updates are then handled a second time)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.ids: set[int] = set()
        if path is None:
            return
        try:
            if time.time() - path.stat().st_mtime > STALE_AFTER:
                # Telegram keeps updates for 24 hours: these were dropped, and the ids of new
                # updates may start again anywhere.
                path.unlink()
                return
            self.ids = {int(word) for word in path.read_text().split() if word.isdigit()}
        except FileNotFoundError:
            pass
        except OSError as error:
            self._give_up(error)

    def __contains__(self, update_id: int) -> bool:
        return update_id in self.ids

    def add(self, update_id: int) -> None:
        self.ids.add(update_id)
        if self.path is None:
            return
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, b"%d\n" % update_id)
            finally:
                os.close(fd)
        except OSError as error:
            self._give_up(error)

    def confirmed(self, offset: int) -> None:
        """Telegram was told every update below `offset`: those are forgotten."""
        if not self.ids or min(self.ids) >= offset:
            return
        self.ids = {update_id for update_id in self.ids if update_id >= offset}
        if self.path is None:
            return
        try:
            if not self.ids:
                self.path.unlink(missing_ok=True)
                return
            fresh = self.path.with_name(self.path.name + ".new")
            fresh.write_text("".join(f"{update_id}\n" for update_id in sorted(self.ids)))
            os.replace(fresh, self.path)
        except OSError as error:
            self._give_up(error)

    def _give_up(self, error: OSError) -> None:
        log.warning(
            "Cannot keep the updates handled ahead in %s (%s): after a crash they would be "
            "handled again",
            self.path,
            error,
        )
        self.path = None


def handled_ahead_file(application: AnyApplication) -> Path | None:
    """Where `tdkt-bot run` keeps the updates handled ahead: beside an SQLite database, else
    in the data folder; one file a bot and database."""
    from sqlalchemy import make_url

    from bot.runtime.context import runtime_of

    url = make_url(runtime_of(application).ctx.settings.database_url)
    bot_id = application.bot.token.split(":", 1)[0]
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return None
        database = Path(url.database)
        return database.with_name(f"{database.name}.updates-{bot_id}")
    where = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:12]
    folder = data_folder(os.environ)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return folder / f"updates-{bot_id}-{where}"


class UpdatePoller:
    """Long polling that hands updates to the Application's update processor as they come
    (different users' side by side, see bot/runtime/update_order.py) and confirms an update
    (by the offset of a later getUpdates call) only once it and every update before it were
    handled: after a kill -9, Telegram hands every unhandled update to the next process. It
    hands out again the later ones that were handled while an earlier one was not finished
    (an offset cannot skip an update): with `handled_ahead` (a file, see `HandledAhead`) the
    next poller skips those. Stopping finishes the updates in hand, confirms them and leaves
    the rest to the next process.

    Telegram answers getUpdates with every update from the offset on, the ones in hand
    included, and at once when there is any: while updates are in hand the poller asks again
    every `POLL_WHILE_IN_HAND` seconds (less often when many come again), and only while one
    more could start at once, skipping those it already has; once none is in hand it
    confirms them all with its next (long) poll. Only the 100 updates after the oldest one in
    hand can be seen (getUpdates' limit) until that one is finished."""

    def __init__(
        self,
        application: AnyApplication,
        *,
        allowed_updates: Sequence[str] | None,
        timeout: float = 10.0,
        poll_while_in_hand: float = POLL_WHILE_IN_HAND,
        handled_ahead: Path | None = None,
    ) -> None:
        self.application = application
        self.ahead = HandledAhead(handled_ahead)
        self.allowed_updates = list(allowed_updates) if allowed_updates else None
        self.timeout = timeout
        self.poll_while_in_hand = poll_while_in_hand
        # `confirmed` is the offset Telegram was told; every update below `handed` was handed
        # to the handlers, those of `in_hand` are not finished yet.
        self.confirmed = 0
        self.handed = 0
        self.in_hand: dict[int, asyncio.Task[None]] = {}
        self.settled = False
        self.failure: BaseException | None = None
        self._crash: BaseException | None = None
        self._finished = asyncio.Event()
        self._last_poll = 0.0
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._fetch: asyncio.Future[Any] | None = None
        self._conflict_told = False

    @property
    def offset(self) -> int:
        """Every update below it was handled: the oldest update in hand, else the next."""
        return min(self.in_hand, default=self.handed)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="tdkt-update-poller")

    async def wait(self) -> None:
        """Until polling ends by itself (another poller, a refused token)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def stop(self) -> None:
        self._stopping = True
        self._finished.set()
        if self._fetch is not None and not self._fetch.done():
            self._fetch.cancel()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        # The updates in hand are finished (as Telegram's answer to a webhook waits for them).
        await asyncio.gather(*self.in_hand.values(), return_exceptions=True)
        if self.offset > self.confirmed and self.failure is None:
            # Tell Telegram what was handled; whatever it returns is left for the next process.
            with contextlib.suppress(Exception):
                await self.application.bot.get_updates(
                    offset=self.offset, limit=1, timeout=0, read_timeout=5
                )
                self.confirmed = self.offset
                self.ahead.confirmed(self.confirmed)

    async def _call(self, coroutine: Awaitable[Any]) -> Any:
        """Await a Bot API call that `stop()` may cancel."""
        self._fetch = asyncio.ensure_future(coroutine)
        try:
            return await self._fetch
        finally:
            self._fetch = None

    async def _run(self) -> None:
        try:
            await self._loop()
        except asyncio.CancelledError:
            if not self._stopping:
                # The process dies (as with kill -9): the updates in hand die with it,
                # unfinished and unconfirmed.
                for task in self.in_hand.values():
                    task.cancel()
                raise
        except (AnotherPoller, InvalidToken) as error:
            self.failure = error

    def _hand(self, update: Update) -> None:
        """Hand one update to the Application's update processor, in a task of its own."""
        self.handed = update.update_id + 1
        self.in_hand[update.update_id] = asyncio.create_task(
            self._handle(update), name=f"tdkt-update-{update.update_id}"
        )

    async def _handle(self, update: Update) -> None:
        application = self.application
        try:
            await application.update_processor.process_update(
                update, application.process_update(update)
            )
        except Exception as error:
            # A bug past the error handler: the update stays unconfirmed, polling stops and
            # `tdkt-bot run` shows it.
            if self._crash is None:
                self._crash = error
        else:
            if min(self.in_hand) < update.update_id:
                self.ahead.add(update.update_id)
            del self.in_hand[update.update_id]
        finally:
            self._finished.set()

    async def _between_polls(self) -> None:
        """While updates are in hand Telegram answers at once, with them: ask again only once
        an update more could start at once (fewer in hand than the processor runs at a time),
        and `poll_while_in_hand` after the last answer, longer when many handled updates wait
        behind an unfinished one (each poll brings them all again)."""
        while self.in_hand and not self._stopping and self._crash is None:
            if len(self.in_hand) >= self.application.update_processor.max_concurrent_updates:
                self._finished.clear()
                await self._finished.wait()
                continue
            behind = self.handed - self.offset
            interval = self.poll_while_in_hand * max(1.0, behind / REFETCH_PER_POLL)
            delay = self._last_poll + interval - asyncio.get_running_loop().time()
            if delay <= 0:
                return
            self._finished.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._finished.wait(), timeout=delay)

    async def _loop(self) -> None:
        bot = self.application.bot
        loop = asyncio.get_running_loop()
        wait = POLL_FIRST_WAIT
        webhook_deleted = False
        while not self._stopping:
            if self._crash is not None:
                raise self._crash
            await self._between_polls()
            if self._stopping:
                return
            started = loop.time()
            offset = self.offset
            try:
                if not webhook_deleted:
                    # As the Updater did: getUpdates is refused while a webhook is set.
                    await self._call(bot.delete_webhook())
                    webhook_deleted = True
                updates = await self._call(
                    bot.get_updates(
                        offset=offset,
                        # Telegram answers at once while the updates in hand are there.
                        timeout=dtm.timedelta(seconds=0 if self.in_hand else self.timeout),
                        allowed_updates=self.allowed_updates,
                        read_timeout=5,
                    )
                )
            except asyncio.CancelledError:
                if self._stopping:
                    return
                raise
            except Conflict as error:
                waited = loop.time() - started
                if not self.settled and waited < SETTLED_AFTER:
                    raise AnotherPoller(_one_line(error)) from error
                self.settled = True
                if not self._conflict_told:
                    log.warning(
                        "Another process polled this bot (%s); this one keeps polling and the "
                        "newcomer stops by itself",
                        _one_line(error),
                    )
                    self._conflict_told = True
                await asyncio.sleep(CONFLICT_WAIT)
                continue
            except RetryAfter as error:
                seconds = error.retry_after
                await asyncio.sleep(float(seconds if isinstance(seconds, int | float) else 1))
                continue
            except InvalidToken:
                raise
            except (NetworkError, OSError) as error:
                log.warning("Polling the Bot API failed (%s); next try in %.1f s", error, wait)
                await asyncio.sleep(wait)
                wait = min(wait * 1.5, POLL_LONGEST_WAIT)
                continue
            wait = POLL_FIRST_WAIT
            self._last_poll = loop.time()
            self.confirmed = offset
            self.ahead.confirmed(offset)
            if loop.time() - started >= SETTLED_AFTER:
                self.settled = True
            if not updates:
                self._conflict_told = False
                continue
            for update in sorted(updates, key=lambda u: u.update_id):
                # Those in hand, or handled but not confirmed yet, come again: skipped.
                if update.update_id < self.handed or self._stopping:
                    continue
                if update.update_id in self.ahead:
                    # Handled ahead by a process that died: done, never handed again.
                    self.handed = update.update_id + 1
                    continue
                self._hand(update)


class WebhookServer:
    """Receives Telegram's webhook calls: the secret is checked before a body is read, bodies
    are capped at 1 MB, and Telegram gets its answer only after the update was handled (an
    update whose process dies mid-handling is sent again by Telegram)."""

    def __init__(
        self,
        application: AnyApplication,
        *,
        listen: str,
        port: int,
        path: str,
        secret: str,
        max_body: int = MAX_WEBHOOK_BODY,
        extra_routes: Sequence[tuple[str, Any]] = (),
    ) -> None:
        self.application = application
        # Other channels' webhooks on the same server (path, aiohttp handler): Zalo's.
        self.extra_routes = list(extra_routes)
        self.listen = listen
        self.port = port
        self.path = "/" + path.lstrip("/")
        self._secret = secret.encode()
        self.max_body = max_body
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=self.max_body)
        app.router.add_post(self.path, self._receive)
        for path, handler in self.extra_routes:
            app.router.add_post(path, handler)
        # No lingering: a refused request's body is never read, its connection is closed.
        self._runner = web.AppRunner(app, access_log=None, lingering_time=0, shutdown_timeout=30)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen, self.port).start()

    async def stop(self) -> None:
        """Stop listening; updates being handled are finished and answered first."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self._secret):
            return _refuse(403, "Forbidden")
        if request.content_length is not None and request.content_length > self.max_body:
            return _refuse(413, "Request Entity Too Large")
        try:
            data = await request.json()
            update = Update.de_json(data, self.application.bot)
        except web.HTTPRequestEntityTooLarge:
            return _refuse(413, "Request Entity Too Large")
        except (ValueError, TypeError, KeyError, AttributeError):
            return _refuse(400, "Bad Request")
        if update is None:
            return _refuse(400, "Bad Request")
        await handle_updates(self.application, [update])
        return web.Response(status=200)


def _refuse(status: int, reason: str) -> web.Response:
    response = web.Response(status=status, text=reason)
    response.force_close()
    return response


async def serve(
    application: AnyApplication,
    *,
    api_url: str,
    allowed_updates: Sequence[str] | None,
    webhook: dict[str, Any] | None = None,
    poll_timeout: float = 10.0,
    extra_routes: Sequence[tuple[str, Any]] = (),
) -> int:
    """Run the bot until SIGINT/SIGTERM: wait for the Bot API, start, receive updates, stop.
    `webhook` holds url, listen, port, path and secret; without it the bot polls. The exit
    code: 0, or 1 when another process polls this bot or the token is refused."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)

    async def bring_up() -> None:
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)

    started = False
    intake: UpdatePoller | WebhookServer | None = None
    try:
        if not await until_reachable(bring_up, api_url=api_url, stop=stop):
            return 0
        await application.start()
        started = True
        if webhook is None:
            intake = UpdatePoller(
                application,
                allowed_updates=allowed_updates,
                timeout=poll_timeout,
                handled_ahead=handled_ahead_file(application),
            )
            await intake.start()
            stopped = asyncio.create_task(stop.wait())
            ended = asyncio.create_task(intake.wait())
            await asyncio.wait({stopped, ended}, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if intake.failure is not None:
                raise intake.failure
            if ended.done() and ended.exception() is not None:
                raise ended.exception()  # type: ignore[misc]  # a bug: let it show
            ended.cancel()
        else:
            intake = WebhookServer(
                application,
                listen=webhook["listen"],
                port=webhook["port"],
                path=webhook["path"],
                secret=webhook["secret"],
                extra_routes=extra_routes,
            )
            await intake.start()

            async def register() -> None:
                await application.bot.set_webhook(
                    url=webhook["url"],
                    secret_token=webhook["secret"],
                    allowed_updates=allowed_updates,
                    max_connections=40,
                )

            if await until_reachable(register, api_url=api_url, stop=stop):
                await stop.wait()
        return 0
    except AnotherPoller as error:
        print(
            _(
                "Another process is already polling this bot ({error}); this one stops. Run "
                "one polling process per bot, or several with --webhook-url."
            ).format(error=error),
            file=sys.stderr,
            flush=True,
        )
        return 1
    except InvalidToken:
        print(
            _(
                "The Bot API at {url} refused the bot token: check TDKT_BOT_TOKEN (from "
                "@BotFather)."
            ).format(url=api_url),
            file=sys.stderr,
            flush=True,
        )
        return 1
    finally:
        if intake is not None:
            await intake.stop()
        if started:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
        with contextlib.suppress(Exception):
            await application.shutdown()
        # A start that never reached the Bot API leaves the connection pools open.
        await application.bot.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
