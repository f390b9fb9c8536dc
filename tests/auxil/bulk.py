"""Many units with one registered head each, inserted in bulk for load-style tests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Cluster, Member, Unit


async def add_units_with_heads(
    session: AsyncSession,
    count: int,
    *,
    first_user_id: int,
    now: datetime,
    units_per_cluster: int = 100,
    language: str = "vi",
) -> list[int]:
    """Creates `count` units in clusters of `units_per_cluster`; returns the heads' user ids."""
    clusters = [
        {"name": f"Cụm thi đua kiểm thử {index + 1}"}
        for index in range(-(-count // units_per_cluster))
    ]
    await session.execute(insert(Cluster), clusters)
    cluster_ids = list(
        await session.scalars(
            select(Cluster.id)
            .where(Cluster.name.like("Cụm thi đua kiểm thử %"))
            .order_by(Cluster.id)
        )
    )
    await session.execute(
        insert(Unit),
        [
            {
                "code": f"B{index:05d}",
                "name": f"UBND xã Kiểm Thử {index}",
                "kind": "commune",
                "cluster_id": cluster_ids[index // units_per_cluster],
                "active": True,
            }
            for index in range(count)
        ],
    )
    unit_ids = list(
        await session.scalars(select(Unit.id).where(Unit.code.like("B%")).order_by(Unit.code))
    )
    user_ids = [first_user_id + index for index in range(count)]
    await session.execute(
        insert(Member),
        [
            {
                "telegram_id": user_id,
                "full_name": f"Trưởng đơn vị {index}",
                "language": language,
                "role": "head",
                "unit_id": unit_ids[index],
                "active": True,
                "reachable": True,
                "created_at": now,
            }
            for index, user_id in enumerate(user_ids)
        ],
    )
    await session.commit()
    return user_ids
