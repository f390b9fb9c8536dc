"""What an officer reads about a plan document: the preview of what it holds (for the command
line and for /plan alike) and why a document was refused."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from bot.core.actions import Action, Message
from bot.core.i18n import _, format_date, ngettext, quarter_numeral
from bot.services.deadlines import quarter_end, roman_quarter
from bot.services.plan_audience import ProposedAudience
from bot.services.plan_closure import YearSummary
from bot.services.plan_parser import MAX_PARAGRAPHS, ParsedPlan, SkipReason
from bot.services.plans import PlanImportResult, TaskEdit

# The steps of the "Close the YYYY plan" button (plan.close): ask with a summary, close, keep.
CLOSE_ASK, CLOSE_CONFIRM, CLOSE_KEEP = 0, 1, 2


def no_plan_text() -> str:
    return _("No plan has been imported yet. Import one with: tdkt-bot import-plan FILE")


def plan_error_text(reason: str, path: Path | str) -> str:
    """One line saying why a document is not read as a plan, and what to send instead."""
    reasons = {
        "format": _(
            "{path} is not a plan document this bot can read (send .txt, .docx or a text .pdf)."
        ),
        "encoding": _(
            "{path} could not be read: its text is not UTF-8, UTF-16 or Windows-1258 (old "
            "TCVN3/VNI fonts are not supported). Save it as UTF-8 text or send the .docx. "
            "Nothing was stored."
        ),
        "damaged": _(
            "{path} is not a plan document this bot can read: the file is damaged. "
            "Nothing was stored."
        ),
        "too-big": _(
            "{path} is not a plan document this bot can read: it is too large for a plan "
            "(more than {limit} paragraphs, or too much to unpack). Nothing was stored."
        ),
        "doc": _(
            "{path} is an old Word (.doc) or RTF file: open it in Word and save it as .docx, "
            "then send that. Nothing was stored."
        ),
        "odt": _(
            "{path} is an OpenDocument (.odt) file: save it as .docx (File → Save As) and send "
            "that. Nothing was stored."
        ),
        "scanned": _(
            "{path} is a scanned PDF with no text to read: send the plan as .docx or as a PDF "
            "exported from Word. Nothing was stored."
        ),
        "year": _("{path}: the plan's year was not found; give it with --year YYYY."),
        "year-chat": _(
            '{path}: the plan\'s year was not found. Write it in the title ("… năm 2025") and '
            "send the document again, or import it with: tdkt-bot import-plan FILE --year YYYY"
        ),
        "no-tasks": _(
            "{path} does not look like a TĐKT plan: no tasks were found. The bot reads tasks "
            "under headings 'Quý I' to 'Quý IV' (or '6 tháng đầu năm', 'Tháng 6', 'Thường "
            "xuyên'), tasks each with their own time ('Thời gian thực hiện: Quý II/2024'), or a "
            "Word table with the columns 'Nội dung' and 'Thời gian'. Nothing was stored."
        ),
    }
    return reasons.get(reason, reasons["format"]).format(path=path, limit=MAX_PARAGRAPHS)


def skip_reason_text(reason: str) -> str:
    return {
        SkipReason.HEADING: _("a heading, not a task"),
        SkipReason.NO_TIME: _("no quarter heading above it and no time of its own"),
        SkipReason.NO_TASK: _("a time or responsible body with no task before it"),
        SkipReason.EMPTY_ROW: _("a table row with no content"),
    }.get(reason, reason)


def year_warning(parsed: ParsedPlan) -> str | None:
    if not parsed.year_overridden:
        return None
    return _(
        "Warning: the document states the year {stated}; its tasks are dated {year} as "
        "--year says."
    ).format(stated=parsed.stated_year, year=parsed.year)


def preview_lines(
    parsed: ParsedPlan,
    *,
    markup: bool,
    title_width: int = 0,
    budget: int = 0,
    proposals: dict[int, ProposedAudience] | None = None,
) -> list[str]:
    """Each quarter with its tasks, their deadlines (where not the quarter's), responsible
    bodies and proposed audiences (`proposals`, by index in parsed.tasks), then the lines skipped
    inside the task sections with the reason. With a budget (in characters) the tasks and
    skipped lines past it are counted, not listed."""

    def esc(text: str) -> str:
        if title_width and len(text) > title_width:
            text = text[: title_width - 1] + "…"
        return html.escape(text) if markup else text

    header = _("Plan {year}: {title}").format(year=parsed.year, title=esc(parsed.title))
    lines = [f"<b>{header}</b>" if markup else header]
    used = len(lines[0])
    hidden = 0

    def add(line: str, *, always: bool = False) -> None:
        nonlocal used, hidden
        if budget and not always and used + len(line) > budget - 400:
            hidden += 1
            return
        used += len(line) + 1
        lines.append(line)

    for quarter in range(1, 5):
        indexed = [(i, task) for i, task in enumerate(parsed.tasks) if task.quarter == quarter]
        tasks = [task for _i, task in indexed]
        if not tasks:
            continue
        default = quarter_end(parsed.year, quarter)
        heading = _("Quarter {quarter}: {count} tasks, deadline {date}").format(
            quarter=roman_quarter(quarter), count=len(tasks), date=format_date(default)
        )
        add(f"<b>{heading}</b>" if markup else heading, always=True)
        for index, task in indexed:
            notes = []
            if task.year_round:
                notes.append(_("year-round, due {date}").format(date=format_date(task.deadline)))
            elif task.deadline != default:
                notes.append(_("due {date}").format(date=format_date(task.deadline)))
            if task.responsible:
                notes.append(_("responsible: {body}").format(body=esc(task.responsible)))
            suffix = f" ({'; '.join(notes)})" if notes else ""
            add(f"  - {esc(task.title)}{suffix}")
            proposal = (proposals or {}).get(index)
            if proposal is not None:
                add("    " + proposal_text(proposal, esc))
    if parsed.skipped:
        add(
            _("Lines skipped in the task sections ({count}):").format(count=len(parsed.skipped)),
            always=True,
        )
        for skipped in parsed.skipped:
            add(f"  × {esc(skipped.text)} — {skip_reason_text(skipped.reason)}")
    if hidden:
        lines.append(
            _(
                "… and {count} more lines (see the full list with tdkt-bot import-plan "
                "FILE --dry-run)."
            ).format(count=hidden)
        )
    return lines


def proposal_text(proposal: ProposedAudience, esc: Callable[[str], str] = str) -> str:
    return ngettext(
        "→ proposed for: {body} ({count} unit)",
        "→ proposed for: {body} ({count} units)",
        proposal.unit_count,
    ).format(body=esc(proposal.label), count=proposal.unit_count)


def proposals_note(proposals: dict[int, ProposedAudience], *, command_line: bool) -> str | None:
    """Under the preview: how many tasks have a proposed audience and how to confirm it."""
    if not proposals:
        return None
    if command_line:
        return ngettext(
            "{count} task names units of the directory as responsible: import with "
            "--apply-audience to give it only to those units; without it every task is for "
            "every unit.",
            "{count} tasks name units of the directory as responsible: import with "
            "--apply-audience to give them only to those units; without it every task is for "
            "every unit.",
            len(proposals),
        ).format(count=len(proposals))
    return ngettext(
        "{count} task names units of the directory as responsible: import and assign it as "
        "proposed, or give every task to all units.",
        "{count} tasks name units of the directory as responsible: import and assign them as "
        "proposed, or give every task to all units.",
        len(proposals),
    ).format(count=len(proposals))


def stored_text(result: PlanImportResult) -> str:
    """What an import stored: new, updated and unchanged tasks, and those the document lacks."""
    text = _("Stored: {created} new tasks, {unchanged} already present.").format(
        created=result.tasks_created, unchanged=result.tasks_unchanged
    )
    if result.tasks_updated:
        text += " " + _("{count} tasks updated from the corrected document.").format(
            count=result.tasks_updated
        )
    if result.tasks_not_in_document:
        text += " " + _(
            "{count} stored tasks are not in this document; they were kept with their reports."
        ).format(count=result.tasks_not_in_document)
    if result.tasks_narrowed:
        text += " " + ngettext(
            "{count} task was given the proposed units.",
            "{count} tasks were given the proposed units.",
            result.tasks_narrowed,
        ).format(count=result.tasks_narrowed)
    return text


# ------------------------------------------------------------------ /plan in the chat


def plan_usage() -> str:
    return _(
        "Send the plan document (.txt, .docx or text .pdf) now to import it, or /cancel.\n"
        "Edit the current plan:\n/plan add QUARTER Title — a new task\n"
        "/plan rename CODE New title\n/plan narrow CODE unit codes or cluster names, "
        "separated by commas\n/plan all CODE — the task concerns every unit again\n"
        "/deadline — change a deadline"
    )


def close_year_button(year: int, step: int) -> Action:
    """🔒 Close the YYYY plan (step 0 asks first, 1 closes)."""
    return Action(_("🔒 Close the {year} plan").format(year=year), "plan.close", (year, step))


def plan_menu(closable: list[int]) -> Message:
    """/plan alone: what to send or type, the edit buttons and a button for each past year
    whose plan is still open."""
    keyboard = [
        [Action(_("➕ Add a task"), "plan.menu", ("a",))],
        [Action(_("✏️ Rename a task"), "plan.menu", ("r",))],
        [Action(_("🎯 Narrow a task"), "plan.menu", ("n",))],
        [Action(_("🌐 Back to all units"), "plan.menu", ("u",))],
        *([close_year_button(year, CLOSE_ASK)] for year in closable),
    ]
    return Message(plan_usage(), keyboard)


def preview_message(parsed: ParsedPlan, proposals: dict[int, ProposedAudience]) -> Message:
    """The plan as understood, with the audiences proposed, within one Telegram message, and
    the import buttons (as proposed, or for every unit) or cancel."""
    lines = preview_lines(parsed, markup=True, title_width=110, budget=3400, proposals=proposals)
    note = proposals_note(proposals, command_line=False)
    text = "\n".join([*lines, note] if note else lines)
    cancel = Action(_("✖️ Cancel"), "plan.cancel_import")
    if not proposals:
        return Message(text, [[Action(_("✅ Import"), "plan.import"), cancel]])
    return Message(
        text,
        [
            [Action(_("✅ Import and assign as proposed"), "plan.import_proposed")],
            [Action(_("✅ Import, assign to every unit"), "plan.import")],
            [cancel],
        ],
    )


def quarter_needed() -> str:
    return _("Please give a quarter from 1 to 4, for example: /plan add 2 Title")


def edit_refused(outcome: TaskEdit, code: str, unknown: list[str] | None) -> str:
    """Why an edit of a task was not made."""
    if outcome is TaskEdit.NO_PLAN:
        return no_plan_text()
    if outcome is TaskEdit.NOT_FOUND:
        return _("There is no task #{code}.").format(code=html.escape(code))
    if outcome is TaskEdit.BAD_TITLE:
        return _("Please give a title (at most 2000 characters).")
    if outcome is TaskEdit.DUPLICATE:
        return _("This quarter already has a task with that title.")
    assert outcome is TaskEdit.UNKNOWN_TARGETS
    return _("Unknown unit codes or clusters: {names}").format(
        names=html.escape(", ".join(unknown or []))
    )


def edit_saved(code: int, title: str, quarter: int, deadline: date) -> str:
    return _("Saved: task #{code} “{title}”, Q{quarter}, deadline {date}.").format(
        code=code,
        title=html.escape(title),
        quarter=quarter_numeral(quarter),
        date=format_date(deadline),
    )


def send_document() -> str:
    return _("Please send the plan as a .txt, .docx or .pdf document, or /cancel.")


def document_refused() -> str:
    return _("Please send the plan as a .txt, .docx or .pdf document of at most 5 MB, or /cancel.")


def download_failed() -> str:
    return _("The file could not be downloaded; please send it again.")


def cancelled() -> str:
    return _("Cancelled. Nothing was changed.")


def picker_question(action: str) -> str:
    return {
        "r": _("Which task do you want to rename?"),
        "n": _("Which task should concern only some units?"),
        "u": _("Which task should concern every unit again?"),
    }[action]


def which_quarter() -> Message:
    """The quarter of a new task, as buttons."""
    return Message(
        _("Which quarter is the new task for?"),
        [
            [
                Action(_("Q{quarter}").format(quarter=quarter_numeral(n)), "plan.quarter", (n,))
                for n in range(1, 5)
            ]
        ],
    )


def ask_title(quarter: int) -> str:
    return _("Send the title of the new task for Q{quarter}, or /cancel.").format(
        quarter=quarter_numeral(quarter)
    )


def ask_new_title(task_id: int) -> str:
    return _("Send the new title of task #{code}, or /cancel.").format(code=task_id)


def ask_units(task_id: int) -> str:
    return _(
        "Send the unit codes or cluster names that task #{code} concerns, separated by "
        "commas, or /cancel."
    ).format(code=task_id)


def units_needed() -> str:
    return _("Please send unit codes or cluster names, or /cancel.")


def send_again() -> str:
    return _("Please send it again, or /cancel.")


# ------------------------------------------------------------------ closing a past year's plan


def summary_lines(summary: YearSummary, *, markup: bool, limit: int | None = None) -> list[str]:
    """What stays unfinished, in the current language: a line in all, then one per unit (the
    first `limit` of them). With `markup` the names are escaped for Telegram's HTML."""
    escape = html.escape if markup else str
    if not summary.units:
        return [
            _("Every unit has finished every task of the {year} plan.").format(year=summary.year)
        ]
    lines = [
        ngettext(
            "Unfinished: {tasks} tasks in {n} unit.",
            "Unfinished: {tasks} tasks in {n} units.",
            len(summary.units),
        ).format(tasks=summary.open_total, n=len(summary.units))
    ]
    shown = summary.units if limit is None else summary.units[:limit]
    lines += [
        "• "
        + ngettext(
            "{unit} ({code}): {n} unfinished task",
            "{unit} ({code}): {n} unfinished tasks",
            unit.open_tasks,
        ).format(unit=escape(unit.name), code=escape(unit.code), n=unit.open_tasks)
        for unit in shown
    ]
    hidden = len(summary.units) - len(shown)
    if hidden > 0:
        lines.append(
            ngettext("… and {n} more unit", "… and {n} more units", hidden).format(n=hidden)
        )
    return lines


def no_plan_for(year: int) -> str:
    return _("There is no plan for {year}.").format(year=year)


def already_closed(year: int, closed_on: date) -> str:
    return _("The {year} plan was already closed on {date}.").format(
        year=year, date=format_date(closed_on)
    )


def not_over(year: int) -> str:
    return _("The {year} plan can be closed once the year is over.").format(year=year)


def close_question(year: int, summary: Sequence[str]) -> Message:
    """The summary of what stays unfinished, with Close / Keep open buttons."""
    text = "\n".join(
        [
            _("<b>Close the {year} plan?</b>").format(year=year),
            _(
                "Its unfinished tasks will no longer count as overdue: they leave /tasks, the "
                "reminders and the weekly summary. The reports stay stored."
            ),
            "",
            *summary,
        ]
    )
    keep = Action(_("✖️ Keep it open"), "plan.close", (year, CLOSE_KEEP))
    return Message(text, [[close_year_button(year, CLOSE_CONFIRM), keep]])


def closed(year: int, summary: Sequence[str]) -> str:
    return "\n".join(
        [
            _(
                "🔒 The {year} plan is closed: its unfinished tasks no longer count as overdue."
            ).format(year=year),
            "",
            *summary,
        ]
    )


def stays_open(year: int) -> str:
    return _("The {year} plan stays open. Nothing was changed.").format(year=year)
