"""Which nominations an export holds, as rows for the Excel and Word lists.

The scope is one round or one year. A year holds every nomination filed in it (by the local
date it was last filed), in rounds and outside any, whatever its status, except drafts; a
round holds the nominations filed into it. Whatever a round's list leaves out of its year is
counted, so that the officer is told rather than finding a nomination missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.core.i18n import _, format_date, use_language
from bot.services.exports import ExportHeading, NominationRow
from bot.services.nomination_labels import STATUS_LABELS, label
from bot.services.nominations.rounds import current_round
from models import Nomination, NominationRound, NominationStatus, Unit

# A draft (or an edit copy, or a draft given up) was never filed; everything else was.
UNFILED_STATUSES = (NominationStatus.DRAFT, NominationStatus.ABANDONED)
FIRST_YEAR, LAST_YEAR = 2000, 2100


class UnknownRound(LookupError):
    """No nomination round has the id asked for."""


@dataclass(frozen=True)
class ExportScope:
    """One round, or one year; neither means the open round's, else this year's."""

    round_id: int | None = None
    year: int | None = None


@dataclass
class NominationExport:
    rows: list[NominationRow]
    heading: ExportHeading
    file_stem: str
    round: NominationRound | None
    year: int
    # Nominations filed in `year` that a round's list does not hold (0 for a year's list).
    outside: int
    # The same list in Vietnamese, for the Word documents.
    word_rows: list[NominationRow]
    word_heading: ExportHeading


async def resolve_scope(
    session: AsyncSession, scope: ExportScope, today: date, tz: ZoneInfo
) -> tuple[NominationRound | None, int]:
    """The round (or None for a year's list) and the year the list is about: a round's is
    the year it was opened in (a year-end round may close in January)."""
    if scope.round_id is not None:
        round_ = await session.get(NominationRound, scope.round_id)
        if round_ is None:
            raise UnknownRound(scope.round_id)
    elif scope.year is not None:
        return None, scope.year
    else:
        round_ = await current_round(session)
        if round_ is None:
            return None, today.year
    return round_, round_.created_at.astimezone(tz).year


def _year_bounds(year: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def _filed() -> Select[tuple[Nomination, str]]:
    return (
        select(Nomination, Unit.name)
        .join(Unit, Unit.id == Nomination.unit_id)
        .where(Nomination.status.not_in(UNFILED_STATUSES), Nomination.submitted_at.is_not(None))
    )


async def nomination_export(
    session: AsyncSession,
    *,
    now: datetime,
    tz: ZoneInfo,
    language: str,
    authority: str = "",
    scope: ExportScope | None = None,
    rules_file: str | None = None,
    parent: str = "",
    place: str = "",
) -> NominationExport:
    """The nominations of the scope with their status and the verdict on each candidate from
    the history (raises UnknownRound)."""
    today = now.astimezone(tz).date()
    round_, year = await resolve_scope(session, scope or ExportScope(), today, tz)
    start, end = _year_bounds(year, tz)
    in_year = (Nomination.submitted_at >= start, Nomination.submitted_at < end)
    query = _filed().options(selectinload(Nomination.award_form))
    outside = 0
    if round_ is not None:
        query = query.where(Nomination.round_id == round_.id)
        outside = int(
            await session.scalar(
                select(func.count())
                .select_from(Nomination)
                .where(
                    Nomination.status.not_in(UNFILED_STATUSES),
                    *in_year,
                    (Nomination.round_id != round_.id) | Nomination.round_id.is_(None),
                )
            )
            or 0
        )
    else:
        query = query.where(*in_year)
    query = query.order_by(
        Nomination.target.desc(), Nomination.award_form_id, Unit.name, Nomination.number
    )
    nominations = (await session.execute(query)).all()
    verdicts = await _verdicts(session, [n for n, _unit in nominations], tz, rules_file)

    def rows_in(words: str) -> list[NominationRow]:
        return [
            NominationRow(
                number=number,
                nominee=nomination.nominee_name or "",
                position=nomination.position_title or "",
                unit=nomination.workplace or unit_name,
                award_form=nomination.award_form.name(words) if nomination.award_form else "",
                summary=nomination.summary or "",
                status=label(STATUS_LABELS, nomination.status),
                decision=nomination.decision_reason or "",
                eligibility=verdicts(nomination.id),
                target=nomination.target or "",
                state=nomination.status,
            )
            for number, (nomination, unit_name) in enumerate(nominations, start=1)
        ]

    def heading_in() -> ExportHeading:
        return ExportHeading(
            authority=authority.upper(),
            title=_("LIST OF NOMINATIONS FOR COMMENDATION"),
            subtitle=scope_title(round_, year),
            date_line=_date_line(today),
            parent=parent,
            place=place,
            day=today,
        )

    with use_language(language):
        rows, heading = rows_in(language), heading_in()
    # The Word list is an administrative document: in Vietnamese whatever the reader's language.
    with use_language("vi"):
        word_rows, word_heading = rows_in("vi"), heading_in()
    if round_ is not None:
        stem = f"de-nghi-khen-thuong-dot-{round_.id}-{today.isoformat()}"
    else:
        stem = f"de-nghi-khen-thuong-nam-{year}-{today.isoformat()}"
    return NominationExport(rows, heading, stem, round_, year, outside, word_rows, word_heading)


async def _verdicts(
    session: AsyncSession, nominations: list[Nomination], tz: ZoneInfo, rules_file: str | None
) -> Callable[[int], str]:
    """The verdict on each candidate, as of the day its nomination was filed: a function giving
    the cell's text in the current language (call it inside `use_language`)."""
    from bot.services.eligibility import Assessment, RulesError, assess_nomination, load_rules
    from bot.texts.eligibility import verdict_cell

    try:
        rules = load_rules(rules_file)
    except RulesError:
        return lambda _id: ""
    found: dict[int, Assessment | None] = {}
    for nomination in nominations:
        filed = (nomination.submitted_at or nomination.created_at).astimezone(tz).date()
        found[nomination.id] = await assess_nomination(session, rules, nomination, today=filed)
    return lambda nomination_id: verdict_cell(found.get(nomination_id), rules)


def scope_title(round_: NominationRound | None, year: int) -> str:
    """What the list holds, in the current language: its title line under the heading."""
    if round_ is not None:
        return _("Round “{title}” (deadline {date}): the nominations filed in this round").format(
            title=round_.title, date=format_date(round_.deadline)
        )
    return _(
        "Year {year}: every nomination filed this year, in a round or outside any round, "
        "with its status"
    ).format(year=year)


async def export_choices(
    session: AsyncSession, *, limit: int = 10
) -> tuple[NominationRound | None, list[NominationRound]]:
    """The open round (if any) and the latest rounds, newest first, for the officer to pick."""
    rounds = list(
        await session.scalars(
            select(NominationRound).order_by(NominationRound.id.desc()).limit(limit)
        )
    )
    return await current_round(session), rounds


def _date_line(today: date) -> str:
    return _("Date: {date}").format(date=format_date(today))
