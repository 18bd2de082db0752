"""Small text helpers shared by validation, expansion and answer checking."""

from __future__ import annotations

import re
import unicodedata

_PUNCT = re.compile(r"[^\w\s%]")


def squash(text: str) -> str:
    """Collapse every run of whitespace to one space and strip the ends."""
    return " ".join(text.split())


def fold(text: str) -> str:
    """A comparison key: no accents, no case, no punctuation (but %), single spaces."""
    if text.isascii():
        return squash(_PUNCT.sub(" ", text.lower()))
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return squash(_PUNCT.sub(" ", bare.casefold()))


def join_list(items: list[str] | tuple[str, ...]) -> str:
    """Render a list the way a sentence reads it: 'a', 'a and b', 'a, b and c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
