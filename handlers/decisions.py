"""/decision for officers: record the decision (number, date) on approved nominations, which
puts them in the award history for later eligibility checks."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.core.i18n import current_language
from bot.services import decisions as service
from bot.services.deadlines import parse_local_date
from bot.texts import decisions as texts
from handlers.common import BotContext, answer, decimal_id, officer_required, split_message

ALL_WORDS = {"all", "tất-cả", "tatca", "*"}


def parse_numbers(text: str) -> list[int] | None:
    """`3`, `#3,#5`, `3,5,8`, or `all` (None: every approved nomination); [] when not valid."""
    if text.lower() in ALL_WORDS:
        return None
    numbers = [decimal_id(part.strip()) for part in text.split(",") if part.strip()]
    return [n for n in numbers if n is not None] if numbers and None not in numbers else []


@officer_required
async def decision(update: Update, context: BotContext) -> None:
    """/decision [NUMBERS DECISION_NO dd/mm/yyyy]: list, or record the decision."""
    args = context.args or []
    ctx = context.app_ctx
    if not args:
        async with ctx.session() as session:
            waiting = [
                (
                    n.number,
                    n.nominee_name,
                    n.award_form.name(current_language()) if n.award_form else None,
                )
                for n in await service.awaiting_decision(session)
            ]
        for part in split_message(texts.awaiting_text(waiting)):
            await answer(update, part)
        return
    numbers = parse_numbers(args[0])
    decided_on = parse_local_date(args[-1]) if len(args) >= 3 else None
    decision_no = " ".join(args[1:-1]).strip()[:100]
    if numbers == [] or decided_on is None or not decision_no:
        await answer(update, texts.decision_usage())
        return
    member = context.member
    async with ctx.session() as session:
        result = await service.record_decision(
            session,
            member,
            numbers,
            decision_no=decision_no,
            decision_date=decided_on,
            authority=ctx.settings.authority,
            now=ctx.now(),
            tz=ctx.settings.tz,
        )
        recorded = [n.number for n in result.recorded]
    text = texts.recorded_text(
        decision_no,
        decided_on,
        recorded=recorded,
        already=result.already,
        not_approved=result.not_approved,
        unknown=result.unknown,
    )
    await answer(update, text)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("decision", decision))
