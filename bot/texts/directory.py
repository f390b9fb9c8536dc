"""What /units, /invite and /deactivate say."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date

from bot.core.i18n import _, format_date
from bot.services.members import UnitListing
from models import Role


def no_units() -> str:
    return _("No units yet. Load them with: tdkt-bot import-units FILE")


def units_text(listing: Sequence[UnitListing]) -> str:
    """Units by cluster with their registered heads and their Telegram ids."""
    lines = [_("<b>Units and their registered heads</b>")]
    cluster = None
    no_cluster = _("No cluster")
    for unit in listing:
        if unit.cluster != cluster:
            cluster = unit.cluster
            lines.append("")
            lines.append(f"<b>{html.escape(cluster or no_cluster)}</b>")
        heads = ", ".join(
            f"{html.escape(head.name)} ({_listed_id(head.telegram_id, head.channel)})"
            for head in unit.heads
        ) or _("no one registered")
        lines.append(f"• <code>{html.escape(unit.code)}</code> {html.escape(unit.name)} — {heads}")
    lines += [
        "",
        _("/invite CODE creates an invite link for a unit."),
        _("/deactivate ID (the number after a name) revokes that person's access at once."),
    ]
    return "\n".join(lines)


def role_label(role: Role) -> str:
    return {
        Role.OFFICER: _("officer"),
        Role.HEAD: _("unit head"),
        Role.BOTH: _("unit head and officer"),
        Role.COUNCIL: _("council member"),
    }[role]


def invite_usage() -> str:
    return _(
        "Usage: /invite UNIT_CODE (a unit head), /invite UNIT_CODE officer (an officer, "
        "not the unit's head), or /invite UNIT_CODE head,officer (both)"
    )


def unknown_unit(code: str) -> str:
    return _("No unit has the code {code}. Import units first.").format(code=html.escape(code))


def invite_link(unit_code: str, role: Role, expires: date, link: str) -> str:
    return _(
        "Invite for {unit} ({role}), valid once until {date}:\n{link}\n"
        "Send this link to the person concerned only."
    ).format(
        unit=html.escape(unit_code), role=role_label(role), date=format_date(expires), link=link
    )


def deactivate_usage() -> str:
    return _("Usage: /deactivate TELEGRAM_USER_ID")


def configured_officer(telegram_id: int) -> str:
    return _(
        "The officer with the Telegram id {id} is named in the bot's settings "
        "(TDKT_OFFICER_IDS), so their access cannot be revoked here. Please ask "
        "whoever runs the bot to remove the id from the settings and restart it."
    ).format(id=telegram_id)


def no_such_member(typed: str) -> str:
    return _("No other member has the Telegram id {id}.").format(id=typed)


def deactivated(full_name: str) -> str:
    return _("{name} can no longer use the bot. A new invite restores access.").format(
        name=html.escape(full_name)
    )


def _listed_id(telegram_id: int | None, channel: str) -> str:
    """The Telegram id /deactivate takes, or the channel a member is reached on instead."""
    if telegram_id is None:
        return html.escape(channel.title())
    return f"<code>{telegram_id}</code>"
