"""Per-user flood control: a user sending too much too fast is asked to slow down and the
excess is dropped before it reaches the database."""

from __future__ import annotations

import time
from collections import defaultdict, deque

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot.core.i18n import _, normalise_language, use_language

WINDOW_SECONDS = 10.0
MAX_UPDATES = 20


class FloodGuard:
    def __init__(self, limit: int = MAX_UPDATES, window: float = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[int, deque[float]] = defaultdict(deque)
        self._warned: dict[int, float] = {}

    def allow(self, user_id: int, now: float) -> bool:
        seen = self._seen[user_id]
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        seen.append(now)
        return len(seen) <= self.limit

    def should_warn(self, user_id: int, now: float) -> bool:
        if now - self._warned.get(user_id, -self.window) < self.window:
            return False
        self._warned[user_id] = now
        return True


async def guard(update: Update, context: object) -> None:
    """Group -4: runs before anything else touches the update."""
    user = update.effective_user
    application = getattr(context, "application", None)
    if user is None or application is None:
        return
    flood: FloodGuard = application.bot_data.setdefault("flood_guard", FloodGuard())
    now = time.monotonic()
    if flood.allow(user.id, now):
        return
    if flood.should_warn(user.id, now) and update.effective_chat is not None:
        with use_language(normalise_language(user.language_code)):
            text = _("You are sending messages too quickly. Please wait a few seconds.")
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await update.get_bot().send_message(update.effective_chat.id, text)
    raise ApplicationHandlerStop


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(TypeHandler(Update, guard), group=-4)
