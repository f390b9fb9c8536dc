"""award history: awards conferred and yearly ratings, for the eligibility checks

Two new tables; nothing existing changes. Awards conferred (by decision) to a person of a unit
or to a unit, with the period they cover and whether they were thematic; yearly ratings of
task completion with an open disciplinary case flag.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "award_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("person_name", sa.String(length=300), nullable=True),
        sa.Column("person_key", sa.String(length=300), nullable=False),
        sa.Column("person_code", sa.String(length=50), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.String(length=300), nullable=True),
        sa.Column("award_form_id", sa.Integer(), nullable=False),
        sa.Column("year_from", sa.Integer(), nullable=False),
        sa.Column("year_to", sa.Integer(), nullable=False),
        sa.Column("decision_no", sa.String(length=100), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("authority", sa.String(length=300), nullable=True),
        sa.Column("thematic", sa.Boolean(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_form_id"],
            ["award_forms.id"],
            name=op.f("fk_award_records_award_form_id_award_forms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.id"],
            name=op.f("fk_award_records_nomination_id_nominations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name=op.f("fk_award_records_unit_id_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award_records")),
        sa.UniqueConstraint(
            "unit_id",
            "person_key",
            "award_form_id",
            "year_to",
            "decision_no",
            name=op.f("uq_award_records_unit_id_person_key_award_form_id_year_to_decision_no"),
        ),
    )
    op.create_index(
        op.f("ix_award_records_award_form_id"), "award_records", ["award_form_id"], unique=False
    )
    op.create_index(op.f("ix_award_records_unit_id"), "award_records", ["unit_id"], unique=False)
    op.create_table(
        "year_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("person_name", sa.String(length=300), nullable=True),
        sa.Column("person_key", sa.String(length=300), nullable=False),
        sa.Column("person_code", sa.String(length=50), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("rating", sa.String(length=10), nullable=False),
        sa.Column("discipline", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name=op.f("fk_year_ratings_unit_id_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_year_ratings")),
        sa.UniqueConstraint(
            "unit_id", "person_key", "year", name=op.f("uq_year_ratings_unit_id_person_key_year")
        ),
    )
    op.create_index(op.f("ix_year_ratings_unit_id"), "year_ratings", ["unit_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_year_ratings_unit_id"), table_name="year_ratings")
    op.drop_table("year_ratings")
    op.drop_index(op.f("ix_award_records_unit_id"), table_name="award_records")
    op.drop_index(op.f("ix_award_records_award_form_id"), table_name="award_records")
    op.drop_table("award_records")
