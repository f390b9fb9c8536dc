"""Schedules the daily reminder pass on the JobQueue and runs it; catch-up at start-up.

Jobs live in memory, so nothing is remembered there: the pass itself is idempotent per
member, day and kind (see bot.services.reminders), so running it at start-up and at the
reminder time can never send anything twice.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from telegram.ext import Application, ContextTypes

from bot.core.context import AppContext
from bot.runtime.context import app_context, wake_sender
from bot.services.nominations import expire_stale_drafts
from bot.services.notices import notify_expired_drafts
from bot.services.reminders import PassResult, ReminderRules, plan_reminders, run_reminder_pass

log = logging.getLogger(__name__)

DAILY_JOB = "reminder-pass:daily"
CATCH_UP_JOB = "reminder-pass:catch-up"
EXPIRY_JOB = "nomination-drafts:expiry"


def rules_of(ctx: AppContext) -> ReminderRules:
    settings = ctx.settings
    return ReminderRules(
        windows=settings.reminder_windows,
        overdue_every_days=settings.overdue_every_days,
        working_days_only=settings.working_days_only,
    )


def reminder_time_reached(ctx: AppContext, now: datetime) -> bool:
    return now.astimezone(ctx.settings.tz).time() >= ctx.settings.reminder_time


async def reminder_pass(
    application: Application[Any, Any, Any, Any, Any, Any],
    now: datetime | None = None,
    *,
    dry_run: bool = False,
) -> PassResult | None:
    """Plans and enqueues today's reminders (if the reminder time has come) and wakes the
    sender. Returns None before the reminder time."""
    ctx = app_context(application)
    now = now or ctx.now()
    if not reminder_time_reached(ctx, now):
        return None
    async with ctx.session() as session:
        if dry_run:
            return await plan_reminders(session, now=now, tz=ctx.settings.tz, rules=rules_of(ctx))
        result = await run_reminder_pass(
            session,
            now=now,
            tz=ctx.settings.tz,
            rules=rules_of(ctx),
            queued=lambda: wake_sender(application),
        )
    log.info(
        "Reminder pass for %s: %d planned, %d enqueued",
        result.day,
        result.count,
        result.enqueued,
    )
    wake_sender(application)
    return result


async def _reminder_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await reminder_pass(context.application)


async def expire_drafts(
    application: Application[Any, Any, Any, Any, Any, Any], now: datetime | None = None
) -> int:
    """Closes nomination drafts left untouched too long and tells their authors."""
    ctx = app_context(application)
    now = now or ctx.now()
    async with ctx.session() as session:
        expired = await expire_stale_drafts(session, now=now)
        if expired:
            await notify_expired_drafts(
                session, [(item.member, item.draft_id) for item in expired], now=now
            )
    if expired:
        wake_sender(application)
    return len(expired)


async def _expiry_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await expire_drafts(context.application)


def schedule_reminders(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    ctx = app_context(application)
    job_queue = application.job_queue
    assert job_queue is not None, "install python-telegram-bot[job-queue]"
    job_queue.run_daily(
        _reminder_job,
        time=ctx.settings.reminder_time.replace(tzinfo=ctx.settings.tz),
        name=DAILY_JOB,
    )
    job_queue.run_once(_reminder_job, when=0, name=CATCH_UP_JOB)
    job_queue.run_repeating(_expiry_job, interval=60, first=5, name=EXPIRY_JOB)
