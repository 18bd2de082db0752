"""quizgen.text: plurals, did-you-mean, naming a character a message is about, and the one
safe-link rule, which every output follows alike."""

from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from quizgen.anki.notes import notes_for, source_deck_description
from quizgen.handout.files import render
from quizgen.handout.layout import lay_out
from quizgen.handout.options import Options
from quizgen.project import compile_project
from quizgen.text import (
    _PUNCT,
    describe_char,
    did_you_mean,
    fold,
    non_ascii,
    plural,
    safe_link,
    suggest,
)

FIXTURE = Path(__file__).parent / "fixtures" / "handout"


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://arxiv.org/abs/2301.00001", "https://arxiv.org/abs/2301.00001"),
        ("http://example.org/a?b=1&c=2#d", "http://example.org/a?b=1&c=2#d"),
        ("  https://example.org/x  ", "https://example.org/x"),  # trimmed
        ("HTTPS://EXAMPLE.ORG", "HTTPS://EXAMPLE.ORG"),
        ("https://example.org/a b", ""),  # a space: the address would end early somewhere
        ("https://example.org/a\tb", ""),
        ('https://example.org/"onclick', ""),
        ("https://example.org/<b>", ""),
        ("https://example.org/a\\b", ""),
        ("https://example.org/\x00", ""),
        ("https://", ""),
        ("javascript:alert(1)", ""),
        ("file:///etc/passwd", ""),
        ("ftp://example.org", ""),
        ("arXiv:2301.00001", ""),
        ("", ""),
    ],
)
def test_safe_link(url, link):
    assert safe_link(url) == link


def _project_with_link(tmp_path: Path, url: str) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root)
    source = root / "sources" / "second.yaml"
    source.write_text(source.read_text().replace("https://example.org/second?a=1&b=2", url))
    return root


def _links_in(tmp_path: Path, url: str) -> dict[str, bool]:
    """Whether each output made the second paper's address a link."""
    project, cards = compile_project(_project_with_link(tmp_path, url))
    second = [c for c in cards if c.source == "second"]
    (doc,) = lay_out(project, second, Options(date=date(2026, 11, 26)))
    pdf = PdfReader(io.BytesIO(render(doc, "pdf")))
    pdf_uris = [
        a.get_object()["/A"]["/URI"]
        for page in pdf.pages
        for a in page.get("/Annots", [])
        if "/A" in a.get_object()
    ]
    (source,) = [s for s in project.sources if s.id == "second"]
    note = notes_for(project, second)[0]
    return {
        "html": b"<a href=" in render(doc, "html"),
        "md": b"](<" in render(doc, "md"),
        "pdf": bool(pdf_uris),
        "anki deck": "<a href=" in source_deck_description(source),
        "anki note": any(field.startswith("https://") for field in note.fields),
    }


@pytest.mark.parametrize(
    ("url", "linked"),
    [("https://example.org/second?a=1&b=2", True), ("https://example.org/a b", False)],
)
def test_every_output_makes_a_link_of_the_same_addresses(tmp_path, url, linked):
    """A URL with a space used to be a link in HTML and PDF but not in Markdown."""
    assert _links_in(tmp_path, url) == dict.fromkeys(
        ["html", "md", "pdf", "anki deck", "anki note"], linked
    )


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


def test_fold_of_ascii_text_is_the_regex_fold() -> None:
    # fold() turns ASCII punctuation into spaces with a byte table made from _PUNCT: every
    # ASCII character, alone and between words, folds as the regex has it.
    def by_regex(text: str) -> str:
        return " ".join(_PUNCT.sub(" ", text.lower()).split())

    for code in range(128):
        for text in (chr(code), f"Ab{chr(code)}cD", f"x {chr(code) * 3} 57%"):
            assert fold(text) == by_regex(text), repr(text)
    assert fold("In Hessel et al. (2021), what's CLIPScore's 5-point scale?") == (
        "in hessel et al 2021 what s clipscore s 5 point scale"
    )
