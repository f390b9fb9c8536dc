"""Notices the bot raises by itself for officers, e.g. a member who can no longer be reached."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.i18n import use_language
from bot.services.members import active_officers
from bot.services.nomination_labels import number_of
from bot.services.outbox import NewMessage, enqueue
from bot.texts.reminders import (
    DecisionFacts,
    decision_notice,
    draft_expired_notice,
    round_open_notice,
    unreachable_notice,
)
from models import (
    Member,
    Nomination,
    NominationRound,
    ReminderKind,
    Role,
    Unit,
)


async def report_unreachable(session: AsyncSession, member: Member, *, now: datetime) -> int:
    """Tells every officer that `member` blocked the bot; once per member and day."""
    unit = await session.get(Unit, member.unit_id) if member.unit_id else None
    messages = []
    for officer in await active_officers(session):
        if officer.id == member.id:
            continue
        with use_language(officer.language):
            text = unreachable_notice(
                member.full_name or str(member.telegram_id), unit.name if unit else "—"
            )
        messages.append(
            NewMessage(
                f"{ReminderKind.UNREACHABLE.value}:{now.date().isoformat()}:{member.id}:{officer.id}",
                ReminderKind.UNREACHABLE.value,
                officer.telegram_id,
                text,
                officer.id,
            )
        )
    added = await enqueue(session, messages, now=now)
    await session.commit()
    return len(added)


def decision_text(nomination: Nomination, language: str) -> str:
    """What the submitting unit head reads about the officer's decision, in their language."""
    with use_language(language):
        return decision_notice(
            DecisionFacts(
                number=str(number_of(nomination)),
                nominee_name=nomination.nominee_name,
                award_name=nomination.award_form.name(language) if nomination.award_form else None,
                status=nomination.status,
                reason=nomination.decision_reason,
            )
        )


async def queue_decision_notice(
    session: AsyncSession, nomination: Nomination, submitter: Member, *, now: datetime
) -> None:
    """Queues the unit's notice of a decision; the caller commits it with the decision, so
    a crash can lose neither one without the other."""
    assert nomination.decided_at is not None
    await enqueue(
        session,
        [
            NewMessage(
                f"decision:{nomination.id}:{nomination.decided_at.isoformat()}",
                "decision",
                submitter.telegram_id,
                decision_text(nomination, submitter.language),
                submitter.id,
            )
        ],
        now=now,
    )


async def notify_expired_drafts(
    session: AsyncSession, members: list[tuple[Member, int]], *, now: datetime
) -> None:
    messages = []
    for member, draft_id in members:
        with use_language(member.language):
            text = draft_expired_notice()
        messages.append(
            NewMessage(
                f"draft-expired:{draft_id}", "draft-expired", member.telegram_id, text, member.id
            )
        )
    await enqueue(session, messages, now=now)
    await session.commit()


async def queue_round_notices(
    session: AsyncSession, round_: NominationRound, *, reopened: bool, now: datetime
) -> int:
    """Tells every unit head that a round is open (or open again) and until when; the caller
    commits the notices with the round, so that neither goes without the other."""
    heads = (
        await session.execute(
            select(Member.id, Member.telegram_id, Member.language)
            .join(Unit, Unit.id == Member.unit_id)
            .where(
                Member.role == Role.HEAD,
                Member.active.is_(True),
                Member.reachable.is_(True),
                Unit.active.is_(True),
            )
            .order_by(Member.id)
        )
    ).all()
    texts: dict[str, str] = {}
    messages = []
    for member_id, chat_id, language in heads:
        if language not in texts:
            with use_language(language):
                texts[language] = round_open_notice(
                    round_.title, round_.deadline, reopened=reopened
                )
        kind = "round-reopened" if reopened else "round-opened"
        messages.append(
            NewMessage(
                f"{kind}:{round_.id}:{round_.deadline.isoformat()}:{member_id}",
                kind,
                chat_id,
                texts[language],
                member_id,
            )
        )
    added = await enqueue(session, messages, now=now)
    return len(added)
