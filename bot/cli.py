"""The `tdkt-bot` command: parses arguments and calls into the services; nothing else."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.config import SUPPORTED_LANGUAGES, ConfigError, Settings, get_settings
from bot.core.i18n import _, format_date, ngettext, set_default_language
from bot.texts.eligibility import rules_error_text

if TYPE_CHECKING:
    # Types only: the command line imports SQLAlchemy when a command needs the database.
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.core.clock import Clock
    from bot.services.nomination_export import ExportScope

EXIT_OK, EXIT_USER_ERROR, EXIT_BAD_ARGUMENTS = 0, 1, 2


class UserError(Exception):
    """A problem the operator can fix; printed as one line on stderr, exit code 1."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tdkt-bot",
        description=_("Telegram assistant for emulation and commendation (TĐKT) work."),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    run = commands.add_parser(
        "run", help=_("start the bot (long polling, or a webhook); migrates first")
    )
    run.add_argument(
        "--webhook-url",
        metavar="URL",
        help=_("receive updates at this public HTTPS URL instead of polling"),
    )
    run.add_argument(
        "--listen",
        default="127.0.0.1",
        metavar="HOST",
        help=_("address the webhook server listens on (default 127.0.0.1)"),
    )
    run.add_argument(
        "--port",
        type=int,
        default=8443,
        metavar="N",
        help=_("port the webhook server listens on (default 8443)"),
    )
    run.set_defaults(handler=cmd_run)

    db = commands.add_parser("db", help=_("database maintenance"))
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION")
    db_commands.required = True
    db_commands.add_parser("upgrade", help=_("apply pending migrations")).set_defaults(
        handler=cmd_db_upgrade
    )

    plan = commands.add_parser(
        "import-plan", help=_("load a plan document (.txt, .docx or text .pdf)")
    )
    plan.add_argument("file", type=Path, metavar="FILE")
    plan.add_argument(
        "--year",
        type=int,
        help=_("the plan's year (overrides the year the document states, with a warning)"),
    )
    plan.add_argument("--dry-run", action="store_true", help=_("show what would be stored"))
    plan.add_argument(
        "--apply-audience",
        action="store_true",
        help=_(
            "give the tasks whose responsible body names units of the directory only to those "
            "units (as the preview proposes); without it every task is for every unit"
        ),
    )
    plan.set_defaults(handler=cmd_import_plan)

    units = commands.add_parser("import-units", help=_("load units and clusters from CSV or XLSX"))
    units.add_argument("file", type=Path, metavar="FILE")
    units.set_defaults(handler=cmd_import_units)

    awards = commands.add_parser(
        "import-awards", help=_("load awards already conferred (the history) from CSV or XLSX")
    )
    awards.add_argument("file", type=Path, metavar="FILE")
    awards.set_defaults(handler=cmd_import_awards)

    ratings = commands.add_parser(
        "import-ratings", help=_("load yearly ratings of task completion from CSV or XLSX")
    )
    ratings.add_argument("file", type=Path, metavar="FILE")
    ratings.set_defaults(handler=cmd_import_ratings)

    eligibility = commands.add_parser(
        "eligibility", help=_("check a person's or a unit's history against an award's rules")
    )
    eligibility.add_argument(
        "--person", metavar="NAME", help=_("the person's full name (leave out for the unit)")
    )
    eligibility.add_argument("--unit", required=True, metavar="CODE", help=_("the unit's code"))
    eligibility.add_argument(
        "--award", required=True, metavar="AWARD", help=_("a catalogue code or name")
    )
    eligibility.add_argument(
        "--year",
        type=int,
        metavar="YYYY",
        help=_("the year of the achievements (default: last year until March, then this year)"),
    )
    eligibility.set_defaults(handler=cmd_eligibility)

    decision = commands.add_parser(
        "decision", help=_("record the decision on approved nominations (the award history)")
    )
    decision.add_argument(
        "nominations", metavar="NUMBERS", help=_("the nominations' numbers (3,5,8) or all")
    )
    decision.add_argument("--number", required=True, metavar="DECISION_NO")
    decision.add_argument("--date", required=True, metavar="DD/MM/YYYY")
    decision.add_argument(
        "--authority", metavar="TEXT", help=_("who decided (default: TDKT_AUTHORITY)")
    )
    decision.set_defaults(handler=cmd_decision)

    remind = commands.add_parser("remind", help=_("run the reminder pass once"))
    remind.add_argument(
        "--at",
        type=_local_time,
        metavar='"YYYY-MM-DD HH:MM"',
        help=_("act as if the local time were this (default: now)"),
    )
    remind.add_argument(
        "--dry-run", action="store_true", help=_("print who would get what; send nothing")
    )
    remind.set_defaults(handler=cmd_remind)

    export = commands.add_parser("export", help=_("write a report as .xlsx or .docx"))
    export.add_argument(
        "what",
        choices=("nominations", "progress", "audit", "suggestions", "dossier"),
        metavar="progress|nominations|audit|suggestions|dossier",
    )
    export.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE",
        help=_(
            "the file to write; .xlsx or .docx (dossier: .docx for the Tờ trình with the list, "
            ".zip for them as separate files)"
        ),
    )
    scope = export.add_mutually_exclusive_group()
    scope.add_argument(
        "--round",
        type=int,
        metavar="ID",
        dest="round_id",
        help=_("nominations, dossier: the nominations filed in this round"),
    )
    scope.add_argument(
        "--year",
        type=int,
        metavar="YYYY",
        help=_(
            "nominations, dossier: every nomination filed this year, with its status "
            "(default: the open round's, else this year's)"
        ),
    )
    export.set_defaults(handler=cmd_export)

    backup = commands.add_parser(
        "backup", help=_("a consistent copy of the SQLite database, also while the bot runs")
    )
    backup.add_argument("--out", type=Path, required=True, metavar="FILE")
    backup.set_defaults(handler=cmd_backup)

    plan_command = commands.add_parser("plan", help=_("the yearly plan"))
    plan_actions = plan_command.add_subparsers(dest="plan_command", metavar="ACTION")
    plan_actions.required = True
    plan_close = plan_actions.add_parser(
        "close",
        help=_("close a year's plan: its unfinished tasks stop being overdue"),
    )
    plan_close.add_argument("year", type=int, metavar="YEAR")
    plan_close.set_defaults(handler=cmd_plan_close)

    invite = commands.add_parser("invite", help=_("print a one-time invite code and link"))
    invite.add_argument("unit_code", metavar="UNIT_CODE")
    invite.add_argument(
        "--role",
        type=_invite_role,
        default="head",
        metavar="head|officer|head,officer|council",
        help=_(
            "an officer is not the unit's head unless given both roles: head,officer; "
            "council: a member of the Emulation and Commendation Council, who votes (/vote)"
        ),
    )
    invite.set_defaults(handler=cmd_invite)
    return parser


def _invite_role(text: str) -> str:
    from models import Role

    role = Role.parse(text)
    if role is None:
        raise argparse.ArgumentTypeError(
            _("{value} is not a role: use head, officer, head,officer or council").format(
                value=text
            )
        )
    return role.value


def _local_time(text: str) -> datetime:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            _("'{value}' is not a time like \"2020-06-16 08:00\"").format(value=text)
        ) from error


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("httpx", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Arguments first: --help and bad arguments must not depend on valid settings. A bad
    # setting is reported once a command is to run; the help is in the configured language
    # when that much can be read.
    try:
        settings: Settings | None = get_settings()
        config_error: ConfigError | None = None
    except ConfigError as error:
        settings, config_error = None, error
    set_default_language(settings.language if settings else _language_from_env())
    args = build_parser().parse_args(argv)
    if settings is None:
        assert config_error is not None
        print(config_error_text(config_error), file=sys.stderr)
        return EXIT_USER_ERROR
    try:
        return int(args.handler(settings, args) or EXIT_OK)
    except UserError as error:
        print(str(error), file=sys.stderr)
        return EXIT_USER_ERROR
    except ConfigError as error:
        print(config_error_text(error), file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return EXIT_OK


def _language_from_env() -> str:
    """TDKT_LANGUAGE (the environment or .env, already loaded) when valid, else Vietnamese."""
    language = (os.environ.get("TDKT_LANGUAGE") or "vi").lower()
    return language if language in SUPPORTED_LANGUAGES else "vi"


def config_error_text(error: ConfigError) -> str:
    texts = {
        "missing-token": _(
            "TDKT_BOT_TOKEN is not set. Create a bot with @BotFather in Telegram (send "
            "/newbot), then put its token in TDKT_BOT_TOKEN or in a .env file."
        ),
        "timezone": _(
            "TDKT_TIMEZONE: '{value}' is not a known time zone (e.g. Asia/Ho_Chi_Minh)."
        ),
        "language": _("TDKT_LANGUAGE: '{value}' is not one of vi, en."),
        "officer-ids": _("TDKT_OFFICER_IDS: '{value}' is not a Telegram user id."),
        "reminder-time": _("TDKT_REMINDER_TIME: '{value}' is not a time like 08:00."),
        "reminder-windows": _(
            "TDKT_REMINDER_WINDOWS: '{value}' is not a list of days like 14,7,3,1,0."
        ),
        "overdue-every-days": _(
            "TDKT_OVERDUE_EVERY_DAYS: '{value}' is not a whole number of days."
        ),
        "working-days-only": _("TDKT_WORKING_DAYS_ONLY: '{value}' is not true or false."),
        "send-per-second": _(
            "TDKT_SEND_PER_SECOND: '{value}' is not a whole number of messages a second."
        ),
        "concurrent-updates": _(
            "TDKT_CONCURRENT_UPDATES: '{value}' is not a whole number of updates (1 or more)."
        ),
        "authority-level": _(
            "TDKT_AUTHORITY_LEVEL: '{value}' is not one of commune, province, agency."
        ),
        "rules-file": _("TDKT_RULES_FILE: '{value}' is not a file."),
        "zalo-rate": _("TDKT_ZALO_RATE: '{value}' is not a whole number of messages a second."),
    }
    return texts.get(error.reason, texts["missing-token"]).format(value=error.value)


def _run_async(coroutine_factory: Callable[[], Awaitable[int | None]]) -> int | None:
    async def runner() -> int | None:
        return await coroutine_factory()

    return asyncio.run(runner())


async def _migrate(settings: Settings) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.core.config import prepare_data_folder
    from bot.core.migrate import upgrade

    try:
        prepare_data_folder(settings.database_url, os.environ)
        await upgrade(settings.database_url)
    except (SQLAlchemyError, OSError) as error:
        raise UserError(
            _("Cannot open the database {url}: {error}").format(
                url=_safe_url(settings.database_url), error=str(error).splitlines()[0]
            )
        ) from error
    announce_database(settings)


def announce_database(settings: Settings) -> None:
    """Says on stderr which database the command uses: the default one lives in the per-user
    data folder, and a command run with other settings must not go unnoticed."""
    print(
        _("Database: {where}").format(where=database_label(settings.database_url)), file=sys.stderr
    )


def database_label(url: str) -> str:
    """A SQLite database's file path; any other URL without its password or async driver."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        return str(Path(parsed.database).resolve()) if parsed.database else ":memory:"
    plain = parsed.set(drivername=parsed.get_backend_name())
    return plain.render_as_string(hide_password=True)


async def _require_current_schema(settings: Settings) -> None:
    """For dry runs, which must store nothing: the schema must already be at the newest
    migration (nothing is migrated, and a missing SQLite file is not created)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from bot.core.db import make_engine
    from bot.core.migrate import alembic_config

    refusal = UserError(
        _(
            "The database {url} is not up to date, and a dry run changes nothing: run "
            "tdkt-bot db upgrade first."
        ).format(url=_safe_url(settings.database_url))
    )
    url = make_url(settings.database_url)
    if url.drivername.startswith("sqlite") and (
        not url.database or not await asyncio.to_thread(Path(url.database).is_file)
    ):
        raise refusal
    heads = set(ScriptDirectory.from_config(alembic_config(settings.database_url)).get_heads())
    engine = make_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            current = await connection.run_sync(
                lambda sync: set(MigrationContext.configure(sync).get_current_heads())
            )
    except (SQLAlchemyError, OSError) as error:
        raise UserError(
            _("Cannot open the database {url}: {error}").format(
                url=_safe_url(settings.database_url), error=str(error).splitlines()[0]
            )
        ) from error
    finally:
        await engine.dispose()
    if current != heads:
        raise refusal
    announce_database(settings)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import ALLOWED_UPDATES, build_application
    from bot.runtime.intake import api_address, serve

    if not settings.zalo_token:
        settings.require_token()  # Zalo alone works without Telegram's token
    asyncio.run(_migrate(settings))
    webhook = None
    if args.webhook_url:
        from urllib.parse import urlparse

        webhook = {
            "url": args.webhook_url,
            "listen": args.listen,
            "port": args.port,
            "path": urlparse(args.webhook_url).path or "/",
            "secret": settings.webhook_secret or asyncio.run(_stored_webhook_secret(settings)),
        }
    if settings.zalo_token:
        from bot.runtime.zalo.run import serve_with_zalo, serve_zalo_only
        from handlers.zalo.dialogue import Dialogue

        if not settings.token:
            return asyncio.run(serve_zalo_only(settings, webhook=webhook, dialogue=Dialogue))
        return asyncio.run(
            serve_with_zalo(
                build_application(settings),
                settings,
                api_url=api_address(settings.api_base_url),
                allowed_updates=ALLOWED_UPDATES,
                webhook=webhook,
                dialogue=Dialogue,
            )
        )
    application = build_application(settings)
    return asyncio.run(
        serve(
            application,
            api_url=api_address(settings.api_base_url),
            allowed_updates=ALLOWED_UPDATES,
            webhook=webhook,
        )
    )


async def _stored_webhook_secret(settings: Settings) -> str:
    from bot.core.db import make_engine, make_sessionmaker
    from bot.services.shared_settings import webhook_secret

    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            return await webhook_secret(session)
    finally:
        await engine.dispose()


def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    asyncio.run(_migrate(settings))
    print(_("The database is up to date."))
    return EXIT_OK


async def _with_session(settings: Settings, work: Callable[..., Awaitable[int]]) -> int:
    from bot.core.db import make_engine, make_sessionmaker

    await _migrate(settings)
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


def cmd_import_plan(settings: Settings, args: argparse.Namespace) -> int:
    from bot.core.clock import SystemClock
    from bot.core.db import make_engine, make_sessionmaker
    from bot.services.plan_audience import ProposedAudience, load_directory, propose_audiences
    from bot.services.plan_parser import PlanParseError, parse_plan_file
    from bot.services.plans import import_plan
    from bot.texts.plan import preview_lines, proposals_note, stored_text, year_warning

    path: Path = args.file
    if not path.is_file():
        raise UserError(_("File not found: {path}").format(path=path))
    try:
        parsed = parse_plan_file(path, args.year)
    except PlanParseError as error:
        raise UserError(plan_error_text(error.reason, path)) from error
    warning = year_warning(parsed)
    if warning:
        print(warning, file=sys.stderr)
    named = any(task.responsible for task in parsed.tasks)

    async def work() -> int:
        # A dry run stores nothing: it reads the directory (for the proposed audiences) only
        # from a database that is already up to date, and previews without it otherwise.
        readable = True
        if not args.dry_run:
            await _migrate(settings)
        elif named:
            try:
                await _require_current_schema(settings)
            except UserError:
                readable = False
        else:
            readable = False
        engine = make_engine(settings.database_url) if readable else None
        try:
            proposals: dict[int, ProposedAudience] = {}
            if engine is not None:
                async with make_sessionmaker(engine)() as session:
                    proposals = propose_audiences(parsed, await load_directory(session))
            for line in preview_lines(parsed, markup=False, proposals=proposals):
                print(line)
            note = proposals_note(proposals, command_line=True)
            if note and not args.apply_audience:
                print(note)
            if named and engine is None and args.dry_run:
                print(
                    _(
                        "No audiences are proposed: the unit directory cannot be read from a "
                        "database that is not up to date."
                    )
                )
            if args.dry_run:
                print(_("Dry run: nothing was stored."))
                return EXIT_OK
            assert engine is not None
            async with make_sessionmaker(engine)() as session:
                result = await import_plan(
                    session,
                    parsed,
                    now=SystemClock().now(),
                    audiences=proposals if args.apply_audience else None,
                )
            print(stored_text(result))
            return EXIT_OK
        finally:
            if engine is not None:
                await engine.dispose()

    return asyncio.run(work())


def plan_error_text(reason: str, path: Path) -> str:
    from bot.texts.plan import plan_error_text as text

    return text(reason, path)


def cmd_import_units(settings: Settings, args: argparse.Namespace) -> int:
    from bot.core.clock import SystemClock
    from bot.services.unit_import import UnitSheetError, import_units, read_unit_rows

    path: Path = args.file
    if not path.is_file():
        raise UserError(_("File not found: {path}").format(path=path))
    try:
        rows = read_unit_rows(path)
    except UnitSheetError as error:
        raise UserError(unit_sheet_error_text(error, path)) from error

    async def work(session: AsyncSession) -> int:
        result = await import_units(session, rows, now=SystemClock().now())
        print(
            _(
                "Units: {created} created, {updated} updated, {unchanged} unchanged; "
                "{clusters} new clusters."
            ).format(
                created=result.created,
                updated=result.updated,
                unchanged=result.unchanged,
                clusters=len(result.clusters_created),
            )
        )
        return EXIT_OK

    return asyncio.run(_with_session(settings, work))


def unit_sheet_error_text(error: object, path: Path) -> str:
    from bot.services.unit_import import UnitSheetError

    assert isinstance(error, UnitSheetError)
    texts = {
        "format": _("{path}: use a .csv or .xlsx file."),
        "encoding": _("{path}: the CSV file must be saved as UTF-8."),
        "empty": _("{path}: the sheet has no units."),
        "columns": _(
            "{path}: missing columns: {value}. The columns are code, name, kind, cluster."
        ),
        "blank": _("{path}, row {row}: the code and the name must not be empty."),
        "too-long": _("{path}, row {row}: the code or the name is too long."),
        "duplicate": _("{path}, row {row}: the code {value} appears twice."),
        "fields": _(
            "{path}, row {row}: more fields than the {value} columns; put a name that "
            "contains a comma in double quotes."
        ),
        "leader": _(
            "{path}, row {row}: '{value}' in the leader column; write x for the cluster's "
            "leading unit, or nothing. Put a name that contains a comma in double quotes."
        ),
        "kind": _(
            "{path}, row {row}: unknown kind '{value}'. Use commune, ward, township, agency, "
            "school, enterprise, other (or xã, phường, thị trấn, cơ quan, trường học, "
            "doanh nghiệp, khác)."
        ),
    }
    return texts[error.reason].format(path=path, row=error.row, value=error.value)


def cmd_import_awards(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.history_import import import_awards, read_award_rows

    return _import_history(settings, args.file, read_award_rows, import_awards, "awards")


def cmd_import_ratings(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.history_import import import_ratings, read_rating_rows

    return _import_history(settings, args.file, read_rating_rows, import_ratings, "ratings")


def _import_history(
    settings: Settings,
    path: Path,
    read: Callable[[Path], Sequence[object]],
    store: Callable[..., Awaitable[object]],
    what: str,
) -> int:
    from bot.core.clock import SystemClock
    from bot.services.history_import import HistorySheetError

    if not path.is_file():
        raise UserError(_("File not found: {path}").format(path=path))
    try:
        rows = read(path)
    except HistorySheetError as error:
        raise UserError(history_sheet_error_text(error, path, what)) from error

    async def work(session: AsyncSession) -> int:
        try:
            result = await store(session, rows, now=SystemClock().now())
        except HistorySheetError as error:
            raise UserError(history_sheet_error_text(error, path, what)) from error
        template = (
            _("Awards: {created} created, {updated} updated, {unchanged} unchanged.")
            if what == "awards"
            else _("Ratings: {created} created, {updated} updated, {unchanged} unchanged.")
        )
        print(template.format(**vars(result)))
        return EXIT_OK

    return asyncio.run(_with_session(settings, work))


def cmd_eligibility(settings: Settings, args: argparse.Namespace) -> int:
    from bot.core.clock import SystemClock, local_today
    from bot.services.eligibility import (
        RulesError,
        achievement_year,
        assess,
        find_award,
        load_rules,
    )
    from bot.texts.eligibility import assessment_lines
    from models import Target, Unit

    try:
        rules = load_rules(settings.rules_file)
    except RulesError as error:
        raise UserError(rules_error_text(error)) from error
    today = local_today(SystemClock(), settings.tz)
    year: int = args.year or achievement_year(today)
    target = Target.INDIVIDUAL if args.person else Target.COLLECTIVE

    async def work(session: AsyncSession) -> int:
        from sqlalchemy import select

        unit = await session.scalar(select(Unit).where(Unit.code == args.unit.strip()))
        if unit is None:
            raise UserError(_("There is no unit with the code {code}.").format(code=args.unit))
        award = await find_award(session, rules, args.award, target)
        if award is None:
            text = (
                _("'{award}' is not an award for a person in the catalogue (see /awards).")
                if args.person
                else _("'{award}' is not an award for a unit in the catalogue (see /awards).")
            )
            raise UserError(text.format(award=args.award))
        assessment = await assess(
            session,
            rules,
            unit_id=unit.id,
            person_name=args.person,
            award=award,
            year=year,
            on=today,
        )
        for line in assessment_lines(assessment, rules):
            print(line)
        return EXIT_OK

    return asyncio.run(_with_session(settings, work))


def cmd_decision(settings: Settings, args: argparse.Namespace) -> int:
    from bot.core.clock import SystemClock
    from bot.services.deadlines import parse_local_date
    from bot.services.decisions import record_decision

    text = args.nominations.strip()
    numbers: list[int] | None = None
    if text.lower() != "all":
        parts = [part.strip().removeprefix("#") for part in text.split(",") if part.strip()]
        if not parts or not all(p.isascii() and p.isdigit() and len(p) <= 9 for p in parts):
            raise UserError(
                _("'{value}' is not a list of nomination numbers like 3,5,8 (or all).").format(
                    value=text
                )
            )
        numbers = [int(part) for part in parts]
    decided_on = parse_local_date(args.date)
    if decided_on is None:
        raise UserError(_("'{value}' is not a date like 15/01/2026.").format(value=args.date))
    decision_no = args.number.strip()[:100]
    if not decision_no:
        raise UserError(_("The decision number must not be empty."))

    async def work(session: AsyncSession) -> int:
        result = await record_decision(
            session,
            None,
            numbers,
            decision_no=decision_no,
            decision_date=decided_on,
            authority=(args.authority or settings.authority).strip(),
            now=SystemClock().now(),
            tz=settings.tz,
        )
        print(
            _(
                "Recorded: {recorded}; already recorded: {already}; not approved: {refused}; "
                "unknown numbers: {unknown}."
            ).format(
                recorded=", ".join(f"#{n.number}" for n in result.recorded) or "—",
                already=", ".join(f"#{n}" for n in result.already) or "—",
                refused=", ".join(f"#{n}" for n in result.not_approved) or "—",
                unknown=", ".join(f"#{n}" for n in result.unknown) or "—",
            )
        )
        return EXIT_OK

    return asyncio.run(_with_session(settings, work))


def history_sheet_error_text(error: object, path: Path, what: str) -> str:
    from bot.services.history_import import HistorySheetError

    assert isinstance(error, HistorySheetError)
    columns = (
        _(
            "The columns are kind, name, unit, award, year, and optionally position, "
            "decision_no, decision_date, authority, thematic, code."
        )
        if what == "awards"
        else _("The columns are kind, name, unit, year, rating, and optionally code, discipline.")
    )
    texts = {
        "format": _("{path}: use a .csv or .xlsx file."),
        "encoding": _("{path}: the CSV file must be saved as UTF-8."),
        "empty": _("{path}: the sheet has no rows."),
        "columns": _("{path}: missing columns: {value}.") + " " + columns,
        "blank": _(
            "{path}, row {row}: the unit, the award and (for a person) the name must not be empty."
        ),
        "too-long": _("{path}, row {row}: '{value}' is too long."),
        "duplicate": _("{path}, row {row}: {value} appears twice."),
        "fields": _(
            "{path}, row {row}: more fields than the {value} columns; put a name that "
            "contains a comma in double quotes."
        ),
        "kind": _(
            "{path}, row {row}: unknown kind '{value}'. Use individual or collective (cá nhân, "
            "tập thể)."
        ),
        "year": _("{path}, row {row}: '{value}' is not a year like 2024 (or a period 2023-2024)."),
        "date": _("{path}, row {row}: '{value}' is not a date like 15/01/2025."),
        "thematic": _(
            "{path}, row {row}: '{value}' in the thematic column; write x for a thematic or "
            "one-off award, or nothing."
        ),
        "discipline": _(
            "{path}, row {row}: '{value}' in the discipline column; write x for an open "
            "disciplinary case, or nothing."
        ),
        "rating": _(
            "{path}, row {row}: unknown rating '{value}'. Use htxs, htt, ht, kht (hoàn thành "
            "xuất sắc nhiệm vụ, hoàn thành tốt nhiệm vụ, hoàn thành nhiệm vụ, không hoàn thành "
            "nhiệm vụ)."
        ),
        "unit": _(
            "{path}, row {row}: there is no unit with the code {value}; nothing was stored."
        ),
        "award": _(
            "{path}, row {row}: '{value}' is not in the award catalogue (a name or a code "
            "from /awards); nothing was stored."
        ),
    }
    return texts[error.reason].format(path=path, row=error.row, value=error.value)


def cmd_plan_close(settings: Settings, args: argparse.Namespace) -> int:
    from bot.core.clock import SystemClock, local_today
    from bot.services.plan_closure import CloseOutcome, close_year
    from bot.texts.plan import summary_lines

    year: int = args.year
    clock = SystemClock()

    async def work(session: AsyncSession) -> int:
        result = await close_year(
            session,
            year,
            today=local_today(clock, settings.tz),
            now=clock.now(),
        )
        if result.outcome is CloseOutcome.NO_PLAN:
            raise UserError(_("There is no plan for {year}.").format(year=year))
        if result.outcome is CloseOutcome.NOT_OVER:
            raise UserError(
                _("The {year} plan can be closed once the year is over.").format(year=year)
            )
        summary = result.summary
        assert summary is not None and summary.closed_at is not None
        if result.outcome is CloseOutcome.ALREADY_CLOSED:
            print(
                _("The {year} plan was already closed on {date}.").format(
                    year=year, date=format_date(summary.closed_at.astimezone(settings.tz).date())
                )
            )
        else:
            print(
                _(
                    "The {year} plan is closed: its unfinished tasks no longer count as overdue."
                ).format(year=year)
            )
        for line in summary_lines(summary, markup=False):
            print(line)
        return EXIT_OK

    return asyncio.run(_with_session(settings, work))


def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from bot.core.clock import SystemClock
    from bot.services.invites import UnknownUnit, create_invite, deep_link
    from models import Role, Unit

    # Telegram: a link that carries the code; Zalo (no start parameter): the code to send.
    telegram = bool(settings.token or settings.bot_username or not settings.zalo_token)
    username = ""
    if telegram:
        username = settings.bot_username or asyncio.run(_fetch_username(settings))
    now, ttl = SystemClock().now(), timedelta(days=settings.invite_ttl_days)
    expires = (now + ttl).astimezone(settings.tz)

    async def work(session: AsyncSession) -> int:
        try:
            code = await create_invite(
                session,
                args.unit_code,
                Role(args.role),
                now=now,
                ttl=ttl,
            )
        except UnknownUnit as error:
            raise UserError(
                _("No unit has the code {code}. Import units first.").format(code=error.code)
            ) from error
        unit = await session.scalar(select(Unit).where(Unit.code == args.unit_code))
        assert unit is not None  # create_invite found it
        # The code on its own line, then the link (scripts read them); then what it is for.
        print(code)
        if telegram:
            print(deep_link(username, code))
        if settings.zalo_token:
            print(
                _("On Zalo: send this code to the bot (alone, or after /start): {code}").format(
                    code=code
                )
            )
        print(_("Unit: {code} — {name}").format(code=unit.code, name=unit.name))
        print(
            _("Role: {role}").format(
                role=_("officer")
                if args.role == Role.OFFICER
                else _("council member")
                if args.role == Role.COUNCIL
                else _("unit head")
            )
        )
        print(
            _("Valid until: {date} {time}").format(
                date=format_date(expires.date()), time=expires.strftime("%H:%M")
            )
        )
        return EXIT_OK

    return asyncio.run(_with_session(settings, work))


async def _fetch_username(settings: Settings) -> str:
    from telegram.error import TelegramError

    from bot.runtime.aiohttp_request import make_bot

    bot = make_bot(settings)
    try:
        async with bot:
            return bot.username
    except TelegramError as error:
        raise UserError(
            _(
                "Cannot reach the Bot API to learn the bot's username ({error}); set "
                "TDKT_BOT_USERNAME."
            ).format(error=error)
        ) from error


def cmd_remind(settings: Settings, args: argparse.Namespace) -> int:
    from bot.core.clock import SystemClock
    from bot.core.db import make_engine, make_sessionmaker
    from bot.services.reminders import ReminderRules, enqueue_reminders, plan_reminders

    # --at only decides which reminders the pass plans. Enqueueing and sending use the real
    # time: with a future --at, the outbox would take the running bot's live claims for
    # expired ones and send them again, and skip every backoff wait.
    real_clock = SystemClock()
    now = args.at.replace(tzinfo=settings.tz) if args.at else real_clock.now()
    local_now = now.astimezone(settings.tz)
    rules = ReminderRules(
        settings.reminder_windows, settings.overdue_every_days, settings.working_days_only
    )
    if not args.dry_run and not settings.zalo_token:
        settings.require_token()
    if local_now.time() < settings.reminder_time:
        print(
            _("It is not yet the reminder time ({time}); nothing to do.").format(
                time=settings.reminder_time.strftime("%H:%M")
            )
        )
        return EXIT_OK

    async def work() -> int:
        if args.dry_run:
            await _require_current_schema(settings)
        else:
            await _migrate(settings)
        engine = make_engine(settings.database_url)
        sessionmaker = make_sessionmaker(engine)
        try:
            async with sessionmaker() as session:
                result = await plan_reminders(session, now=now, tz=settings.tz, rules=rules)
                if not args.dry_run:
                    result.enqueued = await enqueue_reminders(
                        session, result.planned, now=real_clock.now()
                    )
            for planned in result.planned:
                first_line = planned.text.split("\n", 1)[0]
                print(
                    f"{planned.member_name} [{planned.chat_id}] {planned.kind.value}: "
                    f"{_plain(first_line)} ({len(planned.task_ids)})"
                )
            print(
                _("Reminders for {date}: {planned} planned, {enqueued} new in the outbox.").format(
                    date=format_date(result.day),
                    planned=len(result.planned),
                    enqueued=result.enqueued,
                )
            )
            if args.dry_run:
                print(_("Dry run: nothing was stored."))
                return EXIT_OK
            stats = await _deliver(settings, sessionmaker, real_clock)
            print(
                _(
                    "Sent {sent}, to retry {retried}, failed {failed}, unreachable {unreachable}."
                ).format(**vars(stats))
            )
            return EXIT_OK
        finally:
            await engine.dispose()

    return asyncio.run(work())


async def _deliver(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock
) -> object:
    from bot.runtime.aiohttp_request import make_bot
    from bot.runtime.outbox_sender import DrainStats, OutboxSender
    from handlers import callbacks

    stats = DrainStats()
    if settings.zalo_token:
        from bot.runtime.zalo.client import ZaloClient
        from bot.runtime.zalo.sender import ZaloSender

        async with ZaloClient(settings.zalo_token, base_url=settings.zalo_api_base_url) as client:
            zalo = ZaloSender(
                client,
                sessionmaker,
                clock,
                per_second=settings.zalo_rate,
            )
            stats = await zalo.drain()
        if not settings.token:
            return stats
    bot = make_bot(settings)
    async with bot:
        sender = OutboxSender(
            bot,
            sessionmaker,
            clock,
            per_second=settings.send_per_second,
            markup=callbacks.markup,
        )
        telegram = await sender.drain()
    for name in ("sent", "retried", "failed", "unreachable"):
        setattr(stats, name, getattr(stats, name) + getattr(telegram, name))
    return stats


def _plain(text: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", text))


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.core.clock import SystemClock
    from bot.core.i18n import current_language
    from bot.services.report_files import (
        ReportFiles,
        audit_files,
        nomination_files,
        progress_files,
        suggestion_files,
    )

    out: Path = args.out
    if args.what == "dossier":
        if out.suffix.lower() not in (".docx", ".zip"):
            raise UserError(_("{path}: the file name must end in .docx or .zip.").format(path=out))
    elif out.suffix.lower() not in (".xlsx", ".docx"):
        raise UserError(_("{path}: the file name must end in .xlsx or .docx.").format(path=out))
    if not out.parent.is_dir():
        raise UserError(_("Folder not found: {path}").format(path=out.parent))
    if args.what == "dossier":
        return _export_dossier(settings, args, out)
    builders: dict[str, Callable[..., Awaitable[ReportFiles]]] = {
        "nominations": nomination_files,
        "progress": progress_files,
        "audit": audit_files,
        "suggestions": suggestion_files,
    }
    build = builders[args.what]
    scope = _nomination_scope(args)

    async def work(session: AsyncSession) -> int:
        from bot.services.eligibility import RulesError
        from bot.services.nomination_export import UnknownRound

        # The Word documents carry the heading's parent and place; the suggestions are a
        # workbook read from the rule set.
        extra: dict[str, object] = {"parent": settings.authority_parent, "place": settings.place}
        if args.what == "nominations":
            extra |= {"scope": scope, "rules_file": settings.rules_file}
        elif args.what == "suggestions":
            extra = {"rules_file": settings.rules_file}
        try:
            files = await build(
                session,
                now=SystemClock().now(),
                tz=settings.tz,
                language=current_language(),
                authority=settings.authority,
                **extra,
            )
        except UnknownRound as error:
            raise UserError(
                _("No nomination round has the id {id}.").format(id=args.round_id)
            ) from error
        except RulesError as error:
            raise UserError(rules_error_text(error)) from error
        payload = files.by_suffix(out.suffix.lower())
        if payload is None:
            raise UserError(_("{path}: this report is written as .xlsx only.").format(path=out))
        await asyncio.to_thread(_write_whole, out, payload)
        if args.what == "nominations":
            print(
                ngettext(
                    "Wrote {path}: {count} nomination.",
                    "Wrote {path}: {count} nominations.",
                    files.count,
                ).format(path=out, count=files.count)
            )
            if files.note:
                print(files.note)
        else:
            print(_("Wrote {path}.").format(path=out))
        return EXIT_OK

    return asyncio.run(_with_session(settings, work))


def _export_dossier(settings: Settings, args: argparse.Namespace, out: Path) -> int:
    """The Tờ trình with the danh sách (.docx), or both as separate files (.zip)."""
    from bot.core.clock import SystemClock
    from bot.services.dossier import build_dossier
    from bot.services.nomination_export import UnknownRound

    scope = _nomination_scope(args)

    async def work(session: AsyncSession) -> int:
        try:
            dossier = await build_dossier(
                session,
                now=SystemClock().now(),
                tz=settings.tz,
                authority=settings.authority,
                parent=settings.authority_parent,
                place=settings.place,
                scope=scope,
            )
        except UnknownRound as error:
            raise UserError(
                _("No nomination round has the id {id}.").format(id=args.round_id)
            ) from error
        payload = dossier.zip() if out.suffix.lower() == ".zip" else dossier.combined
        await asyncio.to_thread(_write_whole, out, payload)
        print(
            _(
                "Wrote {path}: the Tờ trình proposes {collectives} collectives and {individuals} "
                "individuals (approved in review) of {filed} nominations filed."
            ).format(
                path=out,
                collectives=dossier.collectives,
                individuals=dossier.individuals,
                filed=dossier.filed,
            )
        )
        return EXIT_OK

    return asyncio.run(_with_session(settings, work))


def _nomination_scope(args: argparse.Namespace) -> ExportScope | None:
    """--round ID or --year YYYY of `export nominations` (refused for the other reports)."""
    from bot.services.nomination_export import FIRST_YEAR, LAST_YEAR, ExportScope

    if args.round_id is None and args.year is None:
        return None
    if args.what not in ("nominations", "dossier"):
        raise UserError(_("--round and --year apply to export nominations and dossier only."))
    if args.round_id is not None and not 0 < args.round_id < 2**31:
        raise UserError(_("No nomination round has the id {id}.").format(id=args.round_id))
    if args.year is not None and not FIRST_YEAR <= args.year <= LAST_YEAR:
        raise UserError(_("--year: {year} is not a year like 2026.").format(year=args.year))
    return ExportScope(round_id=args.round_id, year=args.year)


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    """SQLite's online backup: a consistent snapshot even while the bot writes."""
    import sqlite3

    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if not url.drivername.startswith("sqlite") or not url.database:
        raise UserError(
            _("backup copies SQLite databases; for PostgreSQL use pg_dump (see the README).")
        )
    source_path = Path(url.database)
    out: Path = args.out
    if not source_path.is_file():
        raise UserError(_("File not found: {path}").format(path=source_path))
    if out.exists():
        raise UserError(_("{path} already exists; choose a new file name.").format(path=out))
    if not out.parent.is_dir():
        raise UserError(_("Folder not found: {path}").format(path=out.parent))
    announce_database(settings)
    try:
        _write_backup(source_path, out)
    except (sqlite3.Error, OSError) as error:
        reason = os.strerror(error.errno) if isinstance(error, OSError) and error.errno else error
        raise UserError(
            _("Cannot write the backup {path}: {error}").format(
                path=out, error=str(reason).splitlines()[0]
            )
        ) from error
    print(_("Backup written to {path}.").format(path=out))
    return EXIT_OK


def _write_whole(out: Path, payload: bytes) -> None:
    """Writes an export into a temporary file beside `out` and renames it once complete, so a
    full disk leaves no half-written report behind (and an older report of that name stays
    whole); raises UserError in one line."""
    import tempfile

    handle, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
        umask = os.umask(0)
        os.umask(umask)
        temporary.chmod(0o666 & ~umask)  # as a plain write would have made it
        os.replace(temporary, out)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise UserError(
            _("Cannot write {path}: {error}").format(path=out, error=reason)
        ) from error


def _write_backup(source_path: Path, out: Path) -> None:
    """Copies into a temporary file beside `out`, readable by its owner only (the database
    holds names and Telegram ids), and renames it once complete: a backup that fails (a full
    disk) leaves no partial file behind to be taken for a backup or to block the next try."""
    import sqlite3
    import tempfile

    handle, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    os.close(handle)
    temporary = Path(name)
    try:
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
        try:
            target = sqlite3.connect(temporary)
            try:
                with target:
                    source.backup(target)
                target.execute("PRAGMA journal_mode=DELETE")
            finally:
                target.close()
        finally:
            source.close()
        temporary.chmod(0o600)
        os.replace(temporary, out)
    except BaseException:
        for leftover in (temporary, temporary.with_name(temporary.name + "-journal")):
            leftover.unlink(missing_ok=True)
        raise
