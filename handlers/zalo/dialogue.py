"""The text-first dialogue for channels without buttons or commands menus (Zalo): a message
comes in as `Incoming` (channel-neutral: a chat, a sender, a text or not), the answers go out
as plain texts, each button of the Telegram texts rendered as a typed reply
(bot/runtime/zalo/render.py): a number answers the latest list, and words do the same
("xong 3", "hủy 3", "trang 2", "đã nhận"; English too).

What can be typed: joining by invite code (alone, or "/start CODE", since Zalo's links carry no
start parameter), "trợ giúp"/"help", the unit's tasks ("việc", "/tasks"), reporting and
withdrawing ("xong 3 [note]", "hủy 3"), acknowledging guidance ("đã nhận"), a nomination by
typed steps ("đề nghị": numbers for choices, "quay lại", "hủy"; the Telegram handler's own
`_prompt`/`_press` on the same services) and the unit's nominations. Anything else gets the
short list of what can be typed at that step. A Telegram-only command is refused with a
pointer to Telegram (officer commands: Telegram or the CLI); files and pictures are refused
with a pointer to Telegram or the CLI. Every rule is the services' (and the Telegram guards'):
nothing is decided here."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.actions import Action, Message
from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.context import AppContext
from bot.core.i18n import LANGUAGES, use_language
from bot.runtime.zalo.intake import Incoming
from bot.runtime.zalo.render import Option, options_of, render
from bot.services import broadcasts
from bot.services import members as member_service
from bot.services.invites import Redemption, redeem_invite
from bot.services.members import Sender, find_member_on
from bot.services.nominations import drafts, filing, rounds
from bot.services.nominations.common import TEXT_FIELDS, Step
from bot.services.tasks import (
    MAX_NOTE_LENGTH,
    ReportOutcome,
    report_done,
    undo_done,
    unit_task_lines,
)
from bot.texts import broadcasts as broadcast_texts
from bot.texts import nominations as nomination_texts
from bot.texts import start as start_texts
from bot.texts import tasks as task_texts
from bot.texts import zalo as texts
from bot.texts.access import head_command_problem as unit_member_problem
from handlers.commands import COMMANDS, Role
from handlers.nominations import _press as press_nomination
from handlers.nominations import _prompt as nomination_prompt
from models import Member, Nomination

log = logging.getLogger(__name__)

# An invite code as `tdkt-bot invite` prints it (urlsafe base64 of 16 bytes, or longer).
_CODE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


# An answer: a text, or a message with buttons (rendered as typed replies).
Reply = str | Message


@dataclass
class Dialogue:
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    # The numbered replies of the latest answer to each chat ("1" answers the latest list).
    # Only a convenience: a nomination's choices are read again from its draft, and every
    # option has words that work without the number.
    options: dict[str, tuple[Option, ...]] = field(default_factory=dict)

    @property
    def ctx(self) -> AppContext:
        # The services take the application's context; the engine is the sessionmaker's.
        engine = self.sessionmaker.kw["bind"]
        return AppContext(self.settings, engine, self.sessionmaker, self.clock)

    async def handle(self, incoming: Incoming) -> list[str]:
        """The answers to one incoming message, in the sender's language."""
        async with self.sessionmaker() as session:
            member = await find_member_on(session, incoming.channel, incoming.user_id)
            if member is not None:
                await _seen(session, member, incoming.name)
            language = member.language if member is not None else self.settings.language
            with use_language(language):
                answers = await self._answer(session, member, incoming)
                rendered = [render(a) for a in answers]
        self.options[incoming.chat_id] = rendered[-1].options if rendered else ()
        return [r.text for r in rendered]

    async def _answer(
        self, session: AsyncSession, member: Member | None, incoming: Incoming
    ) -> list[Reply]:
        if incoming.text is None:
            return [texts.file_refused()]
        words = incoming.text.strip().split()
        lowered = " ".join(words).lower()
        if words and words[0].lower() == texts.START_WORD:
            if len(words) >= 2:
                return [await self._join(session, member, incoming, words[1])]
            return [_greeting(member)]
        if lowered in texts.HELP_WORDS:
            if member is None or not member.active:
                return [texts.not_registered()]
            return [_help(member)]
        if len(words) == 1 and _CODE.match(words[0]):
            return [await self._join(session, member, incoming, words[0])]
        if member is None or not member.active:
            return [texts.not_registered()]
        if member.is_head:
            draft = await drafts.active_draft(session, member)
            if draft is not None:
                answer = await self._draft_input(session, member, draft, incoming.text, lowered)
                if answer is not None:
                    return answer
        return await self._command(session, member, incoming, lowered)

    async def _command(
        self, session: AsyncSession, member: Member, incoming: Incoming, lowered: str
    ) -> list[Reply]:
        words = lowered.split()
        if lowered in texts.TASKS_WORDS:
            return _not_head(member) or await self._task_page(session, member, 0)
        if (rest := _after(words, texts.DONE_WORDS)) and (code := _number(rest[0])) is not None:
            # "xong 3 the note", as /done 3 the note (the note as typed, not lowered).
            original = (incoming.text or "").split()
            note = " ".join(original[len(words) - len(rest) + 1 :]) or None
            return _not_head(member) or await self._report(session, member, code, note)
        if (rest := _after(words, texts.UNDO_WORDS)) and len(rest) == 1 and _number(rest[0]):
            code = _number(rest[0])
            assert code is not None
            return _not_head(member) or await self._undo(session, member, code)
        if (rest := _after(words, texts.PAGE_WORDS)) and len(rest) == 1 and _number(rest[0]):
            page = _number(rest[0])
            assert page is not None
            return _not_head(member) or await self._task_page(session, member, page - 1)
        rest = _after(words, texts.RECEIVED_WORDS)
        if rest is not None and len(rest) <= 1 and (not rest or _number(rest[0]) is not None):
            broadcast_id = _number(rest[0]) if rest else None
            return [await self._acknowledge(session, member, broadcast_id)]
        if lowered in texts.NOMINATE_WORDS:
            return _not_head(member) or await self._nominate(session, member)
        if lowered in texts.NOMINATIONS_WORDS:
            return _not_head(member) or await self._nominations(session, member)
        if (rest := _after(words, texts.LANGUAGE_WORDS)) is not None:
            return [await self._language(session, member, rest[0] if rest else "")]
        if lowered in texts.CANCEL_WORDS:
            return [texts.nothing_to_cancel()]  # no nomination is being filled in
        chosen = _number(lowered)
        if chosen is not None:
            options = self.options.get(incoming.chat_id, ())
            option = next((o for o in options if o.number == chosen), None)
            if option is None:
                return [texts.number_unknown(chosen) + "\n" + _choices(member, options)]
            return await self._press(session, member, option.action)
        if words[0].startswith("/"):
            return [_command_refused(member, words[0][1:].split("@")[0])]
        return [texts.not_understood(_choices(member, self.options.get(incoming.chat_id, ())))]

    async def _press(self, session: AsyncSession, member: Member, action: Action) -> list[Reply]:
        """What a button press does, typed by its number."""
        name, args = action.name, action.args
        if name in ("tasks.done", "reminder.done"):
            return _not_head(member) or await self._report(session, member, int(args[0]), None)
        if name == "tasks.undo":
            return _not_head(member) or await self._undo(session, member, int(args[0]))
        if name == "tasks.page":
            return _not_head(member) or await self._task_page(session, member, int(args[0]))
        if name == "broadcast.ack":
            return [await self._acknowledge(session, member, int(args[0]))]
        if name == "start.language":
            return [await self._language(session, member, str(args[0]))]
        return [texts.not_understood(_choices(member, ()))]

    # ----------------------------------------------------------------------- tasks
    async def _task_page(self, session: AsyncSession, member: Member, page: int) -> list[Reply]:
        """/tasks: the page as handlers/tasks.py builds it."""
        assert member.unit is not None
        ctx = self.ctx
        lines = await unit_task_lines(session, member.unit, now=ctx.now(), tz=ctx.settings.tz)
        today = ctx.today()
        return [
            task_texts.task_page(
                member.unit.name, lines, page, today, (today.month - 1) // 3 + 1, today.year
            )
        ]

    async def _report(
        self, session: AsyncSession, member: Member, task_id: int, note: str | None
    ) -> list[Reply]:
        """ "xong 3" as /done 3 (with a note: "xong 3 the note")."""
        if note is not None and len(note) > MAX_NOTE_LENGTH:
            return [task_texts.note_too_long(MAX_NOTE_LENGTH)]
        result = await report_done(session, member, task_id, now=self.ctx.now(), note=note)
        if result.outcome is ReportOutcome.NOT_ALLOWED:
            return [task_texts.not_your_task(task_id)]
        assert result.task is not None
        if result.outcome is ReportOutcome.DONE:
            return [texts.report_done(task_id, result.task.title)]
        return [task_texts.report_answer(result.outcome, task_id, result.task.title)]

    async def _undo(self, session: AsyncSession, member: Member, task_id: int) -> list[Reply]:
        ctx = self.ctx
        result = await undo_done(session, member, task_id, now=ctx.now(), tz=ctx.settings.tz)
        return [task_texts.undo_answer(result.outcome, task_id)]

    async def _language(self, session: AsyncSession, member: Member, choice: str) -> Reply:
        """/lang vi|en as on Telegram; without a language, the choice."""
        if choice not in LANGUAGES:
            return start_texts.language_choice()
        await member_service.set_language(session, member, choice, now=self.ctx.now())
        with use_language(choice):
            return start_texts.language_set()

    # ----------------------------------------------------------------------- broadcasts
    async def _acknowledge(
        self, session: AsyncSession, member: Member, broadcast_id: int | None
    ) -> Reply:
        """ "đã nhận": the ✅ Received of the latest guidance not acknowledged yet."""
        if broadcast_id is None:
            broadcast_id = await broadcasts.latest_unacknowledged(session, member.id)
            if broadcast_id is None:
                return texts.nothing_to_acknowledge()
        recorded = await broadcasts.acknowledge(session, member, broadcast_id, now=self.ctx.now())
        return broadcast_texts.acknowledged() if recorded else texts.nothing_to_acknowledge()

    # ----------------------------------------------------------------------- nominations
    async def _nominate(self, session: AsyncSession, member: Member) -> list[Reply]:
        """/nominate as handlers/nominations.py does it."""
        ctx = self.ctx
        round_ = await rounds.current_round(session)
        if round_ is not None and not rounds.round_accepts(round_, ctx.today()):
            return [nomination_texts.round_closed_text(round_.title, round_.deadline)]
        started = await drafts.start_draft(session, member, now=ctx.now())
        opening = nomination_texts.started_text(
            started.resumed,
            round_.title if round_ else None,
            round_.deadline if round_ else None,
        )
        return [opening, await nomination_prompt(session, started.draft)]

    async def _nominations(self, session: AsyncSession, member: Member) -> list[Reply]:
        """/nominations: the list as on Telegram; withdrawing and editing stay on Telegram."""
        assert member.unit_id is not None
        items = await filing.unit_nominations(session, member.unit_id)
        return [nomination_texts.unit_list(items).text]

    async def _draft_input(
        self, session: AsyncSession, member: Member, draft: Nomination, text: str, lowered: str
    ) -> list[Reply] | None:
        """A typed answer to the draft's question: a number for a choice, "quay lại", "hủy",
        or the text asked for. None: not for the draft (a command typed at a choice)."""
        ctx = self.ctx
        prompt = await nomination_prompt(session, draft)
        options = options_of(prompt.keyboard)
        step = Step(draft.step or Step.TARGET)
        action: Action | None = None
        if lowered in texts.BACK_WORDS:
            action = next((o.action for o in options if o.action.name == "nomination.back"), None)
        elif lowered in texts.CANCEL_WORDS:
            action = Action("", "nomination.cancel", (draft.id,))
        elif (chosen := _number(lowered)) is not None and (
            step not in TEXT_FIELDS or chosen <= len(options)
        ):
            # At a question answered by typing, a small number is one of its choices (Keep,
            # Back, Cancel); a name or a title is never a bare number that small.
            action = next((o.action for o in options if o.number == chosen), None)
            if action is None:
                return [texts.number_unknown(chosen) + "\n" + _draft_choices(options), prompt]
        if action is not None:
            reply = await press_nomination(
                session, ctx, member, draft, action.name, action.args[1:]
            )
            if reply.alert is not None:
                return [reply.alert, await nomination_prompt(session, draft)]
            return [*reply.texts, *([reply.prompt] if reply.prompt is not None else [])]
        if step in TEXT_FIELDS:
            problem = await drafts.set_text(session, draft, text, now=ctx.now())
            if problem is not None:
                return [nomination_texts.problem_text(problem, step)]
            return [await nomination_prompt(session, draft)]
        if step is Step.FILES and not _recognised(lowered):
            return [texts.file_refused(), prompt]
        if _recognised(lowered):
            return None
        return [texts.not_understood(_draft_choices(options)), prompt]

    async def _join(
        self, session: AsyncSession, member: Member | None, incoming: Incoming, code: str
    ) -> str:
        result = await redeem_invite(
            session,
            code,
            Sender(user_id=0, full_name=incoming.name, username=None, language_code=None),
            language=member.language if member is not None else self.settings.language,
            now=self.clock.now(),
            identity=(incoming.channel, incoming.user_id),
        )
        if result.outcome is Redemption.OK and result.member is not None:
            joined = result.member
            log.info("Member %s joined on %s", joined.id, incoming.channel)
            with use_language(joined.language):
                return texts.welcome(
                    joined.full_name,
                    joined.unit.name if joined.unit is not None else None,
                    officer=joined.is_officer and not joined.is_head,
                )
        return texts.invite_refused(result.outcome.value)


def _not_head(member: Member) -> list[Reply] | None:
    """The Telegram guard's refusal for a unit head's command (None: a unit head)."""
    problem = unit_member_problem(member)
    return [problem] if problem is not None else None


def _after(words: list[str], phrases: tuple[str, ...]) -> list[str] | None:
    """The words after one of `phrases` at the start of `words` (lower case), or None."""
    for phrase in sorted(phrases, key=len, reverse=True):
        head = phrase.split()
        if words[: len(head)] == head:
            return words[len(head) :]
    return None


def _number(word: str) -> int | None:
    word = word.lstrip("#")
    return int(word) if word.isdigit() and len(word) <= 9 else None


def _recognised(lowered: str) -> bool:
    """A command typed at a step with choices: done as at the top level, not as an answer."""
    words = lowered.split()
    return (
        lowered in texts.TASKS_WORDS + texts.NOMINATE_WORDS + texts.NOMINATIONS_WORDS
        or any(
            _after(words, phrases)
            for phrases in (texts.DONE_WORDS, texts.UNDO_WORDS, texts.PAGE_WORDS)
        )
        or _after(words, texts.RECEIVED_WORDS) is not None
        or words[0].startswith("/")
    )


def _help(member: Member) -> str:
    return texts.help_text(member.full_name, head=member.is_head, officer=member.is_officer)


def _choices(member: Member, options: tuple[Option, ...]) -> str:
    """What can be typed now: the latest list's numbers, then the top-level words."""
    top = texts.typed_choices(member=True, head=member.is_head, officer=member.is_officer)
    if not options:
        return top
    lines = [texts.option_line(o.number, texts.plain(o.action.label), o.typed) for o in options]
    return texts.step_choices(lines) + "\n\n" + top


def _draft_choices(options: tuple[Option, ...]) -> str:
    """What can be typed at a nomination's step: its numbered choices, back, cancel."""
    lines = [
        texts.option_line(o.number, texts.plain(o.action.label), None)
        for o in options
        if o.action.name not in ("nomination.back", "nomination.cancel")
    ]
    back = any(o.action.name == "nomination.back" for o in options)
    return texts.step_choices(lines, back=back, cancel=True)


def _command_refused(member: Member, name: str) -> str:
    """A Telegram command typed on Zalo that the typed dialogue does not do."""
    rows = [c for c in COMMANDS if c.name == name]
    if not rows:
        return texts.not_understood(_choices(member, ()))
    if all(c.roles == (Role.OFFICER,) for c in rows):
        return texts.officer_command_refused() if member.is_officer else texts.officer_only()
    return texts.telegram_only(name)


def _greeting(member: Member | None) -> str:
    if member is None or not member.active:
        return texts.not_registered()
    return _help(member)


async def _seen(session: AsyncSession, member: Member, name: str) -> None:
    """Writing to the bot shows the member has not blocked it (any more)."""
    if not member.reachable or (name and member.full_name != name):
        member.reachable = True
        member.unreachable_since = None
        member.full_name = name or member.full_name
        await session.commit()
