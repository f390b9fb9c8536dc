"""What /start, /help and /lang say."""

from __future__ import annotations

import html
from collections.abc import Sequence

from bot.core.actions import Action, Message
from bot.core.i18n import LANGUAGES, _
from bot.services.invites import Redemption

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def about_text(telegram_id: int) -> str:
    """What the bot is and how to join, for someone who is not (or no longer) a member, with
    their own Telegram id: the first officer needs it for TDKT_OFFICER_IDS."""
    about = _(
        "Hello! I am the assistant for emulation and commendation (TĐKT) work. I remind units "
        "of the tasks in the TĐKT plan and their deadlines, and unit heads report completed "
        "tasks to the TĐKT officer here.\n\n"
        "To join, open the invite link the TĐKT officer sent you, or send /start followed by "
        "your invite code."
    )
    your_id = _(
        "Your Telegram id is <code>{id}</code>. If you run this bot as the TĐKT officer, put it "
        "in the TDKT_OFFICER_IDS setting and restart the bot."
    ).format(id=telegram_id)
    return f"{about}\n\n{your_id}"


def help_text(lines: Sequence[str]) -> str:
    """/help: the heading, then the lines (msgids, from the command table) translated."""
    return "\n".join([_("<b>What you can do</b>"), *(_(line) for line in lines)])


def welcome_text(full_name: str, *, officer: bool, unit: str | None) -> str:
    name = html.escape(full_name)
    if officer:
        return _(
            "Welcome, {name}! You are registered as a TĐKT officer. Use /progress to follow "
            "the units and /help to see everything you can do."
        ).format(name=name)
    return _(
        "Welcome, {name}! You are registered as the head of <b>{unit}</b>. Use /tasks to see "
        "your unit's tasks and /help to see everything you can do."
    ).format(name=name, unit=html.escape(unit or ""))


def redemption_refused(outcome: Redemption) -> str:
    """Why an invite code did not work."""
    return {
        Redemption.UNKNOWN: _(
            "This invite code is not valid. Please check the link, or ask the TĐKT officer "
            "for a new one."
        ),
        Redemption.USED: _(
            "This invite code has already been used. Each code works only once; please ask "
            "the TĐKT officer for a new one."
        ),
        Redemption.EXPIRED: _(
            "This invite code has expired. Please ask the TĐKT officer for a new one."
        ),
        Redemption.THROTTLED: _(
            "Too many invalid invite codes were tried. Please wait an hour, or ask the "
            "TĐKT officer for a new link."
        ),
    }[outcome]


def language_choice() -> Message:
    """/lang without a language: the question with a button per language."""
    return Message(
        _("Choose a language: /lang vi or /lang en."),
        [[Action(LANGUAGE_NAMES[code], "start.language", (code,)) for code in LANGUAGES]],
    )


def language_set() -> str:
    """Said in the language just chosen."""
    return _("Language set to English.")
