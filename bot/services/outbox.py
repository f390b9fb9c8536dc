"""The persistent outbox: enqueue once (by key), claim due messages, record how sending went.

Several processes may drain one database: claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL
(SQLite has a single writer, so the claiming UPDATE is atomic there anyway).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from models import Member, OutboxMessage, OutboxStatus

# A claim older than this is taken to belong to a process that died; its message is retried.
CLAIM_LEASE = timedelta(minutes=5)
# Transient failures (network errors, 5xx) are retried for as long as they last: a Telegram
# outage of an hour must not lose the day's reminders. The wait doubles from 2 s up to this.
MAX_BACKOFF = timedelta(minutes=5)

Buttons = list[list[dict[str, Any]]]


@dataclass(frozen=True)
class NewMessage:
    dedupe_key: str
    kind: str
    chat_id: int
    text: str
    member_id: int | None = None
    buttons: Buttons | None = None
    file_kind: str | None = None
    file_id: str | None = None


def insert_ignoring_conflicts(session: AsyncSession, model: type) -> Any:
    """`INSERT ... ON CONFLICT DO NOTHING` for the session's database."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).on_conflict_do_nothing()


async def enqueue(
    session: AsyncSession, messages: Sequence[NewMessage], *, now: datetime
) -> dict[str, int]:
    """Adds the messages whose key is new; returns {dedupe_key: id} of those added."""
    if not messages:
        return {}
    rows = [
        {
            "dedupe_key": m.dedupe_key,
            "kind": m.kind,
            "chat_id": m.chat_id,
            "text": m.text,
            "member_id": m.member_id,
            "buttons": m.buttons,
            "file_kind": m.file_kind,
            "file_id": m.file_id,
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "not_before": now,
            "created_at": now,
        }
        for m in messages
    ]
    statement = insert_ignoring_conflicts(session, OutboxMessage).returning(
        OutboxMessage.id, OutboxMessage.dedupe_key
    )
    result = await session.execute(statement, rows)
    return {key: outbox_id for outbox_id, key in result.all()}


async def claim_due(
    session: AsyncSession, *, now: datetime, worker: str, limit: int
) -> list[OutboxMessage]:
    """Marks up to `limit` due messages as being sent by `worker` and returns them.

    The ids are locked first and updated second, in one transaction: an `UPDATE ... WHERE id
    IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)` may be re-planned by PostgreSQL into
    claiming more than `n` rows.
    """
    ids = list(
        await session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.not_before <= now,
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        await session.commit()
        return []
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SENDING.value, claimed_at=now, claimed_by=worker)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )
    claimed = sorted(result.scalars().all(), key=lambda message: message.id)
    await session.commit()
    return claimed


async def release_stale_claims(session: AsyncSession, *, now: datetime) -> int:
    """Claims older than the lease belong to dead processes: make their messages pending."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_at < now - CLAIM_LEASE,
        )
        .values(status=OutboxStatus.PENDING.value, claimed_at=None, claimed_by=None)
    )
    await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def claiming_workers(session: AsyncSession) -> list[str]:
    """The workers that hold claims on messages being sent."""
    workers = await session.scalars(
        select(OutboxMessage.claimed_by)
        .where(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_by.is_not(None),
        )
        .distinct()
    )
    return [worker for worker in workers if worker]


async def release_claims_of(session: AsyncSession, workers: Sequence[str]) -> int:
    """Makes the messages claimed by `workers` (known to be dead) pending again at once."""
    if not workers:
        return 0
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_by.in_(list(workers)),
        )
        .values(status=OutboxStatus.PENDING.value, claimed_at=None, claimed_by=None)
    )
    await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def release_own_claims(
    session: AsyncSession, message_ids: Sequence[int], *, worker: str
) -> int:
    """Makes messages `worker` claimed but never handed to Telegram pending again at once."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(list(message_ids)),
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_by == worker,
        )
        .values(status=OutboxStatus.PENDING.value, claimed_at=None, claimed_by=None)
    )
    await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _finish(session: AsyncSession, message_id: int, worker: str, **values: Any) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == worker)
        .values(**values)
    )
    await session.commit()


async def mark_sent(
    session: AsyncSession,
    message_id: int,
    *,
    worker: str,
    now: datetime,
    channel_message_id: int | None,
) -> None:
    await _finish(
        session,
        message_id,
        worker,
        status=OutboxStatus.SENT.value,
        sent_at=now,
        channel_message_id=channel_message_id,
        last_error=None,
    )


def retry_backoff(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` transient failures: 2, 4, ... s, capped."""
    # The exponent is bounded so that a message failing for days cannot overflow timedelta.
    return min(timedelta(seconds=2 ** min(attempts, 20)), MAX_BACKOFF)


async def mark_retry(
    session: AsyncSession,
    message: OutboxMessage,
    *,
    worker: str,
    now: datetime,
    error: str,
    delay: timedelta | None = None,
) -> None:
    """Schedules another attempt after a transient failure; such a message never fails.

    Without `delay` the attempt is counted and the wait grows (see `retry_backoff`); `delay`
    (a 429's retry_after) waits that long without counting an attempt. Only permanent errors
    end a message (`mark_failed`, `mark_unreachable`).
    """
    attempts = message.attempts if delay is not None else message.attempts + 1
    wait = delay if delay is not None else retry_backoff(attempts)
    await _finish(
        session,
        message.id,
        worker,
        status=OutboxStatus.PENDING.value,
        attempts=attempts,
        not_before=now + wait,
        claimed_by=None,
        claimed_at=None,
        last_error=error,
    )


async def mark_failed(session: AsyncSession, message_id: int, *, worker: str, error: str) -> None:
    await _finish(session, message_id, worker, status=OutboxStatus.FAILED.value, last_error=error)


async def mark_unreachable(
    session: AsyncSession, message: OutboxMessage, *, worker: str, now: datetime, error: str
) -> Member | None:
    """The member blocked the bot: stop sending to them. Returns the member if newly flagged."""
    await _finish(
        session, message.id, worker, status=OutboxStatus.UNREACHABLE.value, last_error=error
    )
    if message.member_id is None:
        return None
    member = await session.get(Member, message.member_id)
    if member is None or not member.reachable:
        return None
    member.reachable = False
    member.unreachable_since = now
    await session.commit()
    return member


async def status_counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    return {status: int(count) for status, count in rows.all()}
