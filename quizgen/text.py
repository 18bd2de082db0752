"""Small text helpers shared by validation, expansion, answer checking and the writers."""

from __future__ import annotations

import re
import unicodedata

_PUNCT = re.compile(r"[^\w\s%]")
# A web address and nothing else: http(s), a host, and no space, quote, angle bracket or
# control character anywhere (each would end the address early in some format, or let text
# that follows it into the link).
_WEB_ADDRESS = re.compile(r"https?://[^\s\"<>\\\x00-\x1f\x7f]+", re.IGNORECASE)


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


def safe_link(url: str) -> str:
    """`url` (trimmed) when it may be a link in every output: an http(s) address with no
    space, quote, angle bracket, backslash or control character; else ''. Everything else
    (javascript:, file:, a half-typed address) is shown as text and never made a link, in
    Anki notes, HTML, PDF and Markdown alike."""
    url = url.strip()
    return url if _WEB_ADDRESS.fullmatch(url) else ""
