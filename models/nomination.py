"""Commendation nominations (đề nghị khen thưởng): award forms, rounds, nominations, files."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, CleanString, CleanText, EnumString, UTCDateTime


class Target(enum.StrEnum):
    INDIVIDUAL = "individual"
    COLLECTIVE = "collective"


class AchievementKind(enum.StrEnum):
    YEARLY = "yearly"
    THEMATIC = "thematic"
    ADHOC = "adhoc"


class NominationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"
    ABANDONED = "abandoned"


class AwardForm(Base):
    """A form of award in the catalogue; officers may rename, add or retire forms."""

    __tablename__ = "award_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(CleanString(50), unique=True)
    name_vi: Mapped[str] = mapped_column(CleanString(300))
    name_en: Mapped[str] = mapped_column(CleanString(300))
    target: Mapped[Target] = mapped_column(EnumString(Target, 20))
    # Forms conferred by the issuing authority itself, or proposed upward to a higher level.
    proposed_upward: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # A form of a level of government that no longer exists (the districts, abolished on
    # 01/07/2025): kept so that old nominations still show it, never offered again.
    historical: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    position: Mapped[int] = mapped_column(Integer, default=0)

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_vi


class NominationRound(Base):
    """A call for nominations with a deadline (e.g. the year-end review)."""

    __tablename__ = "nomination_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(CleanString(300))
    deadline: Mapped[date] = mapped_column(Date)
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Nomination(Base):
    __tablename__ = "nominations"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The number users see ("#12"): given when the nomination is first filed, so drafts,
    # abandoned drafts and edit copies never take one and the numbering has no gaps.
    number: Mapped[int | None] = mapped_column(Integer, unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("nomination_rounds.id", ondelete="SET NULL"), index=True
    )
    # An edit of a submitted or returned nomination is a draft copy that replaces it on confirm.
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("nominations.id", ondelete="CASCADE")
    )
    target: Mapped[Target | None] = mapped_column(EnumString(Target, 20))
    nominee_name: Mapped[str | None] = mapped_column(CleanString(300))
    position_title: Mapped[str | None] = mapped_column(CleanString(300))
    workplace: Mapped[str | None] = mapped_column(CleanString(300))
    award_form_id: Mapped[int | None] = mapped_column(
        ForeignKey("award_forms.id", ondelete="SET NULL")
    )
    achievement_kind: Mapped[AchievementKind | None] = mapped_column(
        EnumString(AchievementKind, 20)
    )
    campaign: Mapped[str | None] = mapped_column(CleanString(300))
    summary: Mapped[str | None] = mapped_column(CleanText)
    status: Mapped[NominationStatus] = mapped_column(
        EnumString(NominationStatus, 20), default=NominationStatus.DRAFT
    )
    step: Mapped[str | None] = mapped_column(CleanString(30))
    decision_reason: Mapped[str | None] = mapped_column(CleanText)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    award_form: Mapped[AwardForm | None] = relationship()
    # The filed nomination an edit copy replaces on confirm; the copy is shown with its number.
    replaces: Mapped[Nomination | None] = relationship(remote_side=[id])
    files: Mapped[list[NominationFile]] = relationship(
        cascade="all, delete-orphan", order_by="NominationFile.id"
    )


class NominationFile(Base):
    __tablename__ = "nomination_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(
        ForeignKey("nominations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(CleanString(20))  # document | photo
    file_id: Mapped[str] = mapped_column(CleanString(300))
    file_name: Mapped[str | None] = mapped_column(CleanString(300))
    size: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
