"""Notices the bot raises by itself for officers, e.g. a member who can no longer be reached."""

from __future__ import annotations

import html
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import _, use_language
from bot.services.members import active_officers
from bot.services.outbox import NewMessage, enqueue
from models import Member, Nomination, NominationStatus, ReminderKind, Unit


async def report_unreachable(session: AsyncSession, member: Member, *, now: datetime) -> int:
    """Tells every officer that `member` blocked the bot; once per member and day."""
    unit = await session.get(Unit, member.unit_id) if member.unit_id else None
    messages = []
    for officer in await active_officers(session):
        if officer.id == member.id:
            continue
        with use_language(officer.language):
            text = _(
                "⚠️ {name} ({unit}) has blocked the bot or left Telegram and no longer "
                "receives reminders. Please contact them directly."
            ).format(
                name=html.escape(member.full_name or str(member.telegram_id)),
                unit=html.escape(unit.name if unit else "—"),
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
        award = nomination.award_form.name(language) if nomination.award_form else "—"
        subject = _("Nomination #{code}: {nominee} — {award}").format(
            code=nomination.id,
            nominee=html.escape(nomination.nominee_name or ""),
            award=html.escape(award),
        )
        reason = html.escape(nomination.decision_reason or "")
        if nomination.status == NominationStatus.APPROVED.value:
            body = _("✅ The council has approved this nomination.")
        elif nomination.status == NominationStatus.REJECTED.value:
            body = _("❌ The council has not accepted this nomination. Reason: {reason}").format(
                reason=reason
            )
        else:
            body = _(
                "↩️ The nomination is returned for revision. Reason: {reason}\n"
                "Please edit and resubmit it with /nominations."
            ).format(reason=reason)
        return f"<b>{subject}</b>\n{body}"


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
            text = _(
                "Your unfinished nomination was closed after a long time without an answer; "
                "nothing was submitted. Send /nominate to start again."
            )
        messages.append(
            NewMessage(
                f"draft-expired:{draft_id}", "draft-expired", member.telegram_id, text, member.id
            )
        )
    await enqueue(session, messages, now=now)
    await session.commit()
