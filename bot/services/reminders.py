"""The reminder pass: who gets which reminder today, planned with a fixed number of queries
and enqueued once per member, local day and kind (daily digest, quarter kickoff, weekly
escalation)."""

from __future__ import annotations

import gc
import html
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Row, case, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.i18n import _, format_date, ngettext, quarter_numeral, use_language
from bot.services.deadlines import quarter_of
from bot.services.nominations import current_round, units_with_filings
from bot.services.outbox import Buttons, NewMessage, enqueue, insert_ignoring_conflicts
from bot.services.working_days import WorkingCalendar
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

# Days off never stretch further than this, so a reminder is never moved by more days.
HOLIDAY_MARGIN = timedelta(days=15)
DIGEST_TASKS_SHOWN = 15
TITLE_SHOWN = 150
MESSAGE_BUDGET = 3800


@dataclass(frozen=True)
class ReminderRules:
    windows: tuple[int, ...] = (14, 7, 3, 1, 0)
    overdue_every_days: int = 3
    working_days_only: bool = True


@dataclass(frozen=True)
class DueTask:
    task_id: int
    title: str
    deadline: date
    quarter: int
    year: int
    # Year-round ("thường xuyên") tasks are due 31/12 but get no countdown before it.
    year_round: bool = False


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
    buttons: Buttons | None = None

    @property
    def dedupe_key(self) -> str:
        return f"{self.kind.value}:{self.day.isoformat()}:{self.member_id}"


@dataclass
class PassResult:
    day: date
    planned: list[PlannedReminder] = field(default_factory=list)
    enqueued: int = 0


def reminder_triggered(
    deadline: date, today: date, rules: ReminderRules, calendar: WorkingCalendar
) -> bool:
    """Whether a task due on `deadline` is reminded of on `today` (windows or overdue)."""
    for days_before in rules.windows:
        if calendar.send_day(deadline - timedelta(days=days_before)) == today:
            return True
    if today <= deadline:
        return False
    # Repeats after the deadline move forward to the next working day. A day off never lasts
    # longer than HOLIDAY_MARGIN, so only the repeats due in that span before today can land on
    # today: start there, however long ago the deadline was.
    every = max(1, rules.overdue_every_days)
    behind = (today - HOLIDAY_MARGIN - deadline).days
    target = deadline + timedelta(days=every * max(1, -(-behind // every)))
    while target <= today:
        if calendar.next_working_day(target) == today:
            return True
        target += timedelta(days=every)
    return False


def escalation_day(today: date, calendar: WorkingCalendar) -> bool:
    """The weekly summary is due on Monday, or the last working day before a Monday off."""
    this_monday = today - timedelta(days=today.weekday())
    return any(
        calendar.send_day(monday) == today
        for monday in (this_monday, this_monday + timedelta(days=7))
    )


# Rows of the columns the pass needs: loading ORM objects of 15,000 units costs seconds.
UnitRow = Row[Any]
MemberRow = Row[Any]
# Done reports come back as one bit mask per unit, in integers of this many bits.
MASK_BITS = 60


@dataclass
class _Directory:
    units: dict[int, UnitRow]
    members_by_unit: dict[int, list[MemberRow]]
    officers: list[MemberRow]
    clusters: dict[int, Cluster]


async def _load_directory(session: AsyncSession) -> _Directory:
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
    return _Directory(units, by_unit, officers, clusters)


async def _load_tasks(
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


async def _done_masks(session: AsyncSession, task_ids: list[int]) -> dict[int, int]:
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
    tasks, audience = await _load_tasks(session, max(horizon, _year_end(today)))
    directory = await _load_directory(session)

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
    done = await _done_masks(session, [task.task_id for task in checked])
    triggered_mask, overdue_mask = bits.mask(triggered), bits.mask(overdue)
    quarter_bits = _TaskBits(
        [t for t in tasks if t.year == today.year and (t.quarter == quarter or t.year_round)]
        if calendar.first_working_day_of_quarter(today.year, quarter) == today
        else [],
        audience,
    )
    renderer = _Renderer(today, quarter)
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
                result.planned.append(renderer.digest(member, unit, due_mask, due))
            if quarter_tasks:
                result.planned.append(renderer.kickoff(member, unit, quarter_tasks))
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


def round_reminder_due(
    deadline: date, today: date, rules: ReminderRules, calendar: WorkingCalendar
) -> bool:
    """Before a round closes, on the same windows as task deadlines (no overdue repeats)."""
    return today <= deadline and any(
        calendar.send_day(deadline - timedelta(days=days)) == today for days in rules.windows
    )


async def _round_reminders(
    session: AsyncSession,
    directory: _Directory,
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
            with use_language(member.language):
                days = (round_.deadline - today).days
                text = _(
                    "<b>Nomination round “{title}”</b>\nIt closes on {date} ({status}); your "
                    "unit ({unit}) has not submitted any nomination yet. Send /nominate to "
                    "propose a collective or an individual."
                ).format(
                    title=html.escape(round_.title),
                    date=format_date(round_.deadline),
                    unit=html.escape(directory.units[unit_id].name),
                    status=ngettext("{n} day left", "{n} days left", days).format(n=days)
                    if days
                    else _("due today"),
                )
            planned.append(
                PlannedReminder(
                    member.id,
                    member.telegram_id,
                    member.full_name,
                    member.language,
                    ReminderKind.ROUND,
                    today,
                    [],
                    text,
                )
            )
    return planned


async def _submission_digests(
    session: AsyncSession, directory: _Directory, today: date, now: datetime
) -> list[PlannedReminder]:
    """Each officer hears once a day of the nominations filed since their previous digest
    that still wait for review; nothing on a day with none. The reminder log keeps the day's
    digest to one, and its time is where the next digest starts."""
    if not directory.officers:
        return []
    waiting = (
        await session.execute(
            select(Nomination.number, Nomination.nominee_name, Nomination.submitted_at, Unit.name)
            .join(Unit, Unit.id == Nomination.unit_id)
            .where(
                Nomination.status == NominationStatus.SUBMITTED.value,
                Nomination.submitted_at <= now,
            )
            .order_by(Nomination.submitted_at, Nomination.id)
        )
    ).all()
    if not waiting:
        return []
    previous: dict[int, datetime] = {
        member_id: at
        for member_id, at in (
            await session.execute(
                select(ReminderLog.member_id, func.max(ReminderLog.created_at))
                .where(ReminderLog.kind == ReminderKind.SUBMISSIONS.value, ReminderLog.day < today)
                .group_by(ReminderLog.member_id)
            )
        ).all()
    }
    planned = []
    for officer in directory.officers:
        since = previous.get(officer.id)
        new = [row for row in waiting if since is None or row.submitted_at > since]
        if not new:
            continue
        with use_language(officer.language):
            header = ngettext(
                "<b>{n} new nomination is waiting for review</b> (of {total} waiting):",
                "<b>{n} new nominations are waiting for review</b> (of {total} waiting):",
                len(new),
            ).format(n=len(new), total=len(waiting))
            lines = [
                f"• #{row.number} {html.escape(row.nominee_name or '')} — {html.escape(row.name)}"
                for row in new
            ]
            text = (
                _fit(header, lines, _("… and {n} more"))
                + "\n\n"
                + _("Send /review to review them.")
            )
        planned.append(
            PlannedReminder(
                officer.id,
                officer.telegram_id,
                officer.full_name,
                officer.language,
                ReminderKind.SUBMISSIONS,
                today,
                [],
                text,
            )
        )
    return planned


def _year_end(today: date) -> date:
    return date(today.year, 12, 31)


def _title(task: DueTask) -> str:
    title = task.title if len(task.title) <= TITLE_SHOWN else task.title[: TITLE_SHOWN - 1] + "…"
    return html.escape(title)


def _status(task: DueTask, today: date) -> str:
    days = (task.deadline - today).days
    if days < 0:
        return ngettext("overdue by {n} day", "overdue by {n} days", -days).format(n=-days)
    if days == 0:
        return _("due today")
    return ngettext("{n} day left", "{n} days left", days).format(n=days)


@dataclass
class _DigestBody:
    lines: list[str]
    text: str
    buttons: Buttons


def _fit(header: str, lines: list[str], more: str) -> str:
    """Header plus as many lines as fit in one message, then a pointer to the rest."""
    body: list[str] = []
    size = len(header)
    for index, line in enumerate(lines):
        if size + len(line) + 2 > MESSAGE_BUDGET:
            return header + "\n\n" + "\n".join(body) + "\n" + more.format(n=len(lines) - index)
        body.append(line)
        size += len(line) + 1
    return header + "\n\n" + "\n".join(body)


class _Renderer:
    """Renders digests and kickoffs. A task's line reads the same in every unit's digest, and
    units with the same open tasks share the whole list: it is rendered once per language and
    set of tasks, and a unit's digest is its header and that list."""

    def __init__(self, today: date, quarter: int) -> None:
        self.today = today
        self.quarter = quarter
        self._lines: dict[tuple[str, int], tuple[str, dict[str, str]]] = {}
        self._texts: dict[str, tuple[str, str, str]] = {}
        self._bodies: dict[tuple[str, int], _DigestBody] = {}
        self._kickoff_parts: dict[tuple[str, int], tuple[list[str], str, str]] = {}

    def _digest_texts(self, language: str) -> tuple[str, str, str]:
        """(header, more, footer) in `language`."""
        if language not in self._texts:
            with use_language(language):
                self._texts[language] = (
                    _("<b>TĐKT reminder</b> — {date}\nUnit: {unit}").replace(
                        "{date}", format_date(self.today)
                    ),
                    _("… and {n} more: see /tasks"),
                    "\n\n" + _("When a task is done, press its button below."),
                )
        return self._texts[language]

    def _line(self, language: str, task: DueTask) -> tuple[str, dict[str, str]]:
        key = (language, task.task_id)
        if key not in self._lines:
            with use_language(language):
                line = (
                    ("⚠️" if task.deadline < self.today else "⏳")
                    + f" <b>#{task.task_id}</b> {_title(task)}\n"
                    + _("Deadline: {date} ({status})").format(
                        date=format_date(task.deadline), status=_status(task, self.today)
                    )
                )
                button = {
                    "text": _("✅ Done #{code}").format(code=task.task_id),
                    "data": f"rd:{task.task_id}",
                }
            self._lines[key] = (line, button)
        return self._lines[key]

    def _body(self, language: str, mask: int, due: list[DueTask]) -> _DigestBody:
        key = (language, mask)
        if key not in self._bodies:
            parts = [self._line(language, task) for task in due[:DIGEST_TASKS_SHOWN]]
            lines = [line for line, _button in parts]
            self._bodies[key] = _DigestBody(
                lines, "\n".join(lines), [[button] for _line, button in parts]
            )
        return self._bodies[key]

    def digest(
        self, member: MemberRow, unit: UnitRow, mask: int, due: list[DueTask]
    ) -> PlannedReminder:
        """The digest of the open tasks `due` (whose bits are `mask`) for this member."""
        header, more, footer = self._digest_texts(member.language)
        header = header.replace("{unit}", html.escape(unit.name))
        body = self._body(member.language, mask, due)
        if len(header) + len(body.text) + 2 <= MESSAGE_BUDGET:
            text = header + "\n\n" + body.text
        else:
            text = _fit(header, body.lines, more)
        if len(due) > DIGEST_TASKS_SHOWN:
            text += "\n" + more.format(n=len(due) - DIGEST_TASKS_SHOWN)
        return PlannedReminder(
            member.id,
            member.telegram_id,
            member.full_name,
            member.language,
            ReminderKind.DIGEST,
            self.today,
            [task.task_id for task in due],
            text + footer,
            body.buttons,
        )

    def kickoff(self, member: MemberRow, unit: UnitRow, tasks: list[DueTask]) -> PlannedReminder:
        key = (member.language, id(tasks))
        with use_language(member.language):
            if key not in self._kickoff_parts:
                lines = [
                    f"{index}. <b>#{task.task_id}</b> {_title(task)} — "
                    + _("deadline {date}").format(date=format_date(task.deadline))
                    for index, task in enumerate(tasks, start=1)
                ]
                footer = "\n\n" + _("Report each task when it is done with /tasks.")
                self._kickoff_parts[key] = (lines, _("… and {n} more: see /tasks"), footer)
            lines, more, footer = self._kickoff_parts[key]
            header = _("<b>Tasks of Q{quarter} {year}</b> in the TĐKT plan\nUnit: {unit}").format(
                quarter=quarter_numeral(self.quarter),
                year=self.today.year,
                unit=html.escape(unit.name),
            )
        return PlannedReminder(
            member.id,
            member.telegram_id,
            member.full_name,
            member.language,
            ReminderKind.KICKOFF,
            self.today,
            [task.task_id for task in tasks],
            _fit(header, lines, more) + footer,
        )


def _escalations(
    directory: _Directory, overdue_by_unit: dict[int, int], today: date
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
    directory: _Directory,
    today: date,
    cluster: Cluster | None,
) -> PlannedReminder:
    ranked = sorted(overdue, key=lambda item: (-item[1], directory.units[item[0]].name))
    with use_language(member.language):
        if cluster is None:
            header = _("<b>Weekly summary: units with overdue tasks</b> (as of {date})").format(
                date=format_date(today)
            )
        else:
            header = _(
                "<b>Weekly summary of {cluster}: units with overdue tasks</b> (as of {date})"
            ).format(cluster=html.escape(cluster.name), date=format_date(today))
        lines = [
            "• "
            + ngettext("{unit}: {n} overdue task", "{unit}: {n} overdue tasks", count).format(
                unit=html.escape(directory.units[unit_id].name), n=count
            )
            for unit_id, count in ranked
        ]
        text = _fit(header, lines, _("… and {n} more units"))
    return PlannedReminder(
        member.id,
        member.telegram_id,
        member.full_name,
        member.language,
        ReminderKind.ESCALATION,
        today,
        [],
        text,
    )


async def enqueue_reminders(
    session: AsyncSession, planned: list[PlannedReminder], *, now: datetime
) -> int:
    """Logs and enqueues each reminder unless this member already had that kind today.

    The unique (member, day, kind) of the reminder log is the gate: of two passes at once, on
    one database, only one inserts the log row and its outbox message.
    """
    if not planned:
        return 0
    logged = await session.execute(
        insert_ignoring_conflicts(session, ReminderLog).returning(
            ReminderLog.id, ReminderLog.member_id, ReminderLog.kind
        ),
        [
            {
                "member_id": p.member_id,
                "day": p.day,
                "kind": p.kind.value,
                "task_ids": p.task_ids,
                "created_at": now,
            }
            for p in planned
        ],
    )
    new_logs = {(member_id, kind): log_id for log_id, member_id, kind in logged.all()}
    fresh = [p for p in planned if (p.member_id, p.kind.value) in new_logs]
    ids = await enqueue(
        session,
        [
            NewMessage(p.dedupe_key, p.kind.value, p.chat_id, p.text, p.member_id, p.buttons)
            for p in fresh
        ],
        now=now,
    )
    if ids:
        await session.execute(
            update(ReminderLog),
            [
                {"id": new_logs[(p.member_id, p.kind.value)], "outbox_id": ids[p.dedupe_key]}
                for p in fresh
                if p.dedupe_key in ids
            ],
        )
    await session.commit()
    return len(fresh)


async def run_reminder_pass(
    session: AsyncSession, *, now: datetime, tz: ZoneInfo, rules: ReminderRules
) -> PassResult:
    result = await plan_reminders(session, now=now, tz=tz, rules=rules)
    result.enqueued = await enqueue_reminders(session, result.planned, now=now)
    return result
