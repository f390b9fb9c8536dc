"""What a TĐKT officer reads in /review: the card of the next submitted nomination with the
decision buttons, the question for a reason, and what each decision did."""

from __future__ import annotations

import html

from bot.core.actions import Action, Keyboard, Message
from bot.core.i18n import _
from bot.services.nominations.review import Decision
from bot.texts.nominations import nomination_card
from models import Nomination


def review_card(
    nomination: Nomination, waiting: int, unit_name: str | None, verdict: str
) -> Message:
    """The nomination with how many wait, its unit, the verdict on its candidate (HTML, may be
    empty) and the buttons: files (when any), approve, reject, return, next."""
    header = (
        _("Waiting for review: {count}").format(count=waiting)
        + "\n"
        + _("Unit: {unit}").format(unit=html.escape(unit_name or "—"))
    )
    text = (
        header
        + "\n\n"
        + nomination_card(nomination, with_status=False)
        + ("\n\n" + verdict if verdict else "")
    )
    return Message(text, _card_keyboard(nomination.id, len(nomination.files)))


def _card_keyboard(nomination_id: int, files: int) -> Keyboard:
    ids = (nomination_id,)
    rows: Keyboard = [
        [Action(_("✅ Approve"), "review.approve", ids)],
        [
            Action(_("❌ Reject"), "review.reject", ids),
            Action(_("↩️ Return for revision"), "review.return", ids),
        ],
        [Action(_("⏭ Next"), "review.next", ids)],
    ]
    if files:
        rows.insert(
            0, [Action(_("📎 Show {count} files").format(count=files), "review.files", ids)]
        )
    return rows


def nothing_waiting_text() -> str:
    return _("No nominations are waiting for review.")


def already_decided_text() -> str:
    return _("This nomination has already been decided.")


def no_longer_exists_text() -> str:
    return _("This nomination no longer exists.")


def reason_question(decision: Decision, code: int | None) -> str:
    """After Reject or Return: what the officer is asked to type."""
    if decision is Decision.REJECT:
        question = _("Please send the reason for not accepting nomination #{code}, or /cancel.")
    else:
        question = _("Please send what needs revising in nomination #{code}, or /cancel.")
    return question.format(code=code)


def reason_as_text() -> str:
    return _("Please send the reason as text, or /cancel.")


def reason_cancelled_text() -> str:
    return _("Cancelled. Nothing was changed.")


def reason_too_long_text() -> str:
    return _("The reason is too long (at most 1000 characters).")


def decided_text(decision: Decision, code: int | None) -> str:
    texts = {
        Decision.APPROVE: _("✅ Nomination #{code} is approved; the unit is told."),
        Decision.REJECT: _("❌ Nomination #{code} is not accepted; the unit is told why."),
        Decision.RETURN: _("↩️ Nomination #{code} is returned for revision; the unit is told."),
    }
    return texts[decision].format(code=code)
