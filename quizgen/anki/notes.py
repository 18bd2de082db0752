"""Cards become Anki notes: the fields of a frozen note type, HTML-escaped, with deck and tags.

Pure: project and cards in, notes out. Every piece of user text goes through `html_text`, so a
fact containing `<script>`, `a < b & c` or `{{c1::x}}` shows literally on the card.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from quizgen.anki.notetypes import BASIC, CLOZE, NOTE_TYPES, TYPED, TYPED_CLOZE, NoteType
from quizgen.model import Card, Project, Source
from quizgen.text import safe_link, squash

RETIRED_TAG = "quizgen::retired"
LETTERS = "ABCDEFGH"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPECIAL = re.compile(r"[&<>\"{}\[\]\x00-\x1f\x7f]")  # most text has none: returned as is


def html_text(text: str) -> str:
    """User text as HTML that Anki shows literally.

    That is html.escape, less the apostrophe (fields only ever stand in text and in
    double-quoted attributes, where it is harmless, and Anki's typed-answer check compares
    it as typed), plus entities for braces, so `{{c1::x}}` in a fact is never a cloze deletion,
    and for square brackets, so `[sound:x.mp3]` or `[latex]` is never played or typeset. Line
    breaks become <br>; other control characters go (Anki joins fields with \\x1f)."""
    if not _SPECIAL.search(text):
        return text
    printable = text.isprintable()
    if not printable:
        text = _CONTROL.sub("", text)
    text = (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
    if "{" in text or "}" in text or "[" in text or "]" in text:
        text = text.translate(_SYNTAX)
    return text if printable else text.replace("\n", "<br>")


_SYNTAX = str.maketrans({"{": "&#123;", "}": "&#125;", "[": "&#91;", "]": "&#93;"})


def _hidden_text(text: str) -> str:
    """Text inside a cloze deletion: also no ':' (in `{{c1::a::b}}`, 'b' would be a hint)."""
    return html_text(text).replace(":", "&#58;")


class LaterFields:
    """The fields of the notes of one source's cards, made only when one note's fields are
    first wanted, from the cards the compile cache keeps with the notes: a build after an
    edit updates the kept collection (anki.kept) and never reads the fields of the notes that
    did not change. The cache stores no fields: they would be a third of its bytes, written
    by every build that compiles a source anew, and the code that made them from these cards
    (which the cache's key covers) makes them again the same."""

    __slots__ = ("_cards", "_source", "_rows")

    def __init__(self, cards: Sequence[Card], source: Source) -> None:
        self._cards: Sequence[Card] | None = cards
        self._source: Source | None = source
        self._rows: list[tuple[str, ...]] | None = None

    def __getitem__(self, i: int) -> tuple[str, ...]:
        if self._rows is None:
            assert self._cards is not None and self._source is not None
            shared = _shared("", self._source)  # (the deck is no field)
            self._rows = [make_note(card, shared[card.fact]).fields for card in self._cards]
            self._cards = self._source = None
        return self._rows[i]


# Not frozen: tens of thousands are made per build, and a frozen dataclass takes twice as long
# to construct. Treat notes as immutable all the same.
@dataclass(slots=True, eq=False)
class Note:
    """One Anki note as quizgen writes it: one card, identified by the card id.

    `type` is a note type key (see notetypes.NOTE_TYPES); `fields` follow its field order.
    `hash` digests what Anki takes from an imported note (note type, fields, tags): when it
    changes, the note must reach Anki as a newer one. The deck is not in it, since Anki never
    moves a card that a collection already has.

    A note the compile cache kept may hold its fields as `LaterFields` and its place in them
    (`_at`), made when first wanted."""

    card_id: str
    type: str
    deck: str
    _fields: tuple[str, ...] | LaterFields
    tags: tuple[str, ...]
    hash: str = field(init=False, repr=False)
    retired: bool = field(init=False, repr=False)  # tagged quizgen::retired
    _guid: str = field(init=False, default="", repr=False)
    _at: int = field(init=False, default=0, repr=False)

    def __post_init__(self) -> None:
        text = "\x1f".join((self.type, *self.fields, "\x1e", *self.tags))
        self.hash = hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
        self.retired = RETIRED_TAG in self.tags

    @property
    def fields(self) -> tuple[str, ...]:
        fields = self._fields
        if isinstance(fields, LaterFields):
            fields = self._fields = fields[self._at]
        return fields

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Note:
            return NotImplemented
        assert isinstance(other, Note)
        return (self.card_id, self.type, self.deck, self.fields, self.tags) == (
            other.card_id,
            other.type,
            other.deck,
            other.fields,
            other.tags,
        )

    __hash__ = None  # type: ignore[assignment]  # as a dataclass with eq: not hashable

    @property
    def note_type(self) -> NoteType:
        return NOTE_TYPES[self.type]

    @property
    def guid(self) -> str:
        """The note's Anki GUID (`package.guid_for` of its card id), found once: a note the
        compile cache keeps (quizgen.cache) keeps it too."""
        if not self._guid:
            from quizgen.anki.package import guid_for

            self._guid = guid_for(self.card_id)
        return self._guid


def retired_note(card_id: str, note_type: str, deck: str) -> Note:
    """What a removed card becomes: the same note (GUID, note type), now saying it was removed,
    tagged `quizgen::retired` so a student finds it with one search and deletes it.

    Its old content is not kept: a card leaves the sources because its fact was wrong, moved
    or reworded, and a card that keeps teaching it would mislead; the lock file stays small."""
    message = (
        f"This card ({html_text(card_id)}) was removed from the deck. "
        "Find such cards in the browser with <b>tag:quizgen::retired</b> and delete them."
    )
    kind = NOTE_TYPES[note_type]
    # a cloze note needs a deletion to keep its card
    values = {"Front": message, "Text": message.replace("delete them", "{{c1::delete them}}")}
    values["CardId"] = html_text(card_id)
    fields = tuple(values.get(name, "") for name in kind.fields)
    source = card_id.split("/", 1)[0]
    return Note(card_id, note_type, deck, fields, (tag("source", source), RETIRED_TAG))


@lru_cache(maxsize=4096)
def tag(*parts: str) -> str:
    """An Anki tag under quizgen::, normalised the way Anki stores tags (no spaces, no empty
    levels), so what quizgen records is what the student's collection holds."""
    pieces = [p for part in parts for p in re.split(r"\s+|::", part) if p]
    return "::".join(["quizgen", *pieces])


def deck_name(*parts: str) -> str:
    """`Title::Short title`, each level trimmed the way Anki trims deck names."""
    levels = [squash(level) for part in parts for level in part.split("::")]
    return "::".join(level for level in levels if level)


def source_deck_description(source: Source) -> str:
    """The description Anki shows for a paper's deck: its citation and link."""
    text = html_text(source.citation)
    link = safe_link(source.link)
    if link:
        url = html_text(link)
        text += f'<br><a href="{url}">{url}</a>'
    return text


def _cloze_text(card: Card) -> str:
    parts = [
        "{{c1::" + _hidden_text(s.text) + "}}" if s.hidden else html_text(s.text)
        for s in card.cloze
    ]
    return squash("".join(parts))


def _choices(card: Card) -> str:
    if not card.choices:
        return ""
    return "".join(map(_option, LETTERS, card.choices))


@lru_cache(maxsize=65536)  # each answer is an option on several cards
def _option(letter: str, option: str) -> str:
    return f'<li><span class="qz-letter">{letter}</span> {html_text(option)}</li>'


def _answer(card: Card) -> str:
    """The back: for multiple choice the right option with its letter."""
    if not card.choices:
        return html_text(card.back)
    letter = LETTERS[card.correct_choice]
    text = f'<span class="qz-letter">{letter}</span> {html_text(card.answer)}'
    if card.back != card.answer:
        text += "<br>" + html_text(card.back)
    return text


@dataclass(frozen=True)
class _Shared:
    """What every card of one fact shares: its deck, tags, and the fields that let a student
    check the answer (evidence, citation, link, note)."""

    deck: str
    tags: tuple[str, ...]
    check: tuple[str, str, str, str]


def _shared(deck: str, source: Source) -> dict[str, _Shared]:
    """What the cards of each fact of `source` share, by fact id, in the deck `deck`."""
    citation = f"{html_text(source.authors)} ({source.year}). <i>{html_text(source.title)}</i>."
    link = safe_link(source.link)
    if source.link and not link:
        citation += " " + html_text(source.link)  # not a web address: shown, never a link
    shared = {}
    for fact in source.facts:
        tags = {
            tag("source", source.id),
            tag("kind", fact.kind),
            *(tag("tag", t) for t in fact.tags),
        }
        evidence = "".join(f"<p>{html_text(quote)}</p>" for quote in fact.evidence)
        check = (evidence, citation, html_text(link), html_text(fact.note))
        shared[fact.id] = _Shared(deck, tuple(sorted(tags)), check)
    return shared


def make_note(card: Card, shared: _Shared) -> Note:
    """The note for one card, given what it shares with the other cards of its fact."""
    check = (*shared.check, html_text(card.id))
    if card.cloze:
        kind = TYPED_CLOZE if card.typed else CLOZE
        fields: tuple[str, ...] = (_cloze_text(card), *check)
    elif card.typed:
        kind = TYPED
        back = html_text(card.back) if card.back != card.answer else ""
        fields = (html_text(card.front), html_text(card.answer), back, _choices(card), *check)
    else:
        kind = BASIC
        fields = (html_text(card.front), _answer(card), _choices(card), *check)
    return Note(card.id, kind.key, shared.deck, fields, shared.tags)


def notes_for(
    project: Project,
    cards: Sequence[Card],
    known: Mapping[str, tuple[Sequence[Card], Sequence[Note]]] | None = None,
) -> list[Note]:
    """Every card's note, in card order. `known` holds, by source id, notes made before for
    the same project (its title and sources), each with the card it was made of: reused for
    that very card object, not for an equal one (see quizgen.cache). A source whose cards
    are all those objects, in order, takes its notes whole."""
    from itertools import groupby
    from operator import attrgetter, is_

    sources = project.sources_by_id
    shared: dict[str, dict[str, _Shared]] = {}
    notes: list[Note] = []
    for source_id, of_source in groupby(cards, attrgetter("source")):
        run = list(of_source)
        hit = known.get(source_id) if known else None
        made: dict[int, Note] = {}
        if hit is not None:
            made_cards, made_notes = hit
            if len(made_cards) == len(run) and all(map(is_, made_cards, run)):
                notes += made_notes
                continue
            # (by the card objects themselves: alive, no two share an id)
            made = dict(zip(map(id, made_cards), made_notes, strict=True))
        for card in run:
            note = made.get(id(card))
            if note is not None:
                notes.append(note)
                continue
            of_fact = shared.get(card.source)
            if of_fact is None:
                source = sources[card.source]
                deck = deck_name(project.title, source.short)
                of_fact = shared[card.source] = _shared(deck, source)
            notes.append(make_note(card, of_fact[card.fact]))
    return notes
