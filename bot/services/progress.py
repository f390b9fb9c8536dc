"""Progress figures for officers: per quarter and task how many units are done, completion
per cluster, who lags, and the units × tasks matrix behind the exports."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.plans import current_plan
from models import Cluster, Plan, Task, TaskAudience, TaskReport, Unit

DEFAULT_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class TaskProgress:
    task_id: int
    title: str
    deadline: date
    done: int
    total: int
    responsible: str | None = None


@dataclass(frozen=True)
class ClusterProgress:
    name: str
    done: int
    total: int

    @property
    def rate(self) -> float:
        return self.done / self.total if self.total else 0.0


@dataclass(frozen=True)
class LaggingUnit:
    unit_id: int
    name: str
    overdue: int


@dataclass
class ProgressReport:
    plan: Plan | None
    today: date
    units_total: int = 0
    quarters: dict[int, list[TaskProgress]] = field(default_factory=dict)
    clusters: dict[int, list[ClusterProgress]] = field(default_factory=dict)
    lagging: list[LaggingUnit] = field(default_factory=list)


@dataclass
class _PlanData:
    plan: Plan
    units: list[Unit]
    cluster_names: dict[int, str]
    tasks: list[Task]
    audience: dict[int, list[TaskAudience]]
    done_on: dict[tuple[int, int], date]

    def concerns(self, task: Task, unit: Unit) -> bool:
        rows = self.audience.get(task.id)
        return not rows or any(
            row.unit_id == unit.id
            or (row.cluster_id is not None and row.cluster_id == unit.cluster_id)
            for row in rows
        )

    def cluster_of(self, unit: Unit) -> str:
        return self.cluster_names.get(unit.cluster_id or 0, "")


async def _plan_data(session: AsyncSession, plan: Plan, tz: ZoneInfo) -> _PlanData:
    """Everything about one plan in five queries, whatever the number of units."""
    units = list(
        await session.scalars(
            select(Unit).where(Unit.active.is_(True)).order_by(Unit.cluster_id, Unit.name)
        )
    )
    cluster_names = {c.id: c.name for c in await session.scalars(select(Cluster))}
    tasks = list(
        await session.scalars(
            select(Task)
            .where(Task.plan_id == plan.id)
            .order_by(Task.quarter, Task.position, Task.id)
        )
    )
    audience: dict[int, list[TaskAudience]] = defaultdict(list)
    for row in await session.scalars(
        select(TaskAudience)
        .join(Task, Task.id == TaskAudience.task_id)
        .where(Task.plan_id == plan.id)
    ):
        audience[row.task_id].append(row)
    done_on = {
        (task_id, unit_id): done_at.astimezone(tz).date()
        for task_id, unit_id, done_at in (
            await session.execute(
                select(TaskReport.task_id, TaskReport.unit_id, TaskReport.done_at)
                .join(Task, Task.id == TaskReport.task_id)
                .where(Task.plan_id == plan.id, TaskReport.done.is_(True))
            )
        ).all()
        if done_at is not None
    }
    return _PlanData(plan, units, cluster_names, tasks, audience, done_on)


async def plan_progress(
    session: AsyncSession,
    today: date,
    quarter: int | None = None,
    tz: ZoneInfo = DEFAULT_TZ,
) -> ProgressReport:
    plan = await current_plan(session, today)
    report = ProgressReport(plan=plan, today=today)
    if plan is None:
        return report
    data = await _plan_data(session, plan, tz)
    report.units_total = len(data.units)
    overdue: Counter[int] = Counter()
    per_cluster: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for task in data.tasks:
        concerned = [unit for unit in data.units if data.concerns(task, unit)]
        done = [unit for unit in concerned if (task.id, unit.id) in data.done_on]
        if quarter is None or task.quarter == quarter:
            report.quarters.setdefault(task.quarter, []).append(
                TaskProgress(
                    task.id,
                    task.title,
                    task.deadline,
                    len(done),
                    len(concerned),
                    task.responsible,
                )
            )
            for unit in concerned:
                cell = per_cluster[task.quarter][data.cluster_of(unit)]
                cell[1] += 1
                cell[0] += (task.id, unit.id) in data.done_on
        if task.deadline < today:
            for unit in concerned:
                if (task.id, unit.id) not in data.done_on:
                    overdue[unit.id] += 1
    report.clusters = {
        q: [ClusterProgress(name, done, total) for name, (done, total) in sorted(rows.items())]
        for q, rows in per_cluster.items()
    }
    names = {unit.id: unit.name for unit in data.units}
    report.lagging = [
        LaggingUnit(unit_id, names[unit_id], count)
        for unit_id, count in sorted(overdue.items(), key=lambda item: (-item[1], names[item[0]]))
    ]
    return report


NOT_CONCERNED = "n/a"


@dataclass
class QuarterMatrix:
    quarter: int
    tasks: list[Task]
    rows: list[tuple[Unit, str]]  # (unit, cluster name)
    # (unit id, task id) → the day it was done, None when open, NOT_CONCERNED otherwise
    cells: dict[tuple[int, int], date | str | None]


@dataclass
class ProgressMatrix:
    plan: Plan | None
    today: date
    quarters: list[QuarterMatrix] = field(default_factory=list)


async def progress_matrix(session: AsyncSession, today: date, tz: ZoneInfo) -> ProgressMatrix:
    """Units × tasks for each quarter of the current plan, for the Excel and Word reports."""
    plan = await current_plan(session, today)
    matrix = ProgressMatrix(plan, today)
    if plan is None:
        return matrix
    data = await _plan_data(session, plan, tz)
    rows = [(unit, data.cluster_of(unit)) for unit in data.units]
    rows.sort(key=lambda row: (row[1], row[0].name))
    for quarter in sorted({task.quarter for task in data.tasks}):
        tasks = [task for task in data.tasks if task.quarter == quarter]
        cells: dict[tuple[int, int], date | str | None] = {}
        for task in tasks:
            for unit, _cluster in rows:
                cells[(unit.id, task.id)] = (
                    data.done_on.get((task.id, unit.id))
                    if data.concerns(task, unit)
                    else NOT_CONCERNED
                )
        matrix.quarters.append(QuarterMatrix(quarter, tasks, rows, cells))
    return matrix
