"""The reminder pass's plan: who gets which reminder today, in their language, nothing written
yet. Daily digest, quarter kickoff, weekly summary, round reminder, officers' digest of new
nominations."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.actions import Keyboard
from bot.services.deadlines import quarter_of
from bot.services.nominations import current_round, units_with_filings
from bot.services.reminders.queries import (
    AudienceRow,
    Directory,
    MemberRow,
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
    DigestBody,
    ReminderTexts,
    WaitingNomination,
    round_reminder_text,
    submissions_text,
    weekly_summary_text,
)
from models import OFFICER_ROLES, ReminderKind


@dataclass(slots=True)
class PlannedReminder:
    member_id: int
    chat_id: int | None  # None: reached on another channel, or looked up when queued
    member_name: str
    language: str
    kind: ReminderKind
    day: date
    # Reminders of the same tasks may share one list: read it, never change it.
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
    # The reminders planned: all of them from `plan_reminders`; a pass that queues them as
    # it goes (`run_reminder_pass`) keeps none and only counts them.
    planned: list[PlannedReminder] = field(default_factory=list)
    enqueued: int = 0
    count: int = 0


def _planned(
    member: MemberRow,
    kind: ReminderKind,
    day: date,
    task_ids: list[int],
    text: str,
    buttons: Keyboard | None = None,
) -> PlannedReminder:
    return PlannedReminder(
        member[0], member[1], member[2], member[3], kind, day, task_ids, text, buttons
    )


class _TaskBits:
    """Tasks as bits of an integer, in their order (bit i: the i-th task), so that a unit's
    open tasks are a few integer operations and its list is its set bits, lowest first."""

    def __init__(self, tasks: list[DueTask], audience: dict[int, list[AudienceRow]]) -> None:
        self.tasks = tasks
        self.bit = {task.task_id: 1 << index for index, task in enumerate(tasks)}
        self.for_everyone = 0
        # Tasks for some units or clusters only: their bits by unit and by cluster.
        self.for_unit: dict[int, int] = defaultdict(int)
        self.for_cluster: dict[int, int] = defaultdict(int)
        for task in tasks:
            rows = audience.get(task.task_id)
            if not rows:
                self.for_everyone |= self.bit[task.task_id]
            for unit_id, cluster_id in rows or ():
                if unit_id is not None:
                    self.for_unit[unit_id] |= self.bit[task.task_id]
                if cluster_id is not None:
                    self.for_cluster[cluster_id] |= self.bit[task.task_id]
        self.narrowed = bool(self.for_unit or self.for_cluster)
        # Per byte of bits: the tasks (and their ids) of each of its 256 values.
        self._tables: list[tuple[int, list[tuple[tuple[DueTask, ...], tuple[int, ...]]]]] = []
        for shift in range(0, len(tasks), 8):
            window = tasks[shift : shift + 8]
            table: list[tuple[tuple[DueTask, ...], tuple[int, ...]]] = [((), ())]
            for byte in range(1, 256):
                high = byte.bit_length() - 1
                below = table[byte ^ (1 << high)]
                if high < len(window):
                    task = window[high]
                    table.append((below[0] + (task,), below[1] + (task.task_id,)))
                else:
                    table.append(below)
            self._tables.append((shift, table))

    def mask(self, tasks: Iterable[DueTask]) -> int:
        mask = 0
        for task in tasks:
            mask |= self.bit[task.task_id]
        return mask

    def concerning(self, unit_id: int, cluster_id: int | None) -> int:
        if not self.narrowed:
            return self.for_everyone
        return (
            self.for_everyone
            | self.for_unit.get(unit_id, 0)
            | (self.for_cluster.get(cluster_id, 0) if cluster_id is not None else 0)
        )

    def tasks_of(self, mask: int) -> tuple[list[DueTask], list[int]]:
        """The tasks of `mask` in order, and their ids."""
        tasks: list[DueTask] = []
        ids: list[int] = []
        for shift, table in self._tables:
            part = table[(mask >> shift) & 255]
            if part:
                tasks += part[0]
                ids += part[1]
        return tasks, ids

    def from_ids(self, base: int) -> Callable[[int], int] | None:
        """Turns a mask by task id (bit `task_id - base`, as `done_masks` gives them) into
        one of these bits: a table per byte of ids, so a few lookups a mask. None when they
        are the same bits (the tasks in the order of their ids, with no gap)."""
        if all(self.bit[task.task_id] == 1 << (task.task_id - base) for task in self.tasks):
            return None
        windows: dict[int, list[int]] = {}
        for task in self.tasks:
            offset = task.task_id - base
            windows.setdefault(offset // 8, [0] * 8)[offset % 8] = self.bit[task.task_id]
        tables: list[tuple[int, list[int]]] = []
        for window, bits in sorted(windows.items()):
            table = [0] * 256
            for byte in range(1, 256):
                low = byte & -byte
                table[byte] = table[byte ^ low] | bits[low.bit_length() - 1]
            tables.append((window * 8, table))

        def convert(mask: int) -> int:
            bits = 0
            for shift, table in tables:
                bits |= table[(mask >> shift) & 255]
            return bits

        return convert


@dataclass
class _Inputs:
    """What the pass read, all of it before planning anything: planning may go on across
    commits (a pass that queues as it goes), so none of it is an ORM object."""

    now: datetime
    today: date
    quarter: int
    directory: Directory
    bits: _TaskBits
    done: dict[int, int]
    done_base: int
    triggered_mask: int
    overdue_mask: int
    escalate: bool
    quarter_bits: _TaskBits
    # The open round due for a reminder: (title, deadline, units that filed), else None.
    round_: tuple[str, date, set[int]] | None
    waiting: list[Row[Any]]
    previous_digests: dict[int, datetime]


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
        inputs = await read_inputs(session, now=now, tz=tz, rules=rules)
        if inputs is None:
            return PassResult(day=now.astimezone(tz).date())
        result = PassResult(day=inputs.today, planned=list(reminders(inputs)))
    result.count = len(result.planned)
    return result


async def read_inputs(
    session: AsyncSession, *, now: datetime, tz: ZoneInfo, rules: ReminderRules
) -> _Inputs | None:
    """Every statement of the pass's reading, in one go; None on a day off."""
    today = now.astimezone(tz).date()
    calendar = WorkingCalendar(rules.working_days_only)
    if not calendar.is_working_day(today):
        return None
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
    quarter_bits = _TaskBits(
        [t for t in tasks if t.year == today.year and (t.quarter == quarter or t.year_round)]
        if calendar.first_working_day_of_quarter(today.year, quarter) == today
        else [],
        audience,
    )
    round_ = None
    open_round = await current_round(session)
    if open_round is not None and round_reminder_due(open_round.deadline, today, rules, calendar):
        filed = await units_with_filings(session, open_round.id)
        round_ = (open_round.title, open_round.deadline, filed)
    waiting: list[Row[Any]] = []
    previous: dict[int, datetime] = {}
    if directory.officers:
        waiting = await waiting_nominations(session, now)
        if waiting:
            previous = await previous_submission_digests(session, today)
    return _Inputs(
        now,
        today,
        quarter,
        directory,
        bits,
        done,
        min((task.task_id for task in checked), default=0),
        bits.mask(triggered),
        bits.mask(overdue),
        escalate,
        quarter_bits,
        round_,
        waiting,
        previous,
    )


def reminders(
    inputs: _Inputs, *, batch: int = 0, texts: ReminderTexts | None = None
) -> Iterator[PlannedReminder]:
    """Today's reminders, one after the other, each rendered in its member's language.

    With `batch`, what is rendered for several units at once (the lists of tasks shared by
    units with the same open tasks) is let go every `batch` units: a caller that queues
    the reminders as they come keeps no more than that alive."""
    today, directory, bits = inputs.today, inputs.directory, inputs.bits
    texts = texts or ReminderTexts(today, inputs.quarter)
    done, from_ids = inputs.done, bits.from_ids(inputs.done_base)
    triggered_mask, overdue_mask, escalate = (
        inputs.triggered_mask,
        inputs.overdue_mask,
        inputs.escalate,
    )
    quarter_bits = inputs.quarter_bits
    narrowed, for_everyone = bits.narrowed, bits.for_everyone
    members_by_unit = directory.members_by_unit
    digest_kind, kickoff_kind = ReminderKind.DIGEST, ReminderKind.KICKOFF
    overdue_by_unit: dict[int, int] = {}
    # {language: {open tasks' bits: (their list, their ids)}}
    bodies: dict[str, dict[int, tuple[DigestBody, list[int]]]] = {}
    for index, (unit_id, unit_name, cluster_id) in enumerate(directory.units.values()):
        if batch and index % batch == 0:
            texts.forget()
            bodies.clear()
        done_ids = done.get(unit_id)
        open_mask = bits.concerning(unit_id, cluster_id) if narrowed else for_everyone
        if done_ids:
            open_mask &= ~(from_ids(done_ids) if from_ids else done_ids)
        if escalate and (count := (open_mask & overdue_mask).bit_count()):
            overdue_by_unit[unit_id] = count
        heads = members_by_unit.get(unit_id)
        if not heads:
            continue
        due_mask = open_mask & triggered_mask
        if due_mask:
            for member in heads:
                language = member[3]
                # Units with the same open tasks share their list, rendered once.
                of_language = bodies.get(language)
                if of_language is None:
                    of_language = bodies[language] = {}
                found = of_language.get(due_mask)
                if found is None:
                    due, due_ids = bits.tasks_of(due_mask)
                    found = of_language[due_mask] = (texts.body(language, due), due_ids)
                body, due_ids = found
                yield PlannedReminder(
                    member[0],
                    member[1],
                    member[2],
                    language,
                    digest_kind,
                    today,
                    due_ids,
                    texts.digest(language, unit_name, body),
                    body.keyboard,
                )
        if quarter_bits.tasks:
            quarter_mask = quarter_bits.concerning(unit_id, cluster_id)
            quarter_tasks, quarter_ids = quarter_bits.tasks_of(quarter_mask)
            if quarter_tasks:
                for member in heads:
                    yield _planned(
                        member,
                        kickoff_kind,
                        today,
                        quarter_ids,
                        texts.kickoff(member[3], unit_name, quarter_mask, quarter_tasks),
                    )
    texts.forget()
    bodies.clear()
    if overdue_by_unit:
        yield from _escalations(directory, overdue_by_unit, today)
    yield from _round_reminders(inputs)
    yield from _submission_digests(inputs)


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


def _round_reminders(inputs: _Inputs) -> Iterator[PlannedReminder]:
    """Units that have filed nothing in the open round are reminded before it closes."""
    if inputs.round_ is None:
        return
    title, deadline, filed = inputs.round_
    directory, today = inputs.directory, inputs.today
    for unit_id, heads in directory.members_by_unit.items():
        if unit_id in filed:
            continue
        for member in heads:
            text = round_reminder_text(
                member[3],
                title=title,
                deadline=deadline,
                today=today,
                unit_name=directory.units[unit_id][1],
            )
            yield _planned(member, ReminderKind.ROUND, today, [], text)


def _submission_digests(inputs: _Inputs) -> Iterator[PlannedReminder]:
    """Each officer hears once a day of the nominations filed since their previous digest
    that still wait for review; nothing on a day with none. The reminder log keeps the day's
    digest to one, and its time is where the next digest starts."""
    waiting, previous = inputs.waiting, inputs.previous_digests
    if not waiting:
        return
    for officer in inputs.directory.officers:
        since = previous.get(officer[0])
        new = [
            WaitingNomination(row.number, row.nominee_name, row.name)
            for row in waiting
            if since is None or row.submitted_at > since
        ]
        if not new:
            continue
        text = submissions_text(officer[3], new, len(waiting))
        yield _planned(officer, ReminderKind.SUBMISSIONS, inputs.today, [], text)


def _escalations(
    directory: Directory, overdue_by_unit: dict[int, int], today: date
) -> list[PlannedReminder]:
    planned = []
    for officer in directory.officers:
        planned.append(_summary(officer, list(overdue_by_unit.items()), directory, today, None))
    for cluster_id, cluster_name, leader_unit_id in directory.clusters.values():
        if leader_unit_id is None:
            continue
        in_cluster = [
            (unit_id, count)
            for unit_id, count in overdue_by_unit.items()
            if directory.units[unit_id][2] == cluster_id
        ]
        if not in_cluster:
            continue
        for member in directory.members_by_unit.get(leader_unit_id, []):
            if member[4] not in OFFICER_ROLES:  # officers got the whole summary
                planned.append(_summary(member, in_cluster, directory, today, cluster_name))
    return planned


def _summary(
    member: MemberRow,
    overdue: list[tuple[int, int]],
    directory: Directory,
    today: date,
    cluster_name: str | None,
) -> PlannedReminder:
    ranked = sorted(overdue, key=lambda item: (-item[1], directory.units[item[0]][1]))
    text = weekly_summary_text(
        member[3],
        [(directory.units[unit_id][1], count) for unit_id, count in ranked],
        today,
        cluster_name,
    )
    return _planned(member, ReminderKind.ESCALATION, today, [], text)
