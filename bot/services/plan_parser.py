"""Reads a TĐKT plan document (.txt or .docx) into a plan header and quarterly task lists."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.services.deadlines import ROMAN_QUARTERS, quarter_end

MAX_TASK_TITLE = 2000

_QUARTER_HEADING = re.compile(r"^(?:\d+\s*[.)]\s*)?Quý\s+(IV|I{1,3}|[1-4])\b\s*:?\s*$", re.I)
_ROMAN_SECTION = re.compile(r"^(?:I|II|III|IV|V|VI|VII|VIII|IX|X)\s*[.)]\s+\S")
_BULLET = re.compile(r"^\s*[-–—•+*]\s*(.+?)\s*$")
_ISSUED = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I)
_NUMBER = re.compile(r"^\s*Số\s*:?\s*([0-9A-Za-zĐđ/\-.]+)", re.I)
_YEAR = re.compile(r"\bnăm\s+(\d{4})\b", re.I)


class PlanParseError(ValueError):
    """The document is not a plan this bot can read; `reason` names the problem."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class ParsedTask:
    quarter: int
    title: str
    deadline: date


@dataclass
class ParsedPlan:
    year: int
    title: str
    number: str | None = None
    issued_on: date | None = None
    tasks: list[ParsedTask] = field(default_factory=list)

    def tasks_in(self, quarter: int) -> list[ParsedTask]:
        return [task for task in self.tasks if task.quarter == quarter]


@dataclass
class _Line:
    text: str
    is_list_item: bool = False


def read_lines(path: Path) -> list[_Line]:
    """The document's paragraphs in order; .docx list paragraphs are marked as list items."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _docx_lines(path)
    if suffix in (".txt", ".text", ""):
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "utf-16"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise PlanParseError("encoding")
        return [_Line(line) for line in text.splitlines()]
    raise PlanParseError("format")


def _docx_lines(path: Path) -> list[_Line]:
    import zipfile

    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = Document(str(path))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise PlanParseError("format") from exc
    lines = []
    for paragraph in document.paragraphs:
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        numbered = paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
        lines.append(_Line(paragraph.text, "List" in style or numbered))
    return lines


def parse_plan_file(path: Path, year: int | None = None) -> ParsedPlan:
    return parse_plan_lines(read_lines(path), year)


def parse_plan_text(text: str, year: int | None = None) -> ParsedPlan:
    return parse_plan_lines([_Line(line) for line in text.splitlines()], year)


def parse_plan_lines(lines: list[_Line], year: int | None = None) -> ParsedPlan:
    lines = [_Line(unicodedata.normalize("NFC", line.text), line.is_list_item) for line in lines]
    title = _title(lines)
    issued_on = _issued_on(lines)
    if not _tasks(lines, 2000):
        raise PlanParseError("no-tasks")
    plan_year = year or _year(title, issued_on)
    if plan_year is None:
        raise PlanParseError("year")
    tasks = _tasks(lines, plan_year)
    return ParsedPlan(
        year=plan_year,
        title=title or f"Kế hoạch công tác thi đua, khen thưởng năm {plan_year}",
        number=_number(lines),
        issued_on=issued_on,
        tasks=tasks,
    )


def _title(lines: list[_Line]) -> str | None:
    """The lines after the 'KẾ HOẠCH' heading up to the next blank line."""
    for index, line in enumerate(lines):
        if line.text.strip().upper() == "KẾ HOẠCH":
            parts = []
            for following in lines[index + 1 :]:
                text = following.text.strip()
                if not text:
                    if parts:
                        break
                    continue
                parts.append(text)
            return " ".join(parts)[:500] or None
    return None


def _issued_on(lines: list[_Line]) -> date | None:
    for line in lines[:30]:
        match = _ISSUED.search(line.text)
        if match:
            try:
                return date(int(match[3]), int(match[2]), int(match[1]))
            except ValueError:
                return None
    return None


def _number(lines: list[_Line]) -> str | None:
    for line in lines[:30]:
        match = _NUMBER.match(line.text)
        if match and "/" in match[1]:
            return match[1]
    return None


def _year(title: str | None, issued_on: date | None) -> int | None:
    if title:
        match = _YEAR.search(title)
        if match:
            return int(match[1])
    return issued_on.year if issued_on else None


def _tasks(lines: list[_Line], year: int) -> list[ParsedTask]:
    tasks: list[ParsedTask] = []
    quarter: int | None = None
    for line in lines:
        text = line.text.strip()
        if not text:
            continue
        heading = _QUARTER_HEADING.match(text)
        if heading:
            token = heading[1].upper()
            quarter = ROMAN_QUARTERS.get(token) or int(token)
            continue
        if quarter is None:
            continue
        if _ROMAN_SECTION.match(text):
            quarter = None
            continue
        bullet = _BULLET.match(text)
        title = bullet[1] if bullet else (text if line.is_list_item else None)
        if title:
            tasks.append(ParsedTask(quarter, title[:MAX_TASK_TITLE], quarter_end(year, quarter)))
    return tasks
