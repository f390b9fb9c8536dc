"""Reads a TĐKT plan document (.txt, .docx, text .pdf) into the plan's header, its tasks and the
lines it skipped inside the task sections (with the reason), in the shapes officials write plans:
tasks under quarter headings, tasks by topic each with its own time, or a Word table.

The rules, in the order they apply (the README's "Plan documents" repeats them):
- Only the task sections are read: the header block and the lines before the first section or
  quarter heading, "MỤC ĐÍCH, YÊU CẦU", "TỔ CHỨC THỰC HIỆN" (and the like) and everything from
  "Nơi nhận" or "Trên đây là kế hoạch" on are not tasks.
- A period heading ("Quý I", "QUÝ II", "Quý 3", "Quý I/2024", "1. Quý I (từ tháng 01 đến tháng
  3):", "6 tháng đầu năm", "Tháng 6", "Nhiệm vụ thường xuyên") gives the tasks under it their
  quarter and deadline.
- A task is an item with a marker ("-", "–", "+", "•", "*", "a)", "1)", "1.", "1.1.", "i)"), a
  Word list paragraph, or a plain paragraph; the lines that follow it up to the next marker,
  heading or blank line are part of it. An item with items under it is a heading, not a task.
- A task's own time ("Thời gian thực hiện: Quý II/2024" on its line, in parentheses or on the next
  line; "trước ngày 15/3" in its text) wins over its heading's. The time line is not part of the
  title. A task with no time at all (no period heading above it) is skipped and said so.
- Deadlines: an explicit date wins (a date without a year takes the plan's); else the end of the
  latest month, quarter or half-year named; "thường xuyên", "cả năm", "trong năm" make the task
  year-round, due 31/12.
"""

from __future__ import annotations

import calendar
import io
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.services.deadlines import ROMAN_QUARTERS, quarter_end, quarter_of

MAX_TASK_TITLE = 2000
MAX_RESPONSIBLE = 300
# Hostile documents: a .docx is refused before parsing when its parts would unpack to more than
# this, or when it holds more paragraphs and table rows than any plan has.
MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024
MAX_ZIP_ENTRIES = 1000
MAX_PARAGRAPHS = 5000
MAX_PDF_PAGES = 60


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
    year_round: bool = False
    responsible: str | None = None


class SkipReason:
    """Why a line inside a task section did not become a task (keys of the preview's texts)."""

    HEADING = "heading"
    NO_TIME = "no-time"
    NO_TASK = "no-task-before"
    EMPTY_ROW = "empty-row"


@dataclass
class SkippedLine:
    text: str
    reason: str


@dataclass
class ParsedPlan:
    year: int
    title: str
    number: str | None = None
    issued_on: date | None = None
    tasks: list[ParsedTask] = field(default_factory=list)
    skipped: list[SkippedLine] = field(default_factory=list)
    # The year the document itself states (title, date line), when it states one.
    stated_year: int | None = None

    def tasks_in(self, quarter: int) -> list[ParsedTask]:
        return [task for task in self.tasks if task.quarter == quarter]

    @property
    def year_overridden(self) -> bool:
        """--year named another year than the document states."""
        return self.stated_year is not None and self.stated_year != self.year


@dataclass
class _Line:
    text: str
    is_list_item: bool = False
    # A Word paragraph never runs on into the next one, as a wrapped line of a .txt does.
    own_paragraph: bool = False
    # The level of a Word list paragraph (0 outermost): items nest by it.
    list_level: int = 0


@dataclass
class _Table:
    rows: list[list[str]]


_Block = _Line | _Table


# --- Reading the file ---------------------------------------------------------------------


def read_document(content: bytes, name: str) -> list[_Block]:
    """The document's paragraphs (and .docx tables) in order. Refuses what it cannot read."""
    suffix = Path(name).suffix.lower()
    if suffix == ".docx":
        return _docx_blocks(content)
    if suffix == ".pdf":
        return _pdf_lines(content)
    if suffix in (".doc", ".rtf"):
        raise PlanParseError("doc")
    if suffix in (".odt", ".ott"):
        raise PlanParseError("odt")
    if suffix in (".txt", ".text", ""):
        return [_Line(line) for line in decode_text(content).splitlines()[: MAX_PARAGRAPHS * 4]]
    raise PlanParseError("format")


def read_lines(path: Path) -> list[_Block]:
    return read_document(path.read_bytes(), path.name)


# Every letter Vietnamese writes (NFC), and the punctuation its documents use: a Windows-1258
# decoding that yields anything else is a guess producing garbage, so the file is refused.
_VIETNAMESE_LETTERS = frozenset(
    unicodedata.normalize("NFC", base + tone)
    for base in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
    for tone in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
) | set("đĐ")
_ALLOWED_SYMBOLS = frozenset("–—‘’“”…•·«»°§±×÷€\u00a0\u200b\ufeff")


def decode_text(raw: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1258, normalised to NFC."""
    if raw.startswith(b"\xef\xbb\xbf"):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "cp1258")
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Windows-1258 writes most tones as combining marks after the letter.
        text = unicodedata.normalize("NFC", text)
        if encoding == "cp1258" and not _looks_vietnamese(text):
            continue
        if any(ord(ch) < 32 and ch not in "\t\r\n\f" for ch in text):
            continue  # binary, not text
        return text
    raise PlanParseError("encoding")


def _looks_vietnamese(text: str) -> bool:
    return all(
        ch.isascii() or ch in _VIETNAMESE_LETTERS or ch in _ALLOWED_SYMBOLS for ch in set(text)
    )


def _docx_blocks(content: bytes) -> list[_Block]:
    """Paragraphs and tables of the body in order, after checking the package is not a bomb."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            infos = package.infolist()
            if len(infos) > MAX_ZIP_ENTRIES or (
                sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_BYTES
            ):
                raise PlanParseError("too-big")
            # Declared sizes bound what zipfile unpacks (it stops there and checks the CRC).
            body = package.read("word/document.xml")
    except PlanParseError:
        raise
    except Exception as exc:  # a damaged package: any of zipfile's, zlib's or KeyError
        raise PlanParseError("damaged") from exc
    if body.count(b"<w:p>") + body.count(b"<w:p ") + body.count(b"<w:tr") > MAX_PARAGRAPHS:
        raise PlanParseError("too-big")
    try:
        return _docx_body(content)
    except PlanParseError:
        raise
    except Exception as exc:  # malformed XML and the like
        raise PlanParseError("damaged") from exc


def _docx_body(content: bytes) -> list[_Block]:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = Document(io.BytesIO(content))
    blocks: list[_Block] = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            paragraph = Paragraph(child, document)
            blocks.append(_paragraph_line(paragraph))
        elif child.tag == qn("w:tbl"):
            table = Table(child, document)
            rows = []
            for row in table.rows:
                cells: list[str] = []
                for cell in row.cells:
                    cells.append("\n".join(p.text for p in cell.paragraphs))
                rows.append(cells)
            blocks.append(_Table(rows))
            blocks.append(_Line(""))
    return blocks


def _paragraph_line(paragraph: object) -> _Line:
    p = paragraph._p  # type: ignore[attr-defined]
    numbered = p.pPr is not None and p.pPr.numPr is not None
    level = 0
    if numbered and p.pPr.numPr.ilvl is not None and p.pPr.numPr.ilvl.val is not None:
        level = int(p.pPr.numPr.ilvl.val)
    style_id = p.pPr.pStyle.val if p.pPr is not None and p.pPr.pStyle is not None else ""
    if not numbered and style_id:
        style = paragraph.style  # type: ignore[attr-defined]
        name = (style.name if style is not None else "") or ""
        numbered = "List" in name
        # "List Bullet 2", "List Number 3": the second, third level.
        if numbered and name[-1:].isdigit():
            level = int(name[-1]) - 1
    return _Line(paragraph.text, numbered, own_paragraph=True, list_level=level)  # type: ignore[attr-defined]


def _pdf_lines(content: bytes) -> list[_Block]:
    try:
        from pypdf import PdfReader

        # A damaged PDF is refused with one message; pypdf's own complaints are noise.
        logging.getLogger("pypdf").setLevel(logging.ERROR)
        reader = PdfReader(io.BytesIO(content))
        if len(reader.pages) > MAX_PDF_PAGES:
            raise PlanParseError("too-big")
        text = "\n".join((page.extract_text() or "") for page in reader.pages)
    except PlanParseError:
        raise
    except Exception as exc:
        raise PlanParseError("damaged") from exc
    text = unicodedata.normalize("NFC", text)
    if len(text.split()) < 20:
        raise PlanParseError("scanned")
    return [_Line(line) for line in text.splitlines()[: MAX_PARAGRAPHS * 4]]


# --- Recognising the parts of a plan ------------------------------------------------------

_ROMAN = r"(?:I|II|III|IV|V|VI|VII|VIII|IX|X)"
_ROMAN_SECTION = re.compile(rf"^{_ROMAN}\s*[.)/\-]\s*(?P<rest>\S.*)$")
_NUMBERED_UPPER = re.compile(r"^(?:\d{1,2}\s*[.)]\s*)?(?P<rest>.{4,})$")
_MARKER = re.compile(
    r"^(?:(?P<dash>[-–—‐−])\s*|(?P<plus>\+)\s*|(?P<dot>[•●○◦▪■□►➢✓*])\s*"
    r"|(?P<num>\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+|(?P<arabic>\d{1,2})\s*[.)]\s+"
    r"|(?P<sroman>i|ii|iii|iv|v|vi|vii|viii|ix|x)\s*\)\s+|(?P<letter>[a-zđA-ZĐ])\s*[.)]\s+)"
    r"(?P<rest>\S.*)$"
)
_LABEL = r"(?:[-–+•*]\s*)?"
_PERIOD_PREFIX = r"(?:(?:các\s+)?(?:nhiệm vụ|công việc|nội dung|hoạt động)(?:\s+trọng tâm)?\s+)?"
_QUARTER_HEADING = re.compile(
    rf"^{_PERIOD_PREFIX}(?:trong\s+)?quý\s+(?P<q>iv|iii|ii|i|[1-4])(?![\w])"
    r"(?:\s*(?:/|năm|-)\s*(?P<year>\d{4}))?\s*(?:\([^)]*\))?\s*[:.]?$",
    re.I,
)
_HALF_HEADING = re.compile(
    rf"^{_PERIOD_PREFIX}(?:trong\s+)?(?:06|6|sáu)\s+tháng\s+(?P<half>đầu|cuối)\s+năm"
    r"(?:\s+\d{4})?\s*(?:\([^)]*\))?\s*[:.]?$",
    re.I,
)
_MONTH_HEADING = re.compile(
    rf"^{_PERIOD_PREFIX}(?:trong\s+)?tháng\s+(?P<m>\d{{1,2}})(?:\s*(?:/|năm)\s*(?P<year>\d{{4}}))?"
    r"\s*[:.]?$",
    re.I,
)
_YEAR_ROUND_HEADING = re.compile(
    rf"^{_PERIOD_PREFIX}(?:thực hiện\s+)?(?:thường xuyên|cả năm|quanh năm|trong năm)"
    r"(?:\s*(?:,|và)?\s*(?:trong năm|cả năm|hằng năm|hàng năm|liên tục))?\s*[:.]?$",
    re.I,
)
_NOT_TASK_SECTION = re.compile(
    r"^(?:mục đích|yêu cầu|tổ chức thực hiện|kinh phí|chế độ (?:thông tin|báo cáo)|căn cứ"
    r"|đánh giá|kết quả|tình hình|điều khoản|hiệu lực|phân công)",
    re.I,
)
_END = re.compile(r"^(?:nơi nhận|trên đây là (?:toàn bộ )?(?:nội dung )?kế hoạch)", re.I)
_TIME_LABEL = (
    r"(?:thời gian(?:\s+(?:thực hiện|hoàn thành|tổ chức|triển khai))?(?:\s*/\s*hoàn thành)?"
    r"|thời hạn(?:\s+hoàn thành)?|hạn hoàn thành|tiến độ(?:\s+thực hiện)?)"
)
_TIME_LINE = re.compile(rf"^{_LABEL}{_TIME_LABEL}\s*:\s*(?P<spec>.+?)\s*[.;]?$", re.I)
_RESPONSIBLE_LABEL = (
    r"(?:(?:đơn vị|cơ quan|bộ phận)\s+(?:chủ trì|thực hiện|tham mưu|chịu trách nhiệm)"
    r"(?:\s*(?:,|/)\s*(?:chủ trì|thực hiện|tham mưu))?|chủ trì(?:\s+thực hiện)?|trách nhiệm)"
)
_RESPONSIBLE_LINE = re.compile(rf"^{_LABEL}{_RESPONSIBLE_LABEL}\s*:\s*(?P<who>.+?)\s*[.;]?$", re.I)
_CHAIRS_LINE = re.compile(
    rf"^{_LABEL}(?P<who>[^:()]{{3,120}}?)\s+chủ trì(?:\s+(?:thực hiện|tham mưu))?"
    r"(?:\s*[,;]\s*(?:phối hợp|cùng)[^.]*)?\s*[.;]?$",
    re.I,
)
_COOPERATE_LINE = re.compile(
    rf"^{_LABEL}(?:(?:đơn vị|cơ quan)\s+)?phối hợp(?:\s+thực hiện)?\s*:", re.I
)
_PAREN = re.compile(r"\s*\((?P<inner>[^()]*)\)")
_PAREN_TIME = re.compile(rf"^{_TIME_LABEL}\s*:?\s*(?P<spec>.+)$", re.I)
_PAREN_RESPONSIBLE = re.compile(
    rf"^(?:{_RESPONSIBLE_LABEL}\s*:\s*(?P<labelled>[^;]+?)(?:\s*;.*)?"
    r"|(?P<who>[^;:]+?)\s+(?:chủ trì|thực hiện|tham mưu)(?:\s*[,;].*)?)$",
    re.I,
)
_TRAILING_TIME = re.compile(
    rf"\s*[,;–-]?\s*\b{_TIME_LABEL}\s*:\s*(?P<spec>[^;()]+?)\s*[.;]?$", re.I
)
_TRAILING_RESPONSIBLE = re.compile(
    rf"\s*[,;–-]\s*{_RESPONSIBLE_LABEL}\s*:\s*(?P<who>[^;()]+?)\s*[.;]?$", re.I
)
_DEADLINE_CUE = re.compile(
    r"(?:trước|chậm nhất(?:\s+là)?|hạn chót|không muộn hơn|hoàn thành)\s+(?:(?:vào\s+)?ngày\s+)?"
    r"(?P<d>\d{1,2})\s*[/.\-]\s*(?P<m>\d{1,2})(?!\d)"
    r"(?:\s*[/.\-]\s*(?P<y>\d{4}))?",
    re.I,
)
_FULL_DATE = re.compile(
    r"ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})(?:\s+năm\s+(?P<y>\d{4}))?", re.I
)
_SHORT_DATE = re.compile(
    r"(?<![\d/])(?P<d>\d{1,2})\s*[/.\-]\s*(?P<m>\d{1,2})(?![\d])(?:\s*[/.\-]\s*(?P<y>\d{4}))?"
)
_MONTH = re.compile(r"tháng\s+(?P<m>\d{1,2})(?![\d])(?:\s*(?:/|-|năm)\s*(?P<y>\d{4}))?", re.I)
_QUARTER = re.compile(
    r"quý\s+(?P<q>iv|iii|ii|i|[1-4])(?![\w])((?:\s*(?:,|và|-|đến)\s*(?:quý\s+)?"
    r"(?:iv|iii|ii|i|[1-4])(?![\w]))*)(?:\s*(?:/|năm)\s*(?P<y>\d{4}))?",
    re.I,
)
_QUARTER_TOKEN = re.compile(r"(?<![\w])(iv|iii|ii|i|[1-4])(?![\w])", re.I)
_HALF = re.compile(r"(?:6|06|sáu)\s+tháng\s+(?P<half>đầu|cuối)\s+năm|(?P<end>cuối năm)", re.I)
_YEAR_ROUND = re.compile(
    r"thường xuyên|cả năm|quanh năm|trong năm|hằng tháng|hàng tháng|hằng quý|hàng quý|liên tục",
    re.I,
)
_ISSUED = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I)
_NUMBER = re.compile(r"^\s*Số\s*:?\s*([0-9A-Za-zĐđ/\-.]+)", re.I)
_YEAR = re.compile(r"\bnăm\s+(\d{4})\b", re.I)
_SCHOOL_YEAR = re.compile(r"\bnăm học\s+(\d{4})\s*[-–]\s*\d{4}", re.I)


@dataclass(frozen=True)
class _Period:
    """What a period heading gives the tasks under it."""

    quarter: int | None = None
    month: int | None = None
    half: int | None = None
    year_round: bool = False
    year: int | None = None


@dataclass
class _Time:
    """What a task's own time says: an explicit date, the end of a named period, year-round."""

    explicit: date | None = None
    period_end: date | None = None
    year_round: bool = False

    @property
    def known(self) -> bool:
        return self.explicit is not None or self.period_end is not None or self.year_round


def clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).replace("\u200b", "").split())


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_end(year: int, month: int) -> date | None:
    if not 1 <= month <= 12:
        return None
    return date(year, month, calendar.monthrange(year, month)[1])


def _quarter_number(token: str) -> int:
    token = token.upper()
    return ROMAN_QUARTERS.get(token) or int(token)


def read_time(spec: str, year: int) -> _Time:
    """A time as officials write it, e.g. "trước ngày 20/3/2024", "Quý II/2024", "tháng 6",
    "6 tháng đầu năm", "thường xuyên"."""
    time = _Time()
    rest = spec
    explicit: list[date] = []
    for pattern in (_FULL_DATE,):
        for match in pattern.finditer(rest):
            day = _safe_date(int(match["y"] or year), int(match["m"]), int(match["d"]))
            if day:
                explicit.append(day)
        rest = pattern.sub(" ", rest)
    ends: list[date] = []
    for match in _MONTH.finditer(rest):
        end = _month_end(int(match["y"] or year), int(match["m"]))
        if end:
            ends.append(end)
    rest = _MONTH.sub(" ", rest)
    for match in _QUARTER.finditer(rest):
        quarters = [_quarter_number(match["q"])] + [
            _quarter_number(token) for token in _QUARTER_TOKEN.findall(match[2] or "")
        ]
        ends.append(quarter_end(int(match["y"] or year), max(quarters)))
    rest = _QUARTER.sub(" ", rest)
    for match in _HALF.finditer(rest):
        ends.append(date(year, 6, 30) if match["half"] == "đầu" else date(year, 12, 31))
    rest = _HALF.sub(" ", rest)
    for match in _SHORT_DATE.finditer(rest):
        day = _safe_date(int(match["y"] or year), int(match["m"]), int(match["d"]))
        if day:
            explicit.append(day)
    rest = _SHORT_DATE.sub(" ", rest)
    if explicit:
        time.explicit = max(explicit)
    elif ends:
        time.period_end = max(ends)
    elif _YEAR_ROUND.search(rest):
        time.year_round = True
    return time


def _split_title(text: str) -> tuple[str, list[str], str | None]:
    """The title without its time and responsible-body clauses, the time specs found, the body."""
    specs: list[str] = []
    responsible: str | None = None
    for _round in range(3):
        changed = False
        trailing = _TRAILING_TIME.search(text)
        if trailing and trailing.start() > 0:
            specs.append(trailing["spec"])
            text = text[: trailing.start()].rstrip(" ,;–-")
            changed = True
        trailing_who = _TRAILING_RESPONSIBLE.search(text)
        if trailing_who and trailing_who.start() > 0:
            responsible = responsible or trailing_who["who"]
            text = text[: trailing_who.start()].rstrip(" ,;–-")
            changed = True
        for paren in reversed(list(_PAREN.finditer(text))):
            inner = clean(paren["inner"])
            timed = _PAREN_TIME.match(inner)
            who = _PAREN_RESPONSIBLE.match(inner)
            if timed:
                specs.append(timed["spec"])
            elif _is_bare_time(inner):
                specs.append(inner)
            elif who and not _SHORT_DATE.search(inner):
                responsible = responsible or (who["labelled"] or who["who"])
            else:
                continue
            text = (text[: paren.start()] + text[paren.end() :]).strip()
            changed = True
        if not changed:
            break
    return text.strip(), specs, responsible


_BARE_TIME = re.compile(
    r"^(?:(?:trong|từ|trước|hoàn thành|thực hiện|chậm nhất)\s+)*"
    r"(?:quý\s+\S+.*|tháng\s+\d.*|(?:6|06|sáu)\s+tháng\s+(?:đầu|cuối)\s+năm.*|cuối năm.*"
    r"|thường xuyên.*|cả năm|quanh năm|trong năm"
    r"|(?:trước\s+|chậm nhất\s+)?ngày\s+\d.*)$",
    re.I,
)


def _is_bare_time(inner: str) -> bool:
    return bool(_BARE_TIME.match(inner)) and len(inner) <= 80


def _period_heading(text: str) -> _Period | None:
    """A heading that gives its tasks a period: quarter, half-year, month or the whole year."""
    text = text.rstrip(" :.")
    if len(text) > 90:
        return None
    if match := _QUARTER_HEADING.match(text):
        return _Period(quarter=_quarter_number(match["q"]), year=_int(match["year"]))
    if match := _HALF_HEADING.match(text):
        return _Period(half=1 if match["half"].lower() == "đầu" else 2)
    if match := _MONTH_HEADING.match(text):
        month = int(match["m"])
        return _Period(month=month, year=_int(match["year"])) if 1 <= month <= 12 else None
    if _YEAR_ROUND_HEADING.match(text):
        return _Period(year_round=True)
    return None


def _int(text: str | None) -> int | None:
    return int(text) if text else None


def _section_heading(text: str, title_seen: bool) -> str | None:
    """'skip' or 'tasks' for a section heading ("II. NỘI DUNG", "III. TỔ CHỨC THỰC HIỆN")."""
    roman = _ROMAN_SECTION.match(text)
    if roman:
        rest = roman["rest"]
    else:
        upper = _NUMBERED_UPPER.match(text)
        if not (
            upper
            and title_seen
            and upper["rest"] == upper["rest"].upper()
            and sum(ch.isalpha() for ch in upper["rest"]) >= 6
        ):
            return None
        rest = upper["rest"]
    rest = rest.strip(" :.")
    return "skip" if _NOT_TASK_SECTION.match(rest) else "tasks"


def _marker(text: str) -> tuple[str, str] | None:
    match = _MARKER.match(text)
    if not match:
        return None
    for kind in ("dash", "plus", "dot", "arabic", "sroman", "letter"):
        if match[kind]:
            return kind, match["rest"]
    return f"num{match['num'].count('.')}", match["rest"]


# --- Building the tasks -----------------------------------------------------------------


@dataclass
class _Node:
    parts: list[str]
    period: _Period | None
    parent: _Node | None = None
    specs: list[str] = field(default_factory=list)
    responsible: str | None = None
    children: int = 0
    order: int = 0
    table_row: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.parts)


@dataclass
class _Reader:
    """Walks the blocks once, collecting items (with their hierarchy and times) and skips."""

    nodes: list[_Node] = field(default_factory=list)
    skipped: list[tuple[int, SkippedLine]] = field(default_factory=list)
    section: str | None = None  # None: before the first section (the header, the preamble)
    period: _Period | None = None
    stack: list[tuple[str, _Node]] = field(default_factory=list)
    current: _Node | None = None  # takes continuation lines until a blank line
    last: _Node | None = None  # takes a following time or responsible-body line
    counter: int = 0

    def skip(self, text: str, reason: str) -> None:
        self.counter += 1
        self.skipped.append((self.counter, SkippedLine(text[:300], reason)))

    def add(self, node: _Node) -> _Node:
        self.counter += 1
        node.order = self.counter
        self.nodes.append(node)
        return node

    def reset(self) -> None:
        self.stack, self.current, self.last = [], None, None

    def line(self, block: _Line, title_seen: bool) -> bool:
        """Reads one line; False at the end of the plan's body ("Nơi nhận")."""
        keep_going = self._line(block.text, block.is_list_item, title_seen, block.list_level)
        if block.own_paragraph:
            self.current = None
        return keep_going

    def _line(self, raw: str, is_list_item: bool, title_seen: bool, level: int = 0) -> bool:
        text = clean(raw)
        if not text:
            self.current = None
            return True
        if _END.match(text):
            return False
        marked = _marker(text)
        bare = marked[1] if marked else text
        period = _period_heading(bare)
        if period is not None:
            self.section, self.period = "tasks", period
            self.reset()
            return True
        section = _section_heading(text, title_seen)
        if section is not None:
            self.section, self.period = section, None
            self.reset()
            return True
        if self.section != "tasks":
            return True
        if timed := _TIME_LINE.match(text):
            if self.last is None:
                self.skip(text, SkipReason.NO_TASK)
            else:
                self.last.specs.append(timed["spec"])
            self.current = None
            return True
        # "Phòng Nội vụ chủ trì, …" alone on an unmarked short line names the body of the task
        # above; a marked item is a task of its own, whatever it says.
        if (who := _RESPONSIBLE_LINE.match(text)) or (
            self.last is not None
            and marked is None
            and not is_list_item
            and len(text) <= 120
            and (who := _CHAIRS_LINE.match(text))
        ):
            if self.last is None:
                self.skip(text, SkipReason.NO_TASK)
            else:
                self.last.responsible = self.last.responsible or who["who"]
            self.current = None
            return True
        if _COOPERATE_LINE.match(text) and self.last is not None:
            self.current = None
            return True
        if marked is None and is_list_item:
            marked = (f"list{level}", text)
        if marked is None:
            if self.current is not None:
                self.current.parts.append(text)
                return True
            node = self.add(_Node([text], self.period, self._parent_for_plain()))
        else:
            kind, rest = marked
            kinds = [k for k, _node in self.stack]
            if kind in kinds:
                del self.stack[kinds.index(kind) :]
            parent = self.stack[-1][1] if self.stack else None
            node = self.add(_Node([rest], self.period, parent))
            self.stack.append((kind, node))
        if node.parent is not None:
            node.parent.children += 1
        self.current = self.last = node
        return True

    def _parent_for_plain(self) -> _Node | None:
        # A plain paragraph after a heading item ("1. Công tác tuyên truyền:") belongs to it.
        if self.stack and self.stack[-1][1].text.endswith(":"):
            return self.stack[-1][1]
        return None

    def table(self, table: _Table) -> bool:
        """A Word table: the task table when its header names a content column, else its cells
        are read as paragraphs (the header block of an official document is often a table)."""
        columns = _table_columns(table.rows)
        if columns is None:
            for row in table.rows:
                seen: set[str] = set()
                for cell in row:
                    if cell in seen:  # merged cells repeat their text
                        continue
                    seen.add(cell)
                    for line in cell.splitlines():
                        self.line(_Line(line, own_paragraph=True), True)
            return True
        header_index, mapping = columns
        self.section = "tasks"
        self.reset()
        period = self.period
        for row in table.rows[header_index + 1 :]:
            cells = {key: clean(row[i]) if i < len(row) else "" for key, i in mapping.items()}
            distinct = {clean(cell) for cell in row if clean(cell)}
            content = cells.get("content", "")
            if not distinct or all(re.fullmatch(r"\(?\d{1,2}\)?", c) for c in distinct):
                continue  # an empty row, or the row numbering the columns
            text = content or next(iter(sorted(distinct)))
            marked = _marker(text)
            heading = _period_heading(marked[1] if marked else text)
            if heading is not None:  # a group row "Quý I" gives the rows under it their period
                period = heading
                continue
            stt = cells.get("number", "")
            group = (
                re.fullmatch(rf"(?:{_ROMAN}|[A-Z])\.?", stt) is not None
                or len(distinct) == 1
                or (not cells.get("time") and not cells.get("responsible") and text.isupper())
            )
            if not content or group:
                self.skip(text, SkipReason.HEADING if content else SkipReason.EMPTY_ROW)
                continue
            node = self.add(_Node([content], period, table_row=True))
            if cells.get("time"):
                node.specs.append(cells["time"])
            if cells.get("responsible"):
                node.responsible = cells["responsible"]
        self.reset()
        return True


_HEADER_KEYS = (
    ("number", re.compile(r"^(?:stt|tt|số\s*tt|số thứ tự)$")),
    ("content", re.compile(r"^(?:nội dung|nhiệm vụ|công việc|tên nhiệm vụ|hoạt động)")),
    (
        "responsible",
        re.compile(
            r"^(?:đơn vị|cơ quan|bộ phận)\s*(?:chủ trì|thực hiện|tham mưu)"
            r"|^chủ trì|^(?:đơn vị|cơ quan) thực hiện|^trách nhiệm"
        ),
    ),
    ("cooperating", re.compile(r"phối hợp")),
    ("time", re.compile(r"^(?:thời gian|thời hạn|tiến độ)")),
    ("notes", re.compile(r"^ghi chú")),
)


def _table_columns(rows: list[list[str]]) -> tuple[int, dict[str, int]] | None:
    """(the header row, {role: column}) when one of the first rows names the columns."""
    for index, row in enumerate(rows[:3]):
        mapping: dict[str, int] = {}
        for column, cell in enumerate(row):
            name = clean(cell).lower().rstrip(" :")
            for key, pattern in _HEADER_KEYS:
                if key == "responsible" and "phối hợp" in name and not name.startswith("chủ trì"):
                    continue
                if key not in mapping and pattern.search(name):
                    mapping[key] = column
                    break
        if "content" in mapping and len(mapping) >= 2:
            return index, mapping
    return None


def _resolve(reader: _Reader, year: int) -> tuple[list[ParsedTask], list[SkippedLine]]:
    """Tasks from the collected items: leaves with a time (their own, a parent's or their
    period's); headings and items with no time at all are skipped, with the reason."""
    tasks: list[tuple[int, ParsedTask]] = []
    skipped = list(reader.skipped)
    for node in reader.nodes:
        raw_title = node.text
        if node.children:
            skipped.append((node.order, SkippedLine(raw_title[:300], SkipReason.HEADING)))
            continue
        title, specs, responsible = _split_title(raw_title)
        specs = node.specs + specs
        time = _Time()
        for spec in specs:
            found = read_time(spec, year)
            if found.known:
                time = found
                break
        if not time.known:
            ancestor = node.parent
            while ancestor is not None and not time.known:
                for spec in ancestor.specs + _split_title(ancestor.text)[1]:
                    found = read_time(spec, year)
                    if found.known:
                        time = found
                        break
                ancestor = ancestor.parent
        cue = _DEADLINE_CUE.search(title)
        if cue and time.explicit is None:
            time.explicit = _safe_date(int(cue["y"] or year), int(cue["m"]), int(cue["d"]))
        task = _task(title, time, node.period, year)
        if task is None or not title:
            skipped.append((node.order, SkippedLine(raw_title[:300], SkipReason.NO_TIME)))
            continue
        who = node.responsible or responsible
        if who is None and node.parent is not None:
            who = node.parent.responsible
        task.responsible = clean(who)[:MAX_RESPONSIBLE].rstrip(" .;") if who else None
        tasks.append((node.order, task))
    return [task for _o, task in tasks], [line for _o, line in sorted(skipped, key=_first)]


def _first(pair: tuple[int, SkippedLine]) -> int:
    return pair[0]


def _task(title: str, time: _Time, period: _Period | None, year: int) -> ParsedTask | None:
    title = title[:MAX_TASK_TITLE]
    period_quarter = period.quarter if period else None
    if period is not None and period.month is not None:
        period_quarter = (period.month - 1) // 3 + 1
    if period is not None and period.half is not None:
        period_quarter = 2 if period.half == 1 else 4
    if time.explicit or time.period_end:
        deadline = time.explicit or time.period_end
        assert deadline is not None
        quarter = period_quarter or _quarter_in(deadline, year)
        return ParsedTask(quarter, title, deadline)
    if time.year_round or (period is not None and period.year_round):
        return ParsedTask(period_quarter or 1, title, date(year, 12, 31), year_round=True)
    if period is None:
        return None
    period_year = period.year or year
    if period.quarter is not None:
        deadline = quarter_end(period_year, period.quarter)
    elif period.month is not None:
        deadline = _month_end(period_year, period.month) or quarter_end(period_year, 4)
    else:
        deadline = date(period_year, 6, 30) if period.half == 1 else date(period_year, 12, 31)
    assert period_quarter is not None
    return ParsedTask(period_quarter, title, deadline)


def _quarter_in(deadline: date, year: int) -> int:
    if deadline.year > year:
        return 4
    if deadline.year < year:
        return 1
    return quarter_of(deadline)


# --- The plan ------------------------------------------------------------------------------


def parse_plan_bytes(content: bytes, name: str, year: int | None = None) -> ParsedPlan:
    """Reads a plan from a file's bytes (its name gives the format); see the module's rules."""
    return parse_plan_lines(read_document(content, name), year)


def parse_plan_file(path: Path, year: int | None = None) -> ParsedPlan:
    return parse_plan_bytes(path.read_bytes(), path.name, year)


def parse_plan_text(text: str, year: int | None = None) -> ParsedPlan:
    return parse_plan_lines([_Line(line) for line in text.splitlines()], year)


def parse_plan_lines(blocks: list[_Block], year: int | None = None) -> ParsedPlan:
    lines = [clean(block.text) for block in blocks if isinstance(block, _Line)]
    title_at, title = _title(blocks)
    issued_on = _issued_on(blocks)
    stated = _stated_year(title, issued_on)
    reader = _Reader()
    title_seen = title_at is None
    for index, block in enumerate(blocks):
        if title_at is not None and index <= title_at:
            continue
        title_seen = True
        keep_going = (
            reader.table(block) if isinstance(block, _Table) else reader.line(block, title_seen)
        )
        if not keep_going:
            break
    if stated is None:
        stated = next((p.year for p in (n.period for n in reader.nodes) if p and p.year), None)
    plan_year = year or stated
    tasks, skipped = _resolve(reader, plan_year or 2000)
    if not tasks:
        raise PlanParseError("no-tasks")
    if plan_year is None:
        raise PlanParseError("year")
    return ParsedPlan(
        year=plan_year,
        title=title or f"Kế hoạch công tác thi đua, khen thưởng năm {plan_year}",
        number=_number(lines),
        issued_on=issued_on,
        tasks=_unique(tasks),
        skipped=skipped,
        stated_year=stated,
    )


def _unique(tasks: list[ParsedTask]) -> list[ParsedTask]:
    """One task per quarter and title: a title repeated in a quarter is the same task."""
    seen: set[tuple[int, str]] = set()
    unique = []
    for task in tasks:
        if (task.quarter, task.title) not in seen:
            seen.add((task.quarter, task.title))
            unique.append(task)
    return unique


def _title(blocks: list[_Block]) -> tuple[int | None, str | None]:
    """(index of its last line, the title): the lines after the 'KẾ HOẠCH' heading up to the
    next blank line, or the rest of a 'KẾ HOẠCH …' heading line."""
    for index, block in enumerate(blocks[:200]):
        if not isinstance(block, _Line):
            continue
        text = clean(block.text)
        if not text.startswith("KẾ HOẠCH"):
            continue
        rest = text[len("KẾ HOẠCH") :].strip(" :")
        parts = [rest] if rest else []
        last = index
        for offset, following in enumerate(blocks[index + 1 : index + 8], start=index + 1):
            if not isinstance(following, _Line):
                break
            line = clean(following.text)
            if not line:
                if parts:
                    break
                continue
            if _period_heading(line) or _section_heading(line, True) or _marker(line):
                break
            if line.startswith(("Căn cứ", "Thực hiện", "Nhằm")):
                break
            parts.append(line)
            last = offset
        title = " ".join(parts)[:500]
        return last, title or None
    return None, None


def _issued_on(blocks: list[_Block]) -> date | None:
    for text in _early_texts(blocks):
        match = _ISSUED.search(text)
        if match:
            return _safe_date(int(match[3]), int(match[2]), int(match[1]))
    return None


def _early_texts(blocks: list[_Block]) -> list[str]:
    texts: list[str] = []
    for block in blocks[:60]:
        if isinstance(block, _Line):
            texts.append(block.text)
        else:
            texts += [cell for row in block.rows[:4] for cell in row]
    return texts


def _number(lines: list[str]) -> str | None:
    for line in lines[:40]:
        match = _NUMBER.match(line)
        if match and "/" in match[1]:
            return match[1]
    return None


def _stated_year(title: str | None, issued_on: date | None) -> int | None:
    if title:
        match = _YEAR.search(title)
        if match:
            return int(match[1])
        school = _SCHOOL_YEAR.search(title)
        if school:
            return int(school[1])
    return issued_on.year if issued_on else None
