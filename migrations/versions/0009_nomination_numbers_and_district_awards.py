"""nomination numbers; district award forms kept for history only

Nominations get the number users see, given when a nomination is first filed: drafts, edit
copies and abandoned drafts no longer take numbers, so the numbering has no gaps. Every
nomination already filed keeps the number it was shown with until now (its id).

The districts were abolished on 01/07/2025: the award forms of a district chairman, seeded by
0003, become historical (inactive, never offered again) and stay for the nominations that
name them. Their English names said "Certificate of Merit" (a Bằng khen); a Giấy khen is a
Certificate of Commendation.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_DISTRICT_EN = "Certificate of Merit of the District People's Committee Chairman"
NEW_DISTRICT_EN = "Certificate of Commendation of the District People's Committee Chairman"
UNFILED = ("draft", "abandoned")


def upgrade() -> None:
    with op.batch_alter_table("award_forms", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("historical", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("nominations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_nominations_number"), ["number"])

    nominations = sa.table(
        "nominations",
        sa.column("id", sa.Integer()),
        sa.column("number", sa.Integer()),
        sa.column("status", sa.String()),
    )
    op.execute(
        nominations.update()
        .where(nominations.c.status.not_in(UNFILED))
        .values(number=nominations.c.id)
    )

    awards = sa.table(
        "award_forms",
        sa.column("code", sa.String()),
        sa.column("name_vi", sa.String()),
        sa.column("name_en", sa.String()),
        sa.column("active", sa.Boolean()),
        sa.column("historical", sa.Boolean()),
    )
    # Forms seeded for a district chairman, and any an officer added naming a district.
    district = sa.or_(
        awards.c.name_vi.like("%UBND huyện%"),
        awards.c.name_vi.like("%cấp huyện%"),
        awards.c.name_vi.like("%Ủy ban nhân dân huyện%"),
    )
    op.execute(awards.update().where(district).values(active=False, historical=True))
    op.execute(
        awards.update()
        .where(awards.c.code.in_(("GK-CN", "GK-TT")), awards.c.name_en == OLD_DISTRICT_EN)
        .values(name_en=NEW_DISTRICT_EN)
    )


def downgrade() -> None:
    awards = sa.table(
        "award_forms",
        sa.column("code", sa.String()),
        sa.column("name_en", sa.String()),
        sa.column("active", sa.Boolean()),
        sa.column("historical", sa.Boolean()),
    )
    op.execute(awards.update().where(awards.c.historical.is_(True)).values(active=True))
    op.execute(
        awards.update()
        .where(awards.c.code.in_(("GK-CN", "GK-TT")), awards.c.name_en == NEW_DISTRICT_EN)
        .values(name_en=OLD_DISTRICT_EN)
    )
    with op.batch_alter_table("nominations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_nominations_number"), type_="unique")
        batch_op.drop_column("number")
    with op.batch_alter_table("award_forms", schema=None) as batch_op:
        batch_op.drop_column("historical")
