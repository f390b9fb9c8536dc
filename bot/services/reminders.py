"""The reminder pass: who gets which reminder today, planned with a fixed number of queries
and enqueued once per member, local day and kind (daily digest, quarter kickoff, weekly
escalation)."""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import _, format_date, ngettext, use_language
from bot.services.deadlines import overdue_window_start, quarter_of
from bot.services.nominations import current_round, units_with_filings
from bot.services.outbox import Buttons, NewMessage, enqueue, insert_ignoring_conflicts
from bot.services.working_days import WorkingCalendar
from models import (
    Cluster,
    Member,
    Plan,
    ReminderKind,
    ReminderLog,
    Role,
    Task,
    TaskAudience,
    TaskReport,
    Unit,
)

# Holidays never stretch further than this, so a reminder is never moved back more days.
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
    every = timedelta(days=rules.overdue_every_days)
    target = deadline + every
    while target <= today + HOLIDAY_MARGIN:
        sent_on = calendar.send_day(target)
        if sent_on == today and sent_on > deadline:
            return True
        target += every
    return False


def escalation_day(today: date, calendar: WorkingCalendar) -> bool:
    """The weekly summary is due on Monday, or the last working day before a Monday off."""
    this_monday = today - timedelta(days=today.weekday())
    return any(
        calendar.send_day(monday) == today
        for monday in (this_monday, this_monday + timedelta(days=7))
    )


@dataclass
class _Directory:
    units: dict[int, Unit]
    members_by_unit: dict[int, list[Member]]
    officers: list[Member]
    clusters: dict[int, Cluster]


async def _load_directory(session: AsyncSession) -> _Directory:
    units = {u.id: u for u in await session.scalars(select(Unit).where(Unit.active.is_(True)))}
    members = list(
        await session.scalars(
            select(Member)
            .where(Member.active.is_(True), Member.reachable.is_(True))
            .order_by(Member.id)
        )
    )
    by_unit: dict[int, list[Member]] = defaultdict(list)
    for member in members:
        if member.unit_id in units:
            by_unit[member.unit_id].append(member)
    officers = [m for m in members if m.role == Role.OFFICER.value]
    clusters = {c.id: c for c in await session.scalars(select(Cluster))}
    return _Directory(units, by_unit, officers, clusters)


async def _load_tasks(
    session: AsyncSession, first: date, last: date
) -> tuple[list[DueTask], dict[int, list[TaskAudience]], set[tuple[int, int]]]:
    rows = await session.execute(
        select(Task.id, Task.title, Task.deadline, Task.quarter, Plan.year)
        .join(Plan, Plan.id == Task.plan_id)
        .where(Task.deadline >= first, Task.deadline <= last)
        .order_by(Task.deadline, Task.quarter, Task.position, Task.id)
    )
    tasks = [DueTask(*row) for row in rows.all()]
    task_ids = [task.task_id for task in tasks]
    audience: dict[int, list[TaskAudience]] = defaultdict(list)
    done: set[tuple[int, int]] = set()
    if task_ids:
        for row in await session.scalars(
            select(TaskAudience).where(TaskAudience.task_id.in_(task_ids))
        ):
            audience[row.task_id].append(row)
        done = set(
            (
                await session.execute(
                    select(TaskReport.task_id, TaskReport.unit_id).where(
                        TaskReport.task_id.in_(task_ids), TaskReport.done.is_(True)
                    )
                )
            ).all()
        )
    return tasks, audience, done


def _concerns(rows: list[TaskAudience], unit: Unit) -> bool:
    return not rows or any(
        row.unit_id == unit.id
        or (row.cluster_id is not None and row.cluster_id == unit.cluster_id)
        for row in rows
    )


async def plan_reminders(
    session: AsyncSession, *, now: datetime, tz: ZoneInfo, rules: ReminderRules
) -> PassResult:
    """Everything due today, rendered in each member's language; nothing is written."""
    today = now.astimezone(tz).date()
    result = PassResult(day=today)
    calendar = WorkingCalendar(rules.working_days_only)
    if not calendar.is_working_day(today):
        return result
    horizon = today + timedelta(days=max(rules.windows, default=0)) + HOLIDAY_MARGIN
    window_start = overdue_window_start(today)
    quarter = quarter_of(today)
    tasks, audience, done = await _load_tasks(
        session, window_start, max(horizon, _year_end(today))
    )
    directory = await _load_directory(session)

    triggered = [
        task
        for task in tasks
        if task.deadline <= horizon and reminder_triggered(task.deadline, today, rules, calendar)
    ]
    kickoff_day = calendar.first_working_day_of_quarter(today.year, quarter) == today
    overdue_by_unit: dict[int, int] = defaultdict(int)
    for unit in directory.units.values():
        open_ids = {
            task.task_id
            for task in tasks
            if (task.task_id, unit.id) not in done and _concerns(audience[task.task_id], unit)
        }
        overdue = sum(1 for task in tasks if task.task_id in open_ids and task.deadline < today)
        if overdue:
            overdue_by_unit[unit.id] = overdue
        heads = directory.members_by_unit.get(unit.id, [])
        if not heads:
            continue
        due = [task for task in triggered if task.task_id in open_ids]
        quarter_tasks = (
            [
                task
                for task in tasks
                if task.year == today.year
                and task.quarter == quarter
                and _concerns(audience[task.task_id], unit)
            ]
            if kickoff_day
            else []
        )
        for member in heads:
            if due:
                result.planned.append(_digest(member, unit, due, today))
            if quarter_tasks:
                result.planned.append(_kickoff(member, unit, quarter_tasks, today, quarter))
    if overdue_by_unit and escalation_day(today, calendar):
        result.planned.extend(_escalations(directory, overdue_by_unit, today))
    result.planned.extend(await _round_reminders(session, directory, today, rules, calendar))
    return result


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


def _digest(member: Member, unit: Unit, due: list[DueTask], today: date) -> PlannedReminder:
    with use_language(member.language):
        shown = due[:DIGEST_TASKS_SHOWN]
        header = _("<b>TĐKT reminder</b> — {date}\nUnit: {unit}").format(
            date=format_date(today), unit=html.escape(unit.name)
        )
        lines = [
            ("⚠️" if task.deadline < today else "⏳")
            + f" <b>#{task.task_id}</b> {_title(task)}\n"
            + _("Deadline: {date} ({status})").format(
                date=format_date(task.deadline), status=_status(task, today)
            )
            for task in shown
        ]
        text = _fit(header, lines, _("… and {n} more: see /tasks"))
        if len(due) > len(shown):
            text += "\n" + _("… and {n} more: see /tasks").format(n=len(due) - len(shown))
        text += "\n\n" + _("When a task is done, press its button below.")
        buttons = [
            [
                {
                    "text": _("✅ Done #{code}").format(code=task.task_id),
                    "data": f"rd:{task.task_id}",
                }
            ]
            for task in shown
        ]
    return PlannedReminder(
        member.id,
        member.telegram_id,
        member.full_name,
        member.language,
        ReminderKind.DIGEST,
        today,
        [task.task_id for task in due],
        text,
        buttons,
    )


def _kickoff(
    member: Member, unit: Unit, tasks: list[DueTask], today: date, quarter: int
) -> PlannedReminder:
    with use_language(member.language):
        header = _(
            "<b>Tasks of quarter {quarter}/{year}</b> in the TĐKT plan\nUnit: {unit}"
        ).format(
            quarter=("I", "II", "III", "IV")[quarter - 1],
            year=today.year,
            unit=html.escape(unit.name),
        )
        lines = [
            f"{index}. <b>#{task.task_id}</b> {_title(task)} — "
            + _("deadline {date}").format(date=format_date(task.deadline))
            for index, task in enumerate(tasks, start=1)
        ]
        text = _fit(header, lines, _("… and {n} more: see /tasks"))
        text += "\n\n" + _("Report each task when it is done with /tasks.")
    return PlannedReminder(
        member.id,
        member.telegram_id,
        member.full_name,
        member.language,
        ReminderKind.KICKOFF,
        today,
        [task.task_id for task in tasks],
        text,
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
            if member.role != Role.OFFICER.value:
                planned.append(_summary(member, in_cluster, directory, today, cluster))
    return planned


def _summary(
    member: Member,
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
