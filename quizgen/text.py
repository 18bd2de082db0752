"""Small text helpers shared by validation, expansion, answer checking, the writers and the
CLI."""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache

_PUNCT = re.compile(r"[^\w\s%]")
# A web address and nothing else: http(s), a host, and no space, quote, angle bracket or
# control character anywhere (each would end the address early in some format, or let text
# that follows it into the link).
_WEB_ADDRESS = re.compile(r"https?://[^\s\"<>\\\x00-\x1f\x7f]+", re.IGNORECASE)


def squash(text: str) -> str:
    """Collapse every run of whitespace to one space and strip the ends."""
    return " ".join(text.split())


# _PUNCT.sub(" ", ...) for ASCII text as a byte table, made from _PUNCT itself so the two
# cannot disagree: a check folds every question and answer, and the regex was most of it.
# Whitespace maps to a space too: bytes.split() splits at fewer characters than str.split()
# (not at \x1c-\x1f), and after the table the two split alike.
_ASCII_FOLD = bytes(
    32 if _PUNCT.match(chr(i)) or chr(i).isspace() else i for i in range(128)
) + bytes(range(128, 256))


@cache  # emptied after each compilation: see project._forget_memos
def fold(text: str) -> str:
    """A comparison key: no accents, no case, no punctuation (but %), single spaces."""
    if text.isascii():
        # As bytes, lower-casing, the table and splitting cost a fifth of what they do on str.
        return b" ".join(text.encode().lower().translate(_ASCII_FOLD).split()).decode()
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return squash(_PUNCT.sub(" ", bare.casefold()))


def question_key(style: str, front: str) -> int:
    """A 64-bit digest of a question as `checks.structural` tells questions apart (its style
    and its words, casefolded), the same in every process: a cached draft keeps its cards'
    (quizgen.expand.Draft.keys), 8 bytes a card where the text would take a hundred. Two
    questions with one digest are taken for the same, which only sends the check the long
    way, where the text itself is compared."""
    return question_digest(f"{style}:{front.casefold()}")


def question_digest(question: str) -> int:
    """`question_key` of a question given as `checks.structural` compares it:
    "style:casefolded question"."""
    digest = hashlib.blake2b(question.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


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


def contains_words(haystack: str, needle: str) -> bool:
    """Whether folded `needle` occurs in folded `haystack` as whole words ("ultra" is in
    "gemini ultra", not in "ultrasound")."""
    return bool(needle) and f" {needle} " in f" {haystack} "


def plural(n: int, word: str, many: str = "") -> str:
    """'1 card', '2 cards', '0 cards'; `many` for a word that does not take an 's'."""
    return f"{n} {word}" if n == 1 else f"{n} {many or word + 's'}"


def suggest(
    word: str, options: Iterable[str], synonyms: Mapping[str, str] | None = None
) -> str | None:
    """The option `word` most likely stands for, or None.

    `synonyms` maps other words people use to the option they mean ('abstract' -> 'text'):
    a synonym, or a misspelling of one, suggests its option. Synonyms of three letters or
    fewer only count when written exactly: spelt loosely they would match anything."""
    options = list(options)
    folded = word.casefold()
    for option in options:
        if option.casefold() == folded:
            return option
    synonyms = synonyms or {}
    for synonym, option in synonyms.items():
        if synonym.casefold() == folded:
            return option
    candidates = options + [s for s in synonyms if len(s) > 3 and s not in options]
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    if not close:
        return None
    return close[0] if close[0] in options else synonyms[close[0]]


def did_you_mean(
    word: str, options: Iterable[str], synonyms: Mapping[str, str] | None = None
) -> str:
    """The hint "; did you mean 'x'?" for the closest option (see `suggest`), or ""."""
    close = suggest(word, options, synonyms)
    return f"; did you mean '{close}'?" if close else ""


def describe_char(char: str) -> str:
    """A character as a message names it: "'/'", "a space", "the non-ASCII character 'е'
    (U+0435 CYRILLIC SMALL LETTER IE)" — a look-alike or an invisible one reads as a typo
    unless its code point is shown."""
    if char == " ":
        return "a space"
    code = f"U+{ord(char):04X}"
    if char.isascii():
        return f"'{char}'" if char.isprintable() else f"the control character {code}"
    name = unicodedata.name(char, "")
    label = f"{code} {name}" if name else code
    if unicodedata.category(char)[0] in "MZC":  # a mark, a space, a control: no glyph to show
        return f"the non-ASCII character {label}"
    return f"the non-ASCII character '{char}' ({label})"


def non_ascii(word: str) -> str:
    """Where `word`'s first non-ASCII character is, as a message says it, or "" if none:
    "the non-ASCII character 'е' (U+0435 CYRILLIC SMALL LETTER IE) at position 2"."""
    if word.isascii():
        return ""
    position, char = next((i, c) for i, c in enumerate(word, 1) if not c.isascii())
    return f"{describe_char(char)} at position {position}"
