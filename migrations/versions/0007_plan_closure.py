"""plans can be closed

A plan's open tasks stay overdue (in /tasks, the digests and the weekly summary) until the
officer closes its year; `closed_at` records when. Until now a plan's tasks stopped counting
as overdue on their own: after the first quarter of the next year (its quarter IV), or on
1 January (quarters I-III). The plans whose tasks had already stopped counting that way when
this runs are closed now, so that an upgrade does not bring back years-old tasks as overdue;
the others (this year's, and last year's in the first quarter) stay open until the officer
closes them. Nothing else changes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 15:40:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("plans", sa.Column("closed_at", UTCDateTime(), nullable=True))
    now = datetime.now(UTC)
    # In the first quarter last year's quarter IV was still overdue: last year stays open.
    first_open_year = now.year - 1 if now.month <= 3 else now.year
    plans = sa.table("plans", sa.column("year", sa.Integer), sa.column("closed_at", UTCDateTime()))
    op.execute(
        plans.update()
        .where(plans.c.year < first_open_year, plans.c.closed_at.is_(None))
        .values(closed_at=now)
    )


def downgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("closed_at")
