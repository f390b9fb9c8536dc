"""Importing units and plans into the database: idempotent, validated, all-or-nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.invites import CODE_BYTES, Redemption, create_invite, hash_code, redeem_invite
from bot.services.members import Sender
from bot.services.plan_parser import parse_plan_file
from bot.services.plans import import_plan
from bot.services.unit_import import (
    UnitSheetError,
    import_units,
    parse_kind,
    read_unit_rows,
)
from models import AuditLog, Cluster, Invite, Member, Plan, Role, Task, Unit, UnitKind
from tests.conftest import PLAN_2020, UNITS_CSV, local

NOW = local(2020, 5, 15)


async def count(session: AsyncSession, model: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_plan_import_is_idempotent(session: AsyncSession) -> None:
    parsed = parse_plan_file(PLAN_2020)
    first = await import_plan(session, parsed, now=NOW)
    assert (first.created_plan, first.tasks_created, first.tasks_unchanged) == (True, 20, 0)
    second = await import_plan(session, parse_plan_file(PLAN_2020), now=NOW)
    assert (second.created_plan, second.tasks_created, second.tasks_unchanged) == (False, 0, 20)
    assert await count(session, Plan) == 1
    assert await count(session, Task) == 20
    per_quarter = dict(
        (await session.execute(select(Task.quarter, func.count()).group_by(Task.quarter))).all()
    )
    assert per_quarter == {1: 5, 2: 7, 3: 4, 4: 4}
    assert (
        await session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "import-plan")
        )
        == 1
    )


def test_unit_kinds_accept_english_and_vietnamese_names() -> None:
    assert parse_kind("Thị Trấn") is UnitKind.TOWNSHIP
    assert parse_kind("  xã ") is UnitKind.COMMUNE
    assert parse_kind("CƠ QUAN") is UnitKind.AGENCY
    assert parse_kind("enterprise") is UnitKind.ENTERPRISE
    assert parse_kind("huyện") is None


async def test_units_import_from_csv_and_update_from_xlsx(
    session: AsyncSession, tmp_path: Path
) -> None:
    result = await import_units(session, read_unit_rows(UNITS_CSV), now=NOW)
    assert (result.created, result.updated) == (5, 0)
    assert sorted(result.clusters_created) == [
        "Cụm thi đua số 1",
        "Cụm thi đua số 2",
        "Cụm thi đua số 3",
    ]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Code", "Name", "Kind", "Cluster"])
    sheet.append(["X-TA", "UBND xã Tân An (mới)", "xã", "Cụm thi đua số 1"])
    sheet.append(["P-TB", "UBND phường Tân Bình", "phường", "Cụm thi đua số 4"])
    path = tmp_path / "units.xlsx"
    workbook.save(path)
    again = await import_units(session, read_unit_rows(path), now=NOW)
    assert (again.created, again.updated, again.unchanged) == (1, 1, 0)
    leader = await session.scalar(select(Unit).where(Unit.code == "X-TP"))
    first_cluster = await session.scalar(select(Cluster).where(Cluster.name == "Cụm thi đua số 1"))
    assert leader is not None and first_cluster is not None
    assert first_cluster.leader_unit_id == leader.id
    unit = await session.scalar(select(Unit).where(Unit.code == "X-TA"))
    assert unit is not None and unit.name == "UBND xã Tân An (mới)"
    cluster = await session.get(Cluster, unit.cluster_id)
    assert cluster is not None and cluster.name == "Cụm thi đua số 1"
    assert await count(session, Unit) == 6


@pytest.mark.parametrize(
    "content,reason,row",
    [
        ("code,name\nA,B\n", "columns", None),
        ("code,name,kind,cluster\nA,Tên,huyện,C1\n", "kind", 2),
        ("code,name,kind,cluster\nA,Tên,xã,C1\nA,Tên khác,xã,C1\n", "duplicate", 3),
        ("code,name,kind,cluster\n,Tên,xã,C1\n", "blank", 2),
        ("code,name,kind,cluster\n", "empty", None),
    ],
)
def test_bad_unit_sheets_are_refused(
    tmp_path: Path, content: str, reason: str, row: int | None
) -> None:
    path = tmp_path / "units.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UnitSheetError) as error:
        read_unit_rows(path)
    assert (error.value.reason, error.value.row) == (reason, row)


async def test_invites_are_random_hashed_single_use_and_expire(session: AsyncSession) -> None:
    await import_units(session, read_unit_rows(UNITS_CSV), now=NOW)
    codes = {
        await create_invite(session, "PGD", Role.HEAD, now=NOW, ttl=timedelta(days=1))
        for _ in range(5)
    }
    assert len(codes) == 5
    assert all(len(code) >= (CODE_BYTES * 8) // 6 for code in codes)
    stored = set(await session.scalars(select(Invite.code_hash)))
    assert stored == {hash_code(code) for code in codes}
    assert not codes & stored, "codes are never stored in clear"

    code = codes.pop()
    first = await redeem_invite(session, code, Sender(1, "An", None, "vi"), language="vi", now=NOW)
    assert first.outcome is Redemption.OK and first.member is not None
    assert first.member.unit is not None and first.member.unit.code == "PGD"
    second = await redeem_invite(
        session, code, Sender(2, "Bình", None, "vi"), language="vi", now=NOW
    )
    assert second.outcome is Redemption.USED
    late = await redeem_invite(
        session,
        codes.pop(),
        Sender(2, "Bình", None, "vi"),
        language="vi",
        now=NOW + timedelta(days=2),
    )
    assert late.outcome is Redemption.EXPIRED
    assert await count(session, Member) == 1
