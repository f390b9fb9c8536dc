"""What the bot says on Zalo, where there are no buttons and no formatting: plain text, and
short typed replies instead of commands."""

from __future__ import annotations

import html
import re

from bot.core.i18n import _

# What can be typed on Zalo at the top level (the typed dialogue for tasks, nominations and
# broadcasts adds its own words).
HELP_WORDS = ("help", "trợ giúp", "/help", "?")
START_WORD = "/start"


def not_registered() -> str:
    return _(
        "Hello! I am the assistant for emulation and commendation (TĐKT) work. I remind units "
        "of the tasks in the TĐKT plan and their deadlines.\n\n"
        "To join, send me the invite code the TĐKT officer gave you (the code alone, or "
        "/start followed by the code)."
    )


def welcome(name: str, unit: str | None, officer: bool) -> str:
    if officer or not unit:
        return _(
            "Welcome, {name}! You are registered as a TĐKT officer. On Zalo you receive the "
            "bot's messages; to manage the plan, use Telegram or the officer's command line."
        ).format(name=name)
    return _(
        "Welcome, {name}! You are registered as the head of {unit}. Reminders of your unit's "
        'tasks and the TĐKT officer\'s messages will come here. Type "help" to see what you '
        "can type."
    ).format(name=name, unit=unit)


def invite_refused(outcome: str) -> str:
    return {
        "unknown": _(
            "This invite code is not valid. Please check the link, or ask the TĐKT officer "
            "for a new one."
        ),
        "used": _(
            "This invite code has already been used. Each code works only once; please ask "
            "the TĐKT officer for a new one."
        ),
        "expired": _("This invite code has expired. Please ask the TĐKT officer for a new one."),
        "throttled": _(
            "Too many invalid invite codes were tried. Please wait an hour, or ask the "
            "TĐKT officer for a new link."
        ),
    }[outcome]


def typed_choices() -> str:
    """The short list of what can be typed here."""
    return "\n".join(
        [
            _("You can type:"),
            _("• help — this list"),
            _("• /start CODE or the invite code alone — join with an invite"),
        ]
    )


def help_text(name: str) -> str:
    return (
        _(
            "{name}, on Zalo I send you reminders of your unit's tasks, the weekly summary and "
            "the TĐKT officer's messages."
        ).format(name=name)
        + "\n\n"
        + typed_choices()
    )


def not_understood() -> str:
    return _("I did not understand that.") + "\n" + typed_choices()


def file_refused() -> str:
    return _(
        "Files and pictures cannot be received on Zalo. Please send them on Telegram, or give "
        "them to the TĐKT officer to add with the command line."
    )


def file_left_out() -> str:
    """Under a message whose file (a document, a photo) Zalo cannot carry."""
    return _("(A file comes with this message: open it on Telegram or ask the TĐKT officer.)")


_LINK = re.compile(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """A Telegram HTML text as plain text (Zalo shows markup raw): tags dropped, links as
    "label (address)", entities decoded."""

    def link(match: re.Match[str]) -> str:
        address, label = html.unescape(match[1]), _TAG.sub("", match[2])
        return label if html.unescape(label) == address else f"{label} ({address})"

    return html.unescape(_TAG.sub("", _LINK.sub(link, text)))
