"""What the bot says on Zalo, where there are no buttons and no formatting: plain text, and
short typed replies instead of commands."""

from __future__ import annotations

import html
import re

from bot.core.i18n import _

# What can be typed on Zalo, in either language whatever the member's (lower case; with and
# without diacritics, as phones type them).
HELP_WORDS = ("help", "trợ giúp", "tro giup", "/help", "?")
START_WORD = "/start"
TASKS_WORDS = ("/tasks", "/done", "việc", "viec", "tasks", "công việc", "cong viec")
DONE_WORDS = ("xong", "done", "/done")
UNDO_WORDS = ("hủy", "huỷ", "huy", "hoàn tác", "hoan tac", "undo")
PAGE_WORDS = ("trang", "page")
RECEIVED_WORDS = ("đã nhận", "da nhan", "received", "nhận", "nhan")
NOMINATE_WORDS = ("/nominate", "đề nghị", "de nghi", "nominate")
NOMINATIONS_WORDS = ("/nominations", "các đề nghị", "cac de nghi", "nominations")
BACK_WORDS = ("quay lại", "quay lai", "back", "◀️")
LANGUAGE_WORDS = ("/lang", "lang", "ngôn ngữ", "ngon ngu")
CANCEL_WORDS = ("hủy", "huỷ", "huy", "cancel", "/cancel")


def typed_done(code: int | str, *_page: object) -> str:
    """What to type to report task `code` done (shown beside its ✅)."""
    return _("done {code}").format(code=code)


def typed_undo(code: int | str, *_page: object) -> str:
    return _("undo {code}").format(code=code)


def typed_page(page: int | str) -> str:
    return _("page {number}").format(number=int(page) + 1)


def typed_received(*_broadcast: object) -> str:
    return _("received")


def typed_back(*_draft: object) -> str:
    """What to type for a nomination's ◀️ Back (one of BACK_WORDS)."""
    return _("back")


def typed_cancel(*_draft: object) -> str:
    """What to type for a nomination's ✖️ Cancel (one of CANCEL_WORDS)."""
    return _("cancel")


def typed_language(code: str) -> str:
    return f"/lang {code}"


def options_header(*, numbered: bool) -> str:
    if numbered:
        return _("Reply with a number or the words shown:")
    return _("To answer, type:")


def option_line(number: int | None, label: str, typed: str | None) -> str:
    """One typed reply: "1. ✅ Done #3 — type: done 3" (a number, the button's label, the
    words), or without the number under a message the outbox sends."""
    head = f"{number}. {label}" if number is not None else f"• {label}"
    return _("{choice} — type: {words}").format(choice=head, words=typed) if typed else head


def not_registered() -> str:
    return _(
        "Hello! I am the assistant for emulation and commendation (TĐKT) work. I remind units "
        "of the tasks in the TĐKT plan and their deadlines.\n\n"
        "To join, send me the invite code the TĐKT officer gave you (the code alone, or "
        "/start followed by the code)."
    )


def welcome(name: str, unit: str | None, officer: bool) -> str:
    if officer or not unit:
        return _(
            "Welcome, {name}! You are registered as a TĐKT officer. On Zalo you receive the "
            "bot's messages; to manage the plan, use Telegram or the officer's command line."
        ).format(name=name)
    return _(
        "Welcome, {name}! You are registered as the head of {unit}. Reminders of your unit's "
        'tasks and the TĐKT officer\'s messages will come here. Type "help" to see what you '
        "can type."
    ).format(name=name, unit=unit)


def invite_refused(outcome: str) -> str:
    return {
        "unknown": _(
            "This invite code is not valid. Please check the link, or ask the TĐKT officer "
            "for a new one."
        ),
        "used": _(
            "This invite code has already been used. Each code works only once; please ask "
            "the TĐKT officer for a new one."
        ),
        "expired": _("This invite code has expired. Please ask the TĐKT officer for a new one."),
        "throttled": _(
            "Too many invalid invite codes were tried. Please wait an hour, or ask the "
            "TĐKT officer for a new link."
        ),
    }[outcome]


def typed_choices(*, member: bool = False, head: bool = False, officer: bool = False) -> str:
    """The short list of what can be typed at the top level."""
    lines = [_("You can type:")]
    if head:
        lines += [
            _("• tasks — your unit's tasks of this quarter"),
            _("• done 3 — report task #3 as done; undo 3 — withdraw today's report"),
            _("• nominate — propose a commendation, step by step"),
            _("• nominations — your unit's nominations and their status"),
        ]
    if member:
        lines.append(_("• received — acknowledge the TĐKT officer's latest guidance"))
    if officer:
        lines.append(_("• Officer commands: on Telegram or the officer's command line"))
    if member:
        lines.append("• " + _("/lang vi or /lang en — change the language"))
    lines += [
        _("• help — this list"),
        _("• /start CODE or the invite code alone — join with an invite"),
    ]
    return "\n".join(lines)


def step_choices(options: list[str], *, back: bool = False, cancel: bool = False) -> str:
    """What can be typed at a step with its own choices (`options`: their lines)."""
    lines = [_("You can type:"), *options]
    if back:
        lines.append(_("• back — the previous question"))
    if cancel:
        lines.append(_("• cancel — stop without saving"))
    lines.append(_("• help — everything you can type"))
    return "\n".join(lines)


def number_unknown(number: int) -> str:
    return _("There is no choice {number} here.").format(number=number)


def officer_command_refused() -> str:
    return _(
        "Officer commands are not available on Zalo. Please use Telegram or the officer's "
        "command line (tdkt-bot)."
    )


def officer_only() -> str:
    return _("Sorry, this command is only for TĐKT officers.")


def telegram_only(command: str) -> str:
    return _("/{command} is not available on Zalo yet. Please use it on Telegram.").format(
        command=command
    )


def nothing_to_cancel() -> str:
    return _("There is nothing to cancel.")


def nothing_to_acknowledge() -> str:
    return _("There is no guidance waiting for your acknowledgement.")


def help_text(name: str, *, head: bool = False, officer: bool = False) -> str:
    return (
        _(
            "{name}, on Zalo I send you reminders of your unit's tasks, the weekly summary and "
            "the TĐKT officer's messages."
        ).format(name=name)
        + "\n\n"
        + typed_choices(member=True, head=head, officer=officer)
    )


def not_understood(choices: str | None = None) -> str:
    return _("I did not understand that.") + "\n" + (choices or typed_choices())


def file_refused() -> str:
    return _(
        "Files and pictures cannot be received on Zalo. Please send them on Telegram, or give "
        "them to the TĐKT officer to add with the command line."
    )


def file_left_out() -> str:
    """Under a message whose file (a document, a photo) Zalo cannot carry."""
    return _("(A file comes with this message: open it on Telegram or ask the TĐKT officer.)")


_LINK = re.compile(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """A Telegram HTML text as plain text (Zalo shows markup raw): tags dropped, links as
    "label (address)", entities decoded."""

    def link(match: re.Match[str]) -> str:
        address, label = html.unescape(match[1]), _TAG.sub("", match[2])
        return label if html.unescape(label) == address else f"{label} ({address})"

    return html.unescape(_TAG.sub("", _LINK.sub(link, text)))


def report_done(task_id: int, title: str) -> str:
    """ "done 3" answered (on Telegram a note is added by reply; on Zalo by typing it)."""
    return _(
        "✅ Recorded: task #{code} “{title}” is done.\n"
        "To add a note, type: done {code} followed by the note."
    ).format(code=task_id, title=title)
