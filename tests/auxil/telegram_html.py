"""Checks text the way Telegram parses `parse_mode=HTML`: known tags, balanced, valid entities."""

from __future__ import annotations

from html.parser import HTMLParser

ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
ALLOWED_ENTITIES = {"lt", "gt", "amp", "quot"}


class TelegramHtmlError(ValueError):
    pass


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise TelegramHtmlError(f'Unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise TelegramHtmlError(f'Unsupported self-closing tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise TelegramHtmlError(f'Unmatched end tag "{tag}"')
        self.stack.pop()

    def handle_entityref(self, name: str) -> None:
        if name not in ALLOWED_ENTITIES:
            raise TelegramHtmlError(f'Unsupported HTML entity "&{name};"')

    def handle_charref(self, name: str) -> None:
        pass

    def unknown_decl(self, data: str) -> None:
        raise TelegramHtmlError("Unsupported declaration")


def check_html(text: str) -> None:
    """Raises TelegramHtmlError where Telegram would answer "can't parse entities"."""
    # A bare '<' or '&' that starts no tag or entity is rejected by Telegram as well.
    _check_bare_characters(text)
    checker = _Checker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        raise TelegramHtmlError(
            f'Can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
        )


def _check_bare_characters(text: str) -> None:
    index = 0
    while index < len(text):
        char = text[index]
        if char == "&":
            end = text.find(";", index)
            name = text[index + 1 : end] if end != -1 else ""
            if not (name in ALLOWED_ENTITIES or name.startswith("#")):
                raise TelegramHtmlError("Bare '&' in text")
        elif char == "<":
            nxt = text[index + 1 : index + 2]
            if not (nxt.isalpha() or nxt == "/"):
                raise TelegramHtmlError("Bare '<' in text")
        index += 1


def html_to_text(text: str) -> str:
    """What the user sees: tags removed, entities decoded."""
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", text))
