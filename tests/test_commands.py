"""The command table (handlers/commands.py) against what is registered, and the menus and /help
it generates against the lists they were before the table existed."""

from __future__ import annotations

from types import SimpleNamespace

from telegram.ext import ApplicationBuilder, CommandHandler

from bot.core.i18n import _, use_language
from handlers import commands, register_all
from handlers.menu import (
    COUNCIL_COMMANDS,
    HEAD_COMMANDS,
    OFFICER_COMMANDS,
    OFFICER_UNIT_COMMANDS,
)
from handlers.start import help_text

TODAY_HEAD = [
    ("tasks", "This quarter's tasks of your unit"),
    ("done", "Report a task as done"),
    ("nominate", "Propose a commendation"),
    ("nominations", "Your unit's nominations"),
    ("help", "What this bot can do"),
    ("lang", "Change language (vi/en)"),
    ("start", "Join with an invite code"),
]
TODAY_OFFICER = [
    ("progress", "Progress of all units by quarter"),
    ("deadline", "Change a task's deadline"),
    ("broadcast", "Send guidance to the units"),
    ("broadcasts", "Delivery and acknowledgements of guidance"),
    ("units", "Units and their registered heads"),
    ("invite", "Invite link for a unit"),
    ("plan", "Import or edit the plan"),
    ("review", "Review submitted nominations"),
    ("round", "Open or close a nomination round"),
    ("awards", "The catalogue of award forms"),
    ("decision", "Record the decision on approved nominations"),
    ("vote", "The council's secret vote on candidates"),
    ("export", "Export progress or nominations as Excel/Word"),
    ("help", "What this bot can do"),
    ("lang", "Change language (vi/en)"),
]
TODAY_OFFICER_UNIT = TODAY_HEAD[:4]

HEAD_HELP = [
    "/tasks — this quarter's tasks of your unit and overdue ones, with done buttons",
    "/done — report a task as done; /done CODE note — with a note",
    "Reply to a confirmation with a note or a file to attach it to the report.",
    "/nominate — propose a collective or an individual for commendation",
    "/nominations — your unit's nominations: withdraw, edit, resubmit",
]
OFFICER_HELP = [
    "/progress — progress of all units per quarter and the units lagging behind",
    "/progress 2 — progress of one quarter",
    "/deadline — change a task's deadline; reminders follow the new date",
    "/broadcast — send guidance to all units, a cluster or chosen units",
    "/broadcasts — who received and acknowledged the latest guidance; resend",
    "/review — decide on submitted nominations",
    "/round — open, reopen or close a nomination round",
    "/awards — the catalogue of award forms",
    "/decision — record the decision on approved nominations (the award history)",
    "/export progress or /export nominations — Excel and Word files",
    "/units — units and their heads; /invite CODE — an invite link; "
    "/deactivate ID — revoke a member's access",
    "/plan — import a plan document or edit tasks",
    "/vote dd/mm/yyyy — open the council's vote on the round's approved candidates; "
    "/vote — who has voted, written opinions of absent members, closing",
]
COUNCIL_MENU = [
    ("vote", "Your secret ballot on the candidates"),
    ("help", "What this bot can do"),
    ("lang", "Change language (vi/en)"),
]
COUNCIL_HELP = [
    "/vote — your secret ballot on the candidates (agree or disagree); you can "
    "change it until the vote is closed",
]
EVERYONE_HELP = [
    "/cancel — stop what you are filling in",
    "/lang vi or /lang en — change the language",
    "/help — this list",
]


def test_menus_are_todays() -> None:
    assert list(HEAD_COMMANDS) == TODAY_HEAD
    assert list(OFFICER_COMMANDS) == TODAY_OFFICER
    assert list(OFFICER_UNIT_COMMANDS) == TODAY_OFFICER_UNIT
    assert list(COUNCIL_COMMANDS) == COUNCIL_MENU


def test_council_help() -> None:
    assert commands.help_lines(head=False, officer=False, council=True) == (
        COUNCIL_HELP + EVERYONE_HELP
    )


def test_help_is_todays() -> None:
    for head in (False, True):
        for officer in (False, True):
            lines = (HEAD_HELP if head else []) + (OFFICER_HELP if officer else [])
            assert commands.help_lines(head=head, officer=officer) == lines + EVERYONE_HELP
            member = SimpleNamespace(is_head=head, is_officer=officer, role=None)
            for language in ("vi", "en"):
                with use_language(language):
                    expected = [_("<b>What you can do</b>")]
                    expected += [_(line) for line in lines + EVERYONE_HELP]
                    assert help_text(member) == "\n".join(expected)  # type: ignore[arg-type]


def test_registered_commands_are_the_table() -> None:
    application = ApplicationBuilder().token("123:test").build()
    register_all(application)
    registered: dict[str, str] = {}
    for handlers in application.handlers.values():
        for handler in handlers:
            if isinstance(handler, CommandHandler):
                for name in handler.commands:
                    assert name not in registered, f"/{name} is registered twice"
                    registered[name] = handler.callback.__module__
    table = {c.name: f"handlers.{c.module}" for c in commands.COMMANDS}
    assert registered == table
    # A command has one row per role only where its menu line differs (/vote); the same module.
    for name in table:
        rows = [c for c in commands.COMMANDS if c.name == name]
        assert len({c.module for c in rows}) == 1
        assert len(rows) == len({c.roles for c in rows})


def test_every_feature_module_is_in_the_order() -> None:
    modules = {c.module for c in commands.COMMANDS} - {"pending"}
    assert modules <= set(commands.FEATURE_ORDER)
    assert len(set(commands.FEATURE_ORDER)) == len(commands.FEATURE_ORDER)


def test_no_handler_imports_the_cli() -> None:
    """handlers → bot.cli → bot.app → handlers would be an import cycle."""
    from pathlib import Path

    for path in Path(commands.__file__).parent.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "bot.cli" not in source and "from bot import cli" not in source, path.name
