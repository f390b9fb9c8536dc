"""/decision for officers: record the decision (number, date) on approved nominations, which
puts them in the award history for later eligibility checks."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.core.i18n import _, current_language, format_date, ngettext
from bot.services import decisions as service
from bot.services.deadlines import parse_local_date
from handlers.common import BotContext, answer, decimal_id, officer_required, split_message

ALL_WORDS = {"all", "tất-cả", "tatca", "*"}


def decision_usage() -> str:
    return _(
        "Usage:\n/decision — the approved nominations awaiting a decision\n"
        "/decision NUMBERS DECISION_NO dd/mm/yyyy — record the decision, e.g. "
        "/decision 3,5 125/QĐ-UBND 15/01/2026 (NUMBERS: the nominations' numbers, or all)"
    )


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
            waiting = await service.awaiting_decision(session)
        if not waiting:
            await answer(
                update,
                _("No approved nomination is awaiting a decision.") + "\n\n" + decision_usage(),
            )
            return
        lines = [_("<b>Approved, awaiting a decision: {count}</b>").format(count=len(waiting))]
        for nomination in waiting:
            award = (
                nomination.award_form.name(current_language()) if nomination.award_form else "—"
            )
            lines.append(
                f"#{nomination.number} {html.escape(nomination.nominee_name or '—')} — "
                f"{html.escape(award)}"
            )
        for part in split_message("\n".join([*lines, "", decision_usage()])):
            await answer(update, part)
        return
    numbers = parse_numbers(args[0])
    decided_on = parse_local_date(args[-1]) if len(args) >= 3 else None
    decision_no = " ".join(args[1:-1]).strip()[:100]
    if numbers == [] or decided_on is None or not decision_no:
        await answer(update, decision_usage())
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
    lines = []
    if result.recorded:
        lines.append(
            ngettext(
                "Decision {number} of {date} recorded for {count} nomination: {numbers}. It is "
                "now in the award history.",
                "Decision {number} of {date} recorded for {count} nominations: {numbers}. They "
                "are now in the award history.",
                len(result.recorded),
            ).format(
                number=html.escape(decision_no),
                date=format_date(decided_on),
                count=len(result.recorded),
                numbers=", ".join(f"#{n.number}" for n in result.recorded),
            )
        )
    if result.already:
        lines.append(
            _("Already recorded, left as they were: {numbers}.").format(
                numbers=", ".join(f"#{n}" for n in result.already)
            )
        )
    if result.not_approved:
        lines.append(
            _("Not approved, so not recorded: {numbers}.").format(
                numbers=", ".join(f"#{n}" for n in result.not_approved)
            )
        )
    if result.unknown:
        lines.append(
            _("No nomination has these numbers: {numbers}.").format(
                numbers=", ".join(f"#{n}" for n in result.unknown)
            )
        )
    if not lines:
        lines.append(_("No approved nomination is awaiting a decision."))
    await answer(update, "\n".join(lines))


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("decision", decision))
