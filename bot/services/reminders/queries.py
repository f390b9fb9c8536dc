"""The SQL of the reminder pass: a fixed number of queries whatever the number of units (the
directory, the tasks in reach, the done reports as one bit mask per unit, the nominations
waiting for review).

The big ones (units, members, done masks) are Core statements run on the session's
connection, with no ORM loading and no type processing the pass does not need: their rows
come back as the driver gives them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Row, String, case, func, literal, select, type_coerce
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

# (id, name, cluster_id) of an active unit.
UnitRow = tuple[int, str, int | None]
# (id, telegram_id, full_name, language, role, unit_id) of a reachable member.
MemberRow = tuple[int, int | None, str, str, str, int | None]
# (id, name, leader_unit_id) of a cluster.
ClusterRow = tuple[int, str, int | None]
# (unit_id, cluster_id) of a task's audience row: the task concerns that unit or cluster.
AudienceRow = tuple[int | None, int | None]
# Done reports come back as one bit mask per unit, in integers of this many bits.
MASK_BITS = 60


@dataclass
class Directory:
    units: dict[int, UnitRow]
    members_by_unit: dict[int, list[MemberRow]]
    officers: list[MemberRow]
    clusters: dict[int, ClusterRow]


async def load_directory(session: AsyncSession) -> Directory:
    connection = await session.connection()
    units: dict[int, UnitRow] = {
        row[0]: row
        for row in (
            await connection.execute(
                select(Unit.id, Unit.name, Unit.cluster_id).where(Unit.active.is_(True))
            )
        )
        .tuples()
        .all()
    }
    members: list[MemberRow] = list(
        (
            await connection.execute(
                select(
                    Member.id,
                    Member.telegram_id,
                    Member.full_name,
                    Member.language,
                    # The role as stored: compared with the roles' values, no enum made a row.
                    type_coerce(Member.role, String()),
                    Member.unit_id,
                )
                .where(Member.active.is_(True), Member.reachable.is_(True))
                .order_by(Member.id)
            )
        )
        .tuples()
        .all()
    )
    by_unit: dict[int, list[MemberRow]] = defaultdict(list)
    officers: list[MemberRow] = []
    for member in members:
        role, unit_id = member[4], member[5]
        # An officer invited for a unit is not its head: unit messages go to heads only.
        if role in HEAD_ROLES and unit_id in units:
            by_unit[unit_id].append(member)
        if role in OFFICER_ROLES:
            officers.append(member)
    clusters: dict[int, ClusterRow] = {
        row[0]: row
        for row in (
            await connection.execute(select(Cluster.id, Cluster.name, Cluster.leader_unit_id))
        )
        .tuples()
        .all()
    }
    return Directory(units, by_unit, officers, clusters)


async def load_tasks(
    session: AsyncSession, last: date
) -> tuple[list[DueTask], dict[int, list[AudienceRow]]]:
    """The tasks due up to `last` of the plans not closed: an open task stays overdue until
    the officer closes its plan's year, also across the new year."""
    connection = await session.connection()
    rows = await connection.execute(
        select(Task.id, Task.title, Task.deadline, Task.quarter, Plan.year, Task.year_round)
        .join(Plan, Plan.id == Task.plan_id)
        .where(Plan.closed_at.is_(None), Task.deadline <= last)
        .order_by(Task.deadline, Task.quarter, Task.position, Task.id)
    )
    tasks = [DueTask(*row) for row in rows.all()]
    audience: dict[int, list[AudienceRow]] = defaultdict(list)
    if tasks:
        for task_id, unit_id, cluster_id in (
            (
                await connection.execute(
                    select(
                        TaskAudience.task_id, TaskAudience.unit_id, TaskAudience.cluster_id
                    ).where(TaskAudience.task_id.in_([t.task_id for t in tasks]))
                )
            )
            .tuples()
            .all()
        ):
            audience[task_id].append((unit_id, cluster_id))
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
    # PostgreSQL ORs the bits as a bigint; elsewhere, as a unit reports a task at most once,
    # a sum of distinct bits is their union (PostgreSQL's sum of bigints would be a numeric).
    union = func.bit_or if session.get_bind().dialect.name == "postgresql" else func.sum
    columns = [
        union(one.op("<<")(offset.self_group()))
        if len(windows) == 1
        else union(
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
    connection = await session.connection()
    rows = await connection.execute(
        select(TaskReport.unit_id, *columns)
        .where(TaskReport.done.is_(True), TaskReport.task_id.in_(task_ids))
        .group_by(TaskReport.unit_id)
    )
    if len(windows) == 1 and windows[0] == 0:
        return {unit_id: mask or 0 for unit_id, mask in rows.tuples().all()}
    masks: dict[int, int] = {}
    for unit_id, *sums in rows.tuples().all():
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
