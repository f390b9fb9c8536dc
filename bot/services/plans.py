"""Stores a parsed plan: idempotent, so importing the same document twice changes nothing."""

from __future__ import annotations

import difflib
import enum
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.deadlines import quarter_end
from bot.services.plan_audience import ProposedAudience
from bot.services.plan_parser import MAX_TASK_TITLE, ParsedPlan, ParsedTask
from models import Cluster, Member, Plan, Task, TaskAudience, Unit


@dataclass
class PlanImportResult:
    plan_id: int
    created_plan: bool
    tasks_created: int
    tasks_unchanged: int
    tasks_updated: int = 0
    # Stored tasks of this plan that the document no longer has: kept, with their reports.
    tasks_not_in_document: int = 0
    # Tasks given the audience proposed from their responsible body (when confirmed).
    tasks_narrowed: int = 0


# A corrected title still names the same task when this much of it is the same.
SIMILAR_TITLE = 0.6


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.casefold(), b.casefold()).ratio()


def _match_tasks(stored: list[Task], parsed: list[ParsedTask]) -> dict[int, Task]:
    """{index in `parsed`: the stored task it is}: in each quarter the same title first, then
    the most similar title (at least SIMILAR_TITLE alike; the nearer position breaks ties)."""
    matched: dict[int, Task] = {}
    free = {task.id: task for task in stored}
    for index, task in enumerate(parsed):
        same = next(
            (t for t in free.values() if t.quarter == task.quarter and t.title == task.title),
            None,
        )
        if same is not None:
            matched[index] = same
            del free[same.id]
    positions: dict[int, int] = {}
    for index, task in enumerate(parsed):
        position = positions[task.quarter] = positions.get(task.quarter, 0) + 1
        if index in matched:
            continue
        candidates = [
            (_similarity(t.title, task.title), -abs(t.position - position), t)
            for t in free.values()
            if t.quarter == task.quarter
        ]
        candidates = [c for c in candidates if c[0] >= SIMILAR_TITLE]
        if candidates:
            best = max(candidates, key=lambda c: (c[0], c[1]))[2]
            matched[index] = best
            del free[best.id]
    return matched


async def import_plan(
    session: AsyncSession,
    parsed: ParsedPlan,
    *,
    now: datetime,
    member: Member | None = None,
    audiences: dict[int, ProposedAudience] | None = None,
) -> PlanImportResult:
    """Stores the plan. Importing it again changes nothing; a corrected version updates the
    titles, deadlines and responsible bodies of the tasks it still has (see _match_tasks).
    `audiences` ({index in parsed.tasks: proposal}, confirmed by the officer) narrows those tasks
    that are still for every unit; a task already narrowed keeps its audience."""
    plan = await session.scalar(
        select(Plan).where(Plan.year == parsed.year, Plan.title == parsed.title)
    )
    created_plan = plan is None
    if plan is None:
        plan = Plan(
            year=parsed.year,
            title=parsed.title,
            number=parsed.number,
            issued_on=parsed.issued_on,
            created_at=now,
        )
        session.add(plan)
        await session.flush()
    stored = list(await session.scalars(select(Task).where(Task.plan_id == plan.id)))
    matched = _match_tasks(stored, parsed.tasks)
    created = updated = 0
    changes: list[dict[str, object]] = []
    positions: dict[int, int] = {}
    to_narrow: list[tuple[Task, ProposedAudience]] = []
    for index, parsed_task in enumerate(parsed.tasks):
        position = positions[parsed_task.quarter] = positions.get(parsed_task.quarter, 0) + 1
        task = matched.get(index)
        proposal = (audiences or {}).get(index)
        if task is None:
            task = Task(
                plan_id=plan.id,
                quarter=parsed_task.quarter,
                position=position,
                title=parsed_task.title,
                deadline=parsed_task.deadline,
                year_round=parsed_task.year_round,
                responsible=parsed_task.responsible,
            )
            session.add(task)
            created += 1
            if proposal is not None:
                to_narrow.append((task, proposal))
            continue
        if proposal is not None:
            to_narrow.append((task, proposal))
        after = {
            "title": parsed_task.title,
            "deadline": parsed_task.deadline,
            "year_round": parsed_task.year_round,
            "responsible": parsed_task.responsible,
        }
        before = {key: getattr(task, key) for key in after}
        if before != after:
            for key, value in after.items():
                setattr(task, key, value)
            updated += 1
            changes.append(
                {
                    "task": task.id,
                    "before": {k: str(v) for k, v in before.items() if v != after[k]},
                    "after": {k: str(v) for k, v in after.items() if v != before[k]},
                }
            )
    narrowed = await _narrow(session, to_narrow)
    if created or updated or created_plan or narrowed:
        audit.record(
            session,
            at=now,
            action="import-plan",
            entity="plan",
            entity_id=plan.id,
            member=member,
            details={"year": parsed.year, "tasks_created": created}
            | ({"tasks_updated": updated, "changes": changes[:50]} if updated else {})
            | ({"tasks_narrowed": narrowed} if narrowed else {}),
        )
    await session.commit()
    return PlanImportResult(
        plan.id,
        created_plan,
        created,
        len(parsed.tasks) - created - updated,
        updated,
        len(stored) - len(matched),
        narrowed,
    )


async def _narrow(session: AsyncSession, proposals: list[tuple[Task, ProposedAudience]]) -> int:
    """Gives each task still for every unit its proposed audience: its units and clusters, and
    the active units of its kinds as they are now (a unit added later is not in it). Returns
    how many tasks were narrowed."""
    if not proposals:
        return 0
    await session.flush()
    narrowed_ids = set(
        await session.scalars(
            select(TaskAudience.task_id).where(
                TaskAudience.task_id.in_([task.id for task, _p in proposals])
            )
        )
    )
    kinds = {kind for _t, proposal in proposals for kind in proposal.kinds}
    units_of_kind: dict[str, list[int]] = {}
    if kinds:
        for unit_id, kind in await session.execute(
            select(Unit.id, Unit.kind).where(Unit.active, Unit.kind.in_(kinds))
        ):
            units_of_kind.setdefault(kind, []).append(unit_id)
    count = 0
    for task, proposal in proposals:
        if task.id in narrowed_ids:
            continue
        unit_ids = set(proposal.unit_ids)
        for kind in proposal.kinds:
            unit_ids.update(units_of_kind.get(kind, []))
        for unit_id in sorted(unit_ids):
            session.add(TaskAudience(task_id=task.id, unit_id=unit_id))
        for cluster_id in sorted(proposal.cluster_ids):
            session.add(TaskAudience(task_id=task.id, cluster_id=cluster_id))
        count += 1
    return count


async def plan_for_year(session: AsyncSession, year: int) -> Plan | None:
    """The plan of `year` (the most recently imported one, if several were issued)."""
    found = await session.scalar(
        select(Plan).where(Plan.year == year).order_by(Plan.id.desc()).limit(1)
    )
    return found


async def current_plan(session: AsyncSession, today: date) -> Plan | None:
    """This year's plan, or failing that the latest plan before it."""
    found = await session.scalar(
        select(Plan)
        .where(Plan.year <= today.year)
        .order_by(Plan.year.desc(), Plan.id.desc())
        .limit(1)
    )
    return found


class DeadlineChange(enum.StrEnum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    NOT_FOUND = "not-found"
    OUT_OF_RANGE = "out-of-range"


@dataclass
class DeadlineResult:
    outcome: DeadlineChange
    task: Task | None = None
    before: date | None = None
    plan_year: int | None = None


async def change_deadline(
    session: AsyncSession, member: Member, task_id: int, deadline: date, *, now: datetime
) -> DeadlineResult:
    """Moves one task's deadline (within the plan's year or the next); reminders follow it."""
    row = (
        await session.execute(
            select(Task, Plan.year).join(Plan, Plan.id == Task.plan_id).where(Task.id == task_id)
        )
    ).first()
    if row is None:
        return DeadlineResult(DeadlineChange.NOT_FOUND)
    task, year = row
    if deadline.year not in (year, year + 1):
        return DeadlineResult(DeadlineChange.OUT_OF_RANGE, task, task.deadline, year)
    before = task.deadline
    if before == deadline:
        return DeadlineResult(DeadlineChange.UNCHANGED, task, before, year)
    task.deadline = deadline
    audit.record(
        session,
        at=now,
        action="change-deadline",
        entity="task",
        entity_id=task.id,
        member=member,
        details={"before": before.isoformat(), "after": deadline.isoformat()},
    )
    await session.commit()
    return DeadlineResult(DeadlineChange.CHANGED, task, before, year)


async def plan_tasks(session: AsyncSession, plan_id: int) -> list[Task]:
    return list(
        await session.scalars(
            select(Task).where(Task.plan_id == plan_id).order_by(Task.quarter, Task.position)
        )
    )


class TaskEdit(enum.StrEnum):
    DONE = "done"
    NOT_FOUND = "not-found"
    NO_PLAN = "no-plan"
    BAD_TITLE = "bad-title"
    DUPLICATE = "duplicate"
    UNKNOWN_TARGETS = "unknown-targets"


@dataclass
class TaskEditResult:
    outcome: TaskEdit
    task: Task | None = None
    unknown: list[str] | None = None


def _clean_title(title: str) -> str | None:
    title = " ".join(title.split())
    return title if 0 < len(title) <= MAX_TASK_TITLE else None


async def add_task(
    session: AsyncSession,
    officer: Member,
    quarter: int,
    title: str,
    *,
    today: date,
    now: datetime,
) -> TaskEditResult:
    """A new task in the current plan's quarter, due on the quarter's last day."""
    plan = await current_plan(session, today)
    if plan is None:
        return TaskEditResult(TaskEdit.NO_PLAN)
    clean = _clean_title(title)
    if clean is None:
        return TaskEditResult(TaskEdit.BAD_TITLE)
    existing = list(
        await session.scalars(select(Task).where(Task.plan_id == plan.id, Task.quarter == quarter))
    )
    if any(task.title == clean for task in existing):
        return TaskEditResult(TaskEdit.DUPLICATE)
    task = Task(
        plan_id=plan.id,
        quarter=quarter,
        title=clean,
        position=max((t.position for t in existing), default=0) + 1,
        deadline=quarter_end(plan.year, quarter),
    )
    session.add(task)
    await session.flush()
    audit.record(
        session,
        at=now,
        action="add-task",
        entity="task",
        entity_id=task.id,
        member=officer,
        details={"after": {"quarter": quarter, "title": clean}},
    )
    await session.commit()
    return TaskEditResult(TaskEdit.DONE, task)


async def rename_task(
    session: AsyncSession, officer: Member, task_id: int, title: str, *, now: datetime
) -> TaskEditResult:
    task = await session.get(Task, task_id)
    if task is None:
        return TaskEditResult(TaskEdit.NOT_FOUND)
    clean = _clean_title(title)
    if clean is None:
        return TaskEditResult(TaskEdit.BAD_TITLE, task)
    before = task.title
    task.title = clean
    audit.record(
        session,
        at=now,
        action="rename-task",
        entity="task",
        entity_id=task.id,
        member=officer,
        details={"before": before, "after": clean},
    )
    await session.commit()
    return TaskEditResult(TaskEdit.DONE, task)


async def set_task_audience(
    session: AsyncSession,
    officer: Member,
    task_id: int,
    targets: list[str],
    *,
    now: datetime,
) -> TaskEditResult:
    """Narrows a task to these unit codes or cluster names; no targets: every unit again."""
    task = await session.get(Task, task_id)
    if task is None:
        return TaskEditResult(TaskEdit.NOT_FOUND)
    wanted = [target.strip() for target in targets if target.strip()]
    units = {u.code: u for u in await session.scalars(select(Unit).where(Unit.code.in_(wanted)))}
    clusters = {
        c.name: c for c in await session.scalars(select(Cluster).where(Cluster.name.in_(wanted)))
    }
    unknown = [t for t in wanted if t not in units and t not in clusters]
    if unknown:
        return TaskEditResult(TaskEdit.UNKNOWN_TARGETS, task, unknown)
    before = [
        {"unit_id": row.unit_id, "cluster_id": row.cluster_id}
        for row in await session.scalars(
            select(TaskAudience).where(TaskAudience.task_id == task.id)
        )
    ]
    await session.execute(delete(TaskAudience).where(TaskAudience.task_id == task.id))
    for unit in units.values():
        session.add(TaskAudience(task_id=task.id, unit_id=unit.id))
    for cluster in clusters.values():
        session.add(TaskAudience(task_id=task.id, cluster_id=cluster.id))
    audit.record(
        session,
        at=now,
        action="set-task-audience",
        entity="task",
        entity_id=task.id,
        member=officer,
        details={"before": before, "after": wanted},
    )
    await session.commit()
    return TaskEditResult(TaskEdit.DONE, task)
