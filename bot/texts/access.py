"""Who may use a command, as the refusal each channel shows: not registered, access revoked,
a head's command asked by someone who is not a head, an officer's command by a head."""

from __future__ import annotations

from bot.core.i18n import _
from models import Member, Role


def not_registered_text() -> str:
    return _(
        "You are not registered with this bot yet. Please ask the TĐKT officer (the standing "
        "office of the Emulation and Commendation Council) for an invite link."
    )


def deactivated_text() -> str:
    return _("Your access has been revoked. Please contact the TĐKT officer if this is a mistake.")


def invalid_button_text() -> str:
    return _("This button is no longer valid.")


def head_command_problem(member: Member) -> str | None:
    """Why this member may not use a unit head's command, or None when they may."""
    if member.is_head:
        return None
    if member.role == Role.COUNCIL:
        return _(
            "This command is for unit heads; you are registered as a member of the Emulation "
            "and Commendation Council (/vote)."
        )
    if member.unit_id is not None:
        # An officer invited for a unit is not its head unless given both roles.
        return _(
            "This command is for unit heads; you are registered as a TĐKT officer, not as "
            "your unit's head."
        )
    return _("This command is for unit heads; your account is not attached to a unit.")


def officer_command_problem(member: Member) -> str | None:
    """Why this member may not use an officer's command, or None when they may."""
    if not member.is_officer:
        return _("Sorry, this command is only for TĐKT officers.")
    return None
