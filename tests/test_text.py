"""quizgen.text: plurals, did-you-mean, and naming a character a message is about."""

from __future__ import annotations

import pytest

from quizgen.text import describe_char, did_you_mean, non_ascii, plural, suggest


def test_plural() -> None:
    assert [plural(n, "card") for n in (0, 1, 2)] == ["0 cards", "1 card", "2 cards"]
    assert plural(2, "entry", "entries") == "2 entries"
    assert plural(1, "entry", "entries") == "1 entry"


OPTIONS = ["title", "text", "evidence", "answer"]
SYNONYMS = {"abstract": "text", "summary": "text", "quote": "evidence", "a": "answer"}


@pytest.mark.parametrize(
    ("word", "meant"),
    [
        ("titel", "title"),  # spelling
        ("Title", "title"),  # case
        ("abstract", "text"),  # a synonym
        ("Abstract", "text"),
        ("sumary", "text"),  # a synonym, misspelt
        ("quotes", "evidence"),
        ("a", "answer"),  # a short synonym, exactly
        ("ab", None),  # ... but not loosely
        ("zzz", None),
    ],
)
def test_suggest(word: str, meant: str | None) -> None:
    assert suggest(word, OPTIONS, SYNONYMS) == meant


def test_did_you_mean() -> None:
    assert did_you_mean("evidnce", OPTIONS) == "; did you mean 'evidence'?"
    assert did_you_mean("abstract", OPTIONS) == ""  # no synonyms given: spelling only
    assert did_you_mean("abstract", OPTIONS, SYNONYMS) == "; did you mean 'text'?"
    assert did_you_mean("result", {"result": 1}) == "; did you mean 'result'?"  # any iterable


@pytest.mark.parametrize(
    ("char", "said"),
    [
        ("/", "'/'"),
        (" ", "a space"),
        ("\t", "the control character U+0009"),
        ("é", "the non-ASCII character 'é' (U+00E9 LATIN SMALL LETTER E WITH ACUTE)"),
        ("\u00a0", "the non-ASCII character U+00A0 NO-BREAK SPACE"),
        ("\u0301", "the non-ASCII character U+0301 COMBINING ACUTE ACCENT"),
        ("\ue000", "the non-ASCII character U+E000"),  # private use: no name, no glyph
    ],
)
def test_describe_char(char: str, said: str) -> None:
    assert describe_char(char) == said


def test_non_ascii() -> None:
    assert non_ascii("result") == ""
    assert non_ascii("rеsult") == (
        "the non-ASCII character 'е' (U+0435 CYRILLIC SMALL LETTER IE) at position 2"
    )
