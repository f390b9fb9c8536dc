"""What guidance broadcasts say: the copy a unit head receives with its ✅ Received button, the
officer's choices, preview, live progress, delivery report, list and acknowledgements."""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bot.core.actions import Action, Keyboard, Message
from bot.core.i18n import _, format_date, ngettext
from bot.texts.access import invalid_button_text

if TYPE_CHECKING:  # the service renders copies with these texts
    from bot.services.broadcasts import DeliveryCounts, ResendResult

TITLE_LENGTH = 60
# Names listed under "not acknowledged"; the rest are counted in one line.
WAITING_SHOWN = 100
# Names listed in the delivery report under "not reached".
MISSED_SHOWN = 50
# The preview names at most this many units nobody would receive the broadcast in.
UNREACHED_SHOWN = 30


def ack_keyboard(broadcast_id: int) -> Keyboard:
    """The ✅ Received button under every copy."""
    return [[Action(_("✅ Received"), "broadcast.ack", (broadcast_id,))]]


def recipient_text(text: str | None) -> str:
    """The copy a unit head receives (`text`: the officer's, already HTML)."""
    header = _("<b>📢 Guidance from the TĐKT officer</b>")
    return f"{header}\n\n{text}" if text else header


def broadcast_title(text: str | None, file_name: str | None) -> str:
    """A short plain-text title: the first line of the text or caption, else the file name."""
    plain = html.unescape(re.sub(r"<[^>]*>", "", text or ""))
    first = next((line.strip() for line in plain.splitlines() if line.strip()), "")
    title = first or (file_name or "")
    if len(title) <= TITLE_LENGTH:
        return title
    short = textwrap.shorten(title, TITLE_LENGTH, placeholder=" …")
    # Cut between words; a first word longer than the title (a link) is cut inside.
    return short if short != "…" else title[: TITLE_LENGTH - 1] + "…"


def ask_content() -> str:
    return _("Send the guidance: a text, or a document or photo with a caption. /cancel to stop.")


def content_missing() -> str:
    return _("Please send a text, a document or a photo, or /cancel.")


def content_too_long(limit: int, caption: int) -> str:
    return _(
        "The guidance is too long: at most {limit} characters for a text, {caption} for a caption."
    ).format(limit=limit, caption=caption)


def cancel_action(broadcast_id: int) -> Action:
    return Action(_("✖️ Cancel"), "broadcast.cancel", (broadcast_id,))


def audience_question(broadcast_id: int) -> Message:
    """Who should receive it: the four audiences, in the order of `broadcast.audience`."""
    labels = (
        _("All unit heads"),
        _("One cluster"),
        _("Chosen units"),
        _("Units with overdue tasks"),
    )
    keyboard: Keyboard = [
        [Action(label, "broadcast.audience", (broadcast_id, index))]
        for index, label in enumerate(labels)
    ]
    return Message(_("Who should receive it?"), [*keyboard, [cancel_action(broadcast_id)]])


def cluster_question(broadcast_id: int, clusters: Sequence[tuple[int, str]]) -> Message:
    """Which cluster, of (id, name)."""
    keyboard: Keyboard = [
        [Action(name, "broadcast.cluster", (broadcast_id, cluster_id))]
        for cluster_id, name in clusters
    ]
    return Message(_("Which cluster?"), [*keyboard, [cancel_action(broadcast_id)]])


def ask_unit_codes() -> str:
    return _("Send the codes of the units, separated by commas (e.g. TT-VA, X-TA), or /cancel.")


def unknown_unit_codes(unknown: list[str]) -> str:
    return _(
        "Unknown unit codes: {codes}. Please send the codes again, "
        "separated by commas, or /cancel."
    ).format(codes=html.escape(", ".join(unknown) or "—"))


def cancelled() -> str:
    return _("Cancelled. Nothing was sent.")


# The stale-button alert is the one every feature shows.
invalid_button = invalid_button_text


def already_sent() -> str:
    return _("This guidance has already been sent or cancelled.")


@dataclass(frozen=True)
class PreviewFacts:
    broadcast_id: int
    text: str | None
    file_attached: bool
    file_name: str | None
    people: int
    units: int
    # (code, name) of the units the audience names where nobody would receive it.
    unreached: list[tuple[str, str]]


def preview(facts: PreviewFacts) -> Message:
    """What the officer confirms: how many would receive it, who would not, and the copy."""
    head = _("<b>Preview</b> — recipients: {people} unit heads in {units} units.").format(
        people=facts.people, units=facts.units
    )
    if facts.unreached:
        named = ", ".join(
            f"{html.escape(code)} {html.escape(name)}"
            for code, name in facts.unreached[:UNREACHED_SHOWN]
        )
        hidden = len(facts.unreached) - UNREACHED_SHOWN
        if hidden > 0:
            named += " " + _("and {n} more").format(n=hidden)
        head += "\n" + ngettext(
            "⚠️ Nobody is registered in {n} unit, which will not receive it: {units}. "
            "Invite its head with /invite CODE.",
            "⚠️ Nobody is registered in {n} units, which will not receive it: {units}. "
            "Invite their heads with /invite CODE.",
            len(facts.unreached),
        ).format(n=len(facts.unreached), units=named)
    if facts.file_attached:
        head += "\n" + _("Attached: {name}").format(
            name=html.escape(facts.file_name or _("a photo"))
        )
    if not facts.people:
        return Message(
            head
            + "\n"
            + _("Nobody would receive it; choose another audience or /broadcast again.")
        )
    return Message(
        head + "\n\n" + recipient_text(facts.text),
        [
            [
                Action(_("✅ Send"), "broadcast.send", (facts.broadcast_id,)),
                cancel_action(facts.broadcast_id),
            ]
        ],
    )


def sending(broadcast_id: int) -> str:
    return _("📤 Sending guidance #{code}…").format(code=broadcast_id)


def progress_text(broadcast_id: int, counts: DeliveryCounts) -> str:
    done = counts.sent + counts.failed + counts.unreachable
    return _(
        "📤 Sending guidance #{code}: {done}/{total} (delivered {sent}, not reached {missed})"
    ).format(
        code=broadcast_id,
        done=done,
        total=counts.total,
        sent=counts.sent,
        missed=counts.failed + counts.unreachable,
    )


def report_text(
    broadcast_id: int, counts: DeliveryCounts, missed: list[tuple[str, str, str]]
) -> str:
    """The delivery report, with (name, unit, status) of those not reached."""
    lines = [
        _("<b>Delivery report: guidance #{code}</b>").format(code=broadcast_id),
        _("Delivered: {sent}/{total}").format(sent=counts.sent, total=counts.total),
        *_by_channel(counts),
        _("Failed: {count}").format(count=counts.failed),
        _("Unreachable (blocked the bot): {count}").format(count=counts.unreachable),
    ]
    if missed:
        lines.append(_("Not reached:"))
        lines += [
            f"• {html.escape(name)} ({html.escape(unit)})"
            for name, unit, _status in missed[:MISSED_SHOWN]
        ]
        if len(missed) > MISSED_SHOWN:
            lines.append(_("… and {n} more").format(n=len(missed) - MISSED_SHOWN))
    return "\n".join(lines)


def _by_channel(counts: DeliveryCounts) -> list[str]:
    """ "Telegram: 3 · Zalo: 1" when copies went out on more than one channel."""
    if len(counts.sent_by_channel) < 2:
        return []
    names = {"telegram": "Telegram", "zalo": "Zalo"}
    shares = sorted(counts.sent_by_channel.items())
    return [" · ".join(f"{names.get(c, c)}: {n}" for c, n in shares)]


def report_keyboard(broadcast_id: int, resend_round: int) -> Keyboard:
    """The report's buttons; Resend carries its round, so pressing it twice resends once."""
    return [
        [Action(_("Who has not acknowledged?"), "broadcast.waiting", (broadcast_id,))],
        [Action(_("🔁 Resend to them"), "broadcast.resend", (broadcast_id, resend_round))],
    ]


def waiting_text(broadcast_id: int, waiting: list[tuple[str, str]]) -> str:
    """Who has not acknowledged yet, as (name, unit name)."""
    if not waiting:
        return _("Everyone has acknowledged guidance #{code}.").format(code=broadcast_id)
    lines = [
        _("<b>Guidance #{code}: not acknowledged yet ({count})</b>").format(
            code=broadcast_id, count=len(waiting)
        )
    ]
    lines += [
        f"• {html.escape(name)} ({html.escape(unit)})" for name, unit in waiting[:WAITING_SHOWN]
    ]
    if len(waiting) > WAITING_SHOWN:
        lines.append(_("… and {n} more").format(n=len(waiting) - WAITING_SHOWN))
    return "\n".join(lines)


def resend_text(code: int, resent: ResendResult) -> str:
    if resent.queued:
        return _(
            "Guidance #{code} is sent again to {count} unit heads who have not acknowledged it."
        ).format(code=code, count=resent.queued)
    if resent.on_the_way:
        return _(
            "The {count} unit heads who have not acknowledged guidance #{code} already have a "
            "copy on its way or were just sent one again; no further copy is queued."
        ).format(code=code, count=resent.on_the_way)
    return _(
        "Nobody is left to send guidance #{code} to again: the others have acknowledged it "
        "or cannot be reached."
    ).format(code=code)


def acknowledged() -> str:
    return _("Thank you: your acknowledgement is recorded.")


@dataclass(frozen=True)
class SentBroadcast:
    broadcast_id: int
    sent_on: date
    text: str | None
    file_name: str | None
    counts: DeliveryCounts
    resend_round: int


def recent_list(items: list[SentBroadcast]) -> Message:
    """/broadcasts: the latest guidance with its counts and buttons."""
    if not items:
        return Message(_("No guidance has been sent yet. Use /broadcast."))
    lines, keyboard = [_("<b>Recent guidance</b>")], []
    for item in items:
        lines.append(
            _("#{code} · {date} — {title}").format(
                code=item.broadcast_id,
                date=format_date(item.sent_on),
                title=html.escape(broadcast_title(item.text, item.file_name) or _("(no text)")),
            )
        )
        lines.append(
            "    "
            + _("delivered {sent}/{total}, acknowledged {ack}").format(
                sent=item.counts.sent, total=item.counts.total, ack=item.counts.acknowledged
            )
        )
        keyboard.append(
            [
                Action(
                    _("Not acknowledged #{code}").format(code=item.broadcast_id),
                    "broadcast.waiting",
                    (item.broadcast_id,),
                ),
                Action(
                    _("🔁 Resend #{code}").format(code=item.broadcast_id),
                    "broadcast.resend",
                    (item.broadcast_id, item.resend_round),
                ),
            ]
        )
    return Message("\n".join(lines), keyboard)
