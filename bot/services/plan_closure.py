"""Closing a year's plan: until the officer does, its open tasks stay overdue (in /tasks, the
digests and the weekly summary), also across the new year; closing says what stays unfinished."""

from __future__ import annotations

import enum
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from models import Member, Plan, Task, TaskAudience, TaskReport, Unit


@dataclass(frozen=True)
class UnfinishedUnit:
    unit_id: int
    code: str
    name: str
    open_tasks: int


@dataclass
class YearSummary:
    """What a year's plans leave unfinished: per unit, the tasks concerning it not done."""

    year: int
    tasks: int
    units: list[UnfinishedUnit]
    closed_at: datetime | None

    @property
    def open_total(self) -> int:
        return sum(unit.open_tasks for unit in self.units)


class CloseOutcome(enum.StrEnum):
    CLOSED = "closed"
    ALREADY_CLOSED = "already-closed"
    NO_PLAN = "no-plan"
    NOT_OVER = "not-over"


@dataclass
class CloseResult:
    outcome: CloseOutcome
    summary: YearSummary | None = None


async def closable_years(session: AsyncSession, today: date) -> list[int]:
    """Past years with a plan not closed yet, oldest first."""
    return list(
        await session.scalars(
            select(Plan.year)
            .where(Plan.closed_at.is_(None), Plan.year < today.year)
            .distinct()
            .order_by(Plan.year)
        )
    )


async def year_summary(session: AsyncSession, year: int) -> YearSummary | None:
    """The unfinished tasks of `year`'s plans per active unit; None when it has no plan."""
    plans = list(await session.scalars(select(Plan).where(Plan.year == year)))
    if not plans:
        return None
    plan_ids = [plan.id for plan in plans]
    closed = [plan.closed_at for plan in plans]
    closed_at = None if any(at is None for at in closed) else max(at for at in closed if at)
    task_ids = list(await session.scalars(select(Task.id).where(Task.plan_id.in_(plan_ids))))
    audience: dict[int, list[TaskAudience]] = defaultdict(list)
    for row in await session.scalars(
        select(TaskAudience)
        .join(Task, Task.id == TaskAudience.task_id)
        .where(Task.plan_id.in_(plan_ids))
    ):
        audience[row.task_id].append(row)
    done = set(
        (
            await session.execute(
                select(TaskReport.task_id, TaskReport.unit_id)
                .join(Task, Task.id == TaskReport.task_id)
                .where(Task.plan_id.in_(plan_ids), TaskReport.done.is_(True))
            )
        ).all()
    )
    units = (
        await session.execute(
            select(Unit.id, Unit.code, Unit.name, Unit.cluster_id).where(Unit.active.is_(True))
        )
    ).all()
    open_tasks: Counter[int] = Counter()
    for unit in units:
        for task_id in task_ids:
            rows = audience.get(task_id)
            concerns = not rows or any(
                row.unit_id == unit.id
                or (row.cluster_id is not None and row.cluster_id == unit.cluster_id)
                for row in rows
            )
            if concerns and (task_id, unit.id) not in done:
                open_tasks[unit.id] += 1
    unfinished = sorted(
        (
            UnfinishedUnit(unit.id, unit.code, unit.name, open_tasks[unit.id])
            for unit in units
            if open_tasks[unit.id]
        ),
        key=lambda unit: (-unit.open_tasks, unit.name, unit.code),
    )
    return YearSummary(year, len(task_ids), unfinished, closed_at)


async def close_year(
    session: AsyncSession,
    year: int,
    *,
    today: date,
    now: datetime,
    member: Member | None = None,
) -> CloseResult:
    """Closes every plan of `year` (a year that is over): its open tasks stop being overdue.
    The summary is taken just before, so it says what stays unfinished."""
    summary = await year_summary(session, year)
    if summary is None:
        return CloseResult(CloseOutcome.NO_PLAN)
    if summary.closed_at is not None:
        return CloseResult(CloseOutcome.ALREADY_CLOSED, summary)
    if year >= today.year:
        return CloseResult(CloseOutcome.NOT_OVER, summary)
    closed = await session.execute(
        update(Plan)
        .where(Plan.year == year, Plan.closed_at.is_(None))
        .values(closed_at=now)
        .returning(Plan.id)
    )
    for plan_id in closed.scalars():
        audit.record(
            session,
            at=now,
            action="close-plan",
            entity="plan",
            entity_id=plan_id,
            member=member,
            details={
                "year": year,
                "units_unfinished": len(summary.units),
                "open_tasks": summary.open_total,
            },
        )
    await session.commit()
    summary.closed_at = now
    return CloseResult(CloseOutcome.CLOSED, summary)
