"""What reminders say: the daily digest with its ✅ buttons, the quarter kickoff, the weekly
summary of overdue units, the round reminder and the officers' digest of new nominations; and
how a task's deadline reads ("3 days left", "overdue by 2 days", "done on 04/12/2026"), the same
in reminders and in /tasks."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from bot.core.actions import Action, Keyboard
from bot.core.i18n import _, format_date, ngettext, quarter_numeral, use_language

DIGEST_TASKS_SHOWN = 15
TITLE_SHOWN = 150
MESSAGE_BUDGET = 3800


class TaskFacts(Protocol):
    """What a reminder says of a task (`bot.services.reminders.DueTask` has it)."""

    @property
    def task_id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def deadline(self) -> date: ...


def deadline_status(deadline: date, today: date, done_on: date | None = None) -> str:
    """ "done on 04/12/2026", "overdue by 2 days", "due today" or "3 days left"."""
    if done_on is not None:
        return _("done on {date}").format(date=format_date(done_on))
    days = (deadline - today).days
    if days < 0:
        return ngettext("overdue by {n} day", "overdue by {n} days", -days).format(n=-days)
    if days == 0:
        return _("due today")
    return ngettext("{n} day left", "{n} days left", days).format(n=days)


def done_button(task_id: int) -> Action:
    """The ✅ button under a reminder."""
    return Action(_("✅ Done #{code}").format(code=task_id), "reminder.done", (task_id,))


def fit(header: str, lines: list[str], more: str) -> str:
    """Header plus as many lines as fit in one message, then a pointer to the rest."""
    body: list[str] = []
    size = len(header)
    for index, line in enumerate(lines):
        if size + len(line) + 2 > MESSAGE_BUDGET:
            return header + "\n\n" + "\n".join(body) + "\n" + more.format(n=len(lines) - index)
        body.append(line)
        size += len(line) + 1
    return header + "\n\n" + "\n".join(body)


def _title(task: TaskFacts) -> str:
    title = task.title if len(task.title) <= TITLE_SHOWN else task.title[: TITLE_SHOWN - 1] + "…"
    return html.escape(title)


@dataclass(slots=True)
class DigestBody:
    """The list of a digest after its header, shared by the units with the same open tasks."""

    # Every open task, the first DIGEST_TASKS_SHOWN of them listed.
    due: Sequence[TaskFacts]
    text: str
    # After the list: "… and n more" when some are not shown, then the footer.
    tail: str
    keyboard: Keyboard


class ReminderTexts:
    """Renders digests and kickoffs of one day. A task's line reads the same in every unit's
    digest: it is rendered once per language, and a list of tasks (`body`) is those lines
    joined; a unit's digest is its header and a list, which the units with the same open
    tasks may share (the caller keeps them), with its keyboard object. Every keyboard shares
    its rows. `forget` lets the kickoff lists go (a pass that queues as it goes keeps only
    its current batch's)."""

    def __init__(self, today: date, quarter: int) -> None:
        self.today = today
        self.quarter = quarter
        # {language: {task id: (its line, its keyboard row)}}
        self._lines: dict[str, dict[int, tuple[str, list[Action]]]] = {}
        self._texts: dict[str, tuple[str, str, str, str]] = {}
        self._kickoff_parts: dict[tuple[str, int], tuple[list[str], str, str]] = {}

    def forget(self) -> None:
        self._kickoff_parts.clear()

    def _digest_texts(self, language: str) -> tuple[str, str, str, str]:
        """(header before the unit's name, header after it, more, footer) in `language`."""
        if language not in self._texts:
            with use_language(language):
                header = _("<b>TĐKT reminder</b> — {date}\nUnit: {unit}").replace(
                    "{date}", format_date(self.today)
                )
                # The unit's name goes between the two halves (every translation has it).
                before, _unit, after = header.partition("{unit}")
                self._texts[language] = (
                    before,
                    after,
                    _("… and {n} more: see /tasks"),
                    "\n\n" + _("When a task is done, press its button below."),
                )
        return self._texts[language]

    def _line(self, language: str, task: TaskFacts) -> tuple[str, list[Action]]:
        with use_language(language):
            line = (
                ("⚠️" if task.deadline < self.today else "⏳")
                + f" <b>#{task.task_id}</b> {_title(task)}\n"
                + _("Deadline: {date} ({status})").format(
                    date=format_date(task.deadline),
                    status=deadline_status(task.deadline, self.today),
                )
            )
            return line, [done_button(task.task_id)]

    def body(self, language: str, due: Sequence[TaskFacts]) -> DigestBody:
        """The list of the open tasks `due` in `language`."""
        shown = due[:DIGEST_TASKS_SHOWN]
        try:
            rendered = self._lines[language]
            parts = [rendered[task.task_id] for task in shown]
        except KeyError:
            rendered = self._lines.setdefault(language, {})
            for task in shown:
                if task.task_id not in rendered:
                    rendered[task.task_id] = self._line(language, task)
            parts = [rendered[task.task_id] for task in shown]
        if len(due) > DIGEST_TASKS_SHOWN:
            _before, _after, more, footer = self._digest_texts(language)
            tail = "\n" + more.format(n=len(due) - DIGEST_TASKS_SHOWN) + footer
        else:
            tail = self._digest_texts(language)[3]
        return DigestBody(
            due, "\n".join([line for line, _row in parts]), tail, [row for _line, row in parts]
        )

    def digest(self, language: str, unit_name: str, body: DigestBody) -> str:
        """A unit's digest: its header, then the list `body` (in the same `language`)."""
        before, after, more, _footer = self._texts[language]
        header = before + html.escape(unit_name) + after
        if len(header) + len(body.text) + 2 <= MESSAGE_BUDGET:
            return header + "\n\n" + body.text + body.tail
        rendered = self._lines[language]
        lines = [rendered[task.task_id][0] for task in body.due[:DIGEST_TASKS_SHOWN]]
        return fit(header, lines, more) + body.tail

    def kickoff(self, language: str, unit_name: str, key: int, tasks: Sequence[TaskFacts]) -> str:
        """The tasks of the quarter that starts today, on its first working day (the same
        `key` for the same tasks)."""
        with use_language(language):
            if (language, key) not in self._kickoff_parts:
                lines = [
                    f"{index}. <b>#{task.task_id}</b> {_title(task)} — "
                    + _("deadline {date}").format(date=format_date(task.deadline))
                    for index, task in enumerate(tasks, start=1)
                ]
                footer = "\n\n" + _("Report each task when it is done with /tasks.")
                self._kickoff_parts[(language, key)] = (
                    lines,
                    _("… and {n} more: see /tasks"),
                    footer,
                )
            lines, more, footer = self._kickoff_parts[(language, key)]
            header = _("<b>Tasks of Q{quarter} {year}</b> in the TĐKT plan\nUnit: {unit}").format(
                quarter=quarter_numeral(self.quarter),
                year=self.today.year,
                unit=html.escape(unit_name),
            )
        return fit(header, lines, more) + footer


def round_reminder_text(
    language: str, *, title: str, deadline: date, today: date, unit_name: str
) -> str:
    """A unit that has filed nothing in the open round, before it closes."""
    with use_language(language):
        days = (deadline - today).days
        return _(
            "<b>Nomination round “{title}”</b>\nIt closes on {date} ({status}); your "
            "unit ({unit}) has not submitted any nomination yet. Send /nominate to "
            "propose a collective or an individual."
        ).format(
            title=html.escape(title),
            date=format_date(deadline),
            unit=html.escape(unit_name),
            status=ngettext("{n} day left", "{n} days left", days).format(n=days)
            if days
            else _("due today"),
        )


@dataclass(frozen=True)
class WaitingNomination:
    number: int | str
    nominee_name: str | None
    unit_name: str


def submissions_text(language: str, new: list[WaitingNomination], waiting_total: int) -> str:
    """An officer's daily digest of the nominations filed since the previous one."""
    with use_language(language):
        header = ngettext(
            "<b>{n} new nomination is waiting for review</b> (of {total} waiting):",
            "<b>{n} new nominations are waiting for review</b> (of {total} waiting):",
            len(new),
        ).format(n=len(new), total=waiting_total)
        lines = [
            f"• #{row.number} {html.escape(row.nominee_name or '')} — {html.escape(row.unit_name)}"
            for row in new
        ]
        return fit(header, lines, _("… and {n} more")) + "\n\n" + _("Send /review to review them.")


def weekly_summary_text(
    language: str, ranked: list[tuple[str, int]], today: date, cluster_name: str | None
) -> str:
    """The weekly summary: (unit name, overdue tasks), most overdue first; of one cluster for
    its leading unit, of all units for officers (`cluster_name` None)."""
    with use_language(language):
        if cluster_name is None:
            header = _("<b>Weekly summary: units with overdue tasks</b> (as of {date})").format(
                date=format_date(today)
            )
        else:
            header = _(
                "<b>Weekly summary of {cluster}: units with overdue tasks</b> (as of {date})"
            ).format(cluster=html.escape(cluster_name), date=format_date(today))
        lines = [
            "• "
            + ngettext("{unit}: {n} overdue task", "{unit}: {n} overdue tasks", count).format(
                unit=html.escape(unit_name), n=count
            )
            for unit_name, count in ranked
        ]
        return fit(header, lines, _("… and {n} more units"))


# Notices the bot raises by itself (bot.services.notices).


def unreachable_notice(member_name: str, unit_name: str) -> str:
    """To officers: a member who blocked the bot."""
    return _(
        "⚠️ {name} ({unit}) has blocked the bot or left Telegram and no longer "
        "receives reminders. Please contact them directly."
    ).format(name=html.escape(member_name), unit=html.escape(unit_name))


@dataclass(frozen=True)
class DecisionFacts:
    number: str
    nominee_name: str | None
    award_name: str | None
    # "approved", "rejected" or anything else (returned for revision).
    status: str
    reason: str | None


def decision_notice(facts: DecisionFacts) -> str:
    """What the submitting unit head reads about the officer's decision."""
    subject = _("Nomination #{code}: {nominee} — {award}").format(
        code=facts.number,
        nominee=html.escape(facts.nominee_name or ""),
        award=html.escape(facts.award_name or "—"),
    )
    reason = html.escape(facts.reason or "")
    # The officer's review is not the Council's decision, nor the award itself: say what
    # happened and what comes next.
    if facts.status == "approved":
        body = _(
            "✅ The TĐKT officer has reviewed this nomination and agreed to put it to the "
            "competent authority for a decision."
        )
    elif facts.status == "rejected":
        body = _(
            "❌ After review, the TĐKT officer has not accepted this nomination. Reason: {reason}"
        ).format(reason=reason)
    else:
        body = _(
            "↩️ The nomination is returned for revision. Reason: {reason}\n"
            "Please edit and resubmit it with /nominations."
        ).format(reason=reason)
    return f"<b>{subject}</b>\n{body}"


def draft_expired_notice() -> str:
    return _(
        "Your unfinished nomination was closed after a long time without an answer; "
        "nothing was submitted. Send /nominate to start again."
    )


def round_open_notice(title: str, deadline: date, *, reopened: bool) -> str:
    """To every unit head: a round is open (or open again) until `deadline`."""
    text = (
        _(
            "<b>The nomination round “{title}” is open again</b> until {date}. "
            "Nominations filed with /nominate until then go into this round."
        )
        if reopened
        else _(
            "<b>A nomination round is open: “{title}”</b>\nDeadline: {date}. "
            "Nominations filed with /nominate until then go into this round; "
            "/nominations lists your unit's."
        )
    )
    return text.format(title=html.escape(title), date=format_date(deadline))


# A digest after its ✅ buttons are pressed (bot.services.digest_marks).

# A task's line in a digest: "⏳ <b>#12</b> Title" (⚠️ when overdue), then its deadline line.
_TASK_LINE = re.compile(r"^(?P<icon>⏳|⚠️) <b>#(?P<task>\d+)</b> ")
DONE_ICON = "✅"


def _deadline_line(language: str) -> tuple[re.Pattern[str], str]:
    """The digest's "Deadline: {date} ({status})" line in `language`, as a pattern, and the
    status a done task gets ("done on {date}")."""
    with use_language(language):
        template = _("Deadline: {date} ({status})")
        done_on = _("done on {date}")
    before, rest = template.split("{date}", 1)
    middle, after = rest.split("{status}", 1)
    pattern = re.compile(
        "^"
        + re.escape(before)
        + "(?P<date>[^\n]*?)"
        + re.escape(middle)
        + "(?P<status>[^\n]*)"
        + re.escape(after)
        + "$"
    )
    return pattern, done_on


def mark_done_lines(text: str, done: dict[int, date], language: str) -> str:
    """`text` with the lines of the tasks in `done` (task id → the day it was done) marked."""
    pattern, done_on = _deadline_line(language)
    lines = text.split("\n")
    marking: int | None = None
    for index, line in enumerate(lines):
        match = _TASK_LINE.match(line)
        if match:
            task_id = int(match["task"])
            marking = task_id if task_id in done else None
            if marking is not None:
                lines[index] = DONE_ICON + line[match.end("icon") :]
            continue
        if marking is not None:
            deadline = pattern.match(line)
            if deadline is not None:
                with use_language(language):
                    status = done_on.format(date=format_date(done[marking]))
                start, end = deadline.span("status")
                lines[index] = line[:start] + status + line[end:]
            marking = None
    return "\n".join(lines)
