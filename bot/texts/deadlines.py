"""What /deadline says, and the task picker it shares with /plan."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.core.actions import Action, ActionArg, Message
from bot.core.i18n import _, format_date
from bot.texts.common import short_title


@dataclass(frozen=True)
class PickedTask:
    """A task as the picker shows it: its code, a label (its deadline or quarter), its title."""

    id: int
    label: str
    title: str


def task_picker(
    question: str,
    tasks: Sequence[PickedTask],
    *,
    page: int,
    pages: int,
    pick: tuple[str, tuple[ActionArg, ...]],
    turn: tuple[str, tuple[ActionArg, ...]],
) -> Message:
    """One page of the plan's tasks as buttons: `pick` (an action and its leading arguments)
    gets the task's id, `turn` the page number."""
    keyboard = [
        [Action(f"#{t.id} · {t.label} · {short_title(t.title)}", pick[0], (*pick[1], t.id))]
        for t in tasks
    ]
    navigation = []
    if page > 0:
        navigation.append(Action(_("◀️ Previous"), turn[0], (*turn[1], page - 1)))
    if page < pages - 1:
        navigation.append(Action(_("Next ▶️"), turn[0], (*turn[1], page + 1)))
    if navigation:
        keyboard.append(navigation)
    text = question + "\n" + _("Page {page} of {pages}").format(page=page + 1, pages=pages)
    return Message(text, keyboard)


def which_task() -> str:
    return _("Which task's deadline do you want to change?")


def usage() -> str:
    return _("Please write it as: /deadline CODE dd/mm/yyyy")


def ask_date(task_id: int) -> str:
    return _("Send the new deadline of task #{code} as dd/mm/yyyy, or /cancel.").format(
        code=task_id
    )


def bad_date() -> str:
    return _("Please write the date as dd/mm/yyyy, for example 15/07/2020, or /cancel.")


def no_task(code: int | str) -> str:
    return _("There is no task #{code}.").format(code=html.escape(str(code)))


def out_of_range(plan_year: int) -> str:
    return _(
        "The deadline must fall in {year} or {next_year}. Please send another date, or /cancel."
    ).format(year=plan_year, next_year=plan_year + 1)


def unchanged(task_id: int, deadline: date) -> str:
    return _("Task #{code} is already due on {date}.").format(
        code=task_id, date=format_date(deadline)
    )


def changed(task_id: int, title: str, after: date, before: date) -> str:
    return _(
        "The deadline of task #{code} “{title}” is now {after} (was {before}). Reminders "
        "follow the new date."
    ).format(
        code=task_id,
        title=html.escape(short_title(title)),
        after=format_date(after),
        before=format_date(before),
    )


def cancelled() -> str:
    return _("Cancelled. Nothing was changed.")
