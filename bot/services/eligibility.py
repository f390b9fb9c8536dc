"""Eligibility: checks a candidate's award history against the rules of the award (rule files
in bot/rules/, a province's own file in TDKT_RULES_FILE). Returns facts (a verdict, and reasons
each naming its article); bot/eligibility_texts.py words them."""

from __future__ import annotations

import enum
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.history_import import person_key
from models import (
    AwardForm,
    AwardRecord,
    Nomination,
    NominationRound,
    NominationStatus,
    Rating,
    YearRating,
)

RANK = {rating.value: rating.rank for rating in Rating}
FILED = (NominationStatus.SUBMITTED, NominationStatus.APPROVED)


class Verdict(enum.StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not-eligible"
    UNKNOWN = "unknown"


class Outcome(enum.StrEnum):
    MET = "met"
    NOT_MET = "not-met"
    UNKNOWN = "unknown"
    NOTE = "note"


class RulesError(ValueError):
    """A rule file cannot be used; `path` and a short `detail` say why."""

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = detail


@dataclass(frozen=True)
class Rule:
    award: str
    article: str
    effective_from: date
    effective_to: date | None
    certain: bool
    source: str
    on_fail: str
    checks: tuple[dict[str, Any], ...]
    not_checked: tuple[str, ...] = ()

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)


@dataclass(frozen=True)
class RuleSet:
    rules: dict[str, tuple[Rule, ...]]
    names: dict[str, dict[str, str]]
    implies: dict[str, tuple[str, ...]]
    discipline: Rule | None
    thematic_article: str

    def rule_for(self, award: str, on: date) -> Rule | None:
        return next((r for r in self.rules.get(award, ()) if r.in_force(on)), None)

    def name(self, code: str, language: str) -> str:
        names = self.names.get(code)
        return (names.get(language) or names.get("vi") or code) if names else code


NATIONAL = "national.toml"
CHECK_TYPES = {"rating", "consecutive", "times", "prior", "share", "holders"}


def _date(raw: object, path: str) -> date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError as error:
        raise RulesError(path, f"'{raw}' is not a date like 2025-07-01") from error


def _rule(raw: dict[str, Any], path: str) -> Rule:
    try:
        checks = tuple(dict(check) for check in raw.get("checks", ()))
        for check in checks:
            if check.get("type") not in CHECK_TYPES:
                raise RulesError(path, f"unknown check type {check.get('type')!r}")
        start = _date(raw.get("effective_from"), path)
        return Rule(
            award=str(raw["award"]).upper(),
            article=str(raw["article"]),
            effective_from=start or date(1900, 1, 1),
            effective_to=_date(raw.get("effective_to"), path),
            certain=bool(raw.get("certain", False)),
            source=str(raw.get("source", "")),
            on_fail=str(raw.get("on_fail", "not-eligible")),
            checks=checks,
            not_checked=tuple(str(item) for item in raw.get("not_checked", ())),
        )
    except (KeyError, TypeError) as error:
        raise RulesError(path, f"a rule lacks {error}") from error


def _read(text: bytes, path: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise RulesError(path, str(error)) from error


def parse_rules(*documents: tuple[bytes, str]) -> RuleSet:
    """The rules of the documents in order: a later document's rule for an award replaces the
    earlier ones for it (a province's file over the national one)."""
    rules: dict[str, tuple[Rule, ...]] = {}
    names: dict[str, dict[str, str]] = {}
    implies: dict[str, tuple[str, ...]] = {}
    discipline: Rule | None = None
    thematic_article = ""
    for text, path in documents:
        data = _read(text, path)
        replaced: dict[str, list[Rule]] = {}
        for raw in data.get("rule", []):
            rule = _rule(raw, path)
            for code in (rule.award, *(str(c).upper() for c in raw.get("also", ()))):
                replaced.setdefault(code, []).append(
                    rule if code == rule.award else _renamed(rule, code)
                )
        rules.update({code: tuple(found) for code, found in replaced.items()})
        for code, value in data.get("names", {}).items():
            names[str(code).upper()] = {str(k): str(v) for k, v in dict(value).items()}
        for code, value in data.get("implies", {}).items():
            implies[str(code).upper()] = tuple(str(v).upper() for v in value)
        for raw in data.get("disqualifier", []):
            if raw.get("kind") == "discipline":
                discipline = _rule({"award": "*", **raw}, path)
        if "thematic" in data:
            thematic_article = str(data["thematic"].get("article", thematic_article))
    return RuleSet(rules, names, implies, discipline, thematic_article)


def _renamed(rule: Rule, code: str) -> Rule:
    from dataclasses import replace

    return replace(rule, award=code)


@lru_cache(maxsize=4)
def load_rules(override: str | None = None) -> RuleSet:
    """The national rules shipped with the package, then the province's file if named."""
    national = resources.files("bot.rules").joinpath(NATIONAL).read_bytes()
    documents = [(national, NATIONAL)]
    if override:
        path = Path(override)
        try:
            documents.append((path.read_bytes(), str(path)))
        except OSError as error:
            raise RulesError(str(path), error.strerror or "cannot be read") from error
    return parse_rules(*documents)


@dataclass(frozen=True)
class Held:
    """An award in the history: its code and the years its decision covers."""

    code: str
    first: int
    last: int
    thematic: bool = False
    decision_no: str = ""


@dataclass
class History:
    """What the history holds about one candidate (a person of a unit, or a unit)."""

    awards: list[Held] = field(default_factory=list)
    ratings: dict[int, str] = field(default_factory=dict)
    discipline: set[int] = field(default_factory=set)
    # For a unit: the people rated each year, and who holds which award each year (the history
    # and the unit's filings of the round).
    members: dict[int, set[str]] = field(default_factory=dict)
    holders: dict[tuple[str, int], set[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.awards or self.ratings or self.members or self.holders)


@dataclass(frozen=True)
class Reason:
    kind: str
    outcome: Outcome
    article: str
    params: dict[str, Any] = field(default_factory=dict)
    certain: bool = True


@dataclass(frozen=True)
class Assessment:
    award: str
    year: int
    verdict: Verdict
    reasons: tuple[Reason, ...]


def _counted(history: History, codes: list[str]) -> list[Held]:
    return [h for h in history.awards if h.code in codes and not h.thematic]


def _years(held: list[Held]) -> set[int]:
    return {year for h in held for year in range(h.first, h.last + 1)}


def _check_rating(check: dict[str, Any], history: History, year: int, rule: Rule) -> Reason:
    wanted = str(check.get("min", "htt"))
    span = int(check.get("years", 1))
    window = list(range(year - span + 1, year + 1))
    below = [y for y in window if y in history.ratings and RANK[history.ratings[y]] < RANK[wanted]]
    missing = [y for y in window if y not in history.ratings]
    outcome = Outcome.NOT_MET if below else Outcome.UNKNOWN if missing else Outcome.MET
    if outcome is Outcome.NOT_MET and check.get("on_fail") == "unknown":
        outcome = Outcome.UNKNOWN
    return Reason(
        "rating",
        outcome,
        rule.article,
        {
            "min": wanted,
            "years": span,
            "window": window,
            "below": below,
            "missing": missing,
            "found": {y: history.ratings[y] for y in window if y in history.ratings},
            "alternative": check.get("on_fail") == "unknown",
        },
        rule.certain,
    )


def _check_consecutive(check: dict[str, Any], history: History, year: int, rule: Rule) -> Reason:
    codes = [str(c).upper() for c in check["awards"]]
    count = int(check["count"])
    covered = _years(_counted(history, codes))
    window = list(range(year - count + 1, year + 1))
    missing = [y for y in window if y not in covered]
    return Reason(
        "consecutive",
        Outcome.NOT_MET if missing else Outcome.MET,
        rule.article,
        {
            "award": codes[0],
            "count": count,
            "found": [y for y in window if y in covered],
            "missing": missing,
        },
        rule.certain,
    )


def _check_times(check: dict[str, Any], history: History, year: int, rule: Rule) -> Reason:
    codes = [str(c).upper() for c in check["awards"]]
    count = int(check["count"])
    held = sorted(_counted(history, codes), key=lambda h: (h.last, h.first))
    chain: list[Held] = []
    if held and held[-1].last >= year - 1:
        chain = [held[-1]]
        for earlier in reversed(held[:-1]):
            if earlier.last < chain[-1].first and earlier.last >= chain[-1].first - 1:
                chain.append(earlier)
            elif earlier.last >= chain[-1].first:
                continue
            else:
                break
    periods = [(h.first, h.last) for h in reversed(chain)] or [(h.first, h.last) for h in held]
    return Reason(
        "times",
        Outcome.MET if len(chain) >= count else Outcome.NOT_MET,
        rule.article,
        {"award": codes[0], "count": count, "found": periods},
        rule.certain,
    )


def _check_prior(check: dict[str, Any], history: History, year: int, rule: Rule) -> Reason:
    codes = [str(c).upper() for c in check["awards"]]
    span = int(check["years"])
    wanted = str(check.get("min", "htt"))
    window = list(range(year - span + 1, year + 1))
    priors = sorted(_counted(history, codes), key=lambda h: h.last)
    # The window of consecutive years starts after the period of the earlier decision.
    usable = [h for h in priors if h.last < window[0]]
    params: dict[str, Any] = {"award": codes[0], "years": span, "min": wanted, "window": window}
    if not usable:
        params["prior"] = (priors[-1].first, priors[-1].last) if priors else None
        return Reason("prior", Outcome.NOT_MET, rule.article, params, rule.certain)
    prior = usable[-1]
    params["prior"] = (prior.first, prior.last)
    below = [y for y in window if y in history.ratings and RANK[history.ratings[y]] < RANK[wanted]]
    missing = [y for y in window if y not in history.ratings]
    params.update(below=below, missing=missing)
    outcome = Outcome.NOT_MET if below else Outcome.UNKNOWN if missing else Outcome.MET
    within = [str(c).upper() for c in check.get("within", ())]
    if within:
        found = sorted(_years(_counted(history, within)) & set(window))
        params.update(
            within=within[0], within_count=int(check["within_count"]), within_found=found
        )
        if len(found) < int(check["within_count"]):
            outcome = Outcome.NOT_MET
    return Reason("prior", outcome, rule.article, params, rule.certain)


def _holders(
    history: History, award: str, year: int, implies: dict[str, tuple[str, ...]]
) -> set[str]:
    codes = {award} | {code for code, implied in implies.items() if award in implied}
    found: set[str] = set()
    for code in codes:
        found |= history.holders.get((code, year), set())
    return found


def _check_share(
    check: dict[str, Any], history: History, year: int, rule: Rule, rules: RuleSet
) -> Reason:
    award = str(check["award"]).upper()
    members = history.members.get(year, set())
    minimum = float(check["min_share"])
    above = bool(check.get("above", False))
    params: dict[str, Any] = {"award": award, "min_share": minimum, "above": above}
    if not members:
        return Reason("share", Outcome.UNKNOWN, rule.article, params, rule.certain)
    holding = len(_holders(history, award, year, rules.implies) & members)
    share = holding / len(members)
    met = share > minimum if above else share >= minimum
    params.update(holding=holding, members=len(members))
    return Reason(
        "share", Outcome.MET if met else Outcome.NOT_MET, rule.article, params, rule.certain
    )


def _check_holders(
    check: dict[str, Any], history: History, year: int, rule: Rule, rules: RuleSet
) -> Reason:
    award = str(check["award"]).upper()
    count = int(check.get("count", 1))
    holding = len(_holders(history, award, year, rules.implies))
    params = {"award": award, "count": count, "holding": holding}
    if holding >= count:
        outcome = Outcome.MET
    elif not history.members.get(year) and not any(y == year for _c, y in history.holders):
        outcome = Outcome.UNKNOWN
    else:
        outcome = Outcome.NOT_MET
    return Reason("holders", outcome, rule.article, params, rule.certain)


def evaluate(rules: RuleSet, award: str, history: History, year: int, *, on: date) -> Assessment:
    """The verdict on `history` for `award` in `year`, under the rules in force `on`."""
    award = award.upper()
    rule = rules.rule_for(award, on)
    if rule is None:
        reason = Reason("no-rule", Outcome.UNKNOWN, "", {"award": award})
        return Assessment(award, year, Verdict.UNKNOWN, (reason,))
    reasons: list[Reason] = []
    if history.empty:
        reasons.append(Reason("no-history", Outcome.UNKNOWN, rule.article, {}, rule.certain))
    for check in rule.checks:
        kind = check["type"]
        if kind == "rating":
            reasons.append(_check_rating(check, history, year, rule))
        elif kind == "consecutive":
            reasons.append(_check_consecutive(check, history, year, rule))
        elif kind == "times":
            reasons.append(_check_times(check, history, year, rule))
        elif kind == "prior":
            reasons.append(_check_prior(check, history, year, rule))
        elif kind == "share":
            reasons.append(_check_share(check, history, year, rule, rules))
        elif kind == "holders":
            reasons.append(_check_holders(check, history, year, rule, rules))
    thematic = sorted({(h.first, h.last) for h in history.awards if h.thematic})
    if thematic:
        reasons.append(
            Reason("thematic", Outcome.NOTE, rules.thematic_article, {"periods": thematic}, False)
        )
    if (
        rules.discipline is not None
        and rules.discipline.in_force(on)
        and year in history.discipline
    ):
        reasons.append(
            Reason(
                "discipline",
                Outcome.NOT_MET,
                rules.discipline.article,
                {"year": year},
                rules.discipline.certain,
            )
        )
    for text in rule.not_checked:
        reasons.append(Reason("not-checked", Outcome.NOTE, rule.article, {"text": text}))
    if not rule.certain:
        reasons.append(
            Reason("uncertain", Outcome.NOTE, rule.article, {"source": rule.source}, False)
        )
    outcomes = [r.outcome for r in reasons]
    if Outcome.NOT_MET in outcomes:
        failing_softly = rule.on_fail == "unknown" and not any(
            r.kind == "discipline" for r in reasons
        )
        verdict = Verdict.UNKNOWN if failing_softly else Verdict.NOT_ELIGIBLE
    elif Outcome.UNKNOWN in outcomes:
        verdict = Verdict.UNKNOWN
    else:
        verdict = Verdict.ELIGIBLE
    return Assessment(award, year, verdict, tuple(reasons))


async def load_history(
    session: AsyncSession,
    *,
    unit_id: int,
    person_name: str | None,
    round_id: int | None = None,
    year: int | None = None,
) -> History:
    """The history of a person of a unit (person_name given) or of the unit itself; for a unit
    also its people's ratings and awards, and the awards its filings of the round propose."""
    key = person_key(person_name)
    history = History()
    records = await session.execute(
        select(AwardRecord, AwardForm.code)
        .join(AwardForm, AwardForm.id == AwardRecord.award_form_id)
        .where(AwardRecord.unit_id == unit_id)
    )
    for record, code in records.all():
        if record.person_key == key:
            history.awards.append(
                Held(code, record.year_from, record.year_to, record.thematic, record.decision_no)
            )
        elif not key and record.person_key and not record.thematic:
            for y in range(record.year_from, record.year_to + 1):
                history.holders.setdefault((code, y), set()).add(record.person_key)
    for rating in await session.scalars(select(YearRating).where(YearRating.unit_id == unit_id)):
        if rating.person_key == key:
            history.ratings[rating.year] = rating.rating
            if rating.discipline:
                history.discipline.add(rating.year)
        elif not key and rating.person_key:
            history.members.setdefault(rating.year, set()).add(rating.person_key)
    if not key and round_id is not None and year is not None:
        filings = await session.execute(
            select(Nomination.nominee_name, AwardForm.code)
            .join(AwardForm, AwardForm.id == Nomination.award_form_id)
            .where(
                Nomination.unit_id == unit_id,
                Nomination.round_id == round_id,
                Nomination.status.in_(FILED),
                Nomination.target == "individual",
            )
        )
        for name, code in filings.all():
            if name:
                history.holders.setdefault((code, year), set()).add(person_key(name))
    return history


async def assess(
    session: AsyncSession,
    rules: RuleSet,
    *,
    unit_id: int,
    person_name: str | None,
    award: str,
    year: int,
    on: date,
    round_id: int | None = None,
) -> Assessment:
    history = await load_history(
        session, unit_id=unit_id, person_name=person_name, round_id=round_id, year=year
    )
    return evaluate(rules, award, history, year, on=on)


async def find_award(session: AsyncSession, rules: RuleSet, text: str, target: str) -> str | None:
    """The code of the award named by `text`: a catalogue code or name (Vietnamese or English)
    for `target`, else a code or name the rules know (a form of a level this authority does
    not confer, such as the Prime Minister's Bằng khen at a commune)."""
    wanted = " ".join(text.casefold().split())

    def same(*labels: str) -> bool:
        return wanted in {" ".join(label.casefold().split()) for label in labels}

    forms = await session.scalars(select(AwardForm).where(AwardForm.target == target))
    matches = [form for form in forms if same(form.code, form.name_vi, form.name_en)]
    matches.sort(key=lambda form: (not form.active, form.historical, form.position))
    if matches:
        return matches[0].code
    suffix = "-CN" if target == "individual" else "-TT"
    known = [
        code
        for code in rules.rules
        if same(code, *rules.names.get(code, {}).values())
        and (code.endswith(suffix) or not code.endswith(("-CN", "-TT")))
    ]
    return known[0] if len(known) == 1 else None


async def assess_nomination(
    session: AsyncSession, rules: RuleSet, nomination: Nomination, *, today: date
) -> Assessment | None:
    """The verdict on a nomination's candidate for its form of award (None before the form is
    chosen). The year is that of the achievements when the nomination was filed (or today, for
    a draft); a collective's shares count the unit's filings of the round."""
    if nomination.award_form_id is None:
        return None
    code = await session.scalar(
        select(AwardForm.code).where(AwardForm.id == nomination.award_form_id)
    )
    individual = nomination.target == "individual"
    if code is None or (individual and not nomination.nominee_name):
        return None
    round_id = nomination.round_id
    if round_id is None:
        round_id = await session.scalar(
            select(NominationRound.id)
            .where(NominationRound.open.is_(True))
            .order_by(NominationRound.id.desc())
            .limit(1)
        )
    return await assess(
        session,
        rules,
        unit_id=nomination.unit_id,
        person_name=nomination.nominee_name if individual else None,
        award=code,
        year=achievement_year(today),
        on=today,
        round_id=round_id,
    )


def achievement_year(today: date) -> int:
    """The year whose achievements a nomination filed `today` is about: the year-end review is
    filed in the first quarter of the next year."""
    return today.year - 1 if today.month <= 3 else today.year
