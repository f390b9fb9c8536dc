"""The reminder pass's plan: who gets which reminder today, in their language, nothing written
yet. Daily digest, quarter kickoff, weekly summary, round reminder, officers' digest of new
nominations."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.actions import Keyboard
from bot.services.deadlines import quarter_of
from bot.services.nominations import current_round, units_with_filings
from bot.services.reminders.queries import (
    Directory,
    MemberRow,
    UnitRow,
    done_masks,
    load_directory,
    load_tasks,
    previous_submission_digests,
    waiting_nominations,
)
from bot.services.reminders.rules import (
    HOLIDAY_MARGIN,
    DueTask,
    ReminderRules,
    escalation_day,
    reminder_triggered,
    round_reminder_due,
    year_end,
)
from bot.services.working_days import WorkingCalendar
from bot.texts.reminders import (
    ReminderTexts,
    WaitingNomination,
    round_reminder_text,
    submissions_text,
    weekly_summary_text,
)
from models import OFFICER_ROLES, Cluster, ReminderKind, TaskAudience


@dataclass
class PlannedReminder:
    member_id: int
    chat_id: int
    member_name: str
    language: str
    kind: ReminderKind
    day: date
    task_ids: list[int]
    text: str
    # Digests of the same tasks share one keyboard object.
    buttons: Keyboard | None = None

    @property
    def dedupe_key(self) -> str:
        return f"{self.kind.value}:{self.day.isoformat()}:{self.member_id}"


@dataclass
class PassResult:
    day: date
    planned: list[PlannedReminder] = field(default_factory=list)
    enqueued: int = 0


def _planned(
    member: MemberRow,
    kind: ReminderKind,
    day: date,
    task_ids: list[int],
    text: str,
    buttons: Keyboard | None = None,
) -> PlannedReminder:
    return PlannedReminder(
        member.id,
        member.telegram_id,
        member.full_name,
        member.language,
        kind,
        day,
        task_ids,
        text,
        buttons,
    )


def _concerns(rows: list[TaskAudience], unit: UnitRow) -> bool:
    return not rows or any(
        row.unit_id == unit.id
        or (row.cluster_id is not None and row.cluster_id == unit.cluster_id)
        for row in rows
    )


class _TaskBits:
    """Tasks as bits of an integer, so that a unit's open tasks are a few integer operations."""

    def __init__(self, tasks: list[DueTask], audience: dict[int, list[TaskAudience]]) -> None:
        self.tasks = tasks
        base = min((task.task_id for task in tasks), default=0)
        self.bit = {task.task_id: 1 << (task.task_id - base) for task in tasks}
        self.audience = audience
        self.for_everyone = self.mask(t for t in tasks if not audience.get(t.task_id))
        self.narrowed = [t for t in tasks if audience.get(t.task_id)]
        self._lists: dict[int, list[DueTask]] = {}

    def mask(self, tasks: Iterable[DueTask]) -> int:
        mask = 0
        for task in tasks:
            mask |= self.bit[task.task_id]
        return mask

    def concerning(self, unit: UnitRow) -> int:
        return self.for_everyone | self.mask(
            t for t in self.narrowed if _concerns(self.audience[t.task_id], unit)
        )

    def tasks_of(self, mask: int) -> list[DueTask]:
        if mask not in self._lists:
            self._lists[mask] = [t for t in self.tasks if self.bit[t.task_id] & mask]
        return self._lists[mask]


async def plan_reminders(
    session: AsyncSession, *, now: datetime, tz: ZoneInfo, rules: ReminderRules
) -> PassResult:
    """Everything due today, rendered in each member's language; nothing is written.

    A fixed number of queries whatever the number of units: the directory, the tasks in
    reach, and the done reports as one bit mask per unit.
    """
    # What the pass loads and plans stays alive until it is sent: the collector's passes
    # over it would free nothing.
    with collector_paused():
        return await _plan(session, now=now, tz=tz, rules=rules)


async def _plan(
    session: AsyncSession, *, now: datetime, tz: ZoneInfo, rules: ReminderRules
) -> PassResult:
    today = now.astimezone(tz).date()
    result = PassResult(day=today)
    calendar = WorkingCalendar(rules.working_days_only)
    if not calendar.is_working_day(today):
        return result
    horizon = today + timedelta(days=max(rules.windows, default=0)) + HOLIDAY_MARGIN
    quarter = quarter_of(today)
    tasks, audience = await load_tasks(session, max(horizon, year_end(today)))
    directory = await load_directory(session)

    triggered = [
        task
        for task in tasks
        if task.deadline <= horizon
        and (not task.year_round or task.deadline < today)
        and reminder_triggered(task.deadline, today, rules, calendar)
    ]
    escalate = escalation_day(today, calendar)
    overdue = [task for task in tasks if task.deadline < today] if escalate else []
    checked = list({task.task_id: task for task in triggered + overdue}.values())
    bits = _TaskBits(checked, audience)
    done = await done_masks(session, [task.task_id for task in checked])
    triggered_mask, overdue_mask = bits.mask(triggered), bits.mask(overdue)
    quarter_bits = _TaskBits(
        [t for t in tasks if t.year == today.year and (t.quarter == quarter or t.year_round)]
        if calendar.first_working_day_of_quarter(today.year, quarter) == today
        else [],
        audience,
    )
    texts = ReminderTexts(today, quarter)
    overdue_by_unit: dict[int, int] = {}
    for unit in directory.units.values():
        open_mask = bits.concerning(unit) & ~done.get(unit.id, 0)
        if escalate and (count := (open_mask & overdue_mask).bit_count()):
            overdue_by_unit[unit.id] = count
        heads = directory.members_by_unit.get(unit.id)
        if not heads:
            continue
        due_mask = open_mask & triggered_mask
        due = bits.tasks_of(due_mask)
        quarter_tasks = quarter_bits.tasks_of(quarter_bits.concerning(unit))
        for member in heads:
            if due:
                digest = texts.digest(member.language, unit.name, due_mask, due)
                result.planned.append(
                    _planned(
                        member,
                        ReminderKind.DIGEST,
                        today,
                        [task.task_id for task in due],
                        digest.text,
                        digest.keyboard,
                    )
                )
            if quarter_tasks:
                result.planned.append(
                    _planned(
                        member,
                        ReminderKind.KICKOFF,
                        today,
                        [task.task_id for task in quarter_tasks],
                        texts.kickoff(member.language, unit.name, quarter_tasks),
                    )
                )
    if overdue_by_unit:
        result.planned.extend(_escalations(directory, overdue_by_unit, today))
    result.planned.extend(await _round_reminders(session, directory, today, rules, calendar))
    result.planned.extend(await _submission_digests(session, directory, today, now))
    return result


@contextmanager
def collector_paused() -> Iterator[None]:
    """Holds off Python's cyclic garbage collector during a burst of allocations that all
    stay alive: planning 15,000 reminders otherwise spends half its time in collections
    that free nothing. Reference counting still frees everything else at once, and the
    collector catches up on cycles when it is back."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def _round_reminders(
    session: AsyncSession,
    directory: Directory,
    today: date,
    rules: ReminderRules,
    calendar: WorkingCalendar,
) -> list[PlannedReminder]:
    """Units that have filed nothing in the open round are reminded before it closes."""
    round_ = await current_round(session)
    if round_ is None or not round_reminder_due(round_.deadline, today, rules, calendar):
        return []
    filed = await units_with_filings(session, round_.id)
    planned = []
    for unit_id, heads in directory.members_by_unit.items():
        if unit_id in filed:
            continue
        for member in heads:
            text = round_reminder_text(
                member.language,
                title=round_.title,
                deadline=round_.deadline,
                today=today,
                unit_name=directory.units[unit_id].name,
            )
            planned.append(_planned(member, ReminderKind.ROUND, today, [], text))
    return planned


async def _submission_digests(
    session: AsyncSession, directory: Directory, today: date, now: datetime
) -> list[PlannedReminder]:
    """Each officer hears once a day of the nominations filed since their previous digest
    that still wait for review; nothing on a day with none. The reminder log keeps the day's
    digest to one, and its time is where the next digest starts."""
    if not directory.officers:
        return []
    waiting = await waiting_nominations(session, now)
    if not waiting:
        return []
    previous = await previous_submission_digests(session, today)
    planned = []
    for officer in directory.officers:
        since = previous.get(officer.id)
        new = [
            WaitingNomination(row.number, row.nominee_name, row.name)
            for row in waiting
            if since is None or row.submitted_at > since
        ]
        if not new:
            continue
        text = submissions_text(officer.language, new, len(waiting))
        planned.append(_planned(officer, ReminderKind.SUBMISSIONS, today, [], text))
    return planned


def _escalations(
    directory: Directory, overdue_by_unit: dict[int, int], today: date
) -> list[PlannedReminder]:
    planned = []
    for officer in directory.officers:
        planned.append(_summary(officer, list(overdue_by_unit.items()), directory, today, None))
    for cluster in directory.clusters.values():
        if cluster.leader_unit_id is None:
            continue
        in_cluster = [
            (unit_id, count)
            for unit_id, count in overdue_by_unit.items()
            if directory.units[unit_id].cluster_id == cluster.id
        ]
        if not in_cluster:
            continue
        for member in directory.members_by_unit.get(cluster.leader_unit_id, []):
            if member.role not in OFFICER_ROLES:  # officers got the whole summary
                planned.append(_summary(member, in_cluster, directory, today, cluster))
    return planned


def _summary(
    member: MemberRow,
    overdue: list[tuple[int, int]],
    directory: Directory,
    today: date,
    cluster: Cluster | None,
) -> PlannedReminder:
    ranked = sorted(overdue, key=lambda item: (-item[1], directory.units[item[0]].name))
    text = weekly_summary_text(
        member.language,
        [(directory.units[unit_id].name, count) for unit_id, count in ranked],
        today,
        cluster.name if cluster is not None else None,
    )
    return _planned(member, ReminderKind.ESCALATION, today, [], text)
