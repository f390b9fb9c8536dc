"""Guidance broadcasts: draft, audience, one outbox message per recipient, delivery counts,
acknowledgements and resending to those who have not acknowledged."""

from __future__ import annotations

import enum
import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.actions import keyboard_to_json
from bot.core.i18n import use_language
from bot.services import audit
from bot.services.outbox import NewMessage, enqueue
from bot.services.progress import plan_progress
from bot.texts.broadcasts import ack_keyboard, recipient_text
from models import (
    HEAD_ROLES,
    Audience,
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    Member,
    OutboxMessage,
    OutboxStatus,
    Unit,
)

# Telegram's caption limit is 1,024 characters; the header takes the rest.
CAPTION_LIMIT = 960
TEXT_LIMIT = 3500
# Recipients queued per INSERT when a broadcast is confirmed (all in one transaction).
CONFIRM_SLICE = 1000


class DraftProblem(enum.StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too-long"


async def create_draft(
    session: AsyncSession,
    officer: Member,
    *,
    text: str,
    file_kind: str | None,
    file_id: str | None,
    file_name: str | None,
    now: datetime,
) -> Broadcast | DraftProblem:
    if not text.strip() and file_id is None:
        return DraftProblem.EMPTY
    if len(_visible(text)) > (CAPTION_LIMIT if file_id else TEXT_LIMIT):
        return DraftProblem.TOO_LONG
    broadcast = Broadcast(
        created_by_id=officer.id,
        text=text,
        file_kind=file_kind,
        file_id=file_id,
        file_name=file_name,
        status=BroadcastStatus.DRAFT.value,
        created_at=now,
    )
    session.add(broadcast)
    await session.commit()
    return broadcast


def _visible(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


async def get_broadcast(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id, populate_existing=True)


@dataclass(frozen=True)
class Recipient:
    member_id: int
    telegram_id: int
    language: str
    reachable: bool
    unit_id: int


async def audience_members(
    session: AsyncSession, audience: Audience, args: dict[str, Any], today: date
) -> list[Recipient]:
    """The active members attached to the units the audience names (the columns a broadcast
    needs: at 15,000 recipients, ORM objects of members and units cost tens of megabytes)."""
    query = (
        select(Member.id, Member.telegram_id, Member.language, Member.reachable, Unit.id)
        .join(Unit, Unit.id == Member.unit_id)
        # An officer invited for a unit is not its head: guidance goes to heads only.
        .where(Member.active.is_(True), Member.role.in_(HEAD_ROLES), Unit.active.is_(True))
        .order_by(Unit.name, Member.id)
    )
    if audience is Audience.CLUSTER:
        query = query.where(Unit.cluster_id == int(args["cluster_id"]))
    elif audience is Audience.UNITS:
        query = query.where(Unit.id.in_([int(unit) for unit in args["unit_ids"]]))
    elif audience is Audience.OVERDUE:
        lagging = [unit.unit_id for unit in (await plan_progress(session, today)).lagging]
        query = query.where(Unit.id.in_(lagging))
    return [Recipient(*row) for row in (await session.execute(query)).all()]


async def units_without_recipients(
    session: AsyncSession,
    audience: Audience,
    args: dict[str, Any],
    today: date,
    recipients: list[Recipient],
) -> list[Unit]:
    """The active units the audience names in which nobody would receive the broadcast (no
    one registered, or nobody active), by name: the officer may invite them."""
    query = select(Unit).where(Unit.active.is_(True)).order_by(Unit.name)
    if audience is Audience.CLUSTER:
        query = query.where(Unit.cluster_id == int(args["cluster_id"]))
    elif audience is Audience.UNITS:
        query = query.where(Unit.id.in_([int(unit) for unit in args["unit_ids"]]))
    elif audience is Audience.OVERDUE:
        lagging = [unit.unit_id for unit in (await plan_progress(session, today)).lagging]
        query = query.where(Unit.id.in_(lagging))
    reached = {recipient.unit_id for recipient in recipients}
    return [unit for unit in await session.scalars(query) if unit.id not in reached]


async def set_audience(
    session: AsyncSession, broadcast: Broadcast, audience: Audience, args: dict[str, Any]
) -> None:
    broadcast.audience = audience
    broadcast.audience_args = args
    await session.commit()


async def units_by_codes(session: AsyncSession, codes: list[str]) -> tuple[list[Unit], list[str]]:
    """The units with these codes, and the codes that match no unit."""
    wanted = [code.strip() for code in codes if code.strip()]
    units = list(await session.scalars(select(Unit).where(Unit.code.in_(wanted))))
    found = {unit.code for unit in units}
    return units, [code for code in wanted if code not in found]


async def confirm(
    session: AsyncSession,
    broadcast: Broadcast,
    officer: Member,
    *,
    today: date,
    now: datetime,
    status_chat_id: int,
    status_message_id: int,
) -> int:
    """Queues one copy per recipient (at most once, also when confirmed twice)."""
    claimed = cast(
        CursorResult[Any],
        await session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast.id, Broadcast.status == BroadcastStatus.DRAFT)
            .values(
                status=BroadcastStatus.SENDING.value,
                confirmed_at=now,
                status_chat_id=status_chat_id,
                status_message_id=status_message_id,
            )
        ),
    )
    if claimed.rowcount != 1:
        await session.rollback()
        return 0
    recipients = await audience_members(
        session, Audience(broadcast.audience or Audience.ALL), broadcast.audience_args or {}, today
    )
    texts: dict[str, tuple[str, list[list[dict[str, Any]]]]] = {}
    # In slices, so that the rows being written at any moment stay a few megabytes.
    for start in range(0, len(recipients), CONFIRM_SLICE):
        part = recipients[start : start + CONFIRM_SLICE]
        messages = []
        for recipient in part:
            if not recipient.reachable:
                continue
            if recipient.language not in texts:
                with use_language(recipient.language):
                    texts[recipient.language] = (
                        recipient_text(broadcast.text),
                        keyboard_to_json(ack_keyboard(broadcast.id)),
                    )
            text, buttons = texts[recipient.language]
            messages.append(
                NewMessage(
                    f"broadcast:{broadcast.id}:{recipient.member_id}",
                    "broadcast",
                    recipient.telegram_id,
                    text,
                    recipient.member_id,
                    buttons,
                    broadcast.file_kind,
                    broadcast.file_id,
                )
            )
        ids = await enqueue(session, messages, now=now)
        rows = [
            {
                "broadcast_id": broadcast.id,
                "member_id": recipient.member_id,
                "outbox_id": ids.get(f"broadcast:{broadcast.id}:{recipient.member_id}"),
                "resent": 0,
            }
            for recipient in part
        ]
        if rows:
            # A declarative class's __table__ is a Table; SQLAlchemy types it as FromClause.
            table = cast(Table, BroadcastRecipient.__table__)
            await session.execute(table.insert(), rows)
    audit.record(
        session,
        at=now,
        action="send-broadcast",
        entity="broadcast",
        entity_id=broadcast.id,
        member=officer,
        details={
            "audience": broadcast.audience,
            "args": broadcast.audience_args,
            "recipients": len(recipients),
        },
    )
    await session.commit()
    return len(recipients)


@dataclass
class DeliveryCounts:
    total: int = 0
    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    pending: int = 0
    acknowledged: int = 0
    # Delivered copies by channel ("telegram", "zalo"), for the report.
    sent_by_channel: dict[str, int] = field(default_factory=dict)


async def delivery_counts(session: AsyncSession, broadcast_id: int) -> DeliveryCounts:
    rows = await session.execute(
        select(
            OutboxMessage.status,
            OutboxMessage.channel,
            func.count(),
            func.count(BroadcastRecipient.acknowledged_at),
        )
        .select_from(BroadcastRecipient)
        .outerjoin(OutboxMessage, OutboxMessage.id == BroadcastRecipient.outbox_id)
        .where(BroadcastRecipient.broadcast_id == broadcast_id)
        .group_by(OutboxMessage.status, OutboxMessage.channel)
    )
    counts = DeliveryCounts()
    for status, channel, number, acknowledged in rows.all():
        counts.total += number
        counts.acknowledged += acknowledged
        if status == OutboxStatus.SENT:
            counts.sent += number
            counts.sent_by_channel[channel] = counts.sent_by_channel.get(channel, 0) + number
        elif status == OutboxStatus.FAILED:
            counts.failed += number
        elif status in (OutboxStatus.UNREACHABLE, None):
            counts.unreachable += number  # None: known to have blocked the bot already
        else:
            counts.pending += number
    return counts


async def not_reached(session: AsyncSession, broadcast_id: int) -> list[tuple[str, str, str]]:
    """(member name, unit name, status) of the recipients the message did not reach."""
    rows = await session.execute(
        select(Member.full_name, Unit.name, OutboxMessage.status)
        .select_from(BroadcastRecipient)
        .join(Member, Member.id == BroadcastRecipient.member_id)
        .outerjoin(Unit, Unit.id == Member.unit_id)
        .outerjoin(OutboxMessage, OutboxMessage.id == BroadcastRecipient.outbox_id)
        .where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            (OutboxMessage.status.is_(None))
            | (OutboxMessage.status.in_((OutboxStatus.FAILED, OutboxStatus.UNREACHABLE))),
        )
        .order_by(Unit.name, Member.full_name)
    )
    return [
        (name, unit or "", status or OutboxStatus.UNREACHABLE.value)
        for name, unit, status in rows.all()
    ]


async def finish_if_done(session: AsyncSession, broadcast_id: int, *, now: datetime) -> bool:
    """Marks a broadcast done once nothing is pending; True for the one caller that did. The
    caller commits, together with the delivery report it queues: a broadcast is never done
    without its report."""
    counts = await delivery_counts(session, broadcast_id)
    if counts.pending:
        return False
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.SENDING)
            .values(status=BroadcastStatus.DONE.value, reported_at=now)
        ),
    )
    return result.rowcount == 1


async def sending_broadcasts(session: AsyncSession) -> list[Broadcast]:
    return list(
        await session.scalars(select(Broadcast).where(Broadcast.status == BroadcastStatus.SENDING))
    )


async def acknowledge(
    session: AsyncSession, member: Member, broadcast_id: int, *, now: datetime
) -> bool:
    """Records the member's 'received' (the first press only); False when not a recipient."""
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(BroadcastRecipient)
            .where(
                BroadcastRecipient.broadcast_id == broadcast_id,
                BroadcastRecipient.member_id == member.id,
                BroadcastRecipient.acknowledged_at.is_(None),
            )
            .values(acknowledged_at=now)
        ),
    )
    if result.rowcount == 1:
        audit.record(
            session,
            at=now,
            action="acknowledge-broadcast",
            entity="broadcast",
            entity_id=broadcast_id,
            member=member,
        )
        await session.commit()
        return True
    recipient = await session.scalar(
        select(BroadcastRecipient.id).where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.member_id == member.id,
        )
    )
    await session.commit()
    return recipient is not None


async def latest_unacknowledged(session: AsyncSession, member_id: int) -> int | None:
    """The latest guidance this member received and has not acknowledged (typed "received")."""
    latest: int | None = await session.scalar(
        select(func.max(BroadcastRecipient.broadcast_id)).where(
            BroadcastRecipient.member_id == member_id,
            BroadcastRecipient.acknowledged_at.is_(None),
        )
    )
    return latest


async def unacknowledged(session: AsyncSession, broadcast_id: int) -> list[tuple[Member, str]]:
    rows = await session.execute(
        select(Member, Unit.name)
        .select_from(BroadcastRecipient)
        .join(Member, Member.id == BroadcastRecipient.member_id)
        .outerjoin(Unit, Unit.id == Member.unit_id)
        .where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.acknowledged_at.is_(None),
        )
        .order_by(Unit.name, Member.full_name)
    )
    return [(member, unit or "") for member, unit in rows.all()]


async def next_resend_round(session: AsyncSession, broadcast_id: int) -> int:
    """The number of the next resend of this broadcast; Resend buttons carry it."""
    last = await session.scalar(
        select(func.max(BroadcastRecipient.resent)).where(
            BroadcastRecipient.broadcast_id == broadcast_id
        )
    )
    return int(last or 0) + 1


@dataclass
class ResendResult:
    queued: int = 0
    # Unacknowledged recipients whose copy is still on its way, or who already have this round.
    on_the_way: int = 0


async def resend_unacknowledged(
    session: AsyncSession,
    officer: Member,
    broadcast: Broadcast,
    *,
    now: datetime,
    round_: int | None = None,
) -> ResendResult:
    """Queues another copy for every reachable recipient who has not acknowledged.

    Idempotent per resend round (the number on the button pressed): pressing it again, from
    another message or another process, queues nothing more. A recipient whose latest copy is
    not sent yet gets no second one; one whose copy failed for good is not tried again.
    """
    latest = await next_resend_round(session, broadcast.id)
    round_ = latest if round_ is None else max(1, min(round_, latest))
    rows = await session.execute(
        select(BroadcastRecipient, Member, OutboxMessage.status)
        .join(Member, Member.id == BroadcastRecipient.member_id)
        .outerjoin(OutboxMessage, OutboxMessage.id == BroadcastRecipient.outbox_id)
        .where(
            BroadcastRecipient.broadcast_id == broadcast.id,
            BroadcastRecipient.acknowledged_at.is_(None),
            Member.active.is_(True),
            Member.reachable.is_(True),
        )
    )
    result = ResendResult()
    wanted: list[tuple[BroadcastRecipient, str]] = []
    messages = []
    for recipient, member, status in rows.all():
        if recipient.resent >= round_ or status in (
            OutboxStatus.PENDING,
            OutboxStatus.SENDING,
        ):
            result.on_the_way += 1
            continue
        if status == OutboxStatus.FAILED:
            continue
        key = f"broadcast:{broadcast.id}:{member.id}:resend:{round_}"
        wanted.append((recipient, key))
        with use_language(member.language):
            messages.append(
                NewMessage(
                    key,
                    "broadcast",
                    member.telegram_id,
                    recipient_text(broadcast.text),
                    member.id,
                    keyboard_to_json(ack_keyboard(broadcast.id)),
                    broadcast.file_kind,
                    broadcast.file_id,
                )
            )
    ids = await enqueue(session, messages, now=now)
    for recipient, key in wanted:
        if key not in ids:  # queued meanwhile by another press of the same round
            result.on_the_way += 1
            continue
        recipient.outbox_id = ids[key]
        recipient.resent = round_
        result.queued += 1
    if result.queued:
        broadcast.status = BroadcastStatus.SENDING
        broadcast.reported_at = None
    audit.record(
        session,
        at=now,
        action="resend-broadcast",
        entity="broadcast",
        entity_id=broadcast.id,
        member=officer,
        details={"round": round_, "recipients": result.queued, "on_the_way": result.on_the_way},
    )
    await session.commit()
    return result


async def recent_broadcasts(session: AsyncSession, limit: int = 5) -> list[Broadcast]:
    return list(
        await session.scalars(
            select(Broadcast)
            .where(Broadcast.status.in_((BroadcastStatus.SENDING, BroadcastStatus.DONE)))
            .order_by(Broadcast.id.desc())
            .limit(limit)
        )
    )


async def cancel_draft(
    session: AsyncSession, officer: Member, broadcast: Broadcast, *, now: datetime
) -> bool:
    """Drops a draft nothing was sent of; False when it was sent or cancelled meanwhile."""
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast.id, Broadcast.status == BroadcastStatus.DRAFT)
            .values(status=BroadcastStatus.CANCELLED.value)
        ),
    )
    if result.rowcount != 1:
        return False
    audit.record(
        session,
        at=now,
        action="cancel-broadcast",
        entity="broadcast",
        entity_id=broadcast.id,
        member=officer,
        details={"before": BroadcastStatus.DRAFT.value, "after": BroadcastStatus.CANCELLED.value},
    )
    await session.commit()
    return True
