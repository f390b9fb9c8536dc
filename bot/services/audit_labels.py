"""The audit log in the reader's words: action and record names, and details as plain text."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.core.i18n import N_, _, format_date

ACTIONS = {
    "acknowledge-broadcast": N_("Acknowledged a broadcast"),
    "add-award": N_("Added an award form"),
    "add-note": N_("Added a note or file to a report"),
    "add-task": N_("Added a task"),
    "cancel-broadcast": N_("Cancelled a broadcast"),
    "cancel-nomination": N_("Cancelled a nomination draft"),
    "cast-council-ballot": N_("Cast a council ballot (its content is secret)"),
    "change-deadline": N_("Changed a deadline"),
    "close-council-vote": N_("Closed a council vote"),
    "close-plan": N_("Closed a year's plan"),
    "close-round": N_("Closed a nomination round"),
    "create-invite": N_("Created an invite"),
    "deactivate-member": N_("Deactivated a member"),
    "decide-nomination": N_("Decided on a nomination"),
    "edit-nomination": N_("Started editing a nomination"),
    "enrol-officer": N_("Enrolled a configured officer"),
    "expire-nomination": N_("Closed an abandoned nomination draft"),
    "import-awards": N_("Imported award history"),
    "import-plan": N_("Imported a plan"),
    "import-ratings": N_("Imported yearly ratings"),
    "import-units": N_("Imported units"),
    "invite-refused": N_("Refused an invite"),
    "open-council-vote": N_("Opened a council vote"),
    "open-round": N_("Opened a nomination round"),
    "record-decision": N_("Recorded the decision on nominations"),
    "record-written-opinion": N_("Recorded an absent council member's written opinion"),
    "redeem-invite": N_("Joined with an invite"),
    "refuse-nomination-edit": N_("Refused a nomination edit"),
    "rename-award": N_("Renamed an award form"),
    "rename-task": N_("Renamed a task"),
    "reopen-round": N_("Reopened a nomination round"),
    "report-done": N_("Reported a task done"),
    "resend-broadcast": N_("Sent a broadcast again"),
    "restore-officer": N_("Restored a configured officer"),
    "restore-award": N_("Restored an award form"),
    "resubmit-nomination": N_("Resubmitted a nomination"),
    "retire-award": N_("Retired an award form"),
    "send-broadcast": N_("Sent a broadcast"),
    "set-language": N_("Changed the language"),
    "set-task-audience": N_("Changed the units of a task"),
    "start-nomination": N_("Started a nomination"),
    "submit-nomination": N_("Submitted a nomination"),
    "undo-done": N_("Withdrew a done report"),
    "withdraw-nomination": N_("Withdrew a nomination"),
}

RECORDS = {
    "award_form": N_("Award form"),
    "award_record": N_("Award history"),
    "broadcast": N_("Broadcast"),
    "council_vote": N_("Council vote"),
    "invite": N_("Invite"),
    "member": N_("Member"),
    "nomination": N_("Nomination"),
    "nomination_round": N_("Nomination round"),
    "plan": N_("Plan"),
    "task": N_("Task"),
    "task_report": N_("Task report"),
    "year_rating": N_("Yearly rating"),
    "unit": N_("Unit"),
}

FIELDS = {
    "active": N_("active"),
    "after": N_("after"),
    "before": N_("before"),
    "candidates": N_("candidates"),
    "changes": N_("changes"),
    "deadline": N_("deadline"),
    "done": N_("done"),
    "done_at": N_("done at"),
    "draft": N_("draft"),
    "en": N_("English name"),
    "meeting_date": N_("meeting date"),
    "member": N_("member"),
    "members": N_("members"),
    "file_name": N_("file"),
    "note": N_("note"),
    "on_the_way": N_("on the way"),
    "open_tasks": N_("open tasks"),
    "original_status": N_("earlier status"),
    "outcome": N_("outcome"),
    "passed": N_("passed"),
    "present": N_("present in person"),
    "quarter": N_("quarter"),
    "quorum_met": N_("quorum met"),
    "recipients": N_("recipients"),
    "replaces": N_("replaces"),
    "role": N_("role"),
    "round": N_("round"),
    "source": N_("source"),
    "target": N_("target"),
    "task": N_("task"),
    "task_id": N_("task"),
    "tasks_created": N_("tasks created"),
    "tasks_narrowed": N_("tasks given the proposed units"),
    "tasks_updated": N_("tasks updated"),
    "title": N_("title"),
    "unit": N_("unit"),
    "unit_id": N_("unit"),
    "units_unfinished": N_("units with unfinished tasks"),
    "vi": N_("Vietnamese name"),
    "vote": N_("vote"),
    "written": N_("written opinions"),
    "year": N_("year"),
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def action_label(action: str) -> str:
    """The action in the reader's language (an action with no label yet: as stored)."""
    label = ACTIONS.get(action)
    return _(label) if label else action


def record_label(entity: str) -> str:
    label = RECORDS.get(entity)
    return _(label) if label else entity


def _field(key: str) -> str:
    label = FIELDS.get(key)
    return _(label) if label else key.replace("_", " ")


def _value(value: object, tz: ZoneInfo) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str):
        try:
            if _ISO_DATE.match(value):
                return format_date(date.fromisoformat(value))
            if _ISO_DATE_TIME.match(value):
                moment = datetime.fromisoformat(value)
                if moment.tzinfo is not None:
                    moment = moment.astimezone(tz)
                return f"{format_date(moment.date())} {moment:%H:%M}"
        except ValueError:
            pass
        return value
    if isinstance(value, dict):
        return ", ".join(f"{_field(str(k))}: {_value(v, tz)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_value(item, tz) for item in value)
    return str(value)


def readable_details(
    details: dict[str, object] | None, tz: ZoneInfo, units: dict[int, str] | None = None
) -> str:
    """Details as a sentence-like line: 'task: 12; unit: TT-VA …; — → done: yes, …'; unit
    ids are named from `units` (id → code and name)."""
    if not details:
        return ""
    units = units or {}
    parts = [
        f"{_field(key)}: "
        + (
            units.get(value, str(value))
            if key == "unit_id" and isinstance(value, int)
            else _value(value, tz)
        )
        for key, value in details.items()
        if key not in ("before", "after")
    ]
    if "before" in details or "after" in details:
        before, after = details.get("before"), details.get("after")
        if "before" in details:
            parts.append(f"{_value(before, tz)} → {_value(after, tz)}")
        else:
            parts.append(_value(after, tz))
    return "; ".join(parts)


def actor_telegram_id(actor: str) -> int | None:
    """The Telegram id in an audit actor ('telegram:123'), or None (the command line)."""
    prefix, _sep, rest = actor.partition(":")
    if prefix == "telegram" and rest.isascii() and rest.isdigit():
        return int(rest)
    return None
