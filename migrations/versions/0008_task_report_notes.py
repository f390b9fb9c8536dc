"""every note and file of a task report kept, in order, with time and author

A report held one note and one file, so each new note or file replaced the last. Notes and
files move to their own table, one row each; the note and file already stored on a report
become its first row (dated when the report was last changed, by who reported it), so nothing
is lost on upgrade.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_report_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("file_id", sa.String(length=300), nullable=True),
        sa.Column("file_name", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_task_report_notes_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_report_notes")),
    )
    op.create_index(
        op.f("ix_task_report_notes_report_id"), "task_report_notes", ["report_id"], unique=False
    )
    op.execute(
        "INSERT INTO task_report_notes (report_id, at, member_id, note, file_id, file_name) "
        "SELECT id, updated_at, reported_by_id, note, file_id, file_name FROM task_reports "
        "WHERE note IS NOT NULL OR file_id IS NOT NULL ORDER BY id"
    )
    with op.batch_alter_table("task_reports", schema=None) as batch_op:
        batch_op.drop_column("file_name")
        batch_op.drop_column("file_id")
        batch_op.drop_column("note")
    # Only now the notes point at their reports: on SQLite the batch above rebuilds
    # task_reports (drops and recreates it), which would delete the notes by the cascade.
    with op.batch_alter_table("task_report_notes", schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_task_report_notes_report_id_task_reports"),
            "task_reports",
            ["report_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("task_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("file_id", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("file_name", sa.String(length=300), nullable=True))
    # One note and one file fit back: the latest of each.
    op.execute(
        "UPDATE task_reports SET "
        "note = (SELECT n.note FROM task_report_notes n WHERE n.report_id = task_reports.id "
        "AND n.note IS NOT NULL ORDER BY n.id DESC LIMIT 1), "
        "file_id = (SELECT n.file_id FROM task_report_notes n "
        "WHERE n.report_id = task_reports.id AND n.file_id IS NOT NULL "
        "ORDER BY n.id DESC LIMIT 1), "
        "file_name = (SELECT n.file_name FROM task_report_notes n "
        "WHERE n.report_id = task_reports.id AND n.file_id IS NOT NULL "
        "ORDER BY n.id DESC LIMIT 1)"
    )
    op.drop_index(op.f("ix_task_report_notes_report_id"), table_name="task_report_notes")
    op.drop_table("task_report_notes")
