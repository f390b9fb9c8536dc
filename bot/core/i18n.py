"""Babel/gettext catalogs, the current locale in a ContextVar, and `_`, `ngettext`, `N_`."""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

from babel.dates import format_date as babel_format_date
from babel.numbers import format_percent as babel_format_percent

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

_current_language: ContextVar[str] = ContextVar("tdkt_language", default=DEFAULT_LANGUAGE)


@cache
def translations(language: str) -> gettext.NullTranslations:
    return gettext.translation(
        DOMAIN, localedir=str(LOCALES_DIR), languages=[language], fallback=False
    )


def set_default_language(language: str) -> None:
    """Make `language` the fallback for code that runs with no user (CLI, jobs)."""
    global DEFAULT_LANGUAGE
    DEFAULT_LANGUAGE = normalise_language(language)
    _current_language.set(DEFAULT_LANGUAGE)


def normalise_language(code: str | None) -> str:
    """Map a Telegram `language_code` (e.g. 'en-US') or a stored choice to vi/en."""
    if code:
        short = code.split("-")[0].split("_")[0].lower()
        if short in LANGUAGES:
            return short
    return DEFAULT_LANGUAGE


def current_language() -> str:
    return _current_language.get()


def set_language(language: str) -> None:
    _current_language.set(normalise_language(language))


@contextmanager
def use_language(language: str) -> Iterator[None]:
    token = _current_language.set(normalise_language(language))
    try:
        yield
    finally:
        _current_language.reset(token)


def _(message: str) -> str:
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a module-level string for extraction; translate it with `_()` where it is used."""
    return message


def format_date(value: date) -> str:
    """Dates as officials write them: dd/mm/yyyy in Vietnamese, 'Mar 31, 2020' in English."""
    return _format_date(value, current_language())


@lru_cache(maxsize=4096)
def _format_date(value: date, language: str) -> str:
    pattern = "dd/MM/yyyy" if language == "vi" else "medium"
    return babel_format_date(value, format=pattern, locale=language)


def quarter_numeral(quarter: int) -> str:
    """A quarter as each language writes it: Roman in Vietnamese ("quý IV/2026"), Arabic in
    English ("Q4 2026"); the messages around it say the rest."""
    return ("I", "II", "III", "IV")[quarter - 1] if current_language() == "vi" else str(quarter)


def format_percent(ratio: float) -> str:
    """A share as the reader writes it, to one decimal: '12,5%' in Vietnamese, '12.5%' in
    English ('50%' when the decimal is 0)."""
    return babel_format_percent(ratio, format="#,##0.#%", locale=current_language())
