"""The text-first dialogue for channels without buttons or commands menus (Zalo): a message
comes in as `Incoming` (channel-neutral: a chat, a sender, a text or not), the answer goes out
as plain texts. In this step: joining by invite code (alone, or "/start CODE", since Zalo's
links carry no start parameter), "help"/"trợ giúp", and the short list of what can be typed
for anything else. Files and pictures are refused with a pointer to Telegram or the CLI."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.i18n import use_language
from bot.services.invites import Redemption, redeem_invite
from bot.services.members import Sender, find_member_on
from bot.texts import zalo as texts
from models import Member

log = logging.getLogger(__name__)

# An invite code as `tdkt-bot invite` prints it (urlsafe base64 of 16 bytes, or longer).
_CODE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class Incoming:
    channel: str
    chat_id: str
    user_id: str
    name: str
    # None: not a text (a picture, a sticker, a voice message, a file, …).
    text: str | None


@dataclass
class Dialogue:
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock

    async def handle(self, incoming: Incoming) -> list[str]:
        """The answers to one incoming message, in the sender's language."""
        async with self.sessionmaker() as session:
            member = await find_member_on(session, incoming.channel, incoming.user_id)
            if member is not None:
                await _seen(session, member, incoming.name)
            language = member.language if member is not None else self.settings.language
            with use_language(language):
                return await self._answer(session, member, incoming)

    async def _answer(
        self, session: AsyncSession, member: Member | None, incoming: Incoming
    ) -> list[str]:
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
            return [texts.help_text(member.full_name)]
        if len(words) == 1 and _CODE.match(words[0]):
            return [await self._join(session, member, incoming, words[0])]
        if member is None or not member.active:
            return [texts.not_registered()]
        return [texts.not_understood()]

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


def _greeting(member: Member | None) -> str:
    if member is None or not member.active:
        return texts.not_registered()
    return texts.help_text(member.full_name)


async def _seen(session: AsyncSession, member: Member, name: str) -> None:
    """Writing to the bot shows the member has not blocked it (any more)."""
    if not member.reachable or (name and member.full_name != name):
        member.reachable = True
        member.unreachable_since = None
        member.full_name = name or member.full_name
        await session.commit()
