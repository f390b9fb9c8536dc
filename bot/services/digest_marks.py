"""A daily digest after its ✅ buttons are pressed: the lines of the tasks the unit has reported
done read ✅ and "done on ...", and their buttons are gone. Rebuilt from the digest as it was
sent (kept in the outbox), so every press gives the same text whatever the client shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.actions import RAW, Action, Keyboard, keyboard_from_json
from bot.texts.reminders import mark_done_lines
from models import OutboxMessage, ReminderKind, ReminderLog, TaskReport


@dataclass
class MarkedDigest:
    text: str
    keyboard: Keyboard


async def digest_after_report(
    session: AsyncSession,
    *,
    member_id: int,
    unit_id: int,
    language: str,
    channel_message_id: int,
    tz: ZoneInfo,
) -> MarkedDigest | None:
    """The member's digest sent as `channel_message_id`, with the tasks their unit has reported
    done marked and their buttons dropped; None when that message is no digest of theirs."""
    row = (
        await session.execute(
            select(OutboxMessage.text, OutboxMessage.buttons, ReminderLog.task_ids)
            .join(ReminderLog, ReminderLog.outbox_id == OutboxMessage.id)
            .where(
                ReminderLog.member_id == member_id,
                ReminderLog.kind == ReminderKind.DIGEST,
                OutboxMessage.channel_message_id == channel_message_id,
            )
        )
    ).first()
    if row is None:
        return None
    text, buttons, task_ids = row
    done = {
        task_id: done_at.astimezone(tz).date()
        for task_id, done_at in (
            await session.execute(
                select(TaskReport.task_id, TaskReport.done_at).where(
                    TaskReport.unit_id == unit_id,
                    TaskReport.task_id.in_([int(t) for t in task_ids or []]),
                    TaskReport.done.is_(True),
                )
            )
        ).all()
        if done_at is not None
    }
    rows = [[a for a in row if not _reports(a, done)] for row in keyboard_from_json(buttons)]
    return MarkedDigest(mark_done_lines(text, done, language), [row for row in rows if row])


def _reports(action: Action, done: dict[int, date]) -> bool:
    """Whether this is the ✅ button of a task in `done` (also as queued by older versions,
    with its callback data `rd:ID` stored as it was)."""
    if action.name == "reminder.done":
        return action.args[0] in done
    if action.name == RAW:
        head, _colon, task = str(action.args[0]).partition(":")
        return head == "rd" and task.isdigit() and int(task) in done
    return False
