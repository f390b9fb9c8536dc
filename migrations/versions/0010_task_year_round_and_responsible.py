"""tasks: year-round flag and responsible body

A plan's year-round tasks ("thường xuyên", "cả năm") are due 31/12 and get no countdown; the
body a plan names as responsible for a task ("Phòng Nội vụ chủ trì") is kept with it. Existing
tasks are not year-round and have no responsible body recorded.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch copy: on SQLite a batch recreates the table, and dropping
    # the old one cascades to the task reports.
    op.add_column(
        "tasks", sa.Column("year_round", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("tasks", sa.Column("responsible", sa.String(length=300), nullable=True))


def downgrade() -> None:
    # DROP COLUMN in place (SQLite 3.35+) for the same reason.
    op.drop_column("tasks", "responsible")
    op.drop_column("tasks", "year_round")
