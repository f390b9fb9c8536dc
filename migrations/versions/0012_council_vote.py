"""council vote: the council's secret vote on a round's approved candidates

Four new tables; nothing existing changes (a council member is a member with the role
"council", which the role column already holds). A vote of the council at a meeting, its
candidates with their results, each member's ballot (cast in person or a written opinion
recorded by an officer) and the attendance fixed at close.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "council_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("meeting_date", sa.Date(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("members_total", sa.Integer(), nullable=True),
        sa.Column("present", sa.Integer(), nullable=True),
        sa.Column("quorum_met", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["opened_by_id"],
            ["members.id"],
            name=op.f("fk_council_votes_opened_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["nomination_rounds.id"],
            name=op.f("fk_council_votes_round_id_nomination_rounds"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_votes")),
    )
    op.create_table(
        "council_candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("agree", sa.Integer(), nullable=True),
        sa.Column("disagree", sa.Integer(), nullable=True),
        sa.Column("threshold", sa.String(length=100), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.id"],
            name=op.f("fk_council_candidates_nomination_id_nominations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["council_votes.id"],
            name=op.f("fk_council_candidates_vote_id_council_votes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_candidates")),
        sa.UniqueConstraint(
            "vote_id", "nomination_id", name=op.f("uq_council_candidates_vote_id_nomination_id")
        ),
    )
    op.create_index(
        op.f("ix_council_candidates_vote_id"), "council_candidates", ["vote_id"], unique=False
    )
    op.create_table(
        "council_ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("agree", sa.Boolean(), nullable=False),
        sa.Column("written", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["council_candidates.id"],
            name=op.f("fk_council_ballots_candidate_id_council_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_council_ballots_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["members.id"],
            name=op.f("fk_council_ballots_recorded_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_ballots")),
        sa.UniqueConstraint(
            "candidate_id", "member_id", name=op.f("uq_council_ballots_candidate_id_member_id")
        ),
    )
    op.create_index(
        op.f("ix_council_ballots_candidate_id"), "council_ballots", ["candidate_id"], unique=False
    )
    op.create_table(
        "council_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_council_attendance_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["council_votes.id"],
            name=op.f("fk_council_attendance_vote_id_council_votes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_attendance")),
        sa.UniqueConstraint(
            "vote_id", "member_id", name=op.f("uq_council_attendance_vote_id_member_id")
        ),
    )
    op.create_index(
        op.f("ix_council_attendance_vote_id"), "council_attendance", ["vote_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_council_attendance_vote_id"), table_name="council_attendance")
    op.drop_table("council_attendance")
    op.drop_index(op.f("ix_council_ballots_candidate_id"), table_name="council_ballots")
    op.drop_table("council_ballots")
    op.drop_index(op.f("ix_council_candidates_vote_id"), table_name="council_candidates")
    op.drop_table("council_candidates")
    op.drop_table("council_votes")
