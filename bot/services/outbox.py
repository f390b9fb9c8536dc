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

from models import Channel, ChannelIdentity, Member, OutboxMessage, OutboxStatus

# A claim older than this is taken to belong to a process that died; its message is retried.
CLAIM_LEASE = timedelta(minutes=5)
# Transient failures (network errors, 5xx) are retried for as long as they last: a Telegram
# outage of an hour must not lose the day's reminders. The wait doubles from 2 s up to this.
MAX_BACKOFF = timedelta(minutes=5)

Buttons = list[list[dict[str, Any]]]
ADDRESS_SLICE = 500


@dataclass(frozen=True)
class NewMessage:
    dedupe_key: str
    kind: str
    # Telegram's chat id; a message for a member goes to the channel they are reached on
    # (see `addresses_of`), whatever is given here.
    chat_id: int | None
    text: str
    member_id: int | None = None
    buttons: Buttons | None = None
    file_kind: str | None = None
    file_id: str | None = None


@dataclass(frozen=True)
class Address:
    """Where a member's messages go: Telegram's chat id, or another channel's chat."""

    channel: str
    chat_id: int | None
    chat_ref: str | None = None


async def addresses_of(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, Address]:
    """The address of each of these members on the channel they are reached on.
    Members without an id on their channel are left out."""
    wanted = sorted(set(member_ids))
    rows = []
    # In slices: SQLite limits the parameters of one statement.
    for start in range(0, len(wanted), ADDRESS_SLICE):
        result = await session.execute(
            select(Member.id, Member.channel, Member.telegram_id, ChannelIdentity.external_id)
            .outerjoin(
                ChannelIdentity,
                (ChannelIdentity.member_id == Member.id)
                & (ChannelIdentity.channel == Member.channel),
            )
            .where(Member.id.in_(wanted[start : start + ADDRESS_SLICE]))
        )
        rows.extend(result.all())
    addresses = {}
    for member_id, channel, telegram_id, external_id in rows:
        if channel == Channel.TELEGRAM and telegram_id is not None:
            addresses[member_id] = Address(Channel.TELEGRAM.value, telegram_id)
        elif channel != Channel.TELEGRAM and external_id is not None:
            addresses[member_id] = Address(channel, None, external_id)
    return addresses


async def _reached_elsewhere(session: AsyncSession) -> dict[int, Address | None]:
    """Every member reached on a channel other than Telegram, with their address there (None:
    not yet known on that channel, so nothing can reach them)."""
    result = await session.execute(
        select(Member.id, Member.channel, ChannelIdentity.external_id)
        .outerjoin(
            ChannelIdentity,
            (ChannelIdentity.member_id == Member.id) & (ChannelIdentity.channel == Member.channel),
        )
        .where(Member.channel != Channel.TELEGRAM)
    )
    return {
        member_id: Address(channel, None, external_id) if external_id is not None else None
        for member_id, channel, external_id in result.all()
    }


async def address_of(session: AsyncSession, member: Member) -> Address | None:
    return (await addresses_of(session, [member.id])).get(member.id)


def insert_ignoring_conflicts(session: AsyncSession, model: type) -> Any:
    """`INSERT ... ON CONFLICT DO NOTHING` for the session's database."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).on_conflict_do_nothing()


async def enqueue(
    session: AsyncSession, messages: Sequence[NewMessage], *, now: datetime
) -> dict[str, int]:
    """Adds the messages whose key is new; returns {dedupe_key: id} of those added.

    A message for a member goes to the channel the member is reached on (`addresses_of`): the
    callers keep giving Telegram's chat id, which is replaced for members on other channels.
    A message with no address at all (no chat id, a member unknown on their channel) is
    dropped."""
    if not messages:
        return {}
    # Members reached elsewhere than Telegram, read whole in one statement: a list of the
    # recipients' ids would grow with the units (the morning pass queues one per unit).
    elsewhere = await _reached_elsewhere(session)
    # Telegram ids only for the few messages queued without one.
    lookup = [
        m.member_id
        for m in messages
        if m.chat_id is None and m.member_id is not None and m.member_id not in elsewhere
    ]
    telegram = await addresses_of(session, lookup) if lookup else {}

    def address(m: NewMessage) -> Address | None:
        if m.member_id is not None and m.member_id in elsewhere:
            return elsewhere[m.member_id]
        if m.chat_id is not None:
            return Address(Channel.TELEGRAM.value, m.chat_id)
        return telegram.get(m.member_id) if m.member_id is not None else None

    routed = [(m, a) for m, a in ((m, address(m)) for m in messages) if a is not None]
    if not routed:
        return {}
    rows = [
        {
            "dedupe_key": m.dedupe_key,
            "kind": m.kind,
            "chat_id": a.chat_id,
            "channel": a.channel,
            "chat_ref": a.chat_ref,
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
        for m, a in routed
    ]
    statement = insert_ignoring_conflicts(session, OutboxMessage).returning(
        OutboxMessage.id, OutboxMessage.dedupe_key
    )
    result = await session.execute(statement, rows)
    return {key: outbox_id for outbox_id, key in result.all()}


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    worker: str,
    limit: int,
    channel: str = Channel.TELEGRAM.value,
) -> list[OutboxMessage]:
    """Marks up to `limit` due messages of `channel` as being sent by `worker`; returns them.

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
                OutboxMessage.channel == channel,
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
