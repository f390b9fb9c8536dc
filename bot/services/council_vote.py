"""The council's secret vote on a round's approved candidates (bỏ phiếu kín của Hội đồng Thi
đua - Khen thưởng).

An officer opens a vote for the meeting's date on the round's approved nominations; each council
member (a member with the role "council") agrees or disagrees with each candidate in their own
chat and may change their mind until the vote closes; an officer records the written opinion of
a member absent from the meeting. Nobody sees another's ballot: officers see who has voted, never
how. At close each candidate's result is the share of ALL the council's members who agree, and
passes when it reaches the threshold of its award in the rule set ([council] in
bot/rules/national.toml, a province's file over it); a meeting without a quorum of members
voting in person passes nobody. The audit log records when ballots are cast, not what they say.

Returns facts; bot/texts/council.py words them.
"""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from models import (
    AwardForm,
    CouncilAttendance,
    CouncilBallot,
    CouncilCandidate,
    CouncilVote,
    Member,
    Nomination,
    NominationRound,
    NominationStatus,
    Role,
)

# ------------------------------------------------------------------ the rules


class CouncilRulesError(ValueError):
    """The [council] part of a rule file cannot be read."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class Share:
    """A share of the council's members: at least `value`, or strictly more with `above`."""

    value: Fraction
    above: bool = False
    article: str = ""
    certain: bool = False
    effective_from: date = date(1900, 1, 1)

    def met(self, part: int, whole: int) -> bool:
        if whole <= 0:
            return False
        ratio = Fraction(part, whole)
        return ratio > self.value if self.above else ratio >= self.value

    @property
    def needed_text(self) -> str:
        """ "≥ 90%", "> 50%", "≥ 2/3" (as the rule file wrote it, in figures)."""
        sign = ">" if self.above else "≥"
        if (self.value * 100).denominator == 1:
            return f"{sign} {int(self.value * 100)}%"
        return f"{sign} {self.value.numerator}/{self.value.denominator}"


@dataclass(frozen=True)
class CouncilRules:
    quorum: Share
    default: Share
    thresholds: dict[str, tuple[Share, ...]] = field(default_factory=dict)

    def threshold_for(self, award_code: str | None, on: date) -> Share:
        """The share a candidate for this award needs (the latest in force on `on`)."""
        found = [
            share
            for share in self.thresholds.get((award_code or "").upper(), ())
            if share.effective_from <= on
        ]
        return max(found, key=lambda s: s.effective_from) if found else self.default


def parse_share(text: object, path: str = "") -> Fraction:
    """ "90%", "2/3", "0.5" → a fraction between 0 and 1."""
    raw = str(text).strip()
    try:
        if raw.endswith("%"):
            value = Fraction(raw[:-1].strip()) / 100
        else:
            value = Fraction(raw)
    except (ValueError, ZeroDivisionError) as error:
        raise CouncilRulesError(path, f"{raw!r} is not a share like 90% or 2/3") from error
    if not 0 <= value <= 1:
        raise CouncilRulesError(path, f"{raw!r} is not between 0% and 100%")
    return value


def _date(raw: object, path: str) -> date:
    if raw in (None, ""):
        return date(1900, 1, 1)
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError as error:
        raise CouncilRulesError(path, f"{raw!r} is not a date like 2025-07-01") from error


NATIONAL = "national.toml"
FALLBACK = CouncilRules(
    quorum=Share(Fraction(2, 3)), default=Share(Fraction(1, 2), above=True), thresholds={}
)


def parse_council_rules(*documents: tuple[bytes, str]) -> CouncilRules:
    """The [council] rules of the documents in order, a later one over an earlier one."""
    rules = FALLBACK
    thresholds: dict[str, tuple[Share, ...]] = {}
    for text, path in documents:
        try:
            data = tomllib.loads(text.decode("utf-8")).get("council", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise CouncilRulesError(path, str(error)) from error
        quorum, default = rules.quorum, rules.default
        if "quorum" in data:
            quorum = Share(
                parse_share(data["quorum"], path),
                bool(data.get("quorum_above", False)),
                str(data.get("quorum_article", "")),
                bool(data.get("quorum_certain", False)),
            )
        if "default" in data:
            default = Share(
                parse_share(data["default"], path),
                bool(data.get("default_above", False)),
                str(data.get("default_article", "")),
                bool(data.get("default_certain", False)),
            )
        replaced: dict[str, list[Share]] = {}
        for raw in data.get("threshold", []):
            try:
                share = Share(
                    parse_share(raw["share"], path),
                    bool(raw.get("above", False)),
                    str(raw.get("article", "")),
                    bool(raw.get("certain", False)),
                    _date(raw.get("effective_from"), path),
                )
                codes = [str(code).upper() for code in raw["awards"]]
            except (KeyError, TypeError) as error:
                raise CouncilRulesError(path, f"a council threshold lacks {error}") from error
            for code in codes:
                replaced.setdefault(code, []).append(share)
        thresholds.update({code: tuple(shares) for code, shares in replaced.items()})
        rules = CouncilRules(quorum, default, dict(thresholds))
    return rules


@lru_cache(maxsize=4)
def load_council_rules(override: str | None = None) -> CouncilRules:
    """The national [council] rules, then the province's file if named (TDKT_RULES_FILE)."""
    documents = [(resources.files("bot.rules").joinpath(NATIONAL).read_bytes(), NATIONAL)]
    if override:
        try:
            documents.append((Path(override).read_bytes(), override))
        except OSError as error:
            raise CouncilRulesError(override, error.strerror or "cannot be read") from error
    return parse_council_rules(*documents)


# ------------------------------------------------------------------ counting (pure)


@dataclass(frozen=True)
class Tally:
    """One candidate's count over all the council's members."""

    agree: int
    disagree: int
    members: int
    threshold: Share
    quorum_met: bool = True

    @property
    def share(self) -> Fraction:
        return Fraction(self.agree, self.members) if self.members else Fraction(0)

    @property
    def not_voted(self) -> int:
        return self.members - self.agree - self.disagree

    @property
    def passed(self) -> bool:
        return self.quorum_met and self.threshold.met(self.agree, self.members)


def tally(ballots: Iterable[bool], members: int, threshold: Share, quorum_met: bool) -> Tally:
    """Count the ballots (True: agree) of one candidate; a member who did not vote counts
    against, since the share is of all members."""
    votes = list(ballots)
    agree = sum(1 for vote in votes if vote)
    return Tally(agree, len(votes) - agree, members, threshold, quorum_met)


class Attendance(enum.StrEnum):
    PRESENT = "present"  # voted in person (in the bot)
    WRITTEN = "written"  # absent; a written opinion recorded by an officer
    ABSENT = "absent"  # neither


def attendance_of(in_person: set[int], written: set[int], member_id: int) -> Attendance:
    if member_id in in_person:
        return Attendance.PRESENT
    if member_id in written:
        return Attendance.WRITTEN
    return Attendance.ABSENT


# ------------------------------------------------------------------ the vote in the database


def is_council(member: Member | None) -> bool:
    return member is not None and member.active and member.role == Role.COUNCIL.value


async def council_members(session: AsyncSession) -> list[Member]:
    """The council: active members with the role "council", by name."""
    return list(
        await session.scalars(
            select(Member)
            .where(Member.active.is_(True), Member.role == Role.COUNCIL.value)
            .order_by(Member.full_name, Member.id)
        )
    )


async def open_vote(session: AsyncSession) -> CouncilVote | None:
    """The vote now open (there is at most one)."""
    vote: CouncilVote | None = await session.scalar(
        select(CouncilVote)
        .where(CouncilVote.closed_at.is_(None))
        .order_by(CouncilVote.id.desc())
        .limit(1)
    )
    return vote


async def last_closed_vote(session: AsyncSession) -> CouncilVote | None:
    vote: CouncilVote | None = await session.scalar(
        select(CouncilVote)
        .where(CouncilVote.closed_at.is_not(None))
        .order_by(CouncilVote.closed_at.desc(), CouncilVote.id.desc())
        .limit(1)
    )
    return vote


class Opening(enum.StrEnum):
    OPENED = "opened"
    ALREADY_OPEN = "already-open"
    NO_ROUND = "no-round"
    NO_CANDIDATES = "no-candidates"
    NO_MEMBERS = "no-members"


@dataclass
class OpenResult:
    outcome: Opening
    vote: CouncilVote | None = None
    round_title: str = ""
    candidates: int = 0
    members: list[Member] = field(default_factory=list)


async def _round_for(session: AsyncSession, round_id: int | None) -> NominationRound | None:
    if round_id is not None:
        return await session.get(NominationRound, round_id)
    open_round = await session.scalar(
        select(NominationRound)
        .where(NominationRound.open.is_(True))
        .order_by(NominationRound.id.desc())
        .limit(1)
    )
    if open_round is not None:
        return open_round
    latest: NominationRound | None = await session.scalar(
        select(NominationRound).order_by(NominationRound.id.desc())
    )
    return latest


async def start_vote(
    session: AsyncSession,
    officer: Member,
    meeting_date: date,
    *,
    now: datetime,
    round_id: int | None = None,
) -> OpenResult:
    """Opens a vote on the approved nominations of the round (the open one, else the latest)."""
    current = await open_vote(session)
    if current is not None:
        return OpenResult(Opening.ALREADY_OPEN, current)
    round_ = await _round_for(session, round_id)
    if round_ is None:
        return OpenResult(Opening.NO_ROUND)
    nominations = list(
        await session.scalars(
            select(Nomination)
            .where(
                Nomination.round_id == round_.id,
                Nomination.status == NominationStatus.APPROVED.value,
            )
            .order_by(Nomination.target, Nomination.award_form_id, Nomination.number)
        )
    )
    if not nominations:
        return OpenResult(Opening.NO_CANDIDATES, round_title=round_.title)
    members = await council_members(session)
    if not members:
        return OpenResult(Opening.NO_MEMBERS, round_title=round_.title)
    vote = CouncilVote(
        round_id=round_.id, meeting_date=meeting_date, opened_by_id=officer.id, opened_at=now
    )
    vote.candidates = [
        CouncilCandidate(nomination_id=n.id, position=i) for i, n in enumerate(nominations)
    ]
    session.add(vote)
    await session.flush()
    audit.record(
        session,
        at=now,
        action="open-council-vote",
        entity="council_vote",
        entity_id=vote.id,
        member=officer,
        details={
            "round": round_.id,
            "meeting_date": meeting_date.isoformat(),
            "candidates": len(nominations),
            "members": len(members),
        },
    )
    await session.commit()
    return OpenResult(Opening.OPENED, vote, round_.title, len(nominations), members)


@dataclass(frozen=True)
class CandidateFacts:
    candidate_id: int
    number: int
    name: str
    target: str
    award_vi: str
    award_en: str
    award_code: str
    unit: str = ""


@dataclass
class VoteFacts:
    vote_id: int
    round_title: str
    meeting_date: date
    closed: bool
    candidates: list[CandidateFacts]


async def vote_facts(session: AsyncSession, vote: CouncilVote) -> VoteFacts:
    from models import Unit

    rows = (
        await session.execute(
            select(CouncilCandidate, Nomination, AwardForm, Unit.name)
            .join(Nomination, Nomination.id == CouncilCandidate.nomination_id)
            .join(Unit, Unit.id == Nomination.unit_id)
            .outerjoin(AwardForm, AwardForm.id == Nomination.award_form_id)
            .where(CouncilCandidate.vote_id == vote.id)
            .order_by(CouncilCandidate.position, CouncilCandidate.id)
        )
    ).all()
    round_ = await session.get(NominationRound, vote.round_id) if vote.round_id else None
    return VoteFacts(
        vote.id,
        round_.title if round_ else "",
        vote.meeting_date,
        vote.closed_at is not None,
        [
            CandidateFacts(
                candidate.id,
                nomination.number or nomination.id,
                nomination.nominee_name or unit,
                nomination.target or "",
                form.name_vi if form else "",
                form.name_en if form else "",
                form.code if form else "",
                nomination.workplace or unit,
            )
            for candidate, nomination, form, unit in rows
        ],
    )


async def my_ballot(session: AsyncSession, vote: CouncilVote, member: Member) -> dict[int, bool]:
    """This member's own choices on the vote's candidates (candidate id → agree)."""
    rows = await session.execute(
        select(CouncilBallot.candidate_id, CouncilBallot.agree)
        .join(CouncilCandidate, CouncilCandidate.id == CouncilBallot.candidate_id)
        .where(CouncilCandidate.vote_id == vote.id, CouncilBallot.member_id == member.id)
    )
    return {candidate_id: agree for candidate_id, agree in rows.all()}


async def written_of(session: AsyncSession, vote: CouncilVote, member_id: int) -> dict[int, bool]:
    """The written opinion recorded for an absent member (candidate id → agree); nothing of a
    member who voted in person (their ballot is secret, also from the officer)."""
    rows = await session.execute(
        select(CouncilBallot.candidate_id, CouncilBallot.agree)
        .join(CouncilCandidate, CouncilCandidate.id == CouncilBallot.candidate_id)
        .where(
            CouncilCandidate.vote_id == vote.id,
            CouncilBallot.member_id == member_id,
            CouncilBallot.written.is_(True),
        )
    )
    return {candidate_id: agree for candidate_id, agree in rows.all()}


class Casting(enum.StrEnum):
    RECORDED = "recorded"
    CLOSED = "closed"  # the vote is closed (or the candidate is of no open vote)
    NOT_COUNCIL = "not-council"  # an officer's written opinion for someone not on the council
    IN_PERSON = "in-person"  # the member voted themselves: no written opinion over it


@dataclass
class CastResult:
    outcome: Casting
    vote: CouncilVote | None = None


async def _open_candidate(
    session: AsyncSession, candidate_id: int
) -> tuple[CouncilCandidate, CouncilVote] | None:
    row = (
        await session.execute(
            select(CouncilCandidate, CouncilVote)
            .join(CouncilVote, CouncilVote.id == CouncilCandidate.vote_id)
            .where(CouncilCandidate.id == candidate_id)
        )
    ).first()
    if row is None or row[1].closed_at is not None:
        return None
    return row[0], row[1]


async def cast_ballot(
    session: AsyncSession, member: Member, candidate_id: int, agree: bool, *, now: datetime
) -> CastResult:
    """The member's own agree/disagree on a candidate; a later press changes it. A written
    opinion recorded for them before gives way to their own vote."""
    found = await _open_candidate(session, candidate_id)
    if found is None:
        return CastResult(Casting.CLOSED)
    candidate, vote = found
    ballot = await _ballot_of(session, candidate.id, member.id)
    ballot.agree, ballot.written, ballot.recorded_by_id, ballot.at = agree, False, None, now
    # When, and on which vote; never what.
    audit.record(
        session,
        at=now,
        action="cast-council-ballot",
        entity="council_vote",
        entity_id=vote.id,
        member=member,
        details={"vote": vote.id},
    )
    await session.commit()
    return CastResult(Casting.RECORDED, vote)


async def _ballot_of(session: AsyncSession, candidate_id: int, member_id: int) -> CouncilBallot:
    """The member's ballot on the candidate, new (and added to the session) if none yet."""
    ballot: CouncilBallot | None = await session.scalar(
        select(CouncilBallot).where(
            CouncilBallot.candidate_id == candidate_id, CouncilBallot.member_id == member_id
        )
    )
    if ballot is None:
        ballot = CouncilBallot(candidate_id=candidate_id, member_id=member_id)
        session.add(ballot)
    return ballot


async def record_written(
    session: AsyncSession,
    officer: Member,
    member_id: int,
    candidate_id: int,
    agree: bool,
    *,
    now: datetime,
) -> CastResult:
    """An absent member's written opinion on a candidate, recorded by an officer."""
    found = await _open_candidate(session, candidate_id)
    if found is None:
        return CastResult(Casting.CLOSED)
    candidate, vote = found
    member = await session.get(Member, member_id)
    if not is_council(member):
        return CastResult(Casting.NOT_COUNCIL, vote)
    assert member is not None
    if member.id in await _in_person(session, vote):
        return CastResult(Casting.IN_PERSON, vote)
    ballot = await _ballot_of(session, candidate.id, member.id)
    ballot.agree, ballot.written, ballot.recorded_by_id, ballot.at = agree, True, officer.id, now
    audit.record(
        session,
        at=now,
        action="record-written-opinion",
        entity="council_vote",
        entity_id=vote.id,
        member=officer,
        details={"vote": vote.id, "member": member.full_name},
    )
    await session.commit()
    return CastResult(Casting.RECORDED, vote)


async def _ballots(session: AsyncSession, vote: CouncilVote) -> list[tuple[int, int, bool, bool]]:
    """(candidate id, member id, agree, written) of every ballot of the vote."""
    rows = await session.execute(
        select(
            CouncilBallot.candidate_id,
            CouncilBallot.member_id,
            CouncilBallot.agree,
            CouncilBallot.written,
        )
        .join(CouncilCandidate, CouncilCandidate.id == CouncilBallot.candidate_id)
        .where(CouncilCandidate.vote_id == vote.id)
    )
    return [(c, m, a, w) for c, m, a, w in rows.all()]


async def _in_person(session: AsyncSession, vote: CouncilVote) -> set[int]:
    return {m for _c, m, _a, written in await _ballots(session, vote) if not written}


@dataclass(frozen=True)
class MemberProgress:
    """Who has voted, never how: how many of the candidates a member has a ballot on."""

    member_id: int
    name: str
    ballots: int
    written: bool


@dataclass
class VoteProgress:
    facts: VoteFacts
    members: list[MemberProgress]

    @property
    def candidates(self) -> int:
        return len(self.facts.candidates)


async def vote_progress(session: AsyncSession, vote: CouncilVote) -> VoteProgress:
    facts = await vote_facts(session, vote)
    ballots = await _ballots(session, vote)
    progress = []
    for member in await council_members(session):
        mine = [(c, w) for c, m, _a, w in ballots if m == member.id]
        progress.append(
            MemberProgress(
                member.id,
                member.full_name or str(member.telegram_id),
                len(mine),
                bool(mine) and all(w for _c, w in mine),
            )
        )
    return VoteProgress(facts, progress)


@dataclass(frozen=True)
class CandidateResult:
    facts: CandidateFacts
    tally: Tally
    # As fixed at close: the share needed ("≥ 90%") and the outcome.
    needed: str
    passed: bool


@dataclass
class VoteResult:
    facts: VoteFacts
    members: int
    present: int
    written: int
    quorum: Share
    quorum_met: bool
    attendance: list[tuple[str, Attendance]]
    results: list[CandidateResult]
    closed_at: datetime | None = None

    @property
    def passed(self) -> list[CandidateResult]:
        return [r for r in self.results if r.passed]


class Closing(enum.StrEnum):
    CLOSED = "closed"
    ALREADY_CLOSED = "already-closed"
    UNKNOWN = "unknown"


async def close_vote(
    session: AsyncSession,
    officer: Member,
    vote_id: int,
    rules: CouncilRules,
    *,
    now: datetime,
    today: date,
) -> tuple[Closing, VoteResult | None]:
    """Closes the vote: fixes the attendance, counts each candidate over all the council's
    members and writes the results."""
    vote = await session.get(CouncilVote, vote_id)
    if vote is None:
        return Closing.UNKNOWN, None
    if vote.closed_at is not None:
        return Closing.ALREADY_CLOSED, await vote_result(session, vote, rules)
    members = await council_members(session)
    ballots = await _ballots(session, vote)
    counted = {m.id for m in members}
    in_person = {m for _c, m, _a, w in ballots if not w and m in counted}
    written = {m for _c, m, _a, w in ballots if w and m in counted} - in_person
    quorum_met = rules.quorum.met(len(in_person), len(members))
    codes: dict[int, str] = dict(
        (
            await session.execute(
                select(CouncilCandidate.id, AwardForm.code)
                .join(Nomination, Nomination.id == CouncilCandidate.nomination_id)
                .outerjoin(AwardForm, AwardForm.id == Nomination.award_form_id)
                .where(CouncilCandidate.vote_id == vote.id)
            )
        )
        .tuples()
        .all()
    )
    candidates = list(
        await session.scalars(select(CouncilCandidate).where(CouncilCandidate.vote_id == vote.id))
    )
    for candidate in candidates:
        threshold = rules.threshold_for(codes.get(candidate.id), vote.meeting_date)
        result = tally(
            [a for c, m, a, _w in ballots if c == candidate.id and m in counted],
            len(members),
            threshold,
            quorum_met,
        )
        candidate.agree, candidate.disagree = result.agree, result.disagree
        candidate.threshold, candidate.passed = threshold.needed_text, result.passed
    for member in members:
        session.add(
            CouncilAttendance(
                vote_id=vote.id,
                member_id=member.id,
                name=member.full_name or str(member.telegram_id),
                status=attendance_of(in_person, written, member.id).value,
            )
        )
    vote.closed_at = now
    vote.members_total, vote.present, vote.quorum_met = len(members), len(in_person), quorum_met
    audit.record(
        session,
        at=now,
        action="close-council-vote",
        entity="council_vote",
        entity_id=vote.id,
        member=officer,
        details={
            "members": len(members),
            "present": len(in_person),
            "written": len(written),
            "quorum_met": quorum_met,
            "passed": sum(1 for c in candidates if c.passed),
        },
    )
    await session.commit()
    return Closing.CLOSED, await vote_result(session, vote, rules)


async def vote_result(session: AsyncSession, vote: CouncilVote, rules: CouncilRules) -> VoteResult:
    """The result of a closed vote as stored at close."""
    facts = await vote_facts(session, vote)
    rows = list(
        await session.scalars(
            select(CouncilAttendance)
            .where(CouncilAttendance.vote_id == vote.id)
            .order_by(CouncilAttendance.name, CouncilAttendance.id)
        )
    )
    attendance = [(row.name, Attendance(row.status)) for row in rows]
    stored = {
        c.id: c
        for c in await session.scalars(
            select(CouncilCandidate).where(CouncilCandidate.vote_id == vote.id)
        )
    }
    members = vote.members_total or 0
    quorum_met = bool(vote.quorum_met)
    results = []
    for candidate in facts.candidates:
        row = stored[candidate.candidate_id]
        threshold = rules.threshold_for(candidate.award_code, vote.meeting_date)
        results.append(
            CandidateResult(
                candidate,
                Tally(row.agree or 0, row.disagree or 0, members, threshold, quorum_met),
                row.threshold or threshold.needed_text,
                bool(row.passed),
            )
        )
    return VoteResult(
        facts,
        members,
        vote.present or 0,
        sum(1 for _n, a in attendance if a is Attendance.WRITTEN),
        rules.quorum,
        quorum_met,
        attendance,
        results,
        vote.closed_at,
    )


async def closed_votes_of_round(session: AsyncSession, round_id: int) -> list[CouncilVote]:
    """The closed votes on a round, latest first (for the dossier's biên bản)."""
    return list(
        await session.scalars(
            select(CouncilVote)
            .where(CouncilVote.round_id == round_id, CouncilVote.closed_at.is_not(None))
            .order_by(CouncilVote.closed_at.desc(), CouncilVote.id.desc())
        )
    )


async def ballots_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(CouncilBallot)) or 0)
