"""A texts' `Message` (HTML-light text and buttons) on a channel without buttons or formatting:
the text as plain text, and each button as a typed reply: a number (in a reply to what the
member just typed) and, where the action has one, the words that do the same ("xong 3").

Every feature reuses this: the button's `Action` (bot/core/actions.py) says what it asks for,
`typed_reply` says how to type it, and the dialogue (handlers/zalo/dialogue.py) maps what is
typed back to the same `Action`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.actions import RAW, Action, Keyboard, Message
from bot.texts import zalo as texts

# Actions that take a typed number or words on Zalo; any other action is shown by its number
# alone (the choices of a question, e.g. a nomination's steps).
_TYPED: dict[str, Callable[..., str]] = {
    "tasks.done": texts.typed_done,
    "reminder.done": texts.typed_done,
    "tasks.undo": texts.typed_undo,
    "tasks.page": texts.typed_page,
    "broadcast.ack": texts.typed_received,
    "start.language": texts.typed_language,
    "nomination.back": texts.typed_back,
    "nomination.cancel": texts.typed_cancel,
}
# Buttons whose action cannot be done by typing on Zalo: left out (a note or file by reply
# needs Telegram; an old row's raw callback data means nothing here).
_LEFT_OUT = frozenset({"tasks.note", RAW})


@dataclass(frozen=True)
class Option:
    """One typed reply: its number, the words that do it too (None: the number only)."""

    number: int
    typed: str | None
    action: Action


@dataclass(frozen=True)
class Rendered:
    text: str
    options: tuple[Option, ...] = ()


def typed_reply(action: Action) -> str | None:
    """The words that do what the button does, in the current language; None: only its
    number does."""
    words = _TYPED.get(action.name)
    return words(*action.args) if words is not None else None


def options_of(keyboard: Keyboard | None) -> tuple[Option, ...]:
    actions = [a for row in keyboard or () for a in row if a.name not in _LEFT_OUT]
    return tuple(Option(n, typed_reply(a), a) for n, a in enumerate(actions, start=1))


def render(message: Message | str, *, numbered: bool = True) -> Rendered:
    """The plain text of `message` with its buttons as a list of typed replies.

    `numbered`: a reply to the member (a number answers the latest list); a message the
    outbox sends on its own is not numbered (several may be on screen), so only its buttons
    that have words are listed."""
    if isinstance(message, str):
        message = Message(message)
    text = texts.plain(message.text)
    options = options_of(message.keyboard)
    if not numbered:
        options = tuple(o for o in options if o.typed is not None)
    if not options:
        return Rendered(text)
    lines = [texts.options_header(numbered=numbered)]
    for option in options:
        label = texts.plain(option.action.label)
        lines.append(texts.option_line(option.number if numbered else None, label, option.typed))
    return Rendered(f"{text}\n\n" + "\n".join(lines), options if numbered else ())
