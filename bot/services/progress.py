"""Progress figures for officers: per quarter and task how many units are done, completion
per cluster, who lags, and the units × tasks matrix behind the exports."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.services.plans import current_plan
from models import Cluster, Member, Plan, Task, TaskAudience, TaskReport, TaskReportNote, Unit

DEFAULT_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# The largest id an integer column holds (PostgreSQL's int4): larger ones name nothing.
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class TaskProgress:
    task_id: int
    title: str
    deadline: date
    done: int
    total: int
    notes: int = 0  # notes and files the units added to their reports
    responsible: str | None = None


@dataclass(frozen=True)
class ReportNote:
    """One note and/or file on a unit's report, as the officer reads it."""

    id: int
    at: datetime
    author: str
    note: str | None
    file_name: str | None
    has_file: bool


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
    # The quarter asked for (None: all): the lagging units count only its overdue tasks.
    quarter: int | None = None
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
    # (task id, unit id) → the report's notes and files, oldest first
    notes: dict[tuple[int, int], list[ReportNote]] = field(default_factory=dict)

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
    notes = await _report_notes(session, Task.plan_id == plan.id)
    return _PlanData(plan, units, cluster_names, tasks, audience, done_on, notes)


async def _report_notes(
    session: AsyncSession, *where: ColumnElement[bool]
) -> dict[tuple[int, int], list[ReportNote]]:
    """The notes and files of the reports matching `where`, by (task id, unit id), in order."""
    rows = await session.execute(
        select(TaskReportNote, TaskReport.task_id, TaskReport.unit_id, Member.full_name)
        .join(TaskReport, TaskReport.id == TaskReportNote.report_id)
        .join(Task, Task.id == TaskReport.task_id)
        .outerjoin(Member, Member.id == TaskReportNote.member_id)
        .where(*where)
        .order_by(TaskReportNote.at, TaskReportNote.id)
    )
    notes: dict[tuple[int, int], list[ReportNote]] = defaultdict(list)
    for entry, task_id, unit_id, author in rows.all():
        notes[(task_id, unit_id)].append(
            ReportNote(
                entry.id,
                entry.at,
                author or "",
                entry.note,
                entry.file_name,
                entry.file_id is not None,
            )
        )
    return dict(notes)


async def plan_progress(
    session: AsyncSession,
    today: date,
    quarter: int | None = None,
    tz: ZoneInfo = DEFAULT_TZ,
) -> ProgressReport:
    plan = await current_plan(session, today)
    report = ProgressReport(plan=plan, today=today, quarter=quarter)
    if plan is None:
        return report
    data = await _plan_data(session, plan, tz)
    report.units_total = len(data.units)
    overdue: Counter[int] = Counter()
    per_cluster: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for task in data.tasks:
        concerned = [unit for unit in data.units if data.concerns(task, unit)]
        done = [unit for unit in concerned if (task.id, unit.id) in data.done_on]
        asked = quarter is None or task.quarter == quarter
        if asked:
            report.quarters.setdefault(task.quarter, []).append(
                TaskProgress(
                    task.id,
                    task.title,
                    task.deadline,
                    len(done),
                    len(concerned),
                    sum(len(data.notes.get((task.id, unit.id), ())) for unit in data.units),
                    task.responsible,
                )
            )
            for unit in concerned:
                cell = per_cluster[task.quarter][data.cluster_of(unit)]
                cell[1] += 1
                cell[0] += (task.id, unit.id) in data.done_on
        if asked and task.deadline < today:
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
    # (unit id, task id) → the notes and files of that unit's report, oldest first
    notes: dict[tuple[int, int], list[ReportNote]] = field(default_factory=dict)


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
        notes = {
            (unit.id, task.id): data.notes[(task.id, unit.id)]
            for task in tasks
            for unit, _cluster in rows
            if (task.id, unit.id) in data.notes
        }
        matrix.quarters.append(QuarterMatrix(quarter, tasks, rows, cells, notes))
    return matrix


@dataclass(frozen=True)
class UnitReport:
    unit_id: int
    name: str
    cluster: str
    concerned: bool
    done_on: date | None
    notes: list[ReportNote]


@dataclass
class TaskReports:
    """One task's reports for the officer: each unit concerned, done or not, with its notes."""

    task: Task
    year: int
    units: list[UnitReport]

    @property
    def done(self) -> int:
        return sum(1 for unit in self.units if unit.concerned and unit.done_on is not None)

    @property
    def total(self) -> int:
        return sum(1 for unit in self.units if unit.concerned)


async def task_reports(session: AsyncSession, task_id: int, tz: ZoneInfo) -> TaskReports | None:
    """The reports on one task, unit by unit (units concerned, and any other unit that
    reported), with every note and file; None when there is no such task."""
    if not 0 < task_id <= MAX_ID:
        return None
    task = await session.get(Task, task_id)
    if task is None:
        return None
    plan = await session.get(Plan, task.plan_id)
    assert plan is not None
    audience = list(
        await session.scalars(select(TaskAudience).where(TaskAudience.task_id == task.id))
    )
    reports = {
        report.unit_id: report
        for report in await session.scalars(
            select(TaskReport).where(TaskReport.task_id == task.id)
        )
    }
    notes = await _report_notes(session, TaskReport.task_id == task.id)
    cluster_names = {c.id: c.name for c in await session.scalars(select(Cluster))}
    units = await session.scalars(
        select(Unit)
        .where(or_(Unit.active.is_(True), Unit.id.in_(list(reports))))
        .order_by(Unit.name)
    )
    lines = []
    for unit in units:
        concerned = unit.active and (
            not audience
            or any(
                row.unit_id == unit.id
                or (row.cluster_id is not None and row.cluster_id == unit.cluster_id)
                for row in audience
            )
        )
        report = reports.get(unit.id)
        done_on = (
            report.done_at.astimezone(tz).date()
            if report is not None and report.done and report.done_at is not None
            else None
        )
        unit_notes = notes.get((task.id, unit.id), [])
        if not concerned and done_on is None and not unit_notes:
            continue
        lines.append(
            UnitReport(
                unit.id,
                unit.name,
                cluster_names.get(unit.cluster_id or 0, ""),
                concerned,
                done_on,
                unit_notes,
            )
        )
    lines.sort(key=lambda line: (line.cluster, line.name))
    return TaskReports(task, plan.year, lines)


@dataclass(frozen=True)
class NoteFile:
    file_id: str
    file_name: str | None
    task_id: int
    unit_name: str


async def report_note_file(session: AsyncSession, note_id: int) -> NoteFile | None:
    """The file of one report note (with its task and unit), if it has one."""
    if not 0 < note_id <= MAX_ID:
        return None
    row = (
        await session.execute(
            select(TaskReportNote.file_id, TaskReportNote.file_name, TaskReport.task_id, Unit.name)
            .join(TaskReport, TaskReport.id == TaskReportNote.report_id)
            .join(Unit, Unit.id == TaskReport.unit_id)
            .where(TaskReportNote.id == note_id)
        )
    ).first()
    if row is None or row[0] is None:
        return None
    return NoteFile(*row)
