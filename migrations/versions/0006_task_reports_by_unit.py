"""task reports indexed by task, status and unit

The reminder pass reads, for the tasks in reach, which units have done them. An index on
(task_id, done, unit_id) answers that from the index alone, without visiting the table; it
also serves every lookup the single-column task index did, which it replaces.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 13:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_task_reports_task_done_unit", "task_reports", ["task_id", "done", "unit_id"]
    )
    op.drop_index("ix_task_reports_task_id", table_name="task_reports")


def downgrade() -> None:
    op.create_index("ix_task_reports_task_id", "task_reports", ["task_id"])
    op.drop_index("ix_task_reports_task_done_unit", table_name="task_reports")
