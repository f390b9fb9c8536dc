"""Suggestions nobody else makes: who in a unit meets the standard of a higher title this year
from the history, sent to the unit's heads when a nomination round opens."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.i18n import _, use_language
from bot.services.eligibility import RuleSet, Verdict, achievement_year, evaluate, load_history
from bot.services.outbox import NewMessage, enqueue
from models import AwardForm, AwardRecord, Member, Role, Target, Unit, YearRating

# The higher titles worth suggesting: those that need years of history to reach.
HIGHER = {
    "individual": ("CSTD-TINH", "CSTD-TQ", "BK-TTG-CN", "HCLD3-CN"),
    "collective": ("BK-TTG-TT", "HCLD3-TT"),
}


@dataclass(frozen=True)
class Suggestion:
    unit_id: int
    # The history row that names the person (a:award record, r:rating), for the button.
    source: str
    source_id: int
    person_name: str | None
    position: str | None
    award_form_id: int
    award_code: str
    article: str


async def find_suggestions(
    session: AsyncSession, rules: RuleSet, *, year: int, on: date
) -> list[Suggestion]:
    """Every person (and unit) of an active unit whose history meets a higher title in `year`
    and whose form of award is in the catalogue, by unit and name."""
    forms = {
        (form.code, form.target): form
        for form in await session.scalars(select(AwardForm).where(AwardForm.active.is_(True)))
    }
    people: dict[tuple[int, str], tuple[str, int, str | None, str | None]] = {}
    for record in await session.scalars(select(AwardRecord).order_by(AwardRecord.id)):
        people[(record.unit_id, record.person_key)] = (
            "a",
            record.id,
            record.person_name,
            record.position,
        )
    for rating in await session.scalars(select(YearRating).order_by(YearRating.id)):
        people.setdefault(
            (rating.unit_id, rating.person_key), ("r", rating.id, rating.person_name, None)
        )
    active = set(await session.scalars(select(Unit.id).where(Unit.active.is_(True))))
    found: list[Suggestion] = []
    for (unit_id, key), (source, source_id, name, position) in sorted(people.items()):
        if unit_id not in active:
            continue
        target = Target.INDIVIDUAL if key else Target.COLLECTIVE
        history = await load_history(session, unit_id=unit_id, person_name=name if key else None)
        for code in HIGHER[target]:
            form = forms.get((code, target))
            if form is None:
                continue
            assessment = evaluate(rules, code, history, year, on=on)
            if assessment.verdict is Verdict.ELIGIBLE:
                rule = rules.rule_for(code, on)
                found.append(
                    Suggestion(
                        unit_id,
                        source,
                        source_id,
                        name if key else None,
                        position,
                        form.id,
                        code,
                        rule.article if rule else "",
                    )
                )
    return found


async def queue_suggestions(
    session: AsyncSession, rules: RuleSet, *, round_id: int, today: date, now: datetime
) -> int:
    """One message to each head of a unit with suggestions, each with a button that starts
    that nomination filled in; the caller commits."""
    year = achievement_year(today)
    by_unit: dict[int, list[Suggestion]] = {}
    for suggestion in await find_suggestions(session, rules, year=year, on=today):
        by_unit.setdefault(suggestion.unit_id, []).append(suggestion)
    if not by_unit:
        return 0
    heads = (
        await session.execute(
            select(Member.id, Member.telegram_id, Member.language, Member.unit_id).where(
                Member.role == Role.HEAD.value,
                Member.active.is_(True),
                Member.reachable.is_(True),
                Member.unit_id.in_(list(by_unit)),
            )
        )
    ).all()
    messages = []
    for member_id, chat_id, language, unit_id in heads:
        suggestions = by_unit[unit_id][:10]
        with use_language(language):
            lines = [
                _(
                    "<b>From the award history, these meet the standard of a higher title in "
                    "{year}:</b>"
                ).format(year=year)
            ]
            buttons = []
            for s in suggestions:
                award = rules.name(s.award_code, language)
                who = s.person_name or _("the unit")
                lines.append(
                    "• "
                    + _("{who} — {award} ({article})").format(
                        who=html.escape(who), award=html.escape(award), article=s.article
                    )
                )
                buttons.append(
                    [
                        {
                            "text": _("Nominate {who}: {award}").format(who=who, award=award)[:60],
                            "data": f"sg:{s.source}:{s.source_id}:{s.award_form_id}",
                        }
                    ]
                )
            lines.append(
                _("The council still judges what the history cannot show (initiatives, votes).")
            )
        messages.append(
            NewMessage(
                f"suggestions:{round_id}:{member_id}",
                "suggestions",
                chat_id,
                "\n".join(lines),
                member_id,
                buttons=buttons,
            )
        )
    added = await enqueue(session, messages, now=now)
    return len(added)


async def suggested_candidate(
    session: AsyncSession, member: Member, source: str, source_id: int, award_form_id: int
) -> tuple[str | None, str | None, AwardForm] | None:
    """(name, position, form) of a suggestion's button, when it names someone of the member's
    own unit and an active form; None otherwise (a forged or stale button)."""
    row: AwardRecord | YearRating | None = None
    if source == "a":
        row = await session.get(AwardRecord, source_id)
    elif source == "r":
        row = await session.get(YearRating, source_id)
    form = await session.get(AwardForm, award_form_id)
    if row is None or form is None or not form.active or row.unit_id != member.unit_id:
        return None
    if form.target != ("individual" if row.person_key else "collective"):
        return None
    position = row.position if isinstance(row, AwardRecord) else None
    return row.person_name, position, form
