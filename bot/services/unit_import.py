"""Loads units and emulation clusters from a CSV or XLSX sheet (code, name, kind, cluster)."""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from models import Cluster, Unit, UnitKind

REQUIRED_COLUMNS = ("code", "name", "kind", "cluster")
# The optional column `leader` marks the cluster's leading unit (cụm trưởng).
LEADER_MARKS = {"x", "1", "yes", "true", "có", "cụm trưởng"}

KIND_NAMES: dict[str, UnitKind] = {
    **{kind.value: kind for kind in UnitKind},
    "xã": UnitKind.COMMUNE,
    "phường": UnitKind.WARD,
    "thị trấn": UnitKind.TOWNSHIP,
    "cơ quan": UnitKind.AGENCY,
    "trường học": UnitKind.SCHOOL,
    "trường": UnitKind.SCHOOL,
    "doanh nghiệp": UnitKind.ENTERPRISE,
    "khác": UnitKind.OTHER,
}


class UnitSheetError(ValueError):
    """The sheet cannot be imported; `reason` is a key, `row` the 1-based sheet row if any."""

    def __init__(self, reason: str, row: int | None = None, value: str = "") -> None:
        super().__init__(f"{reason} (row {row}): {value}")
        self.reason = reason
        self.row = row
        self.value = value


@dataclass
class UnitRow:
    code: str
    name: str
    kind: UnitKind
    cluster: str | None
    leader: bool = False


@dataclass
class UnitImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    clusters_created: list[str] = field(default_factory=list)


def _clean(value: object) -> str:
    return unicodedata.normalize("NFC", str(value if value is not None else "")).strip()


def parse_kind(raw: str) -> UnitKind | None:
    return KIND_NAMES.get(" ".join(_clean(raw).lower().split()))


def read_unit_rows(path: Path) -> list[UnitRow]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw_rows = _csv_rows(path)
    elif suffix in (".xlsx", ".xlsm"):
        raw_rows = _xlsx_rows(path)
    else:
        raise UnitSheetError("format", value=path.suffix)
    if not raw_rows:
        raise UnitSheetError("empty")
    header = [_clean(cell).lower() for cell in raw_rows[0]]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise UnitSheetError("columns", value=", ".join(missing))
    index = {column: header.index(column) for column in REQUIRED_COLUMNS}
    rows: list[UnitRow] = []
    seen: set[str] = set()
    for number, raw in enumerate(raw_rows[1:], start=2):
        cells = [_clean(cell) for cell in raw]
        if not any(cells):
            continue
        if suffix == ".csv" and any(cells[len(header) :]):
            # More fields than columns: most likely a name with an unquoted comma, which would
            # shift every later field into the wrong column.
            raise UnitSheetError("fields", number, str(len(header)))
        cells += [""] * (len(header) - len(cells))
        code, name = cells[index["code"]], cells[index["name"]]
        if not code or not name:
            raise UnitSheetError("blank", number)
        if len(code) > 50 or len(name) > 300:
            raise UnitSheetError("too-long", number, code)
        if code in seen:
            raise UnitSheetError("duplicate", number, code)
        seen.add(code)
        kind = parse_kind(cells[index["kind"]]) if cells[index["kind"]] else UnitKind.OTHER
        if kind is None:
            raise UnitSheetError("kind", number, cells[index["kind"]])
        mark = cells[header.index("leader")].lower() if "leader" in header else ""
        if mark and mark not in LEADER_MARKS:
            # Also what a cluster name with an unquoted comma leaves in this column.
            raise UnitSheetError("leader", number, cells[header.index("leader")])
        leader = mark in LEADER_MARKS
        rows.append(UnitRow(code, name, kind, cells[index["cluster"]] or None, leader))
    if not rows:
        raise UnitSheetError("empty")
    return rows


def _csv_rows(path: Path) -> list[list[str]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnitSheetError("encoding") from exc
    # The delimiter is the one the header row uses: guessing from the whole sample fails as
    # soon as one row has fewer or more fields than the others.
    header = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",;\t", key=header.count) if any(c in header for c in ",;\t") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _xlsx_rows(path: Path) -> list[list[str]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnitSheetError("format", value=path.suffix) from exc
    sheet = workbook.worksheets[0]
    rows = [
        ["" if cell is None else str(cell) for cell in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    workbook.close()
    return rows


async def import_units(
    session: AsyncSession, rows: list[UnitRow], *, now: datetime
) -> UnitImportResult:
    """Creates or updates units by code, creating clusters by name; one transaction.

    A row marked as its cluster's leader (cụm trưởng) makes that unit the cluster's leader.
    """
    result = UnitImportResult()
    clusters = {c.name: c for c in await session.scalars(select(Cluster))}
    for name in dict.fromkeys(row.cluster for row in rows if row.cluster):
        if name not in clusters:
            clusters[name] = Cluster(name=name)
            session.add(clusters[name])
            result.clusters_created.append(name)
    await session.flush()
    units = {u.code: u for u in await session.scalars(select(Unit))}
    for row in rows:
        cluster_id = clusters[row.cluster].id if row.cluster else None
        unit = units.get(row.code)
        if unit is None:
            unit = Unit(
                code=row.code,
                name=row.name,
                kind=row.kind,
                cluster_id=cluster_id,
                active=True,
            )
            session.add(unit)
            units[row.code] = unit
            result.created += 1
        elif (unit.name, unit.kind, unit.cluster_id) != (row.name, row.kind, cluster_id):
            unit.name, unit.kind, unit.cluster_id = row.name, row.kind, cluster_id
            result.updated += 1
        else:
            result.unchanged += 1
    await session.flush()
    for row in rows:
        if row.leader and row.cluster:
            clusters[row.cluster].leader_unit_id = units[row.code].id
    audit.record(
        session,
        at=now,
        action="import-units",
        entity="unit",
        entity_id=None,
        details={
            "created": result.created,
            "updated": result.updated,
            "clusters_created": result.clusters_created,
        },
    )
    await session.commit()
    return result
