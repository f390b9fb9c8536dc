"""Guidance broadcasts without a bot: who the audience reaches, one queued copy per recipient
with its ✅ Received button, acknowledgements, resend rounds and the delivery counts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.actions import keyboard_from_json
from bot.services import broadcasts as service
from models import (
    Audience,
    Broadcast,
    BroadcastRecipient,
    Cluster,
    Member,
    OutboxMessage,
    OutboxStatus,
    Role,
    Unit,
)
from tests.conftest import local, seed_directory_and_plan

NOW = local(2020, 5, 15)
TODAY = NOW.date()


async def _member(
    session: AsyncSession, telegram_id: int, unit_code: str | None, role: Role = Role.HEAD
) -> Member:
    unit = await session.scalar(select(Unit).where(Unit.code == unit_code)) if unit_code else None
    member = Member(
        telegram_id=telegram_id,
        full_name=f"Member {telegram_id}",
        role=role.value,
        unit_id=unit.id if unit else None,
        created_at=NOW,
    )
    session.add(member)
    await session.commit()
    return member


async def _world(session: AsyncSession) -> dict[str, Member]:
    """Heads of four units (two in Tân An), an officer invited for the township."""
    await seed_directory_and_plan(session, NOW)
    people = {
        "va": await _member(session, 601, "TT-VA"),
        "tp": await _member(session, 602, "X-TP"),
        "ta": await _member(session, 603, "X-TA"),
        "ta2": await _member(session, 604, "X-TA"),
        "pgd": await _member(session, 605, "PGD"),
        "officer": await _member(session, 606, "TT-VA", Role.OFFICER),
    }
    return people


async def _draft(session: AsyncSession, officer: Member, text: str = "Nộp báo cáo") -> Broadcast:
    draft = await service.create_draft(
        session, officer, text=text, file_kind=None, file_id=None, file_name=None, now=NOW
    )
    assert isinstance(draft, Broadcast)
    return draft


async def _confirmed(
    session: AsyncSession, officer: Member, audience: Audience, args: dict[str, object]
) -> Broadcast:
    draft = await _draft(session, officer)
    await service.set_audience(session, draft, audience, args)
    total = await service.confirm(
        session, draft, officer, today=TODAY, now=NOW, status_chat_id=1, status_message_id=2
    )
    assert total > 0
    return draft


async def _set_status(
    session: AsyncSession, broadcast_id: int, member: Member, status: str
) -> None:
    outbox_id = await session.scalar(
        select(BroadcastRecipient.outbox_id).where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.member_id == member.id,
        )
    )
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == outbox_id).values(status=status)
    )
    await session.commit()


async def test_audience_by_cluster_and_by_units(session: AsyncSession) -> None:
    people = await _world(session)
    cluster_1 = await session.scalar(select(Cluster).where(Cluster.name == "Cụm thi đua số 1"))
    assert cluster_1 is not None
    in_cluster = await service.audience_members(
        session, Audience.CLUSTER, {"cluster_id": cluster_1.id}, TODAY
    )
    # Heads only: the officer invited for the township is not its head.
    assert {r.member_id for r in in_cluster} == {people["va"].id, people["tp"].id}

    units = list(await session.scalars(select(Unit).where(Unit.code.in_(["X-TA", "PNV"]))))
    args = {"unit_ids": [unit.id for unit in units]}
    chosen = await service.audience_members(session, Audience.UNITS, args, TODAY)
    assert {r.member_id for r in chosen} == {people["ta"].id, people["ta2"].id}
    nobody = await service.units_without_recipients(session, Audience.UNITS, args, TODAY, chosen)
    assert [unit.code for unit in nobody] == ["PNV"]

    everyone = await service.audience_members(session, Audience.ALL, {}, TODAY)
    assert len(everyone) == 5


async def test_one_copy_per_recipient_with_its_acknowledgement_button(
    session: AsyncSession,
) -> None:
    people = await _world(session)
    broadcast = await _confirmed(session, people["officer"], Audience.ALL, {})
    copies = list(
        await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "broadcast")
            .order_by(OutboxMessage.id)
        )
    )
    assert len(copies) == 5
    assert all("Nộp báo cáo" in copy.text for copy in copies)
    keyboard = keyboard_from_json(copies[0].buttons)
    assert [(a.name, a.args) for row in keyboard for a in row] == [
        ("broadcast.ack", (broadcast.id,))
    ]
    # Confirmed twice (two presses, two processes): nothing more is queued.
    again = await service.confirm(
        session,
        broadcast,
        people["officer"],
        today=TODAY,
        now=NOW,
        status_chat_id=1,
        status_message_id=2,
    )
    assert again == 0
    assert len(list(await session.scalars(select(OutboxMessage.id)))) == 5


async def test_acknowledgement_counts_once_and_only_for_recipients(session: AsyncSession) -> None:
    people = await _world(session)
    broadcast = await _confirmed(
        session, people["officer"], Audience.UNITS, {"unit_ids": [people["ta"].unit_id]}
    )
    assert await service.acknowledge(session, people["ta"], broadcast.id, now=NOW)
    assert await service.acknowledge(session, people["ta"], broadcast.id, now=NOW)
    assert not await service.acknowledge(session, people["va"], broadcast.id, now=NOW)
    waiting = await service.unacknowledged(session, broadcast.id)
    assert [member.id for member, _unit in waiting] == [people["ta2"].id]
    counts = await service.delivery_counts(session, broadcast.id)
    assert (counts.total, counts.acknowledged) == (2, 1)


async def test_resend_rounds_reach_only_those_who_have_not_acknowledged(
    session: AsyncSession,
) -> None:
    people = await _world(session)
    officer = people["officer"]
    broadcast = await _confirmed(session, officer, Audience.ALL, {})
    # Nothing sent yet: every copy is still on its way, none is queued twice.
    early = await service.resend_unacknowledged(session, officer, broadcast, now=NOW, round_=1)
    assert (early.queued, early.on_the_way) == (0, 5)

    heads = [people[key] for key in ("va", "tp", "ta", "ta2", "pgd")]
    for head in heads:
        await _set_status(session, broadcast.id, head, OutboxStatus.SENT.value)
    await _set_status(session, broadcast.id, people["pgd"], OutboxStatus.FAILED.value)
    await service.acknowledge(session, people["va"], broadcast.id, now=NOW)

    later = NOW + timedelta(hours=1)
    assert await service.next_resend_round(session, broadcast.id) == 1
    first = await service.resend_unacknowledged(session, officer, broadcast, now=later, round_=1)
    # Not the one who acknowledged, not the one whose copy failed for good.
    assert (first.queued, first.on_the_way) == (3, 0)
    same_round = await service.resend_unacknowledged(
        session, officer, broadcast, now=later, round_=1
    )
    assert same_round.queued == 0
    assert await service.next_resend_round(session, broadcast.id) == 2

    for head in (people["tp"], people["ta"], people["ta2"]):
        await _set_status(session, broadcast.id, head, OutboxStatus.SENT.value)
    await service.acknowledge(session, people["tp"], broadcast.id, now=later)
    second = await service.resend_unacknowledged(session, officer, broadcast, now=later, round_=2)
    assert second.queued == 2
    resent = list(
        await session.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like("%:resend:%"))
        )
    )
    assert len(resent) == 5


async def test_delivery_counts(session: AsyncSession) -> None:
    people = await _world(session)
    broadcast = await _confirmed(session, people["officer"], Audience.ALL, {})
    await _set_status(session, broadcast.id, people["va"], OutboxStatus.SENT.value)
    await _set_status(session, broadcast.id, people["tp"], OutboxStatus.SENT.value)
    await _set_status(session, broadcast.id, people["ta"], OutboxStatus.FAILED.value)
    await _set_status(session, broadcast.id, people["ta2"], OutboxStatus.UNREACHABLE.value)
    await service.acknowledge(session, people["va"], broadcast.id, now=NOW)
    counts = await service.delivery_counts(session, broadcast.id)
    assert (counts.total, counts.sent, counts.failed, counts.unreachable, counts.pending) == (
        5,
        2,
        1,
        1,
        1,
    )
    assert counts.acknowledged == 1
    assert not await service.finish_if_done(session, broadcast.id, now=NOW)
    missed = await service.not_reached(session, broadcast.id)
    assert sorted(status for _name, _unit, status in missed) == ["failed", "unreachable"]

    await _set_status(session, broadcast.id, people["pgd"], OutboxStatus.SENT.value)
    assert await service.finish_if_done(session, broadcast.id, now=NOW)
    await session.commit()
    assert not await service.finish_if_done(session, broadcast.id, now=NOW), "reported once"
