"""quizgen.anki.notetypes: the note types are frozen, because students' collections hold them.

If a test here fails, read the module docstring before changing the expected values: a new
field layout or id makes Anki stop updating every student's existing notes.
"""

from __future__ import annotations

import hashlib
import re

from quizgen.anki.notetypes import CSS, NOTE_TYPES, STYLE_VERSION, stable_id

CHECK = ["Evidence", "Citation", "Link", "Note", "CardId"]


def test_layouts_and_ids_are_frozen() -> None:
    assert {key: (t.name, t.id, list(t.fields), t.cloze) for key, t in NOTE_TYPES.items()} == {
        "question": (
            "quizgen: question",
            201202452553992,
            ["Front", "Back", "Choices", *CHECK],
            False,
        ),
        "typed": (
            "quizgen: typed answer",
            85731973934903,
            ["Front", "Answer", "Back", "Choices", *CHECK],
            False,
        ),
        "cloze": ("quizgen: cloze", 43683857761235, ["Text", *CHECK], True),
        "typed-cloze": ("quizgen: typed cloze", 2476137562283, ["Text", *CHECK], True),
    }


def style_hash() -> str:
    """A digest of everything that makes up the note types."""
    parts = [CSS] + [f"{t.key}|{t.name}|{t.fields}|{t.qfmt}|{t.afmt}" for t in NOTE_TYPES.values()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def test_a_change_of_look_moves_the_style_version() -> None:
    # Changed the CSS or a template? Set STYLE_VERSION to the day of the change (Anki takes a
    # note type only when it is newer) and update both values here.
    assert (style_hash(), STYLE_VERSION) == ("bdc6538fc462d539", 1795651200)


def test_every_field_is_used_by_its_templates() -> None:
    for note_type in NOTE_TYPES.values():
        used = set(
            re.findall(r"\{\{[#/^]?(?:type:)?(?:cloze:)?(\w+)\}\}", note_type.qfmt + note_type.afmt)
        )
        assert used - {"FrontSide"} == set(note_type.fields), note_type.key
        if note_type.cloze:
            assert "{{cloze:Text}}" in note_type.qfmt
        assert ("type:" in note_type.qfmt) == (note_type.key.startswith("typed"))


def test_css_reads_in_night_mode_and_on_phones() -> None:
    assert ".nightMode .card" in CSS and ".night_mode .card" in CSS
    assert ".card.nightMode" in CSS and ".card.night_mode" in CSS
    assert "@media (max-width: 600px)" in CSS
    # colours come from variables that night mode redefines, never hard-coded in rules
    rules = CSS.split(".card.nightMode")[1].split("}", 1)[1]
    assert not re.search(r"#[0-9a-f]{6}", rules)


def test_stable_ids() -> None:
    assert stable_id("deck:Mini Deck") == 32368667987704
    assert all(2**40 <= t.id < 2**53 for t in NOTE_TYPES.values())
