"""Builds the Application: one place that wires settings, database, clock and handlers."""

from __future__ import annotations

import logging
import math
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults

from bot.core.clock import Clock, SystemClock
from bot.core.config import Settings
from bot.core.context import AppContext
from bot.core.db import make_engine, make_sessionmaker
from bot.core.i18n import set_default_language
from bot.runtime.aiohttp_request import AiohttpRequest
from bot.runtime.broadcast_monitor import BroadcastMonitor
from bot.runtime.context import Runtime, attach, runtime_of
from bot.runtime.errors import on_error
from bot.runtime.outbox_sender import OutboxSender
from bot.runtime.reminder_jobs import schedule_reminders
from bot.runtime.send_budget import BudgetedRequest, SendBudget, bulk_bot
from bot.runtime.update_order import PerUserOrder
from bot.services.awards import seed_catalogue
from bot.services.members import active_officers, restore_configured_officers
from handlers import callbacks, register_all
from handlers.common import BotContext
from handlers.menu import publish_default_commands, publish_member_commands

log = logging.getLogger(__name__)

ALLOWED_UPDATES = Update.ALL_TYPES


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    rate_limit: bool = True,
    background: bool = True,
) -> Application:  # type: ignore[type-arg]
    """The bot, ready for `initialize()`/`start()` (tests) or `run_polling()` (the CLI).

    With `background`, post_init starts the outbox sender and schedules the reminder jobs.
    """
    set_default_language(settings.language)
    builder = (
        ApplicationBuilder()
        .token(settings.require_token())
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
        .context_types(ContextTypes(context=BotContext))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        # Different users' updates side by side, each user's in order (bot/runtime/intake.py
        # confirms to Telegram only the updates handled).
        .concurrent_updates(PerUserOrder(settings.concurrent_updates))
    )
    if rate_limit:
        # The overall rate is the send budget's (messages only, shared with the outbox); the
        # library's limiter keeps its limits per group and its retries after a 429. The
        # builder's type parameters would need the rate limiter's from the start.
        builder = builder.rate_limiter(
            AIORateLimiter(overall_max_rate=0, max_retries=3)  # type: ignore[arg-type]
        )
    # One budget of messages a second for replies and the outbox; replies go first.
    budget = SendBudget(settings.send_per_second)
    # Replies and getUpdates each get their own pool, as python-telegram-bot requires.
    builder = builder.request(BudgetedRequest(AiohttpRequest(), budget))
    builder = builder.get_updates_request(AiohttpRequest(connections=1))
    application = builder.build()
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.db_busy_timeout_ms)
    ctx = AppContext(
        settings=settings,
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        clock=clock or SystemClock(),
    )
    # The sender has its own Bot and connection pool, so that long broadcasts never hold up
    # replies, and no client-side rate limiter that would swallow its 429s. Its messages are
    # the budget's bulk sends.
    sender = OutboxSender(
        bulk_bot(settings, budget),
        ctx.sessionmaker,
        ctx.clock,
        # Its own limiter keeps one message a second per chat; the overall rate is the budget's.
        per_second=math.inf,
        markup=callbacks.markup,
    )
    sender.after_batch = BroadcastMonitor(sender.bot, ctx.sessionmaker, ctx.clock)
    attach(
        application,
        Runtime(ctx=ctx, outbox_sender=sender, background=background, send_budget=budget),
    )
    register_all(application)
    application.add_error_handler(on_error)
    return application


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    runtime = runtime_of(application)
    ctx = runtime.ctx
    await publish_default_commands(application.bot, ctx.settings.language)
    async with ctx.session() as session:
        # The configured officers are authoritative: whatever was done from Telegram, each
        # start makes them active officers again.
        restored = await restore_configured_officers(
            session, ctx.settings.officer_ids, now=ctx.now()
        )
        if restored:
            log.warning("Restored %d officer(s) of TDKT_OFFICER_IDS to active officers", restored)
        await seed_catalogue(session, ctx.settings.level)
        officers = await active_officers(session)
    for officer in officers:
        await publish_member_commands(application.bot, officer)
    sender = runtime.outbox_sender
    await sender.bot.initialize()
    if runtime.background:
        sender.start()
        schedule_reminders(application)
    log.info("tdkt-bot started as @%s", application.bot.username)


async def _post_stop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await runtime_of(application).outbox_sender.stop()


async def _post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    runtime = runtime_of(application)
    sender = runtime.outbox_sender
    await sender.stop()
    await sender.bot.shutdown()
    await runtime.ctx.engine.dispose()
