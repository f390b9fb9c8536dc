"""/units, /invite and /deactivate for officers: the directory of units and their heads."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.services.invites import UnknownUnit, create_invite, deep_link
from bot.services.members import ConfiguredOfficer, deactivate_member, directory_listing
from bot.texts import directory as texts
from handlers.common import BotContext, answer, decimal_id, officer_required, split_message
from models import Role

# Telegram ids are stored as 64-bit integers.
TELEGRAM_ID_MAX = 2**63 - 1


@officer_required
async def units(update: Update, context: BotContext) -> None:
    """/units: units by cluster with their registered heads."""
    async with context.app_ctx.session() as session:
        listing = await directory_listing(session)
    if not listing:
        await answer(update, texts.no_units())
        return
    for part in split_message(texts.units_text(listing)):
        await answer(update, part)


@officer_required
async def invite(update: Update, context: BotContext) -> None:
    """/invite UNIT_CODE [officer]: a one-time invite link."""
    member = context.member
    assert member is not None
    args = context.args or []
    role = Role.parse(args[1]) if len(args) == 2 else Role.HEAD
    if not args or len(args) > 2 or role is None:
        await answer(update, texts.invite_usage())
        return
    ctx = context.app_ctx
    ttl = timedelta(days=ctx.settings.invite_ttl_days)
    code = None
    async with ctx.session() as session:
        try:
            code = await create_invite(
                session, args[0], role, now=ctx.now(), ttl=ttl, created_by=member
            )
        except UnknownUnit:
            pass
    if code is None:
        await answer(update, texts.unknown_unit(args[0]))
        return
    expires = (ctx.now() + ttl).astimezone(ctx.settings.tz).date()
    link = deep_link(context.bot.username, code)
    await answer(update, texts.invite_link(args[0], role, expires, link))


@officer_required
async def deactivate(update: Update, context: BotContext) -> None:
    """/deactivate TELEGRAM_ID: revoke a member's access at once."""
    member = context.member
    assert member is not None
    args = context.args or []
    telegram_id = (
        decimal_id(args[0], max_digits=19, maximum=TELEGRAM_ID_MAX) if len(args) == 1 else None
    )
    if telegram_id is None:
        await answer(update, texts.deactivate_usage())
        return
    ctx = context.app_ctx
    configured = False
    async with ctx.session() as session:
        try:
            revoked = await deactivate_member(
                session,
                member,
                telegram_id,
                now=ctx.now(),
                configured_officers=ctx.settings.officer_ids,
            )
        except ConfiguredOfficer:
            configured, revoked = True, None
    if configured:
        await answer(update, texts.configured_officer(telegram_id))
    elif revoked is None:
        await answer(update, texts.no_such_member(args[0]))
    else:
        await answer(update, texts.deactivated(revoked.full_name))


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("units", units))
    application.add_handler(CommandHandler("invite", invite))
    application.add_handler(CommandHandler("deactivate", deactivate))
