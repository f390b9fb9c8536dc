"""Award history: awards conferred (cá nhân, tập thể) and yearly task-completion ratings."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, CleanString, EnumString, UTCDateTime
from models.directory import Unit
from models.nomination import AwardForm, Target


class Rating(enum.StrEnum):
    """Yearly rating of task completion, best first."""

    HTXS = "htxs"  # hoàn thành xuất sắc nhiệm vụ
    HTT = "htt"  # hoàn thành tốt nhiệm vụ
    HT = "ht"  # hoàn thành nhiệm vụ
    KHT = "kht"  # không hoàn thành nhiệm vụ

    @property
    def rank(self) -> int:
        return {"htxs": 3, "htt": 2, "ht": 1, "kht": 0}[self.value]


class AwardRecord(Base):
    """An award conferred by a decision, for a person of a unit or for the unit itself.

    `person_key` is the person's name folded for matching (empty for a collective); the period
    is `year_from`..`year_to` (one year: both equal)."""

    __tablename__ = "award_records"
    __table_args__ = (
        UniqueConstraint("unit_id", "person_key", "award_form_id", "year_to", "decision_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[Target] = mapped_column(EnumString(Target, 20))
    person_name: Mapped[str | None] = mapped_column(CleanString(300))
    person_key: Mapped[str] = mapped_column(CleanString(300), default="")
    person_code: Mapped[str | None] = mapped_column(CleanString(50))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    position: Mapped[str | None] = mapped_column(CleanString(300))
    award_form_id: Mapped[int] = mapped_column(
        ForeignKey("award_forms.id", ondelete="CASCADE"), index=True
    )
    year_from: Mapped[int] = mapped_column(Integer)
    year_to: Mapped[int] = mapped_column(Integer)
    decision_no: Mapped[str] = mapped_column(CleanString(100), default="")
    decision_date: Mapped[date | None] = mapped_column(Date)
    authority: Mapped[str | None] = mapped_column(CleanString(300))
    # A thematic or one-off award: not counted toward higher awards.
    thematic: Mapped[bool] = mapped_column(Boolean, default=False)
    nomination_id: Mapped[int | None] = mapped_column(
        ForeignKey("nominations.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship()
    award_form: Mapped[AwardForm] = relationship()


class YearRating(Base):
    """A person's or a unit's rating of task completion for one year."""

    __tablename__ = "year_ratings"
    __table_args__ = (UniqueConstraint("unit_id", "person_key", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[Target] = mapped_column(EnumString(Target, 20))
    person_name: Mapped[str | None] = mapped_column(CleanString(300))
    person_key: Mapped[str] = mapped_column(CleanString(300), default="")
    person_code: Mapped[str | None] = mapped_column(CleanString(50))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    rating: Mapped[Rating] = mapped_column(EnumString(Rating, 10))
    # An open disciplinary case (đang bị xem xét kỷ luật / thi hành kỷ luật) that year.
    discipline: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
