"""The one table of commands: who may use each, its line in Telegram's menu, its lines in /help
and the handler module that registers it.

The menus (`handlers/menu.py`), /help (`handlers/start.py`) and the order in which the feature
modules register their handlers (`handlers/__init__.py`) are all read from here, so a command
cannot be in the menu but missing from /help, or registered but unknown to both. A new command:
a row in `COMMANDS` (in menu order), its `CommandHandler` in its module's `register`, and the
module in `FEATURE_ORDER` if it is a new one; tests/test_commands.py checks they agree.

This module is plain data: no `telegram` import, so texts and tests can read it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.core.i18n import N_


class Role(enum.Enum):
    """Whose menu and /help section a command belongs to."""

    # Unit heads, and the default menu of everyone not (yet) a member.
    HEAD = "head"
    OFFICER = "officer"
    # An officer who also acts for a unit: these follow the officer's own commands.
    OFFICER_UNIT = "officer-unit"
    # Members of the Emulation and Commendation Council: they vote, nothing else.
    COUNCIL = "council"
    # Every member, whatever their role; after the role's own commands.
    EVERYONE = "everyone"


HEAD, OFFICER, OFFICER_UNIT, EVERYONE = Role.HEAD, Role.OFFICER, Role.OFFICER_UNIT, Role.EVERYONE
COUNCIL = Role.COUNCIL


@dataclass(frozen=True)
class Command:
    name: str
    # The module of handlers/ whose `register` adds the CommandHandler.
    module: str
    roles: tuple[Role, ...]
    # The line in Telegram's command menu (msgid); None: not in the menu.
    menu: str | None = None
    # Its lines in /help (msgids), shown in the section of its first role.
    help: tuple[str, ...] = ()
    # Where those lines stand within their /help section (the menu keeps the table's order).
    help_rank: int = 0


# In menu order: a role's menu is the rows with that role (or EVERYONE) and a menu line.
COMMANDS: tuple[Command, ...] = (
    Command(
        "tasks",
        "tasks",
        (HEAD, OFFICER_UNIT),
        N_("This quarter's tasks of your unit"),
        (N_("/tasks — this quarter's tasks of your unit and overdue ones, with done buttons"),),
        1,
    ),
    Command(
        "done",
        "tasks",
        (HEAD, OFFICER_UNIT),
        N_("Report a task as done"),
        (
            N_("/done — report a task as done; /done CODE note — with a note"),
            N_("Reply to a confirmation with a note or a file to attach it to the report."),
        ),
        2,
    ),
    Command(
        "nominate",
        "nominations",
        (HEAD, OFFICER_UNIT),
        N_("Propose a commendation"),
        (N_("/nominate — propose a collective or an individual for commendation"),),
        3,
    ),
    Command(
        "nominations",
        "nominations",
        (HEAD, OFFICER_UNIT),
        N_("Your unit's nominations"),
        (N_("/nominations — your unit's nominations: withdraw, edit, resubmit"),),
        4,
    ),
    Command(
        "progress",
        "progress",
        (OFFICER,),
        N_("Progress of all units by quarter"),
        (
            N_("/progress — progress of all units per quarter and the units lagging behind"),
            N_("/progress 2 — progress of one quarter"),
        ),
        1,
    ),
    Command(
        "deadline",
        "deadlines",
        (OFFICER,),
        N_("Change a task's deadline"),
        (N_("/deadline — change a task's deadline; reminders follow the new date"),),
        2,
    ),
    Command(
        "broadcast",
        "broadcast",
        (OFFICER,),
        N_("Send guidance to the units"),
        (N_("/broadcast — send guidance to all units, a cluster or chosen units"),),
        3,
    ),
    Command(
        "broadcasts",
        "broadcast",
        (OFFICER,),
        N_("Delivery and acknowledgements of guidance"),
        (N_("/broadcasts — who received and acknowledged the latest guidance; resend"),),
        4,
    ),
    Command(
        "units",
        "directory",
        (OFFICER,),
        N_("Units and their registered heads"),
        # One line for the directory's three commands.
        (
            N_(
                "/units — units and their heads; /invite CODE — an invite link; "
                "/deactivate ID — revoke a member's access"
            ),
        ),
        10,
    ),
    Command("invite", "directory", (OFFICER,), N_("Invite link for a unit")),
    Command(
        "plan",
        "plan",
        (OFFICER,),
        N_("Import or edit the plan"),
        (N_("/plan — import a plan document or edit tasks"),),
        11,
    ),
    Command(
        "review",
        "review",
        (OFFICER,),
        N_("Review submitted nominations"),
        (N_("/review — decide on submitted nominations"),),
        5,
    ),
    Command(
        "round",
        "catalogue",
        (OFFICER,),
        N_("Open or close a nomination round"),
        (N_("/round — open, reopen or close a nomination round"),),
        6,
    ),
    Command(
        "awards",
        "catalogue",
        (OFFICER,),
        N_("The catalogue of award forms"),
        (N_("/awards — the catalogue of award forms"),),
        7,
    ),
    Command(
        "decision",
        "decisions",
        (OFFICER,),
        N_("Record the decision on approved nominations"),
        (N_("/decision — record the decision on approved nominations (the award history)"),),
        8,
    ),
    # The council's vote (handlers/council.py): the officer opens and closes it, members vote.
    Command(
        "vote",
        "council",
        (OFFICER,),
        N_("The council's secret vote on candidates"),
        (
            N_(
                "/vote dd/mm/yyyy — open the council's vote on the round's approved candidates; "
                "/vote — who has voted, written opinions of absent members, closing"
            ),
        ),
        12,
    ),
    Command(
        "vote",
        "council",
        (COUNCIL,),
        N_("Your secret ballot on the candidates"),
        (
            N_(
                "/vote — your secret ballot on the candidates (agree or disagree); you can "
                "change it until the vote is closed"
            ),
        ),
        1,
    ),
    Command(
        "export",
        "exports",
        (OFFICER,),
        N_("Export progress or nominations as Excel/Word"),
        (N_("/export progress or /export nominations — Excel and Word files"),),
        9,
    ),
    Command(
        "help",
        "start",
        (EVERYONE,),
        N_("What this bot can do"),
        (N_("/help — this list"),),
        3,
    ),
    Command(
        "lang",
        "start",
        (EVERYONE,),
        N_("Change language (vi/en)"),
        (N_("/lang vi or /lang en — change the language"),),
        2,
    ),
    Command("start", "start", (HEAD,), N_("Join with an invite code")),
    Command(
        "cancel", "pending", (EVERYONE,), None, (N_("/cancel — stop what you are filling in"),), 1
    ),
    Command("deactivate", "directory", (OFFICER,)),
)

# The feature modules in the order they register their handlers in group 0. Conversations
# first: while one waits for an answer, it must see the message first; within a group the
# first matching handler wins. (Group -1's pending router, its /cancel and the fallback are
# added around these by `handlers.register_all`.)
FEATURE_ORDER: tuple[str, ...] = (
    "deadlines",
    "directory",
    "start",
    "tasks",
    "progress",
    "nominations",
    "review",
    "catalogue",
    "decisions",
    "council",
    "exports",
    "broadcast",
    "plan",
)


def menu(*roles: Role) -> list[tuple[str, str]]:
    """(command, description msgid) of the menu lines of these roles, in table order."""
    return [
        (c.name, c.menu)
        for c in COMMANDS
        if c.menu is not None and any(r in roles for r in c.roles)
    ]


def help_lines(*, head: bool, officer: bool, council: bool = False) -> list[str]:
    """The msgids of /help for a member: the head's lines, the officer's, the council
    member's, everyone's."""
    shown_sections = ((HEAD, head), (OFFICER, officer), (COUNCIL, council))
    sections = [role for role, shown in shown_sections if shown]
    lines: list[str] = []
    for section in [*sections, EVERYONE]:
        rows = sorted((c for c in COMMANDS if c.roles[0] is section), key=lambda c: c.help_rank)
        for command in rows:
            lines += command.help
    return lines
