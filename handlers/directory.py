"""/units, /invite and /deactivate for officers: the directory of units and their heads."""

from __future__ import annotations

import html
from datetime import timedelta

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.core.i18n import _, format_date
from bot.services.invites import UnknownUnit, create_invite, deep_link
from bot.services.members import ConfiguredOfficer, deactivate_member, directory_listing
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
        await answer(update, _("No units yet. Load them with: tdkt-bot import-units FILE"))
        return
    lines = [_("<b>Units and their registered heads</b>")]
    cluster = None
    no_cluster = _("No cluster")
    for unit in listing:
        if unit.cluster != cluster:
            cluster = unit.cluster
            lines.append("")
            lines.append(f"<b>{html.escape(cluster or no_cluster)}</b>")
        heads = ", ".join(
            f"{html.escape(head.name)} (<code>{head.telegram_id}</code>)" for head in unit.heads
        ) or _("no one registered")
        lines.append(f"• <code>{html.escape(unit.code)}</code> {html.escape(unit.name)} — {heads}")
    lines += [
        "",
        _("/invite CODE creates an invite link for a unit."),
        _("/deactivate ID (the number after a name) revokes that person's access at once."),
    ]
    for part in split_message("\n".join(lines)):
        await answer(update, part)


def role_label(role: Role) -> str:
    return {
        Role.OFFICER: _("officer"),
        Role.HEAD: _("unit head"),
        Role.BOTH: _("unit head and officer"),
        Role.COUNCIL: _("council member"),
    }[role]


@officer_required
async def invite(update: Update, context: BotContext) -> None:
    """/invite UNIT_CODE [officer]: a one-time invite link."""
    member = context.member
    assert member is not None
    args = context.args or []
    role = Role.parse(args[1]) if len(args) == 2 else Role.HEAD
    if not args or len(args) > 2 or role is None:
        await answer(
            update,
            _(
                "Usage: /invite UNIT_CODE (a unit head), /invite UNIT_CODE officer (an officer, "
                "not the unit's head), or /invite UNIT_CODE head,officer (both)"
            ),
        )
        return
    ctx = context.app_ctx
    ttl = timedelta(days=ctx.settings.invite_ttl_days)
    async with ctx.session() as session:
        try:
            code = await create_invite(
                session, args[0], role, now=ctx.now(), ttl=ttl, created_by=member
            )
        except UnknownUnit:
            await answer(
                update,
                _("No unit has the code {code}. Import units first.").format(
                    code=html.escape(args[0])
                ),
            )
            return
    expires = (ctx.now() + ttl).astimezone(ctx.settings.tz).date()
    await answer(
        update,
        _(
            "Invite for {unit} ({role}), valid once until {date}:\n{link}\n"
            "Send this link to the person concerned only."
        ).format(
            unit=html.escape(args[0]),
            role=role_label(role),
            date=format_date(expires),
            link=deep_link(context.bot.username, code),
        ),
    )


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
        await answer(update, _("Usage: /deactivate TELEGRAM_USER_ID"))
        return
    ctx = context.app_ctx
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
            await answer(
                update,
                _(
                    "The officer with the Telegram id {id} is named in the bot's settings "
                    "(TDKT_OFFICER_IDS), so their access cannot be revoked here. Please ask "
                    "whoever runs the bot to remove the id from the settings and restart it."
                ).format(id=telegram_id),
            )
            return
    if revoked is None:
        await answer(update, _("No other member has the Telegram id {id}.").format(id=args[0]))
        return
    await answer(
        update,
        _("{name} can no longer use the bot. A new invite restores access.").format(
            name=html.escape(revoked.full_name)
        ),
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("units", units))
    application.add_handler(CommandHandler("invite", invite))
    application.add_handler(CommandHandler("deactivate", deactivate))
