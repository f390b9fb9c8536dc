"""The reminder pass's writes: one reminder-log row and one outbox message per member, local
day and kind, whatever the number of passes running at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.actions import keyboard_to_json
from bot.services.outbox import NewMessage, enqueue, insert_ignoring_conflicts
from bot.services.reminders.plan import (
    PassResult,
    PlannedReminder,
    collector_paused,
    read_inputs,
    reminders,
)
from bot.services.reminders.rules import ReminderRules
from models import ReminderLog

# Reminders rendered, logged, queued and committed at a time by the daily pass (and units
# whose shared lists are kept while rendering): at national scale, 15,000 digests, the pass
# holds a fifteenth of them at once.
PASS_BATCH = 1000


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
    session: AsyncSession,
    *,
    now: datetime,
    tz: ZoneInfo,
    rules: ReminderRules,
    batch: int = PASS_BATCH,
    queued: Callable[[], None] | None = None,
) -> PassResult:
    """Plans today's reminders and queues them `batch` at a time, each batch committed.

    Everything is read first, with the pass's fixed statements; then the reminders are
    rendered and queued a batch after the other, so the texts the pass holds do not grow
    with the number of units (what it read does: about a kilobyte a unit, the directory and
    the done masks). The reminder log is the gate of every batch: a pass that stopped
    halfway (a crash, a restart) is run again the same day and queues the rest, nothing
    twice; two passes at once queue each reminder once. The result keeps no reminders,
    only their number. `queued` is called after each batch that queued some (the sender
    can start on the first batch while the next ones are rendered).
    """
    with collector_paused():
        inputs = await read_inputs(session, now=now, tz=tz, rules=rules)
    if inputs is None:
        return PassResult(day=now.astimezone(tz).date())
    result = PassResult(day=inputs.today)
    planned = reminders(inputs, batch=batch)
    while True:
        with collector_paused():
            chunk = list(islice(planned, batch))
        if not chunk:
            break
        result.count += len(chunk)
        fresh = await enqueue_reminders(session, chunk, now=now)
        result.enqueued += fresh
        if fresh and queued is not None:
            queued()
        del chunk  # before the next batch is rendered: one batch alive at a time
    # The reads' transaction when there was nothing to queue.
    await session.commit()
    return result
