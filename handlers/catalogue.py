"""/awards and /round for officers: the award catalogue and nomination rounds."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.core.i18n import _, current_language, format_date
from bot.runtime.context import wake_sender
from bot.services import awards as award_service
from bot.services import nominations as nomination_service
from bot.services.awards import AwardChange
from bot.services.deadlines import parse_local_date
from bot.services.eligibility import RulesError, RuleSet, load_rules
from bot.services.nomination_labels import TARGET_LABELS, label
from handlers.common import BotContext, answer, officer_required, split_message
from models import Target

TARGET_WORDS = {
    "individual": Target.INDIVIDUAL,
    "i": Target.INDIVIDUAL,
    "cá-nhân": Target.INDIVIDUAL,
    "canhan": Target.INDIVIDUAL,
    "collective": Target.COLLECTIVE,
    "c": Target.COLLECTIVE,
    "tập-thể": Target.COLLECTIVE,
    "tapthe": Target.COLLECTIVE,
}


def awards_usage() -> str:
    return _(
        "Usage:\n/awards — the catalogue\n/awards add individual|collective Tên | Name\n"
        "/awards rename CODE Tên | Name\n/awards off CODE — retire a form\n"
        "/awards on CODE — use it again"
    )


@officer_required
async def awards(update: Update, context: BotContext) -> None:
    """/awards [add|rename|off|on ...]: the award catalogue, editable by officers."""
    member = context.member
    assert member is not None
    args = context.args or []
    ctx = context.app_ctx
    action = args[0].lower() if args else "list"
    async with ctx.session() as session:
        if action == "list":
            forms = await award_service.catalogue(session)
            lines = [_("<b>Forms of award</b>")]
            for form in forms:
                status = "" if form.active else " " + _("(not in use)")
                if form.historical:
                    status = " " + _("(kept for old nominations only)")
                lines.append(
                    f"<code>{html.escape(form.code)}</code> · "
                    f"{html.escape(form.name(current_language()))} · "
                    f"{label(TARGET_LABELS, form.target)}{status}"
                )
            for part in split_message("\n".join([*lines, "", awards_usage()])):
                await answer(update, part)
            return
        if action == "add" and len(args) >= 3 and args[1].lower() in TARGET_WORDS:
            result = await award_service.add_award(
                session, member, TARGET_WORDS[args[1].lower()], " ".join(args[2:]), now=ctx.now()
            )
        elif action == "rename" and len(args) >= 3:
            result = await award_service.rename_award(
                session, member, args[1], " ".join(args[2:]), now=ctx.now()
            )
        elif action in ("off", "on") and len(args) == 2:
            result = await award_service.set_award_active(
                session, member, args[1], action == "on", now=ctx.now()
            )
        else:
            await answer(update, awards_usage())
            return
    if result.outcome is AwardChange.HISTORICAL:
        await answer(
            update,
            _(
                "{code} is a form of the district level, abolished on 01/07/2025: it is kept "
                "only so that old nominations still show it, and is no longer offered."
            ).format(code=html.escape(args[1].upper())),
        )
        return
    if result.outcome is AwardChange.NOT_FOUND:
        await answer(
            update, _("No form of award has the code {code}.").format(code=html.escape(args[1]))
        )
    elif result.outcome is AwardChange.BAD_NAME:
        await answer(
            update,
            _("Please give the name as: Tên tiếng Việt | English name (at most 300 characters)."),
        )
    else:
        assert result.award is not None
        await answer(
            update,
            _("Saved: <code>{code}</code> · {name} · {status}").format(
                code=html.escape(result.award.code),
                name=html.escape(result.award.name(current_language())),
                status=_("in use") if result.award.active else _("not in use"),
            ),
        )


def round_usage() -> str:
    return _(
        "Usage:\n/round — the current nomination round\n/round open dd/mm/yyyy Title — open a "
        "round until that day\n/round reopen dd/mm/yyyy — accept nominations again until "
        "that day\n/round close — end the round"
    )


@officer_required
async def nomination_round(update: Update, context: BotContext) -> None:
    """/round [open|reopen|close ...]: nomination rounds with a deadline."""
    member = context.member
    assert member is not None
    args = context.args or []
    ctx = context.app_ctx
    action = args[0].lower() if args else "show"
    async with ctx.session() as session:
        if action == "show":
            current = await nomination_service.current_round(session)
            if current is None:
                text = _(
                    "No nomination round is open: a nomination filed now is outside any round "
                    "(it is in the year's list, /export nominations)."
                )
            else:
                filed = await nomination_service.units_with_filings(session, current.id)
                text = _(
                    "Current round: “{title}”, deadline {date}; units that have filed: {count}. "
                    "A nomination filed now goes into this round."
                ).format(
                    title=html.escape(current.title),
                    date=format_date(current.deadline),
                    count=len(filed),
                )
            await answer(update, text + "\n\n" + round_usage())
            return
        if action == "close" and len(args) == 1:
            closed = await nomination_service.close_round(session, member, now=ctx.now())
            await answer(
                update,
                _(
                    "The round “{title}” is closed. Nominations filed from now on are outside "
                    "any round, until a new round is opened."
                ).format(title=html.escape(closed.title))
                if closed
                else _("No round is open."),
            )
            return
        deadline = parse_local_date(args[1]) if len(args) >= 2 else None
        if action == "open" and deadline is not None and len(args) >= 3:
            if deadline < ctx.today():
                await answer(update, _("The deadline must not be in the past."))
                return
            try:
                rules: RuleSet | None = load_rules(ctx.settings.rules_file)
            except RulesError:
                rules = None
            opened = await nomination_service.open_round(
                session,
                member,
                " ".join(args[2:]),
                deadline,
                now=ctx.now(),
                rules=rules,
                today=ctx.today(),
            )
            _wake_sender(context)
            await answer(
                update,
                _(
                    "The round “{title}” is open until {date}; every unit head is being told. "
                    "Nominations filed until then go into this round."
                ).format(title=html.escape(opened.title), date=format_date(opened.deadline)),
            )
            return
        if action == "reopen" and deadline is not None and len(args) == 2:
            reopened = await nomination_service.reopen_round(
                session, member, deadline, now=ctx.now()
            )
            if reopened is None:
                await answer(update, _("No round has been opened yet."))
            else:
                _wake_sender(context)
                await answer(
                    update,
                    _("The round “{title}” is open again until {date}.").format(
                        title=html.escape(reopened.title), date=format_date(reopened.deadline)
                    ),
                )
            return
    await answer(update, round_usage())


def _wake_sender(context: BotContext) -> None:
    """The round's notices are in the outbox: send them now rather than at the next poll."""
    wake_sender(context.application)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("awards", awards))
    application.add_handler(CommandHandler("round", nomination_round))
