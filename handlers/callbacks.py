"""The one table of button actions: each action's callback-data head, argument types and bounds.

Every inline button is built here (`button`, `markup`) and every press is parsed here
(`decode`, `parse_press`), so the data a button carries and what its handler accepts cannot
drift apart. Data looks like `HEAD:arg:arg` (`rd:12`, `nm:ok:7`, `pl:t:done:3`); Telegram allows
64 bytes, and anything longer, unknown, out of range or of the wrong shape is treated as forged.

A new button: declare it below with `define(name, head, *args)`, build it with
`button(label, name, *values)` or from a texts `Action`, and register its handler with
`pattern(name)` (or `family_pattern(head)` when one handler takes several actions).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.actions import RAW, Action, ActionArg
from bot.core.i18n import LANGUAGES
from bot.texts.access import invalid_button_text

# Telegram refuses callback data longer than this many bytes.
DATA_LIMIT = 64
# Integer columns are 32-bit on PostgreSQL: an id past this is no row, and must not reach SQL.
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Arg:
    """One argument's type: a bounded decimal integer or one word from a fixed set."""

    minimum: int = 0
    maximum: int = MAX_ID
    choices: tuple[str, ...] = ()

    def encode(self, value: ActionArg) -> str:
        if self.choices:
            if value not in self.choices:
                raise ValueError(f"{value!r} is not one of {self.choices}")
            return str(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{value!r} is not an integer")
        if not self.minimum <= value <= self.maximum:
            raise ValueError(f"{value} is outside {self.minimum}..{self.maximum}")
        return str(value)

    def decode(self, text: str) -> ActionArg | None:
        if self.choices:
            return text if text in self.choices else None
        return decimal_id(text, minimum=self.minimum, maximum=self.maximum)


def Id() -> Arg:
    """A database id: 1 up to the largest 32-bit integer."""
    return Arg(minimum=1)


def Number(minimum: int, maximum: int) -> Arg:
    """A small number within bounds (a page, a quarter, a year, a round of resends)."""
    return Arg(minimum=minimum, maximum=maximum)


def Choice(*words: str) -> Arg:
    """One word of a fixed set."""
    return Arg(choices=words)


@dataclass(frozen=True)
class ButtonAction:
    name: str
    head: str
    args: tuple[Arg, ...]

    def encode(self, *values: ActionArg) -> str:
        if len(values) != len(self.args):
            raise ValueError(f"{self.name} takes {len(self.args)} arguments, not {len(values)}")
        encoded = (arg.encode(v) for arg, v in zip(self.args, values, strict=True))
        data = ":".join([self.head, *encoded])
        if len(data.encode()) > DATA_LIMIT:
            raise ValueError(f"callback data of {self.name} is over {DATA_LIMIT} bytes")
        return data

    def decode(self, data: str) -> tuple[ActionArg, ...] | None:
        if not data.startswith(self.head + ":") and data != self.head:
            return None
        rest = data[len(self.head) + 1 :]
        parts = rest.split(":") if rest else []
        if len(parts) != len(self.args):
            return None
        values = tuple(arg.decode(part) for arg, part in zip(self.args, parts, strict=True))
        if any(v is None for v in values):
            return None
        return values  # type: ignore[return-value]


ACTIONS: dict[str, ButtonAction] = {}
_BY_HEAD: dict[str, ButtonAction] = {}


def define(name: str, head: str, *args: Arg) -> ButtonAction:
    """Declare a button action. Names and heads are unique; a head is one to three words."""
    if name in ACTIONS or head in _BY_HEAD:
        raise ValueError(f"button action {name!r} ({head!r}) is declared twice")
    if not re.fullmatch(r"[a-z]+(:[a-z]+){0,2}", head):
        raise ValueError(f"bad callback head {head!r}")
    action = ButtonAction(name, head, args)
    ACTIONS[name] = action
    _BY_HEAD[head] = action
    return action


def decode(data: str | None) -> tuple[ButtonAction, tuple[ActionArg, ...]] | None:
    """Which action this callback data asks for and its checked arguments, or None."""
    if not data or len(data.encode()) > DATA_LIMIT:
        return None
    parts = data.split(":")
    # The longest declared head wins: `nm:ok:7` is `nm:ok`, not `nm` with arguments.
    for size in (3, 2, 1):
        action = _BY_HEAD.get(":".join(parts[:size]))
        if action is not None:
            values = action.decode(data)
            return None if values is None else (action, values)
    return None


def args_of(data: str | None, name: str) -> tuple[ActionArg, ...] | None:
    """The arguments when this data is the named action's, else None."""
    decoded = decode(data)
    if decoded is None or decoded[0].name != name:
        return None
    return decoded[1]


async def parse_press(query: CallbackQuery, *names: str) -> tuple[str, tuple[Any, ...]] | None:
    """The pressed action (one of `names`) and its arguments; a malformed, forged or outdated
    button gets a polite alert and None."""
    decoded = decode(query.data)
    if decoded is None or decoded[0].name not in names:
        await query.answer(invalid_button_text(), show_alert=True)
        return None
    return decoded[0].name, decoded[1]


def pattern(*names: str) -> str:
    """The CallbackQueryHandler pattern matching the data of these actions."""
    heads = sorted((re.escape(ACTIONS[n].head) for n in names), key=len, reverse=True)
    return r"^(?:" + "|".join(heads) + r")(?::|$)"


def family_pattern(word: str) -> str:
    """The pattern for every action whose head starts with `word` (`nm` → `nm:ok`, `nm:x`…)."""
    return rf"^{re.escape(word)}(?::|$)"


def data(name: str, *values: ActionArg) -> str:
    return ACTIONS[name].encode(*values)


def button(label: str, name: str, *values: ActionArg) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data(name, *values))


def to_button(action: Action) -> InlineKeyboardButton:
    if action.name == RAW:
        return InlineKeyboardButton(action.label, callback_data=str(action.args[0]))
    return button(action.label, action.name, *action.args)


def markup(keyboard: Sequence[Sequence[Action]] | None) -> InlineKeyboardMarkup | None:
    """Telegram's inline keyboard for channel-neutral buttons (None when there are none)."""
    rows = [[to_button(a) for a in row] for row in keyboard or () if row]
    return InlineKeyboardMarkup(rows) if rows else None


# The table. Each feature declares its buttons in its own section; the head is what the data
# starts with, and the arguments are checked on every press before a handler sees them.

# Start, language, menus.
# lang:vi, lang:en — the language buttons under /lang.
define("start.language", "lang", Choice(*LANGUAGES))

# Tasks, reports and reminders.
# A page of /tasks is clamped to the pages there are, so any number is a page.
PAGE = Number(0, MAX_ID)
define("tasks.done", "done", Id(), PAGE)
define("tasks.undo", "undo", Id(), PAGE)
define("tasks.page", "tasks", PAGE)
define("tasks.note", "note", Id())
define("reminder.done", "rd", Id())

# Nominations, suggestions and review.
# The guided draft: each button carries the draft's id (checked against the member's own).
define("nomination.target", "nm:t", Id(), Number(0, 1))  # 0 a collective, 1 an individual
define("nomination.award", "nm:a", Id(), Id())  # the form of award
define("nomination.kind", "nm:k", Id(), Number(0, 2))  # index into texts.nominations.KINDS
define("nomination.keep", "nm:s", Id())  # keep the typed answer already given
define("nomination.files", "nm:f", Id())  # done sending files
define("nomination.back", "nm:b", Id())
define("nomination.cancel", "nm:x", Id())
define("nomination.submit", "nm:ok", Id())
# /nominations: the unit's own filed nominations.
define("nomination.withdraw", "nw", Id())
define("nomination.edit", "ne", Id())
# A suggestion from the history: a:award record or r:rating, its id, the form of award.
define("suggestion.start", "sg", Choice("a", "r"), Id(), Id())
# /review: the officer's card of one submitted nomination.
define("review.approve", "rv:a", Id())
define("review.reject", "rv:r", Id())
define("review.return", "rv:t", Id())
define("review.next", "rv:n", Id())
define("review.files", "rv:f", Id())

# Broadcasts and acknowledgements.
# The audiences offered, in this order: all unit heads, one cluster, chosen units, overdue.
define("broadcast.audience", "bc:a", Id(), Number(0, 3))
define("broadcast.cluster", "bc:c", Id(), Id())
define("broadcast.send", "bc:ok", Id())
define("broadcast.cancel", "bc:x", Id())
define("broadcast.waiting", "bc:w", Id())
# Resend carries its round; reports older than rounds carry `bc:r:ID` (see handlers/broadcast).
define("broadcast.resend", "bc:r", Id(), Number(0, MAX_ID))
define("broadcast.ack", "ack", Id())

# Plan, plan closure, deadlines, progress and exports.
# /plan's menu: pl:a (add a task: then the quarter), pl:r / pl:n / pl:u (rename, narrow, back to
# all units: then the task picker pl:t:ACTION:ID with its pages pl:p:ACTION:PAGE).
PLAN_PICKER_ACTIONS = ("r", "n", "u")
define("plan.menu", "pl", Choice("a", *PLAN_PICKER_ACTIONS))
define("plan.quarter", "pl:q", Number(1, 4))
define("plan.pick", "pl:t", Choice(*PLAN_PICKER_ACTIONS), Id())
define("plan.page", "pl:p", Choice(*PLAN_PICKER_ACTIONS), Number(0, 9999))
# Under a plan's preview: import (pl:ok), import with the proposed audiences (pl:ok:p), cancel.
define("plan.import", "pl:ok")
define("plan.import_proposed", "pl:ok:p")
define("plan.cancel_import", "pl:x")
# plc:YEAR:STEP — close a past year's plan: 0 asks (with a summary), 1 closes, 2 keeps it open.
define("plan.close", "plc", Number(2000, 2999), Number(0, 2))
# /deadline's task picker: dl:ID picks a task, dlp:PAGE turns the page (clamped to the pages).
define("deadline.pick", "dl", Id())
define("deadline.page", "dlp", Number(0, MAX_ID))
# Under /progress: prt:ID a task's reports; under those, prf:NOTE_ID sends a unit's file.
define("progress.task", "prt", Id())
define("progress.file", "prf", Id())
# /export nominations (xn) and /export dossier (xd): a round (the open one too), the list of
# rounds (always 0), a whole year (the years bot.services.nomination_export accepts).
for _scope, _word in (("list", "xn"), ("dossier", "xd")):
    define(f"export.{_scope}.round", f"{_word}:r", Id())
    define(f"export.{_scope}.rounds", f"{_word}:l", Number(0, 0))
    define(f"export.{_scope}.year", f"{_word}:y", Number(2000, 2100))

# Council vote (handlers/council.py). A member's ballot names the candidate and the choice,
# never the member: the press is the presser's own vote. The officer's buttons for an absent
# member's written opinion name the member.
define("council.vote", "cv:v", Id(), Choice("a", "d"))
define("council.written_list", "cv:wl", Id())
define("council.written_member", "cv:wm", Id(), Id())
define("council.written", "cv:wv", Id(), Id(), Choice("a", "d"))
define("council.close", "cv:c", Id())
define("council.close_confirmed", "cv:cc", Id())


def decimal_id(
    text: str, *, max_digits: int = 10, minimum: int = 1, maximum: int = MAX_ID
) -> int | None:
    """The id typed (`12` or `#12`) or carried in button data, or None when it is not one:
    ASCII digits only (`str.isdigit` also takes "²", which `int` refuses), within
    `minimum..maximum` (by default the range of the database's integer ids)."""
    digits = text.removeprefix("#")
    if not (0 < len(digits) <= max_digits and digits.isascii() and digits.isdigit()):
        return None
    value = int(digits)
    return value if minimum <= value <= maximum else None
