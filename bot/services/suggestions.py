"""Suggestions nobody else makes: who in a unit meets the standard of a higher title this year
from the history, sent to the unit's heads when a nomination round opens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.actions import keyboard_to_json
from bot.core.i18n import use_language
from bot.services.eligibility import RuleSet, Verdict, achievement_year, evaluate, load_history
from bot.services.outbox import NewMessage, enqueue
from bot.texts.nominations import SuggestionLine, suggestions_message
from models import AwardForm, AwardRecord, Member, Role, Target, Unit, YearRating

# The higher titles worth suggesting: those that need years of history to reach.
HIGHER = {
    Target.INDIVIDUAL: ("CSTD-TINH", "CSTD-TQ", "BK-TTG-CN", "HCLD3-CN"),
    Target.COLLECTIVE: ("BK-TTG-TT", "HCLD3-TT"),
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
                Member.role == Role.HEAD,
                Member.active.is_(True),
                Member.reachable.is_(True),
                Member.unit_id.in_(list(by_unit)),
            )
        )
    ).all()
    messages = []
    for member_id, chat_id, language, unit_id in heads:
        with use_language(language):
            message = suggestions_message(
                year, [_line(s, rules, language) for s in by_unit[unit_id][:10]]
            )
        messages.append(
            NewMessage(
                f"suggestions:{round_id}:{member_id}",
                "suggestions",
                chat_id,
                message.text,
                member_id,
                buttons=keyboard_to_json(message.keyboard),
            )
        )
    added = await enqueue(session, messages, now=now)
    return len(added)


def _line(suggestion: Suggestion, rules: RuleSet, language: str) -> SuggestionLine:
    return SuggestionLine(
        who=suggestion.person_name,
        award=rules.name(suggestion.award_code, language),
        article=suggestion.article,
        source=suggestion.source,
        source_id=suggestion.source_id,
        award_form_id=suggestion.award_form_id,
    )


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
    if form.target != (Target.INDIVIDUAL if row.person_key else Target.COLLECTIVE):
        return None
    position = row.position if isinstance(row, AwardRecord) else None
    return row.person_name, position, form
