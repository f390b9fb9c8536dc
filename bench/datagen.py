"""Synthetic directories at district, province and national scale.

N units in N/100 clusters, one registered head per unit, a plan of 20 tasks a quarter and
realistic completion: most of the past quarter is done, less of the current one, little of
the future, about half of all tasks overall.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.deadlines import quarter_end
from models import Cluster, Member, Plan, Task, TaskReport, Unit

TASKS_PER_QUARTER = 20
FIRST_TELEGRAM_ID = 10_000_000
# Share of units that have done a task, by the task's quarter (the year's middle: quarter II).
DONE_BY_QUARTER = {1: 0.9, 2: 0.6, 3: 0.3, 4: 0.2}
CHUNK = 5000

PLACES = (
    "Trị An Tân An Thiện Tân Bình Lợi Tân Định Quán Phú Lý Mã Đà Hiếu Liêm Vĩnh Tân "
    "Thạnh Phú Bình Hòa Tân Bình Phước Thái Hưng Thịnh Long Thành Nhơn Trạch Xuân Lộc"
).split()
ACTIVITIES = (
    "Tổ chức phát động phong trào thi đua",
    "Xây dựng kế hoạch và đăng ký danh hiệu thi đua",
    "Sơ kết, đánh giá kết quả phong trào thi đua",
    "Báo cáo kết quả thực hiện công tác thi đua, khen thưởng",
    "Kiểm tra việc thực hiện phong trào thi đua tại cơ sở",
    "Tuyên truyền, nhân rộng điển hình tiên tiến",
    "Tổng hợp hồ sơ đề nghị khen thưởng",
)


@dataclass(frozen=True)
class Dataset:
    units: int
    year: int
    plan_id: int
    head_ids: list[int]  # Telegram ids of the heads, one per unit, in unit order
    head_names: list[str]
    reports: int


def unit_name(index: int) -> str:
    first = PLACES[index % len(PLACES)]
    second = PLACES[(index // len(PLACES)) % len(PLACES)]
    return f"UBND xã {first} {second} {index}"


async def _insert(session: AsyncSession, model: type, rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(model), rows[start : start + CHUNK])


async def generate(session: AsyncSession, units: int, *, year: int, seed: int = 2026) -> Dataset:
    """Adds the directory, the plan and its reports; returns what was made."""
    rng = random.Random(seed)
    now = datetime(year, 6, 1, tzinfo=UTC)
    clusters = max(1, -(-units // 100))
    prefix = f"bench{seed}"
    await _insert(
        session,
        Cluster,
        [{"name": f"Cụm thi đua số {c + 1} ({prefix})"} for c in range(clusters)],
    )
    cluster_ids = list(
        await session.scalars(
            select(Cluster.id).where(Cluster.name.like(f"% ({prefix})")).order_by(Cluster.id)
        )
    )
    await _insert(
        session,
        Unit,
        [
            {
                "code": f"{prefix}-{index:05d}",
                "name": unit_name(index),
                "kind": "commune",
                "cluster_id": cluster_ids[index * clusters // units],
                "active": True,
            }
            for index in range(units)
        ],
    )
    unit_ids = list(
        await session.scalars(
            select(Unit.id).where(Unit.code.like(f"{prefix}-%")).order_by(Unit.code)
        )
    )
    first_id = FIRST_TELEGRAM_ID + seed * 1_000_000
    head_ids = [first_id + index for index in range(units)]
    head_names = [f"Nguyễn Văn {PLACES[index % len(PLACES)]} {index}" for index in range(units)]
    await _insert(
        session,
        Member,
        [
            {
                "telegram_id": telegram_id,
                "full_name": head_names[index],
                "language": "en" if index % 10 == 9 else "vi",
                "role": "head",
                "unit_id": unit_ids[index],
                "active": True,
                "reachable": True,
                "created_at": now,
            }
            for index, telegram_id in enumerate(head_ids)
        ],
    )
    member_ids = list(
        await session.scalars(
            select(Member.id)
            .where(Member.telegram_id.between(first_id, first_id + units - 1))
            .order_by(Member.telegram_id)
        )
    )
    plan = Plan(
        year=year,
        number=f"{seed}/KH-UBND",
        title=f"Kế hoạch công tác thi đua, khen thưởng năm {year} ({prefix})",
        issued_on=date(year, 1, 15),
        created_at=now,
    )
    session.add(plan)
    await session.flush()
    tasks = []
    for quarter in range(1, 5):
        for position in range(TASKS_PER_QUARTER):
            activity = ACTIVITIES[(quarter * 7 + position) % len(ACTIVITIES)]
            tasks.append(
                {
                    "plan_id": plan.id,
                    "quarter": quarter,
                    "position": position,
                    "title": f"{activity} (nội dung {position + 1}, quý {quarter})",
                    "deadline": quarter_end(year, quarter),
                }
            )
    await _insert(session, Task, tasks)
    task_rows = (
        await session.execute(
            select(Task.id, Task.quarter).where(Task.plan_id == plan.id).order_by(Task.id)
        )
    ).all()
    reports: list[dict[str, object]] = []
    report_count = 0
    for offset, unit_id in enumerate(unit_ids):
        for task_id, quarter in task_rows:
            if rng.random() < DONE_BY_QUARTER[quarter]:
                done_at = now - timedelta(days=rng.randint(0, 120))
                reports.append(
                    {
                        "task_id": task_id,
                        "unit_id": unit_id,
                        "done": True,
                        "done_at": done_at,
                        "reported_by_id": member_ids[offset],
                        "updated_at": done_at,
                    }
                )
        if len(reports) >= CHUNK:
            # In slices: 150,000 units have 6 million reports, too many to hold as dicts.
            await _insert(session, TaskReport, reports)
            report_count += len(reports)
            reports = []
    await _insert(session, TaskReport, reports)
    report_count += len(reports)
    await session.commit()
    return Dataset(units, year, plan.id, head_ids, head_names, report_count)
