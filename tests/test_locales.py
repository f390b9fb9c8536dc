"""The catalogs stay complete: every message in the source has a Vietnamese and an English
translation with the same placeholders and HTML tags, and the compiled .mo files match."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.core.i18n import LOCALES_DIR

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("bot", "handlers", "models", "migrations")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
TAG = re.compile(r"</?[a-z-]+>")


def source_messages() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for directory in SOURCE_DIRS:
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / directory, keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else tuple(message))
    return found


def catalog(language: str):  # type: ignore[no-untyped-def]
    with open(LOCALES_DIR / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_source_message_is_translated(language: str) -> None:
    entries = {
        m.id if isinstance(m.id, str) else tuple(m.id): m for m in catalog(language) if m.id
    }
    missing = []
    for message in sorted(source_messages(), key=str):
        entry = entries.get(message)
        strings = (
            []
            if entry is None
            else ([entry.string] if isinstance(entry.string, str) else list(entry.string))
        )
        if entry is None or "fuzzy" in entry.flags or not strings or not all(strings):
            missing.append(message)
    assert not missing, f"untranslated in {language} (run `make i18n` and translate): {missing}"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_translations_keep_placeholders_and_tags(language: str) -> None:
    problems = []
    for entry in catalog(language):
        if not entry.id:
            continue
        source = entry.id if isinstance(entry.id, str) else entry.id[-1]
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        for string in strings:
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(string)) or (
                TAG.findall(source) != TAG.findall(string)
            ):
                problems.append((source, string))
    assert not problems


@pytest.mark.parametrize("language", ["vi", "en"])
def test_compiled_catalog_matches_the_po_file(language: str) -> None:
    mo_path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.mo"
    with open(mo_path, "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in catalog(language):
        if not entry.id:
            continue
        if isinstance(entry.id, str):
            if compiled.gettext(entry.id) != entry.string:
                stale.append(entry.id)
        else:
            for n in (1, 2):
                expected = entry.string[0 if n == 1 or len(entry.string) == 1 else 1]
                if compiled.ngettext(entry.id[0], entry.id[1], n) != expected:
                    stale.append(entry.id)
    assert not stale, f"{mo_path} is stale: run `make i18n-compile`"


def test_no_source_message_is_missing_from_the_template() -> None:
    with open(LOCALES_DIR / "messages.pot", "rb") as handle:
        template = {
            m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(handle) if m.id
        }
    messages = source_messages()
    assert len(messages) > 50
    assert messages <= template, "run `make i18n` to refresh locales/messages.pot"
