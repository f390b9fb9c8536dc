"""Which units a plan task is for, read from its responsible body ("Phòng Nội vụ chủ trì", "các
xã, thị trấn thực hiện") against the directory: a proposal the officer confirms, never a guess.

Only the bodies that carry the task out count (those that "chủ trì", "thực hiện", or are named
alone); partners ("phối hợp") are dropped. What remains must be read whole as units (by name,
"UBND" and "Ủy ban nhân dân" alike, also without it: "xã Tân An"), clusters ("Cụm thi đua số 2",
"số II" alike) or kinds of unit ("các xã, thị trấn", "các trường học", "các cơ quan, đơn vị"),
joined by commas, semicolons or "và". Anything left over (a body the directory does not have,
"các đơn vị" which is everyone) or two readings that give different units: no proposal.

Matching ignores case and the place of the tone mark ("Hoà" = "Hòa"), but not the marks
themselves ("Tân An" is not "Tấn An")."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.plan_parser import ParsedPlan
from models import Cluster, Unit, UnitKind


@dataclass(frozen=True)
class DirectoryUnit:
    id: int
    code: str
    name: str
    kind: str
    cluster_id: int | None = None


@dataclass(frozen=True)
class DirectoryCluster:
    id: int
    name: str


@dataclass(frozen=True)
class Directory:
    units: tuple[DirectoryUnit, ...]
    clusters: tuple[DirectoryCluster, ...] = ()


@dataclass(frozen=True)
class ProposedAudience:
    """Units by id, clusters by id and kinds of unit that a task is proposed for; `label` is the
    responsible body as written, without its role words and partners."""

    unit_ids: frozenset[int]
    cluster_ids: frozenset[int]
    kinds: frozenset[str]
    label: str
    # How many of the directory's active units it reaches (when it was proposed).
    unit_count: int = 0

    def units_in(self, directory: Directory) -> list[DirectoryUnit]:
        """The directory's units this audience reaches."""
        return [
            unit
            for unit in directory.units
            if unit.id in self.unit_ids
            or unit.kind in self.kinds
            or (unit.cluster_id is not None and unit.cluster_id in self.cluster_ids)
        ]


async def load_directory(session: AsyncSession) -> Directory:
    """The active units and the clusters, as the matcher reads them."""
    units = await session.scalars(select(Unit).where(Unit.active).order_by(Unit.id))
    clusters = await session.scalars(select(Cluster).order_by(Cluster.id))
    return Directory(
        tuple(DirectoryUnit(u.id, u.code, u.name, u.kind, u.cluster_id) for u in units),
        tuple(DirectoryCluster(c.id, c.name) for c in clusters),
    )


# --- Normalising Vietnamese text --------------------------------------------------------------

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8"}
_ABBREVIATIONS = (("ủy ban nhân dân", "ubnd"), ("uỷ ban nhân dân", "ubnd"))


def _word(word: str) -> str:
    """A syllable with its tone mark moved to the end, so that "hoà" and "hòa" are one word."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = "".join(ch for ch in decomposed if ch in _TONES)
    rest = "".join(ch for ch in decomposed if ch not in _TONES)
    return unicodedata.normalize("NFC", rest) + tones


_SO = _word("số")


def tokens(text: str) -> tuple[str, ...]:
    """Lower-case words and the separators "," ";" of a text, tone marks placed alike."""
    text = unicodedata.normalize("NFC", text).casefold()
    for long, short in _ABBREVIATIONS:
        text = text.replace(long, short)
    words = [_word(w) for w in re.findall(r"\w+|[,;&/+]", text)]
    # "Cụm thi đua số II" is "Cụm thi đua số 2".
    return tuple(
        _ROMAN.get(w, w) if i > 0 and words[i - 1] == _SO else w for i, w in enumerate(words)
    )


# --- Who carries the task out ------------------------------------------------------------------

_LEAD_LABEL = re.compile(
    r"^\s*(?:(?:đơn vị|cơ quan|bộ phận)\s+(?:chủ trì|thực hiện|tham mưu|chịu trách nhiệm)"
    r"(?:\s*(?:,|/)\s*(?:chủ trì|thực hiện|tham mưu))?|chủ trì(?:\s+thực hiện)?|trách nhiệm"
    r"|thực hiện)\s*:\s*",
    re.I,
)
_PARTNER_CLAUSE = re.compile(
    r"^\s*(?:(?:đơn vị|cơ quan|bộ phận)\s+)?(?:phối hợp|cùng phối hợp)\b", re.I
)
_CHAIRS = re.compile(r"\s*\bchủ trì\b", re.I)
# "X phối hợp" alone: X is a partner, and the clause names no one who carries the task out.
_PARTNER_ONLY = re.compile(r"\bphối hợp(?:\s+thực hiện)?\s*[.;,]?\s*$", re.I)
# "X phối hợp với Y", "X, phối hợp: Y": X carries out, Y helps.
_PARTNER_TAIL = re.compile(r"[\s,]*(?:và\s+)?\b(?:phối hợp|cùng với)\b.*$", re.I)
_ROLE_TAIL = re.compile(
    r"(?:\s+(?:chủ trì|thực hiện|tham mưu|chịu trách nhiệm))+\s*[.;,]?\s*$", re.I
)


def carrying_out(responsible: str) -> list[str]:
    """The parts of a responsible-body text that name who carries the task out: "X chủ trì,
    phối hợp với Y" and "X phối hợp với Y" name X; "Y phối hợp" and "Phối hợp: Y" name no one."""
    parts = []
    for clause in re.split(r"\s*;\s*|\n", unicodedata.normalize("NFC", responsible)):
        clause = _LEAD_LABEL.sub("", clause)
        if not clause.strip() or _PARTNER_CLAUSE.match(clause):
            continue
        if chairs := _CHAIRS.search(clause):
            clause = clause[: chairs.start()]
        elif _PARTNER_ONLY.search(clause):
            continue
        clause = _PARTNER_TAIL.sub("", clause)
        clause = _ROLE_TAIL.sub("", clause).strip(" ,.;:-–")
        if clause:
            parts.append(clause)
    return parts


# --- Reading the bodies named -------------------------------------------------------------------

# Words naming a kind of unit after "các": "các xã, thị trấn", "các trường học", "các cơ quan,
# đơn vị" ("đơn vị" adds no kind of its own: "các đơn vị" alone is every unit, no proposal).
_KIND_WORDS: tuple[tuple[tuple[str, ...], frozenset[UnitKind]], ...] = tuple(
    (tokens(words), frozenset(kinds))
    for words, kinds in (
        ("xã", [UnitKind.COMMUNE]),
        ("phường", [UnitKind.WARD]),
        ("thị trấn", [UnitKind.TOWNSHIP]),
        ("trường học", [UnitKind.SCHOOL]),
        ("trường", [UnitKind.SCHOOL]),
        ("cơ sở giáo dục", [UnitKind.SCHOOL]),
        ("cơ quan", [UnitKind.AGENCY]),
        ("phòng", [UnitKind.AGENCY]),
        ("ban", [UnitKind.AGENCY]),
        ("ngành", [UnitKind.AGENCY]),
        ("phòng ban", [UnitKind.AGENCY]),
        ("doanh nghiệp", [UnitKind.ENTERPRISE]),
        ("đơn vị", []),
    )
)
# What may follow a list of kinds without changing it.
_KIND_QUALIFIERS = tuple(
    tokens(words)
    for words in (
        "trực thuộc",
        "thuộc huyện",
        "thuộc sở",
        "chuyên môn",
        "trên địa bàn",
        "trên địa bàn huyện",
        "trên địa bàn xã",
        "trên địa bàn tỉnh",
        "trên địa bàn thị xã",
        "trên địa bàn thành phố",
    )
)
_CAC = tokens("các")
_AND = tokens("và")[0]
_SEPARATORS = {",", ";", _AND, "&", "/", "+"}

_Reading = tuple[frozenset[int], frozenset[int], frozenset[str]]
MAX_READINGS = 32


def _starts(seq: tuple[str, ...], at: int, words: tuple[str, ...]) -> bool:
    return bool(words) and seq[at : at + len(words)] == words


def _kind_lists(seq: tuple[str, ...], at: int) -> Iterable[tuple[int, frozenset[str]]]:
    """(end, kinds) of every list of kinds starting at `at`: "[ubnd] các K (,|và K)* [qual]"."""
    if seq[at : at + 1] == ("ubnd",):
        at += 1
    if seq[at : at + 1] != _CAC:
        return
    frontier = [(at + 1, frozenset[str]())]
    while frontier:
        position, kinds = frontier.pop()
        for words, more in _KIND_WORDS:
            if not _starts(seq, position, words):
                continue
            end, found = position + len(words), kinds | more
            yield end, found
            for qualifier in _KIND_QUALIFIERS:
                if _starts(seq, end, qualifier):
                    yield end + len(qualifier), found
            if end < len(seq) and seq[end] in (",", _AND):
                frontier.append((end + 1, found))


class _Names:
    """Unit and cluster names as token sequences; a name two units share reads as both."""

    def __init__(self, directory: Directory) -> None:
        self.units: dict[tuple[str, ...], set[int]] = {}
        for unit in directory.units:
            name = tokens(unit.name)
            self.units.setdefault(name, set()).add(unit.id)
            if name[:1] == ("ubnd",) and len(name) > 2:  # "xã Tân An" for "UBND xã Tân An"
                self.units.setdefault(name[1:], set()).add(unit.id)
        self.clusters: dict[tuple[str, ...], set[int]] = {}
        for cluster in directory.clusters:
            self.clusters.setdefault(tokens(cluster.name), set()).add(cluster.id)

    def at(self, seq: tuple[str, ...], at: int) -> Iterable[tuple[int, _Reading]]:
        none: frozenset[int] = frozenset()
        for name, ids in self.units.items():
            if _starts(seq, at, name):
                for unit_id in ids:
                    yield at + len(name), (frozenset({unit_id}), none, frozenset())
        for name, ids in self.clusters.items():
            if _starts(seq, at, name):
                for cluster_id in ids:
                    yield at + len(name), (none, frozenset({cluster_id}), frozenset())
        for end, kinds in _kind_lists(seq, at):
            yield end, (none, none, kinds)


def _readings(seq: tuple[str, ...], names: _Names) -> set[_Reading]:
    """Every way to read the whole of `seq` as bodies joined by separators (at most a few)."""
    memo: dict[int, set[_Reading]] = {len(seq): {(frozenset(), frozenset(), frozenset())}}

    def from_(at: int) -> set[_Reading]:
        if at in memo:
            return memo[at]
        memo[at] = set()  # no cycles: every step moves forward
        found: set[_Reading] = set()
        for end, (units, clusters, kinds) in names.at(seq, at):
            rest_at = end
            if rest_at < len(seq):
                if seq[rest_at] not in _SEPARATORS:
                    continue
                rest_at += 1
                while rest_at < len(seq) and seq[rest_at] in _SEPARATORS:
                    rest_at += 1
                if rest_at == len(seq):
                    continue
            for more_units, more_clusters, more_kinds in from_(rest_at):
                found.add((units | more_units, clusters | more_clusters, kinds | more_kinds))
                if len(found) > MAX_READINGS:
                    break
        memo[at] = found
        return found

    return from_(0)


def propose_audience(responsible: str | None, directory: Directory) -> ProposedAudience | None:
    """The audience the responsible body names unambiguously, or None (the task stays for every
    unit): see the module's docstring."""
    if not responsible or not directory.units:
        return None
    parts = carrying_out(responsible)
    if not parts:
        return None
    names = _Names(directory)
    units: set[int] = set()
    clusters: set[int] = set()
    kinds: set[str] = set()
    for part in parts:
        readings = _readings(tokens(part), names)
        if len(readings) != 1:
            return None
        part_units, part_clusters, part_kinds = readings.pop()
        if not (part_units or part_clusters or part_kinds):
            return None
        units |= part_units
        clusters |= part_clusters
        kinds |= part_kinds
    proposal = ProposedAudience(
        frozenset(units), frozenset(clusters), frozenset(kinds), "; ".join(parts)
    )
    reached = len(proposal.units_in(directory))
    return replace(proposal, unit_count=reached) if reached else None


def propose_audiences(parsed: ParsedPlan, directory: Directory) -> dict[int, ProposedAudience]:
    """{index of a task in `parsed.tasks`: its proposed audience} for the tasks that have one."""
    proposals = {}
    for index, task in enumerate(parsed.tasks):
        proposal = propose_audience(task.responsible, directory)
        if proposal is not None:
            proposals[index] = proposal
    return proposals
