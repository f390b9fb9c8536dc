"""Buttons as a channel sees nothing of: a label, the name of an action and its arguments.

Texts and services return these; each channel turns them into what it can show (Telegram: inline
keyboards through `handlers/callbacks.py`; a channel without buttons: numbered typed replies).
Stored in the outbox as JSON, so a message queued today is still understood after a restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

ActionArg = int | str


@dataclass(frozen=True)
class Action:
    """One button: what it says and what pressing it asks for."""

    label: str
    name: str
    args: tuple[ActionArg, ...] = ()


Keyboard = list[list[Action]]


def keyboard_to_json(keyboard: Sequence[Sequence[Action]] | None) -> list[list[dict[str, Any]]]:
    """The form stored in the outbox's `buttons` column."""
    return [
        [{"text": a.label, "action": a.name, "args": list(a.args)} for a in row]
        for row in keyboard or ()
    ]


def keyboard_from_json(rows: Sequence[Sequence[dict[str, Any]]] | None) -> Keyboard:
    """Back from the outbox. Rows queued before actions were named carry the finished
    callback data instead (`{"text", "data"}`); they come back as the action `raw`."""
    keyboard: Keyboard = []
    for row in rows or ():
        buttons: list[Action] = []
        for item in row:
            if "action" in item:
                buttons.append(Action(item["text"], item["action"], tuple(item.get("args", ()))))
            else:
                buttons.append(Action(item["text"], RAW, (str(item.get("data", "")),)))
        keyboard.append(buttons)
    return keyboard


# The action of a button whose callback data was stored already encoded (outbox rows written by
# an older version); the channel sends the data as it is.
RAW = "raw"


@dataclass(frozen=True)
class Message:
    """An outgoing message as texts build it: HTML-light text (<b>, <i>, <code> only) and
    buttons; each channel renders both."""

    text: str
    keyboard: Keyboard | None = None
