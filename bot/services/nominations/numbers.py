"""Nomination numbers: one per filed nomination, the next after the highest given."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import Nomination


async def give_number(session: AsyncSession, nomination_id: int) -> None:
    """The next number after the highest given, once a nomination is filed.

    Two processes filing at once may pick the same number: the unique constraint refuses the
    second, which tries again in a savepoint and reads the number the first one committed.
    """
    next_number = select(func.coalesce(func.max(Nomination.number), 0) + 1).scalar_subquery()
    for _attempt in range(20):
        try:
            async with session.begin_nested():
                await session.execute(
                    update(Nomination)
                    .where(Nomination.id == nomination_id, Nomination.number.is_(None))
                    .values(number=next_number)
                    .execution_options(synchronize_session=False)
                )
            return
        except IntegrityError:
            continue
    raise RuntimeError(f"no free number for nomination {nomination_id}")
