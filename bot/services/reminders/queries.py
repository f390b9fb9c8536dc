"""The SQL of the reminder pass: a fixed number of queries whatever the number of units (the
directory, the tasks in reach, the done reports as one bit mask per unit, the nominations
waiting for review)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Row, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.reminders.rules import DueTask
from models import (
    HEAD_ROLES,
    OFFICER_ROLES,
    Cluster,
    Member,
    Nomination,
    NominationStatus,
    Plan,
    ReminderKind,
    ReminderLog,
    Task,
    TaskAudience,
    TaskReport,
    Unit,
)

# Rows of the columns the pass needs: loading ORM objects of 15,000 units costs seconds.
UnitRow = Row[Any]
MemberRow = Row[Any]
# Done reports come back as one bit mask per unit, in integers of this many bits.
MASK_BITS = 60


@dataclass
class Directory:
    units: dict[int, UnitRow]
    members_by_unit: dict[int, list[MemberRow]]
    officers: list[MemberRow]
    clusters: dict[int, Cluster]


async def load_directory(session: AsyncSession) -> Directory:
    units = {
        row.id: row
        for row in await session.execute(
            select(Unit.id, Unit.name, Unit.cluster_id).where(Unit.active.is_(True))
        )
    }
    members = (
        await session.execute(
            select(
                Member.id,
                Member.telegram_id,
                Member.full_name,
                Member.language,
                Member.role,
                Member.unit_id,
            )
            .where(Member.active.is_(True), Member.reachable.is_(True))
            .order_by(Member.id)
        )
    ).all()
    by_unit: dict[int, list[MemberRow]] = defaultdict(list)
    for member in members:
        # An officer invited for a unit is not its head: unit messages go to heads only.
        if member.unit_id in units and member.role in HEAD_ROLES:
            by_unit[member.unit_id].append(member)
    officers = [m for m in members if m.role in OFFICER_ROLES]
    clusters = {c.id: c for c in await session.scalars(select(Cluster))}
    return Directory(units, by_unit, officers, clusters)


async def load_tasks(
    session: AsyncSession, last: date
) -> tuple[list[DueTask], dict[int, list[TaskAudience]]]:
    """The tasks due up to `last` of the plans not closed: an open task stays overdue until
    the officer closes its plan's year, also across the new year."""
    rows = await session.execute(
        select(Task.id, Task.title, Task.deadline, Task.quarter, Plan.year, Task.year_round)
        .join(Plan, Plan.id == Task.plan_id)
        .where(Plan.closed_at.is_(None), Task.deadline <= last)
        .order_by(Task.deadline, Task.quarter, Task.position, Task.id)
    )
    tasks = [DueTask(*row) for row in rows.all()]
    audience: dict[int, list[TaskAudience]] = defaultdict(list)
    if tasks:
        for row in await session.scalars(
            select(TaskAudience).where(TaskAudience.task_id.in_([t.task_id for t in tasks]))
        ):
            audience[row.task_id].append(row)
    return tasks, audience


async def done_masks(session: AsyncSession, task_ids: list[int]) -> dict[int, int]:
    """{unit_id: mask}: bit `task_id - min(task_ids)` set when the unit reported it done.

    One aggregate query, one row per unit, however many reports there are. Task ids of a
    plan are consecutive, so the masks are usually one integer column: a column per
    `MASK_BITS` ids in between.
    """
    if not task_ids:
        return {}
    base = min(task_ids)
    windows = sorted({(task_id - base) // MASK_BITS for task_id in task_ids})
    offset = TaskReport.task_id - base
    one = literal(1, BigInteger())
    # A unit reports a task at most once, so a sum of distinct bits is their union.
    columns = [
        func.sum(one.op("<<")(offset.self_group()))
        if len(windows) == 1
        else func.sum(
            case(
                (
                    offset.between(window * MASK_BITS, window * MASK_BITS + MASK_BITS - 1),
                    one.op("<<")((offset - window * MASK_BITS).self_group()),
                ),
                else_=literal(0, BigInteger()),
            )
        )
        for window in windows
    ]
    rows = await session.execute(
        select(TaskReport.unit_id, *columns)
        .where(TaskReport.done.is_(True), TaskReport.task_id.in_(task_ids))
        .group_by(TaskReport.unit_id)
    )
    masks: dict[int, int] = {}
    for unit_id, *sums in rows.all():
        mask = 0
        for window, value in zip(windows, sums, strict=True):
            mask |= int(value or 0) << (MASK_BITS * window)
        masks[unit_id] = mask
    return masks


async def waiting_nominations(session: AsyncSession, now: datetime) -> list[Row[Any]]:
    """(number, nominee_name, submitted_at, unit name) of the nominations waiting for review,
    oldest first."""
    return list(
        (
            await session.execute(
                select(
                    Nomination.number, Nomination.nominee_name, Nomination.submitted_at, Unit.name
                )
                .join(Unit, Unit.id == Nomination.unit_id)
                .where(
                    Nomination.status == NominationStatus.SUBMITTED,
                    Nomination.submitted_at <= now,
                )
                .order_by(Nomination.submitted_at, Nomination.id)
            )
        ).all()
    )


async def previous_submission_digests(session: AsyncSession, today: date) -> dict[int, datetime]:
    """{officer id: when their latest digest of new nominations before today was logged}."""
    return {
        member_id: at
        for member_id, at in (
            await session.execute(
                select(ReminderLog.member_id, func.max(ReminderLog.created_at))
                .where(ReminderLog.kind == ReminderKind.SUBMISSIONS, ReminderLog.day < today)
                .group_by(ReminderLog.member_id)
            )
        ).all()
    }
