"""Loads award history and yearly ratings from a CSV or XLSX sheet (`import-awards`,
`import-ratings`): same reading, errors and idempotence as the unit import."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.unit_import import UnitSheetError, _clean, _csv_rows, _xlsx_rows
from models import AwardForm, AwardRecord, Rating, Target, Unit, YearRating

AWARD_COLUMNS = ("kind", "name", "unit", "award", "year")
AWARD_OPTIONAL = ("position", "decision_no", "decision_date", "authority", "thematic", "code")
RATING_COLUMNS = ("kind", "name", "unit", "year", "rating")
RATING_OPTIONAL = ("code", "discipline")
MARKS = {"x", "1", "yes", "true", "có"}

KIND_NAMES = {
    "individual": Target.INDIVIDUAL,
    "cá nhân": Target.INDIVIDUAL,
    "ca nhan": Target.INDIVIDUAL,
    "collective": Target.COLLECTIVE,
    "tập thể": Target.COLLECTIVE,
    "tap the": Target.COLLECTIVE,
}

RATING_NAMES = {
    **{rating.value: rating for rating in Rating},
    "hoàn thành xuất sắc nhiệm vụ": Rating.HTXS,
    "hoàn thành tốt nhiệm vụ": Rating.HTT,
    "hoàn thành nhiệm vụ": Rating.HT,
    "không hoàn thành nhiệm vụ": Rating.KHT,
}


class HistorySheetError(UnitSheetError):
    """The sheet cannot be imported; `reason` a key, `row` the 1-based sheet row if any."""


def person_key(name: str | None) -> str:
    """A person's name folded for matching: case and spacing do not matter."""
    return " ".join(_clean(name or "").casefold().split())


def parse_period(raw: str) -> tuple[int, int] | None:
    """'2024', or a decision's period '2023-2024' (also with – or /)."""
    match = re.fullmatch(r"\s*(\d{4})(?:\.0)?\s*(?:[-–/]\s*(\d{4}))?\s*", raw)
    if not match:
        return None
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if not 1945 <= first <= last <= 2100 or last - first > 10:
        return None
    return first, last


def parse_day(raw: str) -> date | None:
    text = raw.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def parse_rating(raw: str) -> Rating | None:
    return RATING_NAMES.get(" ".join(_clean(raw).lower().split()))


@dataclass
class AwardRow:
    row: int
    target: Target
    name: str | None
    unit: str
    position: str | None
    award: str
    years: tuple[int, int]
    decision_no: str
    decision_date: date | None
    authority: str | None
    thematic: bool
    code: str | None


@dataclass
class RatingRow:
    row: int
    target: Target
    name: str | None
    unit: str
    year: int
    rating: Rating
    discipline: bool
    code: str | None


@dataclass
class HistoryImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _sheet(path: Path, required: tuple[str, ...]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw_rows = _csv_rows(path)
    elif suffix in (".xlsx", ".xlsm"):
        raw_rows = _xlsx_rows(path)
    else:
        raise HistorySheetError("format", value=path.suffix)
    raw_rows = [row for row in raw_rows if any(_clean(cell) for cell in row)]
    if not raw_rows:
        raise HistorySheetError("empty")
    header = [_clean(cell).lower() for cell in raw_rows[0]]
    missing = [column for column in required if column not in header]
    if missing:
        raise HistorySheetError("columns", value=", ".join(missing))
    rows: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(raw_rows[1:], start=2):
        cells = [_clean(cell) for cell in raw]
        if suffix == ".csv" and any(cells[len(header) :]):
            raise HistorySheetError("fields", number, str(len(header)))
        cells += [""] * (len(header) - len(cells))
        rows.append((number, cells))
    if not rows:
        raise HistorySheetError("empty")
    return header, rows


def _who(number: int, get: dict[str, str]) -> tuple[Target, str | None, str]:
    kind = KIND_NAMES.get(" ".join(get["kind"].lower().split()))
    if kind is None:
        raise HistorySheetError("kind", number, get["kind"])
    name = get["name"] or None
    if not get["unit"] or (kind is Target.INDIVIDUAL and not name):
        raise HistorySheetError("blank", number)
    if len(name or "") > 300 or len(get["unit"]) > 50:
        raise HistorySheetError("too-long", number, name or get["unit"])
    return kind, (name if kind is Target.INDIVIDUAL else None), get["unit"]


def _mark(number: int, column: str, value: str) -> bool:
    if value and value.lower() not in MARKS:
        raise HistorySheetError(column, number, value)
    return bool(value)


def read_award_rows(path: Path) -> list[AwardRow]:
    header, rows = _sheet(path, AWARD_COLUMNS)
    result: list[AwardRow] = []
    for number, cells in rows:
        get = {
            c: cells[header.index(c)] if c in header else ""
            for c in (*AWARD_COLUMNS, *AWARD_OPTIONAL)
        }
        target, name, unit = _who(number, get)
        if not get["award"]:
            raise HistorySheetError("blank", number)
        years = parse_period(get["year"])
        if years is None:
            raise HistorySheetError("year", number, get["year"])
        decided = parse_day(get["decision_date"]) if get["decision_date"] else None
        if get["decision_date"] and decided is None:
            raise HistorySheetError("date", number, get["decision_date"])
        result.append(
            AwardRow(
                number,
                target,
                name,
                unit,
                get["position"] or None,
                get["award"],
                years,
                get["decision_no"][:100],
                decided,
                get["authority"][:300] or None,
                _mark(number, "thematic", get["thematic"]),
                get["code"][:50] or None,
            )
        )
    return result


def read_rating_rows(path: Path) -> list[RatingRow]:
    header, rows = _sheet(path, RATING_COLUMNS)
    result: list[RatingRow] = []
    seen: set[tuple[str, str, int]] = set()
    for number, cells in rows:
        get = {
            c: cells[header.index(c)] if c in header else ""
            for c in (*RATING_COLUMNS, *RATING_OPTIONAL)
        }
        target, name, unit = _who(number, get)
        years = parse_period(get["year"])
        if years is None or years[0] != years[1]:
            raise HistorySheetError("year", number, get["year"])
        rating = parse_rating(get["rating"])
        if rating is None:
            raise HistorySheetError("rating", number, get["rating"])
        key = (unit, person_key(name), years[0])
        if key in seen:
            raise HistorySheetError("duplicate", number, f"{name or unit} {years[0]}")
        seen.add(key)
        result.append(
            RatingRow(
                number,
                target,
                name,
                unit,
                years[0],
                rating,
                _mark(number, "discipline", get["discipline"]),
                get["code"][:50] or None,
            )
        )
    return result


async def _units(session: AsyncSession, codes: list[tuple[int, str]]) -> dict[str, Unit]:
    units = {u.code: u for u in await session.scalars(select(Unit))}
    for number, code in codes:
        if code not in units:
            raise HistorySheetError("unit", number, code)
    return units


def _award_lookup(forms: list[AwardForm]) -> dict[tuple[str, str], AwardForm]:
    lookup: dict[tuple[str, str], AwardForm] = {}
    for form in forms:
        for label in (form.code, form.name_vi, form.name_en):
            key = (form.target, " ".join(label.casefold().split()))
            # An active form wins over a retired one of the same name.
            if key not in lookup or (form.active and not lookup[key].active):
                lookup[key] = form
    return lookup


async def import_awards(
    session: AsyncSession, rows: list[AwardRow], *, now: datetime
) -> HistoryImportResult:
    """Creates or updates award records, matched by unit, person, award, period end and
    decision number; one transaction. Raises HistorySheetError (nothing stored) for an unknown
    unit or award."""
    units = await _units(session, [(r.row, r.unit) for r in rows])
    lookup = _award_lookup(list(await session.scalars(select(AwardForm))))
    existing = {
        (r.unit_id, r.person_key, r.award_form_id, r.year_to, r.decision_no): r
        for r in await session.scalars(select(AwardRecord))
    }
    result = HistoryImportResult()
    seen: set[tuple[int, str, int, int, str]] = set()
    for row in rows:
        form = lookup.get((row.target, " ".join(row.award.casefold().split())))
        if form is None:
            raise HistorySheetError("award", row.row, row.award)
        unit = units[row.unit]
        key = (unit.id, person_key(row.name), form.id, row.years[1], row.decision_no)
        if key in seen:
            raise HistorySheetError("duplicate", row.row, f"{row.name or row.unit} {row.award}")
        seen.add(key)
        values = {
            "target": row.target,
            "person_name": row.name,
            "person_code": row.code,
            "position": row.position,
            "year_from": row.years[0],
            "decision_date": row.decision_date,
            "authority": row.authority,
            "thematic": row.thematic,
        }
        record = existing.get(key)
        if record is None:
            session.add(
                AwardRecord(
                    unit_id=unit.id,
                    person_key=key[1],
                    award_form_id=form.id,
                    year_to=row.years[1],
                    decision_no=row.decision_no,
                    created_at=now,
                    **values,
                )
            )
            result.created += 1
        else:
            _update(record, values, result)
    _audit(session, "import-awards", "award_record", result, now)
    await session.commit()
    return result


async def import_ratings(
    session: AsyncSession, rows: list[RatingRow], *, now: datetime
) -> HistoryImportResult:
    """Creates or updates yearly ratings, matched by unit, person and year; one transaction."""
    units = await _units(session, [(r.row, r.unit) for r in rows])
    existing = {
        (r.unit_id, r.person_key, r.year): r for r in await session.scalars(select(YearRating))
    }
    result = HistoryImportResult()
    for row in rows:
        unit = units[row.unit]
        key = (unit.id, person_key(row.name), row.year)
        values = {
            "target": row.target,
            "person_name": row.name,
            "person_code": row.code,
            "rating": row.rating,
            "discipline": row.discipline,
        }
        record = existing.get(key)
        if record is None:
            session.add(
                YearRating(
                    unit_id=unit.id, person_key=key[1], year=row.year, created_at=now, **values
                )
            )
            result.created += 1
        else:
            _update(record, values, result)
    _audit(session, "import-ratings", "year_rating", result, now)
    await session.commit()
    return result


def _update(record: object, values: Mapping[str, object], result: HistoryImportResult) -> None:
    """A row already stored: its values changed (counted as updated) or not (unchanged)."""
    if any(getattr(record, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(record, name, value)
        result.updated += 1
    else:
        result.unchanged += 1


def _audit(
    session: AsyncSession, action: str, entity: str, result: HistoryImportResult, now: datetime
) -> None:
    if not (result.created or result.updated):
        return
    audit.record(
        session,
        at=now,
        action=action,
        entity=entity,
        entity_id=None,
        details={"created": result.created, "updated": result.updated},
    )
