"""A unit's task list and its done reports: report, add a note or file, undo the same day."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.services import audit
from bot.services.deadlines import quarter_of
from models import Member, Plan, Task, TaskAudience, TaskReport, TaskReportNote, Unit

MAX_NOTE_LENGTH = 2000
# A photo has no file name; its note is stored under this one (and sent back as a photo).
PHOTO_FILE_NAME = "photo.jpg"


@dataclass(frozen=True)
class TaskLine:
    task_id: int
    quarter: int
    year: int
    title: str
    deadline: date
    done: bool
    done_on: date | None
    can_undo: bool
    responsible: str | None = None

    def days_left(self, today: date) -> int:
        return (self.deadline - today).days


class ReportOutcome(enum.StrEnum):
    DONE = "done"
    NOTE_ADDED = "note-added"
    ALREADY_DONE = "already-done"
    UNDONE = "undone"
    NOT_DONE = "not-done"
    TOO_LATE = "too-late"
    NOT_ALLOWED = "not-allowed"


@dataclass
class ReportResult:
    outcome: ReportOutcome
    task: Task | None = None


def _applies_to_bound() -> ColumnElement[bool]:
    """SQL condition: the task concerns the unit given as the `unit_id` parameter when the
    statement runs (no narrowed audience, or that unit, or its cluster `cluster_id`; a unit with
    no cluster passes NULL, which matches no audience row)."""
    return or_(
        ~exists().where(TaskAudience.task_id == Task.id),
        exists().where(
            TaskAudience.task_id == Task.id,
            or_(
                TaskAudience.unit_id == bindparam("unit_id"),
                TaskAudience.cluster_id == bindparam("cluster_id"),
            ),
        ),
    )


# The statements of a /tasks or a done press are built once: building and keying a select with
# these conditions costs more in Python than SQLite takes to run it.
_UNIT_TASK_LINES = (
    select(
        Task.id,
        Task.quarter,
        Plan.year,
        Task.title,
        Task.deadline,
        TaskReport.done,
        TaskReport.done_at,
        Task.responsible,
    )
    .join(Plan, Plan.id == Task.plan_id)
    .outerjoin(
        TaskReport,
        and_(TaskReport.task_id == Task.id, TaskReport.unit_id == bindparam("unit_id")),
    )
    .where(
        _applies_to_bound(),
        or_(
            # Year-round tasks are listed all year, not only in the quarter they are stored in.
            and_(
                Plan.year == bindparam("year"),
                or_(Task.quarter == bindparam("quarter"), Task.year_round.is_(True)),
            ),
            # Overdue: until the officer closes the plan's year, also across the new year. A
            # task reported done today stays in the list until the day ends, so that its
            # report can still be taken back (↩️) or a note added (📎).
            and_(
                Task.deadline < bindparam("today"),
                Plan.closed_at.is_(None),
                or_(
                    TaskReport.id.is_(None),
                    TaskReport.done.is_(False),
                    TaskReport.done_at >= bindparam("day_start"),
                ),
            ),
        ),
    )
    .order_by(Task.deadline, Task.quarter, Task.position, Task.id)
)
_TASK_FOR_UNIT = select(Task).where(Task.id == bindparam("task_id"), _applies_to_bound())
_UNIT_REPORT = select(TaskReport).where(
    TaskReport.task_id == bindparam("task_id"), TaskReport.unit_id == bindparam("unit_id")
)


async def unit_task_lines(
    session: AsyncSession, unit: Unit, *, now: datetime, tz: ZoneInfo
) -> list[TaskLine]:
    """The current quarter's tasks (done or not), overdue ones of plans not yet closed that are
    open or were reported done today, oldest deadline first."""
    today = now.astimezone(tz).date()
    rows = await session.execute(
        _UNIT_TASK_LINES,
        {
            "unit_id": unit.id,
            "cluster_id": unit.cluster_id,
            "year": today.year,
            "quarter": quarter_of(today),
            "today": today,
            "day_start": datetime.combine(today, time.min, tz),
        },
    )
    lines = []
    for task_id, quarter, year, title, deadline, done, done_at, responsible in rows:
        done_on = done_at.astimezone(tz).date() if done and done_at else None
        lines.append(
            TaskLine(
                task_id=task_id,
                quarter=quarter,
                year=year,
                title=title,
                deadline=deadline,
                done=bool(done),
                done_on=done_on,
                can_undo=done_on == today,
                responsible=responsible,
            )
        )
    return lines


async def reportable_task(session: AsyncSession, member: Member, task_id: int) -> Task | None:
    """The task if this member may report on it for their own unit, else None."""
    if not member.active or member.unit_id is None or member.unit is None:
        return None
    task: Task | None = await session.scalar(
        _TASK_FOR_UNIT,
        {"task_id": task_id, "unit_id": member.unit_id, "cluster_id": member.unit.cluster_id},
    )
    return task


async def _unit_report(session: AsyncSession, task_id: int, unit_id: int) -> TaskReport | None:
    report: TaskReport | None = await session.scalar(
        _UNIT_REPORT, {"task_id": task_id, "unit_id": unit_id}
    )
    return report


async def report_done(
    session: AsyncSession,
    member: Member,
    task_id: int,
    *,
    now: datetime,
    note: str | None = None,
    file_id: str | None = None,
    file_name: str | None = None,
    attach_only: bool = False,
) -> ReportResult:
    """Marks the task done for the member's unit; a note or file on a done task is attached.

    With `attach_only` (a reply to some bot message) nothing is ever marked done: a task this
    unit has not reported yet gives NOT_DONE and nothing is stored. A reply to a reminder
    ("not finished, may we have more time?") must not count as a report.
    """
    task = await reportable_task(session, member, task_id)
    if task is None:
        return ReportResult(ReportOutcome.NOT_ALLOWED)
    assert member.unit_id is not None
    note = (note or "").strip()[:MAX_NOTE_LENGTH] or None
    report = await _unit_report(session, task.id, member.unit_id)
    before = _snapshot(report)
    created = False
    if report is not None and report.done:
        if note is None and file_id is None:
            return ReportResult(ReportOutcome.ALREADY_DONE, task)
        outcome = ReportOutcome.NOTE_ADDED
    elif attach_only:
        return ReportResult(ReportOutcome.NOT_DONE, task)
    else:
        outcome = ReportOutcome.DONE
        created = report is None
        if report is None:
            # Added below, in a savepoint of its own.
            report = TaskReport(task_id=task.id, unit_id=member.unit_id)
        report.done = True
        report.done_at = now
        report.reported_by_id = member.id
    report.updated_at = now
    if created:
        try:
            async with session.begin_nested():
                session.add(report)
                await session.flush()
        except IntegrityError:
            # Another member of the unit reported the task at the same moment (one report a
            # unit and task): theirs stands, and this one is answered as the second.
            if await _unit_report(session, task.id, member.unit_id) is None:
                raise
            return await report_done(
                session,
                member,
                task_id,
                now=now,
                note=note,
                file_id=file_id,
                file_name=file_name,
                attach_only=attach_only,
            )
    await session.flush()
    added = None
    if note is not None or file_id is not None:
        # Every note and file is kept, after the ones before it: none replaces another.
        added = TaskReportNote(
            report_id=report.id,
            at=now,
            member_id=member.id,
            note=note,
            file_id=file_id,
            file_name=(file_name or None) if file_id is not None else None,
        )
        session.add(added)
    audit.record(
        session,
        at=now,
        action="report-done" if outcome is ReportOutcome.DONE else "add-note",
        entity="task_report",
        entity_id=report.id,
        member=member,
        details={
            "task_id": task.id,
            "unit_id": member.unit_id,
            "before": before,
            "after": _snapshot(report),
            **({"note": added.note, "file_name": added.file_name} if added else {}),
        },
    )
    await session.commit()
    return ReportResult(outcome, task)


async def undo_done(
    session: AsyncSession, member: Member, task_id: int, *, now: datetime, tz: ZoneInfo
) -> ReportResult:
    """Takes back a done report; only the same unit, only on the local day it was made."""
    task = await reportable_task(session, member, task_id)
    if task is None:
        return ReportResult(ReportOutcome.NOT_ALLOWED)
    assert member.unit_id is not None
    report = await _unit_report(session, task.id, member.unit_id)
    if report is None or not report.done or report.done_at is None:
        return ReportResult(ReportOutcome.NOT_DONE, task)
    if report.done_at.astimezone(tz).date() != now.astimezone(tz).date():
        return ReportResult(ReportOutcome.TOO_LATE, task)
    before = _snapshot(report)
    report.done = False
    report.done_at = None
    report.reported_by_id = member.id
    report.updated_at = now
    audit.record(
        session,
        at=now,
        action="undo-done",
        entity="task_report",
        entity_id=report.id,
        member=member,
        details={
            "task_id": task.id,
            "unit_id": member.unit_id,
            "before": before,
            "after": _snapshot(report),
        },
    )
    await session.commit()
    return ReportResult(ReportOutcome.UNDONE, task)


def _snapshot(report: TaskReport | None) -> dict[str, object] | None:
    if report is None:
        return None
    return {
        "done": report.done,
        "done_at": report.done_at.isoformat() if report.done_at else None,
    }
