"""channels: members reached on Zalo beside Telegram, and a channel-aware outbox

Every existing member and outbox row stays on Telegram (`channel` = 'telegram'). A member's
Telegram id becomes optional (a Zalo-only member has none); ids on other channels go into
`channel_identities` (unique per channel). An outbox row names its channel, and for channels
whose chat ids are not numbers (Zalo: hex strings) carries the chat in `chat_ref`.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_channel_identities_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_identities")),
        sa.UniqueConstraint(
            "channel", "external_id", name=op.f("uq_channel_identities_channel_external_id")
        ),
    )
    op.create_index(
        op.f("ix_channel_identities_member_id"),
        "channel_identities",
        ["member_id"],
        unique=False,
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=20), server_default="telegram", nullable=False)
        )
        batch_op.alter_column("telegram_id", existing_type=sa.BigInteger(), nullable=True)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=20), server_default="telegram", nullable=False)
        )
        batch_op.add_column(sa.Column("chat_ref", sa.String(length=100), nullable=True))
        batch_op.alter_column("chat_id", existing_type=sa.BigInteger(), nullable=True)


def downgrade() -> None:
    # Rows of other channels cannot be kept in the old schema.
    op.execute("DELETE FROM outbox WHERE chat_id IS NULL")
    op.execute("DELETE FROM members WHERE telegram_id IS NULL")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("chat_id", existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_column("chat_ref")
        batch_op.drop_column("channel")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column("telegram_id", existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_column("channel")
    op.drop_index(op.f("ix_channel_identities_member_id"), table_name="channel_identities")
    op.drop_table("channel_identities")
