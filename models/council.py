"""The council's vote (bỏ phiếu kín của Hội đồng Thi đua - Khen thưởng) on a round's approved
candidates: the vote, its candidates, each member's ballot, and the attendance fixed at close.

A ballot is secret: only its owner's chat shows it; officers see who has voted, never how.
The audit log records when a ballot was cast, not what it says."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, CleanString, UTCDateTime
from models.directory import Member
from models.nomination import Nomination, NominationRound


class CouncilVote(Base):
    """One vote of the council on the approved candidates of a round, at a meeting."""

    __tablename__ = "council_votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("nomination_rounds.id", ondelete="SET NULL")
    )
    meeting_date: Mapped[date] = mapped_column(Date)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Fixed at close: the council's size, how many voted in person, and whether that was a
    # quorum under the rule set.
    members_total: Mapped[int | None] = mapped_column(Integer)
    present: Mapped[int | None] = mapped_column(Integer)
    quorum_met: Mapped[bool | None] = mapped_column(Boolean)

    round: Mapped[NominationRound | None] = relationship()
    candidates: Mapped[list[CouncilCandidate]] = relationship(
        back_populates="vote", order_by="CouncilCandidate.position", cascade="all, delete-orphan"
    )


class CouncilCandidate(Base):
    """A nomination put to the vote; its result is written at close."""

    __tablename__ = "council_candidates"
    __table_args__ = (UniqueConstraint("vote_id", "nomination_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(
        ForeignKey("council_votes.id", ondelete="CASCADE"), index=True
    )
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    agree: Mapped[int | None] = mapped_column(Integer)
    disagree: Mapped[int | None] = mapped_column(Integer)
    # The share needed, as the rule set says it ("≥ 90%"), and the outcome.
    threshold: Mapped[str | None] = mapped_column(CleanString(100))
    passed: Mapped[bool | None] = mapped_column(Boolean)

    vote: Mapped[CouncilVote] = relationship(back_populates="candidates")
    nomination: Mapped[Nomination] = relationship()


class CouncilBallot(Base):
    """One member's agree/disagree on one candidate: cast by the member in the bot, or, for a
    member absent from the meeting, their written opinion recorded by an officer."""

    __tablename__ = "council_ballots"
    __table_args__ = (UniqueConstraint("candidate_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("council_candidates.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    agree: Mapped[bool] = mapped_column(Boolean)
    written: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class CouncilAttendance(Base):
    """Who the council was at close and how each took part: present (voted in person),
    written (an opinion in writing, recorded by an officer) or absent."""

    __tablename__ = "council_attendance"
    __table_args__ = (UniqueConstraint("vote_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(
        ForeignKey("council_votes.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(CleanString(300))
    status: Mapped[str] = mapped_column(CleanString(10))

    member: Mapped[Member | None] = relationship()
