"""What the bot says about the council's vote (/vote): the ballot a member sees, what the
officer sees (who has voted, never how), the written opinions of absent members and the
result. Plain values in, `str` or `Message` out; no Telegram here."""

from __future__ import annotations

import html

from bot.core.actions import Action, Message
from bot.core.i18n import _, current_language, format_date, format_percent, ngettext
from bot.services.council_vote import (
    Attendance,
    CandidateFacts,
    Casting,
    Opening,
    OpenResult,
    VoteFacts,
    VoteProgress,
    VoteResult,
)

AGREE, DISAGREE = "a", "d"


def _award(candidate: CandidateFacts) -> str:
    name = candidate.award_en if current_language() == "en" else candidate.award_vi
    return name or candidate.award_vi or "—"


def _candidate_line(index: int, candidate: CandidateFacts) -> str:
    name, award = html.escape(candidate.name), html.escape(_award(candidate))
    return f"{index}. #{candidate.number} {name} — {award}"


def _heading(facts: VoteFacts) -> str:
    return _("<b>Council vote</b> — round “{round}”, meeting of {date}").format(
        round=html.escape(facts.round_title or "—"), date=format_date(facts.meeting_date)
    )


def council_only_text() -> str:
    return _("Sorry, this is only for the members of the Emulation and Commendation Council.")


def vote_command_refusal() -> str:
    return _("Sorry, this command is only for TĐKT officers and council members.")


def council_welcome(name: str) -> str:
    return _(
        "Welcome, {name}! You are registered as a member of the Emulation and Commendation "
        "Council. When the officer opens a vote, your ballot comes here; /vote shows it again."
    ).format(name=html.escape(name))


def council_help_lines() -> list[str]:
    return [
        _(
            "/vote — your secret ballot on the candidates (agree or disagree); you can change it "
            "until the vote is closed"
        )
    ]


def officer_help_line() -> str:
    return _(
        "/vote dd/mm/yyyy — open the council's vote on the round's approved candidates; /vote — "
        "who has voted, written opinions of absent members, closing"
    )


def vote_usage() -> str:
    return _(
        "No council vote is open.\n/vote dd/mm/yyyy — open the council's secret vote on the "
        "approved candidates of the open round (else the latest), with the meeting's date, "
        "e.g. /vote 20/01/2026. Council members get their ballot in their chat."
    )


def no_open_vote() -> str:
    return _("No council vote is open. The officer opens one at the council's meeting.")


def ballot(facts: VoteFacts, mine: dict[int, bool]) -> Message:
    """A member's own ballot: each candidate with their current choice and two buttons."""
    lines = [_heading(facts)]
    if facts.closed:
        lines.append(_("The vote is closed; your ballot can no longer be changed."))
    else:
        lines.append(
            _(
                "Your ballot is secret: nobody else sees it, officers included. Press ✅ to "
                "agree or ❌ to disagree with each candidate; you can change it until the vote "
                "is closed."
            )
        )
    lines.append("")
    keyboard = []
    for index, candidate in enumerate(facts.candidates, start=1):
        choice = mine.get(candidate.candidate_id)
        state = (
            _("not voted yet")
            if choice is None
            else (_("✅ agree") if choice else _("❌ disagree"))
        )
        lines.append(f"{_candidate_line(index, candidate)}: <b>{state}</b>")
        if not facts.closed:
            keyboard.append(
                [
                    Action(f"✅ {index}", "council.vote", (candidate.candidate_id, AGREE)),
                    Action(f"❌ {index}", "council.vote", (candidate.candidate_id, DISAGREE)),
                ]
            )
    voted = sum(1 for c in facts.candidates if c.candidate_id in mine)
    lines += [
        "",
        _("You have voted on {voted} of {count} candidates.").format(
            voted=voted, count=len(facts.candidates)
        ),
    ]
    return Message("\n".join(lines), keyboard or None)


def cast_alert(outcome: Casting) -> str:
    return {
        Casting.RECORDED: _("Recorded. You can change it until the vote is closed."),
        Casting.CLOSED: _("This vote is closed; nothing was changed."),
        Casting.NOT_COUNCIL: _("This person is not a member of the council."),
        Casting.IN_PERSON: _(
            "This member has voted in person; a written opinion cannot replace their vote."
        ),
    }[outcome]


def opened(result: OpenResult) -> str:
    if result.outcome is Opening.OPENED:
        return ngettext(
            "The council's vote is open on {count} candidate of round “{round}”. {members} "
            "council members got their ballot. /vote shows who has voted.",
            "The council's vote is open on {count} candidates of round “{round}”. {members} "
            "council members got their ballot. /vote shows who has voted.",
            result.candidates,
        ).format(
            count=result.candidates,
            round=html.escape(result.round_title),
            members=len(result.members),
        )
    return {
        Opening.ALREADY_OPEN: _(
            "A council vote is already open; close it before opening another. /vote shows it."
        ),
        Opening.NO_ROUND: _("There is no nomination round to vote on."),
        Opening.NO_CANDIDATES: _(
            "Round “{round}” has no approved nomination: approve candidates in /review first."
        ),
        Opening.NO_MEMBERS: _(
            "The council has no members yet. Invite them with: tdkt-bot invite UNIT_CODE "
            "--role council"
        ),
    }[result.outcome].format(round=html.escape(result.round_title))


def status(progress: VoteProgress) -> Message:
    """What the officer sees of an open vote: who has voted, never how."""
    facts = progress.facts
    count = progress.candidates
    voted = [m for m in progress.members if m.ballots]
    lines = [
        _heading(facts),
        ngettext("{count} candidate.", "{count} candidates.", count).format(count=count),
        _("{voted} of {members} council members have voted.").format(
            voted=len(voted), members=len(progress.members)
        ),
    ]
    if voted:
        lines.append("")
        lines.append(_("<b>Have voted</b>"))
        for member in voted:
            how = (
                _("written opinion recorded, {done} of {count}")
                if member.written
                else _("{done} of {count}")
            )
            lines.append(
                f"- {html.escape(member.name)} ({how.format(done=member.ballots, count=count)})"
            )
    waiting = [m for m in progress.members if not m.ballots]
    if waiting:
        lines.append("")
        lines.append(_("<b>Not yet</b>"))
        lines += [f"- {html.escape(m.name)}" for m in waiting]
    lines += [
        "",
        _(
            "How anyone voted is secret: nobody sees it, officers included, until the count at "
            "close."
        ),
    ]
    keyboard = [
        [
            Action(
                _("✍️ Written opinion of an absent member"),
                "council.written_list",
                (facts.vote_id,),
            )
        ],
        [Action(_("🔒 Close the vote"), "council.close", (facts.vote_id,))],
    ]
    return Message("\n".join(lines), keyboard)


def written_members(progress: VoteProgress) -> Message:
    """The members whose written opinion the officer may record: those not voting in person."""
    choices = [m for m in progress.members if m.written or not m.ballots]
    if not choices:
        return Message(_("Every council member has voted in person."))
    keyboard = [
        [Action(m.name, "council.written_member", (progress.facts.vote_id, m.member_id))]
        for m in choices
    ]
    return Message(
        _(
            "Whose written opinion do you record? Only members absent from the meeting (who "
            "have not voted in person) are listed."
        ),
        keyboard,
    )


def written_card(
    facts: VoteFacts, member_id: int, name: str, recorded: dict[int, bool]
) -> Message:
    """The officer records an absent member's written opinion, as on their signed paper."""
    lines = [
        _heading(facts),
        _(
            "Written opinion of <b>{name}</b>, absent from the meeting: press what their signed "
            "opinion says for each candidate. It is marked as a written opinion."
        ).format(name=html.escape(name)),
        "",
    ]
    keyboard = []
    for index, candidate in enumerate(facts.candidates, start=1):
        choice = recorded.get(candidate.candidate_id)
        state = (
            _("not recorded")
            if choice is None
            else (_("✅ agree") if choice else _("❌ disagree"))
        )
        lines.append(f"{_candidate_line(index, candidate)}: <b>{state}</b>")
        keyboard.append(
            [
                Action(
                    f"✅ {index}", "council.written", (candidate.candidate_id, member_id, AGREE)
                ),
                Action(
                    f"❌ {index}", "council.written", (candidate.candidate_id, member_id, DISAGREE)
                ),
            ]
        )
    return Message("\n".join(lines), keyboard)


def close_confirm(progress: VoteProgress) -> Message:
    voted = sum(1 for m in progress.members if m.ballots)
    return Message(
        _(
            "Close the vote now? {voted} of {members} council members have voted. Nobody can "
            "change a ballot afterwards; each candidate's share is counted over all {members} "
            "members."
        ).format(voted=voted, members=len(progress.members)),
        [
            [
                Action(
                    _("🔒 Yes, close the vote"),
                    "council.close_confirmed",
                    (progress.facts.vote_id,),
                )
            ]
        ],
    )


def attendance_word(state: Attendance) -> str:
    return {
        Attendance.PRESENT: _("present"),
        Attendance.WRITTEN: _("absent, written opinion"),
        Attendance.ABSENT: _("absent"),
    }[state]


def result(outcome: VoteResult) -> str:
    """The result at close, for the officer."""
    facts = outcome.facts
    absent = outcome.members - outcome.present - outcome.written
    lines = [
        _heading(facts),
        _("<b>The vote is closed.</b>"),
        _(
            "Council: {members} members; {present} voted in person, {written} gave a written "
            "opinion, {absent} absent."
        ).format(
            members=outcome.members,
            present=outcome.present,
            written=outcome.written,
            absent=absent,
        ),
    ]
    if outcome.quorum_met:
        lines.append(
            _("Quorum ({needed} of the members present): met.").format(
                needed=outcome.quorum.needed_text
            )
        )
    else:
        lines.append(
            _(
                "<b>Quorum not met</b> ({needed} of the members must vote in person; "
                "{present} of {members} did): no candidate passes. Hold the vote again at a "
                "meeting with a quorum."
            ).format(
                needed=outcome.quorum.needed_text,
                present=outcome.present,
                members=outcome.members,
            )
        )
    lines.append("")
    for index, item in enumerate(outcome.results, start=1):
        tally = item.tally
        verdict = _("✅ passes") if item.passed else _("❌ does not pass")
        lines.append(
            _candidate_line(index, item.facts)
            + ": "
            + _(
                "{agree} agree, {disagree} disagree, {missing} not voted: {share} of all "
                "members (needs {needed}) — {verdict}"
            ).format(
                agree=tally.agree,
                disagree=tally.disagree,
                missing=tally.not_voted,
                share=format_percent(float(tally.share)),
                needed=item.needed,
                verdict=verdict,
            )
        )
    lines += [
        "",
        _("The biên bản of the meeting is in the dossier: /export dossier."),
    ]
    return "\n".join(lines)
