"""Small pieces every text uses: shortened titles. (Dates, numbers and quarter numerals are
formatted by `bot.core.i18n`, which knows the reader's language.)"""

from __future__ import annotations

# How much of a task's title fits on a button or in a list line.
TITLE_SHOWN = 60


def short_title(title: str, limit: int = TITLE_SHOWN) -> str:
    """The title cut to `limit` characters with an ellipsis, whole when it fits."""
    return title if len(title) <= limit else title[: limit - 1] + "…"
