"""The four note types quizgen writes, frozen.

Anki matches an incoming note type by id and then by its field and template layout: once
students have imported a deck, a change to the fields or templates below makes Anki refuse to
update their notes (it imports a copy of the note type instead). So the layouts are frozen:
`tests/test_anki_notetypes.py` pins them. The CSS and the HTML of the templates may change,
but then `STYLE_VERSION` must move forward so that Anki takes the new look (it updates a note
type only when the incoming one is newer).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

# When the templates or CSS last changed (Unix seconds): the note types' modification time.
# Anki replaces a student's copy of a note type only with a newer one, so bump this with any
# change to TEMPLATES or CSS. A test pins the hash of both to this value as a reminder.
STYLE_VERSION = 1795651200  # 2026-11-26 00:00 UTC

CSS = """\
.card {
  --qz-text: #1f2328;
  --qz-muted: #59636e;
  --qz-rule: #d1d9e0;
  --qz-quote: #f6f8fa;
  --qz-accent: #0969da;
  --qz-blank: #0969da;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    sans-serif;
  font-size: 20px;
  line-height: 1.45;
  color: var(--qz-text);
  text-align: left;
  overflow-wrap: break-word;
  -webkit-text-size-adjust: 100%;
}
.card.nightMode, .card.night_mode, .nightMode .card, .night_mode .card {
  --qz-text: #e6edf3;
  --qz-muted: #9198a1;
  --qz-rule: #3d444d;
  --qz-quote: #262c36;
  --qz-accent: #4493f8;
  --qz-blank: #4493f8;
}
.qz { max-width: 38em; margin: 0 auto; padding: 0.25em 0.75em; }
.qz-question { font-size: 1.1em; }
.qz-choices { list-style: none; margin: 0.75em 0 0; padding: 0; }
.qz-choices li { margin: 0.35em 0; }
.qz-letter { display: inline-block; min-width: 1.6em; font-weight: 600; color: var(--qz-accent); }
.qz-answer { font-size: 1.1em; font-weight: 600; margin: 0.5em 0; }
.qz-evidence {
  margin: 0.9em 0 0.6em;
  padding: 0.5em 0.8em;
  border-left: 3px solid var(--qz-rule);
  background: var(--qz-quote);
  font-size: 0.85em;
}
.qz-evidence p { margin: 0.3em 0; }
.qz-citation, .qz-note { font-size: 0.8em; color: var(--qz-muted); margin: 0.4em 0; }
.qz-citation a { color: var(--qz-accent); word-break: break-all; }
.qz-note { font-style: italic; }
.qz-id { font-size: 0.65em; color: var(--qz-muted); margin-top: 1.2em; font-family: monospace; }
.cloze { font-weight: 600; color: var(--qz-blank); }
hr#answer { border: 0; border-top: 1px solid var(--qz-rule); margin: 0.9em 0; }
input#typeans { width: 100%; box-sizing: border-box; font-size: 1em; padding: 0.3em; }
@media (max-width: 600px) {
  .card { font-size: 18px; }
  .qz { padding: 0.1em 0.3em; }
}
"""

# Shared by every back: the answer is checked against the paper.
_CHECK = (
    '{{#Evidence}}<blockquote class="qz-evidence">{{Evidence}}</blockquote>{{/Evidence}}\n'
    '<div class="qz-citation">{{Citation}}'
    '{{#Link}}<br><a href="{{Link}}">{{Link}}</a>{{/Link}}</div>\n'
    '{{#Note}}<div class="qz-note">{{Note}}</div>{{/Note}}\n'
    '<div class="qz-id">{{CardId}}</div>'
)
# MathJax would typeset a literal "\(" in a fact; its ignore classes (v3 and v2 names) keep
# user text literal.
_OPEN = '<div class="qz mathjax_ignore tex2jax_ignore">\n'
_CLOSE = "\n</div>"
_QUESTION = (
    '<div class="qz-question">{{Front}}</div>\n'
    '{{#Choices}}<ul class="qz-choices">{{Choices}}</ul>{{/Choices}}'
)


@dataclass(frozen=True)
class NoteType:
    """One Anki note type: its key (fixed forever: the id derives from it), the name students
    see, its fields and its one card template."""

    key: str
    name: str
    fields: tuple[str, ...]
    qfmt: str
    afmt: str
    cloze: bool = False

    @property
    def id(self) -> int:
        return stable_id(f"notetype:{self.key}")

    def to_genanki(self) -> Any:
        """The genanki Model for this note type (genanki imported here: it is slow to load)."""
        import genanki

        return genanki.Model(
            self.id,
            self.name,
            fields=[{"name": name, "font": "Arial"} for name in self.fields],
            templates=[{"name": "Card", "qfmt": self.qfmt, "afmt": self.afmt}],
            css=CSS,
            model_type=genanki.Model.CLOZE if self.cloze else genanki.Model.FRONT_BACK,
        )


_CHECK_FIELDS = ("Evidence", "Citation", "Link", "Note", "CardId")

BASIC = NoteType(
    key="question",
    name="quizgen: question",
    fields=("Front", "Back", "Choices", *_CHECK_FIELDS),
    qfmt=_OPEN + _QUESTION + _CLOSE,
    afmt=_OPEN
    + _QUESTION
    + '\n<hr id="answer">\n<div class="qz-answer">{{Back}}</div>\n'
    + _CHECK
    + _CLOSE,
)
TYPED = NoteType(
    key="typed",
    name="quizgen: typed answer",
    fields=("Front", "Answer", "Back", "Choices", *_CHECK_FIELDS),
    qfmt=_OPEN + _QUESTION + "\n{{type:Answer}}" + _CLOSE,
    afmt=_OPEN
    + _QUESTION
    + '\n<hr id="answer">\n{{type:Answer}}\n'
    + '{{#Back}}<div class="qz-answer">{{Back}}</div>{{/Back}}\n'
    + _CHECK
    + _CLOSE,
)
CLOZE = NoteType(
    key="cloze",
    name="quizgen: cloze",
    fields=("Text", *_CHECK_FIELDS),
    qfmt=_OPEN + '<div class="qz-question">{{cloze:Text}}</div>' + _CLOSE,
    afmt=_OPEN
    + '<div class="qz-question">{{cloze:Text}}</div>\n<hr id="answer">\n'
    + _CHECK
    + _CLOSE,
    cloze=True,
)
TYPED_CLOZE = NoteType(
    key="typed-cloze",
    name="quizgen: typed cloze",
    fields=("Text", *_CHECK_FIELDS),
    qfmt=_OPEN + '<div class="qz-question">{{cloze:Text}}</div>\n{{type:cloze:Text}}' + _CLOSE,
    afmt=_OPEN
    + '<div class="qz-question">{{cloze:Text}}</div>\n{{type:cloze:Text}}\n<hr id="answer">\n'
    + _CHECK
    + _CLOSE,
    cloze=True,
)

# By key: the lock file records each note's type by key.
NOTE_TYPES: dict[str, NoteType] = {t.key: t for t in (BASIC, TYPED, CLOZE, TYPED_CLOZE)}


def stable_id(name: str) -> int:
    """A fixed id for a note type or deck, from its name: the same on every machine and run.

    Anki ids are 64-bit, but its desktop and mobile front ends read them as JavaScript numbers,
    so this stays below 2**53 (and far above the small ids Anki gives its own defaults)."""
    digest = hashlib.sha256(f"quizgen:{name}".encode()).digest()
    return (1 << 40) + int.from_bytes(digest[:6], "big")
