"""nominations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 04:37:31.714106
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The usual forms under the Law on Emulation and Commendation 2022: those the issuing authority
# confers, then those it proposes upward. Officers can rename, add or retire forms (/awards).
AWARD_FORMS = [
    ("LDTT", "Lao động tiên tiến", "Advanced Worker", "individual", False),
    ("CSTDCS", "Chiến sĩ thi đua cơ sở", "Grassroots Emulation Soldier", "individual", False),
    (
        "GK-CN",
        "Giấy khen của Chủ tịch UBND huyện",
        "Certificate of Merit of the District People's Committee Chairman",
        "individual",
        False,
    ),
    ("TTLDTT", "Tập thể lao động tiên tiến", "Advanced Labour Collective", "collective", False),
    ("TTLDXS", "Tập thể lao động xuất sắc", "Excellent Labour Collective", "collective", False),
    (
        "GK-TT",
        "Giấy khen của Chủ tịch UBND huyện",
        "Certificate of Merit of the District People's Committee Chairman",
        "collective",
        False,
    ),
    (
        "BK-CN",
        "Bằng khen của Chủ tịch UBND tỉnh",
        "Certificate of Merit of the Provincial People's Committee Chairman",
        "individual",
        True,
    ),
    (
        "CSTD-TINH",
        "Chiến sĩ thi đua cấp tỉnh",
        "Provincial Emulation Soldier",
        "individual",
        True,
    ),
    (
        "BK-TT",
        "Bằng khen của Chủ tịch UBND tỉnh",
        "Certificate of Merit of the Provincial People's Committee Chairman",
        "collective",
        True,
    ),
    (
        "CO-TINH",
        "Cờ thi đua của UBND tỉnh",
        "Emulation Flag of the Provincial People's Committee",
        "collective",
        True,
    ),
]


def upgrade() -> None:
    award_forms = op.create_table(
        "award_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name_vi", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("proposed_upward", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award_forms")),
        sa.UniqueConstraint("code", name=op.f("uq_award_forms_code")),
    )
    op.create_table(
        "nomination_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["members.id"],
            name=op.f("fk_nomination_rounds_created_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nomination_rounds")),
    )
    op.create_table(
        "nominations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("target", sa.String(length=20), nullable=True),
        sa.Column("nominee_name", sa.String(length=300), nullable=True),
        sa.Column("position_title", sa.String(length=300), nullable=True),
        sa.Column("workplace", sa.String(length=300), nullable=True),
        sa.Column("award_form_id", sa.Integer(), nullable=True),
        sa.Column("achievement_kind", sa.String(length=20), nullable=True),
        sa.Column("campaign", sa.String(length=300), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("step", sa.String(length=30), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_form_id"],
            ["award_forms.id"],
            name=op.f("fk_nominations_award_form_id_award_forms"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["members.id"],
            name=op.f("fk_nominations_decided_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["replaces_id"],
            ["nominations.id"],
            name=op.f("fk_nominations_replaces_id_nominations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["nomination_rounds.id"],
            name=op.f("fk_nominations_round_id_nomination_rounds"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["members.id"],
            name=op.f("fk_nominations_submitted_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name=op.f("fk_nominations_unit_id_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nominations")),
    )
    with op.batch_alter_table("nominations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nominations_round_id"), ["round_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_nominations_submitted_by_id"), ["submitted_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_nominations_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_nominations_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "nomination_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("file_id", sa.String(length=300), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.id"],
            name=op.f("fk_nomination_files_nomination_id_nominations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nomination_files")),
    )
    with op.batch_alter_table("nomination_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nomination_files_nomination_id"), ["nomination_id"], unique=False
        )

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_input", sa.JSON(), nullable=True))

    op.bulk_insert(
        award_forms,
        [
            {
                "code": code,
                "name_vi": name_vi,
                "name_en": name_en,
                "target": target,
                "proposed_upward": upward,
                "active": True,
                "position": position,
            }
            for position, (code, name_vi, name_en, target, upward) in enumerate(AWARD_FORMS)
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("pending_input")

    with op.batch_alter_table("nomination_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nomination_files_nomination_id"))

    op.drop_table("nomination_files")
    with op.batch_alter_table("nominations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nominations_updated_at"))
        batch_op.drop_index(batch_op.f("ix_nominations_unit_id"))
        batch_op.drop_index(batch_op.f("ix_nominations_submitted_by_id"))
        batch_op.drop_index(batch_op.f("ix_nominations_round_id"))

    op.drop_table("nominations")
    op.drop_table("nomination_rounds")
    op.drop_table("award_forms")
