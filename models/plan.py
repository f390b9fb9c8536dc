"""The yearly TĐKT plan: plans, their quarterly tasks, narrowed audiences and unit reports."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, CleanString, CleanText, UTCDateTime


class Plan(Base):
    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("year", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    number: Mapped[str | None] = mapped_column(CleanString(100))
    title: Mapped[str] = mapped_column(CleanString(500))
    issued_on: Mapped[date | None] = mapped_column(Date)
    issuer: Mapped[str | None] = mapped_column(CleanString(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when the officer closes the plan's year (`tdkt-bot plan close YEAR`, /plan): its open
    # tasks stop being overdue. Until then they stay overdue, also across the new year.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    tasks: Mapped[list[Task]] = relationship(
        back_populates="plan", order_by="(Task.quarter, Task.position)"
    )


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("plan_id", "quarter", "title"),
        CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    quarter: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(CleanText)
    deadline: Mapped[date] = mapped_column(Date, index=True)
    # A task the plan gives no period but "thường xuyên", "cả năm": due 31/12, no countdown.
    year_round: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The body the plan names as responsible ("Phòng Nội vụ chủ trì"), as written.
    responsible: Mapped[str | None] = mapped_column(CleanString(300))

    plan: Mapped[Plan] = relationship(back_populates="tasks")
    audience: Mapped[list[TaskAudience]] = relationship(cascade="all, delete-orphan")


class TaskAudience(Base):
    """A task with no audience rows concerns every unit; rows narrow it to units or clusters."""

    __tablename__ = "task_audience"
    __table_args__ = (
        CheckConstraint("(unit_id IS NULL) <> (cluster_id IS NULL)", name="exactly_one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"))


class TaskReport(Base):
    """One unit's report on one task: done or not, when, by whom; its notes and files are
    `TaskReportNote` rows, every one kept."""

    __tablename__ = "task_reports"
    __table_args__ = (
        UniqueConstraint("task_id", "unit_id"),
        # The reminder pass reads which units did the tasks in reach from this index alone.
        Index("ix_task_reports_task_done_unit", "task_id", "done", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TaskReportNote(Base):
    """One note and/or file a unit added to its report on a task; a report keeps them all, in
    the order they came, with when and by whom."""

    __tablename__ = "task_report_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("task_reports.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(CleanText)
    file_id: Mapped[str | None] = mapped_column(CleanString(300))
    file_name: Mapped[str | None] = mapped_column(CleanString(300))
