"""The reminder pass: who gets which reminder today, planned with a fixed number of queries
and enqueued once per member, local day and kind (daily digest, quarter kickoff, weekly
escalation, round reminder, officers' digest of new nominations).

`rules` says which reminders are due on a day, `queries` holds the SQL, `plan` puts them
together (the sentences are `bot.texts.reminders`), `enqueue` writes the log and the outbox.
"""

from bot.services.reminders.enqueue import enqueue_reminders, run_reminder_pass
from bot.services.reminders.plan import (
    PassResult,
    PlannedReminder,
    collector_paused,
    plan_reminders,
)
from bot.services.reminders.rules import (
    HOLIDAY_MARGIN,
    DueTask,
    ReminderRules,
    escalation_day,
    reminder_triggered,
    round_reminder_due,
)

__all__ = [
    "HOLIDAY_MARGIN",
    "DueTask",
    "PassResult",
    "PlannedReminder",
    "ReminderRules",
    "collector_paused",
    "enqueue_reminders",
    "escalation_day",
    "plan_reminders",
    "reminder_triggered",
    "round_reminder_due",
    "run_reminder_pass",
]
