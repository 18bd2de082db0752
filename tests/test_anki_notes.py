"""quizgen.anki.notes: cards become escaped note fields, with their deck and tags."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizgen.anki.notes import (
    RETIRED_TAG,
    Note,
    deck_name,
    html_text,
    notes_for,
    retired_note,
    tag,
)
from quizgen.anki.notetypes import NOTE_TYPES
from quizgen.project import compile_project

FIXTURES = Path(__file__).parent / "fixtures" / "build"
CITATION = (
    "Matteo Hessel, Ivo Danihelka, et al. (2021). "
    "<i>Muesli: Combining Improvements in Policy Optimization</i>."
)


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("plain text, it's fine", "plain text, it's fine"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("a < b & c", "a &lt; b &amp; c"),
        ('say "hi"', "say &quot;hi&quot;"),
        ("{{c1::x}}", "&#123;&#123;c1::x&#125;&#125;"),
        ("[sound:x.mp3] [latex]", "&#91;sound:x.mp3&#93; &#91;latex&#93;"),
        ("two\nlines\x1fand\x00more", "two<br>linesandmore"),
        ("&amp;", "&amp;amp;"),
    ],
)
def test_html_text(text: str, html: str) -> None:
    assert html_text(text) == html


def test_tags_and_decks_are_normalised_like_anki() -> None:
    assert tag("source", "muesli") == "quizgen::source::muesli"
    assert tag("tag", "a::b") == "quizgen::tag::a::b"
    assert tag("tag", "::odd::::one::") == "quizgen::tag::odd::one"
    assert deck_name("  Research  Papers ", "Muesli") == "Research Papers::Muesli"
    assert deck_name("Title", "A::B") == "Title::A::B"


def test_notes_of_each_style(mini: Path) -> None:
    project, cards = compile_project(mini)

    notes = {n.card_id: n for n in notes_for(project, cards)}

    assert len(notes) == 9
    check = (
        "<p>it acts directly with a policy network</p>",
        CITATION,
        "https://arxiv.org/abs/2104.06159",
        "",
    )
    which = notes["muesli/acts/which"]
    assert (which.type, which.deck) == ("question", "Mini Deck::Hessel et al.")
    assert which.tags == ("quizgen::kind::result", "quizgen::source::muesli")
    assert which.fields == (
        "Which policy update acts directly with a policy network?",
        "Muesli",
        "",
        *check,
        "muesli/acts/which",
    )
    choice = notes["muesli/acts/choice"]
    card = next(c for c in cards if c.id == "muesli/acts/choice")
    right = "AB"[card.correct_choice]
    assert choice.fields[1] == f'<span class="qz-letter">{right}</span> Muesli'
    assert choice.fields[2] == "".join(
        f'<li><span class="qz-letter">{letter}</span> {option}</li>'
        for letter, option in zip("AB", card.choices, strict=True)
    )
    cloze = notes["muesli/acts/cloze"]
    assert cloze.type == "cloze"
    assert cloze.fields == (
        "{{c1::Muesli}} acts directly with a policy network.",
        *check,
        "muesli/acts/cloze",
    )
    for note in notes.values():
        assert len(note.fields) == len(NOTE_TYPES[note.type].fields)


def test_cloze_deletions_cannot_be_broken_by_user_text(tmp_path: Path) -> None:
    project, cards = compile_project(FIXTURES / "tricky")
    notes = {n.card_id: n for n in notes_for(project, cards)}

    text = notes["tricky/cloze-syntax/cloze"].fields[0]

    assert text == (
        "{{c1::&#123;&#123;c1&#58;&#58;x&#125;&#125; &#58;&#58; &#125;&#125;}} "
        "is literal &#91;sound:evil.mp3&#93;."
    )
    assert text.count("{{") == 1 and text.count("}}") == 1
    typed = notes["tricky/less/typed"]
    assert typed.type == "typed"
    assert typed.fields[:3] == ("Type what holds.", "a &lt; b &amp; c", "")
    assert notes["tricky/less/typed-cloze"].type == "typed-cloze"


def test_hash_follows_what_anki_takes() -> None:
    note = Note("s/f/t", "question", "Deck::S", ("Q", "A", "", "", "", "", "", "s/f/t"), ("x",))
    same = Note("s/f/t", "question", "Other deck", note.fields, note.tags)
    reworded = Note("s/f/t", "question", "Deck::S", ("Q?", *note.fields[1:]), note.tags)
    retagged = Note("s/f/t", "question", "Deck::S", note.fields, ("y",))

    assert note.hash == same.hash  # Anki never moves a card it has: the deck is not content
    assert len({note.hash, reworded.hash, retagged.hash}) == 3
    assert len(note.hash) == 16


@pytest.mark.parametrize("note_type", sorted(NOTE_TYPES))
def test_retired_notes(note_type: str) -> None:
    note = retired_note("src/fact/tpl", note_type, "Deck::Src")

    assert note.retired and note.tags == ("quizgen::source::src", RETIRED_TAG)
    assert len(note.fields) == len(NOTE_TYPES[note_type].fields)
    assert note.fields[0].startswith("This card (src/fact/tpl) was removed from the deck.")
    assert note.fields[-1] == "src/fact/tpl"
    if NOTE_TYPES[note_type].cloze:
        assert "{{c1::delete them}}" in note.fields[0]
