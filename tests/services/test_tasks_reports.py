"""A unit's task reports without a bot: done and undo (the same day only), notes appended,
who may report, and last year's open tasks still listed in January until the plan is closed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.tasks import ReportOutcome, report_done, undo_done, unit_task_lines
from models import Member, Plan, Role, Task, TaskAudience, TaskReport, TaskReportNote, Unit
from tests.conftest import TZ, local, seed_directory_and_plan

NOW = local(2020, 5, 15)


async def _head(
    session: AsyncSession, telegram_id: int, unit_code: str, **values: object
) -> Member:
    unit = await session.scalar(select(Unit).where(Unit.code == unit_code))
    assert unit is not None
    member = Member(
        telegram_id=telegram_id,
        full_name=f"Head {telegram_id}",
        role=Role.HEAD.value,
        unit_id=unit.id,
        created_at=NOW,
        **values,
    )
    member.unit = unit
    session.add(member)
    await session.commit()
    return member


async def _tasks(session: AsyncSession, quarter: int) -> list[Task]:
    return list(
        await session.scalars(select(Task).where(Task.quarter == quarter).order_by(Task.position))
    )


async def _notes(session: AsyncSession, task_id: int, unit_id: int) -> list[str | None]:
    return list(
        await session.scalars(
            select(TaskReportNote.note)
            .join(TaskReport, TaskReport.id == TaskReportNote.report_id)
            .where(TaskReport.task_id == task_id, TaskReport.unit_id == unit_id)
            .order_by(TaskReportNote.id)
        )
    )


async def test_done_then_undo_the_same_day_but_not_the_next(session: AsyncSession) -> None:
    await seed_directory_and_plan(session, NOW)
    head = await _head(session, 501, "TT-VA")
    task = (await _tasks(session, 2))[0]

    assert (await report_done(session, head, task.id, now=NOW)).outcome is ReportOutcome.DONE
    again = await report_done(session, head, task.id, now=NOW)
    assert again.outcome is ReportOutcome.ALREADY_DONE
    undone = await undo_done(session, head, task.id, now=NOW + timedelta(hours=2), tz=TZ)
    assert undone.outcome is ReportOutcome.UNDONE
    report = await session.scalar(select(TaskReport).where(TaskReport.task_id == task.id))
    assert report is not None and not report.done and report.done_at is None
    assert (await undo_done(session, head, task.id, now=NOW, tz=TZ)).outcome is (
        ReportOutcome.NOT_DONE
    )

    assert (await report_done(session, head, task.id, now=NOW)).outcome is ReportOutcome.DONE
    next_day = NOW + timedelta(days=1)
    late = await undo_done(session, head, task.id, now=next_day, tz=TZ)
    assert late.outcome is ReportOutcome.TOO_LATE
    await session.refresh(report)
    assert report.done


async def test_notes_are_appended_never_overwritten(session: AsyncSession) -> None:
    await seed_directory_and_plan(session, NOW)
    head = await _head(session, 502, "TT-VA")
    task = (await _tasks(session, 2))[1]
    assert head.unit_id is not None

    # A note on a task not done yet by reply attaches nothing and reports nothing.
    early = await report_done(session, head, task.id, now=NOW, note="early", attach_only=True)
    assert early.outcome is ReportOutcome.NOT_DONE
    assert await session.scalar(select(TaskReport).where(TaskReport.task_id == task.id)) is None

    first = await report_done(session, head, task.id, now=NOW, note="Sent the report")
    assert first.outcome is ReportOutcome.DONE
    second = await report_done(
        session, head, task.id, now=NOW + timedelta(hours=1), note="  Minutes attached  "
    )
    assert second.outcome is ReportOutcome.NOTE_ADDED
    third = await report_done(
        session,
        head,
        task.id,
        now=NOW + timedelta(hours=2),
        file_id="file-1",
        file_name="minutes.pdf",
        attach_only=True,
    )
    assert third.outcome is ReportOutcome.NOTE_ADDED
    assert await _notes(session, task.id, head.unit_id) == [
        "Sent the report",
        "Minutes attached",
        None,
    ]


async def test_only_the_units_a_task_concerns_may_report_it(session: AsyncSession) -> None:
    await seed_directory_and_plan(session, NOW)
    head_va = await _head(session, 503, "TT-VA")
    head_ta = await _head(session, 504, "X-TA")
    gone = await _head(session, 505, "X-TP", active=False)
    task = (await _tasks(session, 2))[2]
    # Narrowed to the township's cluster: Tân An (cluster 2) may not report it.
    assert head_va.unit is not None and head_va.unit.cluster_id is not None
    session.add(TaskAudience(task_id=task.id, cluster_id=head_va.unit.cluster_id))
    await session.commit()

    refused = await report_done(session, head_ta, task.id, now=NOW)
    assert refused.outcome is ReportOutcome.NOT_ALLOWED and refused.task is None
    assert (await undo_done(session, head_ta, task.id, now=NOW, tz=TZ)).outcome is (
        ReportOutcome.NOT_ALLOWED
    )
    assert (await report_done(session, gone, task.id, now=NOW)).outcome is (
        ReportOutcome.NOT_ALLOWED
    )
    assert (await report_done(session, head_va, 999_999, now=NOW)).outcome is (
        ReportOutcome.NOT_ALLOWED
    )
    assert await session.scalar(select(TaskReport).where(TaskReport.task_id == task.id)) is None
    assert (await report_done(session, head_va, task.id, now=NOW)).outcome is ReportOutcome.DONE

    listed_ta = {
        line.task_id for line in await unit_task_lines(session, head_ta.unit, now=NOW, tz=TZ)
    }  # type: ignore[arg-type]
    assert task.id not in listed_ta


async def test_last_years_open_tasks_are_listed_in_january_until_the_plan_is_closed(
    session: AsyncSession,
) -> None:
    await seed_directory_and_plan(session, NOW)
    head = await _head(session, 506, "TT-VA")
    assert head.unit is not None
    q4 = await _tasks(session, 4)
    done_in_december = q4[0]
    await report_done(session, head, done_in_december.id, now=local(2020, 12, 10))

    january = local(2021, 1, 11)
    lines = await unit_task_lines(session, head.unit, now=january, tz=TZ)
    listed = {line.task_id: line for line in lines}
    assert set(listed) >= {task.id for task in q4[1:]}, "open 2020 tasks stay listed"
    assert done_in_december.id not in listed, "a task done before today is not"
    assert all(line.year == 2020 and line.days_left(january.date()) < 0 for line in lines)

    # Reported on 11 January: listed until the day ends, so that it can still be undone.
    await report_done(session, head, q4[1].id, now=january)
    today = {
        line.task_id: line
        for line in await unit_task_lines(session, head.unit, now=january, tz=TZ)
    }
    assert today[q4[1].id].done and today[q4[1].id].can_undo
    tomorrow = await unit_task_lines(session, head.unit, now=january + timedelta(days=1), tz=TZ)
    assert q4[1].id not in {line.task_id for line in tomorrow}

    plan = await session.scalar(select(Plan).where(Plan.year == 2020))
    assert plan is not None
    plan.closed_at = january
    await session.commit()
    assert await unit_task_lines(session, head.unit, now=january, tz=TZ) == []
