"""The reminder pass's writes: one reminder-log row and one outbox message per member, local
day and kind, whatever the number of passes running at once."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.actions import keyboard_to_json
from bot.services.outbox import NewMessage, enqueue, insert_ignoring_conflicts
from bot.services.reminders.plan import PassResult, PlannedReminder, plan_reminders
from bot.services.reminders.rules import ReminderRules
from models import ReminderLog


async def enqueue_reminders(
    session: AsyncSession, planned: list[PlannedReminder], *, now: datetime
) -> int:
    """Logs and enqueues each reminder unless this member already had that kind today.

    The unique (member, day, kind) of the reminder log is the gate: of two passes at once, on
    one database, only one inserts the log row and its outbox message.
    """
    if not planned:
        return 0
    logged = await session.execute(
        insert_ignoring_conflicts(session, ReminderLog).returning(
            ReminderLog.id, ReminderLog.member_id, ReminderLog.kind
        ),
        [
            {
                "member_id": p.member_id,
                "day": p.day,
                "kind": p.kind.value,
                "task_ids": p.task_ids,
                "created_at": now,
            }
            for p in planned
        ],
    )
    new_logs = {(member_id, kind): log_id for log_id, member_id, kind in logged.all()}
    fresh = [p for p in planned if (p.member_id, p.kind.value) in new_logs]
    # Digests of the same tasks share their keyboard: stored once as JSON, the same rows.
    stored: dict[int, list[list[dict[str, Any]]]] = {}

    def buttons(p: PlannedReminder) -> list[list[dict[str, Any]]] | None:
        if not p.buttons:
            return None
        key = id(p.buttons)
        if key not in stored:
            stored[key] = keyboard_to_json(p.buttons)
        return stored[key]

    ids = await enqueue(
        session,
        [
            NewMessage(p.dedupe_key, p.kind.value, p.chat_id, p.text, p.member_id, buttons(p))
            for p in fresh
        ],
        now=now,
    )
    if ids:
        await session.execute(
            update(ReminderLog),
            [
                {"id": new_logs[(p.member_id, p.kind.value)], "outbox_id": ids[p.dedupe_key]}
                for p in fresh
                if p.dedupe_key in ids
            ],
        )
    await session.commit()
    return len(fresh)


async def run_reminder_pass(
    session: AsyncSession, *, now: datetime, tz: ZoneInfo, rules: ReminderRules
) -> PassResult:
    result = await plan_reminders(session, now=now, tz=tz, rules=rules)
    result.enqueued = await enqueue_reminders(session, result.planned, now=now)
    return result
