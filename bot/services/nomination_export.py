"""Which nominations an export holds, as rows for the Excel and Word lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.i18n import _, format_date, use_language
from bot.services.exports import ExportHeading, NominationRow
from bot.services.nomination_labels import STATUS_LABELS, label
from bot.services.nominations import FILED_STATUSES, current_round
from models import Nomination, NominationRound, Unit


@dataclass
class NominationExport:
    rows: list[NominationRow]
    heading: ExportHeading
    file_stem: str


async def nomination_export(
    session: AsyncSession, *, now: datetime, tz: ZoneInfo, language: str, authority: str = ""
) -> NominationExport:
    """The open round's filed nominations; without a round, this year's."""
    today = now.astimezone(tz).date()
    round_ = await current_round(session)
    if round_ is None:
        round_ = await session.scalar(
            select(NominationRound).order_by(NominationRound.id.desc()).limit(1)
        )
        if round_ is not None and round_.deadline.year != today.year:
            round_ = None
    query = (
        select(Nomination, Unit.name)
        .join(Unit, Unit.id == Nomination.unit_id)
        .where(Nomination.status.in_(FILED_STATUSES))
        .options(selectinload(Nomination.award_form))
        .order_by(Nomination.target.desc(), Nomination.award_form_id, Unit.name, Nomination.id)
    )
    if round_ is not None:
        query = query.where(Nomination.round_id == round_.id)
    nominations = [
        (nomination, unit_name)
        for nomination, unit_name in (await session.execute(query)).all()
        if round_ is not None or _year(nomination, tz) == today.year
    ]
    with use_language(language):
        rows = [
            NominationRow(
                number=number,
                nominee=nomination.nominee_name or "",
                position=nomination.position_title or "",
                unit=nomination.workplace or unit_name,
                award_form=nomination.award_form.name(language) if nomination.award_form else "",
                summary=nomination.summary or "",
                status=label(STATUS_LABELS, nomination.status),
                decision=nomination.decision_reason or "",
            )
            for number, (nomination, unit_name) in enumerate(nominations, start=1)
        ]
        heading = ExportHeading(
            authority=authority.upper(),
            title=_("LIST OF NOMINATIONS FOR COMMENDATION"),
            subtitle=_("Round: {title}").format(title=round_.title)
            if round_
            else _("Year {year}").format(year=today.year),
            date_line=_date_line(today),
        )
    stem = f"de-nghi-khen-thuong-{today.isoformat()}"
    return NominationExport(rows, heading, stem)


def _year(nomination: Nomination, tz: ZoneInfo) -> int:
    moment = nomination.submitted_at or nomination.created_at
    return moment.astimezone(tz).year


def _date_line(today: date) -> str:
    return _("Date: {date}").format(date=format_date(today))
