"""`tdkt-bot run` with Zalo: beside Telegram in the same process, or Zalo alone.

A refused Zalo token is one clear line at start (exit 1). Zalo unreachable at start is said
once and retried by the poller, as for Telegram. With `--webhook-url`, Zalo's webhook is the
same host's `/zalo` path with the same secret, served by the Telegram webhook server (or, Zalo
alone, by a server of its own on --listen/--port).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from typing import Any
from urllib.parse import urljoin

from telegram.error import InvalidToken, NetworkError

from bot.core.clock import Clock, SystemClock
from bot.core.config import Settings
from bot.core.db import make_engine, make_sessionmaker
from bot.core.i18n import _, set_default_language
from bot.runtime.context import runtime_of
from bot.runtime.intake import AnyApplication, serve
from bot.runtime.zalo.intake import DialogueFactory, ZaloChannel

log = logging.getLogger("tdkt_bot.zalo")

ZALO_WEBHOOK_PATH = "/zalo"
# Zalo alone has no job queue: the reminder pass (idempotent: a reminder is logged once per
# member, day and kind) is tried this often once the reminder time has come.
REMINDER_CHECK_EVERY = 60.0


def zalo_webhook(webhook: dict[str, Any] | None) -> dict[str, Any] | None:
    """Zalo's webhook beside Telegram's: same host, path /zalo, same secret."""
    if webhook is None:
        return None
    return {
        **webhook,
        "url": urljoin(webhook["url"], ZALO_WEBHOOK_PATH),
        "path": ZALO_WEBHOOK_PATH,
    }


def refused_token_line(settings: Settings) -> str:
    return _(
        "Zalo's Bot API at {url} refused the bot token: check TDKT_ZALO_TOKEN (from Zalo Bot "
        "Creator)."
    ).format(url=settings.zalo_api_base_url.removesuffix("/bot"))


async def start_channel(channel: ZaloChannel, settings: Settings, *, own_server: bool) -> bool:
    """Starts the Zalo channel; False (and one line on stderr) when the token is refused."""
    try:
        await channel.start(own_server=own_server)
    except InvalidToken:
        print(refused_token_line(settings), file=sys.stderr, flush=True)
        await channel.stop()
        return False
    except NetworkError as error:
        print(
            _(
                "Cannot reach Zalo's Bot API at {url} ({error}); the Zalo channel keeps trying."
            ).format(url=channel.client.api_address, error=str(error).splitlines()[0]),
            file=sys.stderr,
            flush=True,
        )
        channel.sender.start()
        if channel.poller is not None:
            await channel.poller.start()
    return True


async def serve_with_zalo(
    application: AnyApplication,
    settings: Settings,
    *,
    api_url: str,
    allowed_updates: Sequence[str] | None,
    webhook: dict[str, Any] | None,
    dialogue: DialogueFactory,
) -> int:
    """Telegram as `serve` runs it, and Zalo beside it on the same database and clock."""
    runtime = runtime_of(application)
    ctx = runtime.ctx
    channel = ZaloChannel(
        settings, ctx.sessionmaker, ctx.clock, dialogue=dialogue, webhook=zalo_webhook(webhook)
    )
    if not await start_channel(channel, settings, own_server=False):
        await ctx.engine.dispose()
        return 1
    runtime.channels.append(channel)
    telegram_stop = application.post_stop

    async def post_stop(app: AnyApplication) -> None:
        # Before the engine goes: the Zalo sender releases its unsent claims.
        await channel.stop()
        if telegram_stop is not None:
            await telegram_stop(app)

    application.post_stop = post_stop
    routes = [(channel.webhook.path, channel.webhook.receive)] if channel.webhook else []
    try:
        return await serve(
            application,
            api_url=api_url,
            allowed_updates=allowed_updates,
            webhook=webhook,
            extra_routes=routes,
        )
    finally:
        await channel.stop()


async def serve_zalo_only(
    settings: Settings,
    *,
    webhook: dict[str, Any] | None,
    dialogue: DialogueFactory,
    clock: Clock | None = None,
    stop: asyncio.Event | None = None,
    poll_timeout: int = 30,
) -> int:
    """Zalo without Telegram: until SIGINT/SIGTERM (or `stop`)."""
    from bot.core.context import AppContext
    from bot.runtime.reminder_jobs import reminder_time_reached, rules_of
    from bot.services.reminders import run_reminder_pass

    set_default_language(settings.language)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.db_busy_timeout_ms)
    ctx = AppContext(settings, engine, make_sessionmaker(engine), clock or SystemClock())
    channel = ZaloChannel(
        settings,
        ctx.sessionmaker,
        ctx.clock,
        dialogue=dialogue,
        webhook=None if webhook is None else {**webhook, "path": webhook["path"]},
        poll_timeout=poll_timeout,
    )
    try:
        if not await start_channel(channel, settings, own_server=True):
            return 1
        while not stop.is_set():
            if channel.failure is not None:
                print(refused_token_line(settings), file=sys.stderr, flush=True)
                return 1
            now = ctx.now()
            if reminder_time_reached(ctx, now):
                try:
                    async with ctx.session() as session:
                        await run_reminder_pass(
                            session,
                            now=now,
                            tz=settings.tz,
                            rules=rules_of(ctx),
                            queued=channel.sender.wake,
                        )
                    channel.sender.wake()
                except Exception:
                    log.exception("The reminder pass failed; trying again shortly")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=REMINDER_CHECK_EVERY)
        return 0
    finally:
        await channel.stop()
        await engine.dispose()
