"""/awards and /round for officers: the award catalogue and nomination rounds."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.core.i18n import current_language
from bot.runtime.context import wake_sender
from bot.services import awards as award_service
from bot.services import nominations as nomination_service
from bot.services.awards import AwardChange
from bot.services.deadlines import parse_local_date
from bot.services.eligibility import RulesError, RuleSet, load_rules
from bot.texts import catalogue as texts
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


@officer_required
async def awards(update: Update, context: BotContext) -> None:
    """/awards [add|rename|off|on ...]: the award catalogue, editable by officers."""
    member = context.member
    assert member is not None
    args = context.args or []
    ctx = context.app_ctx
    action = args[0].lower() if args else "list"
    if action == "list":
        async with ctx.session() as session:
            forms = await award_service.catalogue(session)
            shown = [
                texts.FormShown(
                    f.code, f.name(current_language()), f.target, f.active, f.historical
                )
                for f in forms
            ]
        for part in split_message(texts.catalogue_text(shown)):
            await answer(update, part)
        return
    add = action == "add" and len(args) >= 3 and args[1].lower() in TARGET_WORDS
    rename = action == "rename" and len(args) >= 3
    switch = action in ("off", "on") and len(args) == 2
    if not (add or rename or switch):
        await answer(update, texts.awards_usage())
        return
    async with ctx.session() as session:
        if add:
            result = await award_service.add_award(
                session, member, TARGET_WORDS[args[1].lower()], " ".join(args[2:]), now=ctx.now()
            )
        elif rename:
            result = await award_service.rename_award(
                session, member, args[1], " ".join(args[2:]), now=ctx.now()
            )
        else:
            result = await award_service.set_award_active(
                session, member, args[1], action == "on", now=ctx.now()
            )
        saved = result.award
        if result.outcome is AwardChange.DONE:
            assert saved is not None
            text = texts.award_saved(saved.code, saved.name(current_language()), saved.active)
        else:
            text = texts.award_refused(result.outcome, args[1])
    await answer(update, text)


@officer_required
async def nomination_round(update: Update, context: BotContext) -> None:
    """/round [open|reopen|close ...]: nomination rounds with a deadline."""
    member = context.member
    assert member is not None
    args = context.args or []
    ctx = context.app_ctx
    action = args[0].lower() if args else "show"
    deadline = parse_local_date(args[1]) if len(args) >= 2 else None
    wake = False
    if action == "show":
        async with ctx.session() as session:
            current = await nomination_service.current_round(session)
            filed = (
                await nomination_service.units_with_filings(session, current.id)
                if current is not None
                else set()
            )
        text = texts.current_round(
            current.title if current else None, current.deadline if current else None, len(filed)
        )
    elif action == "close" and len(args) == 1:
        async with ctx.session() as session:
            closed = await nomination_service.close_round(session, member, now=ctx.now())
        text = texts.round_closed(closed.title if closed else None)
    elif action == "open" and deadline is not None and len(args) >= 3:
        if deadline < ctx.today():
            await answer(update, texts.deadline_past())
            return
        try:
            rules: RuleSet | None = load_rules(ctx.settings.rules_file)
        except RulesError:
            rules = None
        async with ctx.session() as session:
            opened = await nomination_service.open_round(
                session,
                member,
                " ".join(args[2:]),
                deadline,
                now=ctx.now(),
                rules=rules,
                today=ctx.today(),
            )
        wake = True
        text = texts.round_opened(opened.title, opened.deadline)
    elif action == "reopen" and deadline is not None and len(args) == 2:
        async with ctx.session() as session:
            reopened = await nomination_service.reopen_round(
                session, member, deadline, now=ctx.now()
            )
        wake = reopened is not None
        text = texts.round_reopened(
            reopened.title if reopened else None, reopened.deadline if reopened else None
        )
    else:
        text = texts.round_usage()
    # The round's notices are committed to the outbox by now: send them at once.
    if wake:
        _wake_sender(context)
    await answer(update, text)


def _wake_sender(context: BotContext) -> None:
    """The round's notices are in the outbox: send them now rather than at the next poll."""
    wake_sender(context.application)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("awards", awards))
    application.add_handler(CommandHandler("round", nomination_round))
