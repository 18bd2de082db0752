"""A cache of compiled projects, for the commands a student runs every day.

Loading and expanding a 30,000-card project takes seconds; the quiz should start at once.
A compiled project is stored (pickled) in the user cache folder under a key made from the
bytes of every source and template file and of quizgen's own code, so any edit — or a new
quizgen — misses the cache and compiles afresh. `quizgen check` never uses it. The cache
folder is the user's own, like the review history; a damaged or foreign entry is ignored and
rewritten, never trusted blindly: it must unpickle to the expected key and types.

When a file did change, `Sources` keeps what each source file compiled to (its loading, its
draft cards with their options, the notes a build made of them), so only the edited files
are compiled again; these entries are plain data (marshal), sealed like the blobs below and
rebuilt into objects, which loads faster than unpickling them. Beside these it keeps small
JSON records (`read_record`, `write_record`), such as the stamp of the last build of a
package (see `quizgen.anki.up_to_date`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import pickle
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from quizgen import __version__
from quizgen.errors import InputError
from quizgen.yamlio import read_bytes, yaml_files

if TYPE_CHECKING:
    from collections.abc import Sequence

    from quizgen.anki.notes import Note
    from quizgen.errors import Problem
    from quizgen.expand import Draft
    from quizgen.model import Card, Fact, Project, Source

FORMAT = 2


def cache_dir() -> Path:
    """QUIZGEN_CACHE_DIR, else the platform's user cache folder."""
    override = os.environ.get("QUIZGEN_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("quizgen"))


def _project_files(root: Path) -> list[Path]:
    """What the loader reads, listed as the loader lists it (yamlio.yaml_files)."""
    files = [root / "deck.yaml"] if os.path.lexists(root / "deck.yaml") else []
    for folder in ("sources", "templates"):
        files += yaml_files(root / folder)[0]
    return files


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of quizgen's version and of every one of its modules.

    Part of every key: an upgrade that keeps the version number (an editable or git install)
    never reuses what older code made. All modules count, not a chosen few, so that no module
    that shapes a card or a package (distractors, numbers, the Anki writer) can be forgotten;
    reading them takes a millisecond or two."""
    digest = hashlib.sha256(f"quizgen {__version__} cache {FORMAT}\n".encode())
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        data = path.read_bytes()
        digest.update(f"{path.relative_to(package).as_posix()} {len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


def input_digests(root: Path) -> dict[Path, str]:
    """A digest of each file the loader reads (deck.yaml, sources, templates), by path as the
    loader spells it."""
    digests: dict[Path, str] = {}
    for path in _project_files(root):
        try:
            data = read_bytes(path)  # never blocks on a named pipe, never raises OSError
        except InputError:
            data = b"\0unreadable"  # compiling reports it; a project with problems is not cached
        digests[path] = hashlib.sha256(data).hexdigest()
    return digests


def fingerprint(root: Path, digests: dict[Path, str] | None = None) -> str:
    """A key that changes whenever any input file or quizgen's code changes, or the project
    is named another way (what it holds names its files as `root` spells them)."""
    digest = hashlib.sha256(f"{code_digest()}\n{_spelling(root)}\n".encode())
    for path, file_digest in (input_digests(root) if digests is None else digests).items():
        digest.update(f"{path.relative_to(root).as_posix()} {file_digest}\n".encode())
    return digest.hexdigest()


def _spelling(root: Path) -> str:
    return f"{root}\0{os.path.abspath(root)}"


def _entry(root: Path) -> Path:
    name = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:24]
    return cache_dir() / f"{name}.pickle"


def load(root: Path, key: str) -> tuple[Project, list[Card]] | None:
    """The cached compilation of `root` under `key`, or None. The key is read first, so a
    stale entry costs a few bytes, not the compilation."""
    from quizgen.model import Project

    try:
        with _entry(root).open("rb") as f:
            if pickle.load(f) != key:
                return None
            stored = pickle.load(f)
    except Exception:  # damaged, foreign, of older code: a miss, never a failure
        return None
    if (
        isinstance(stored, tuple)
        and len(stored) == 2
        and isinstance(stored[0], Project)
        and isinstance(stored[1], list)
    ):
        return stored[0], stored[1]
    return None


def save(root: Path, key: str, project: Project, cards: list[Card]) -> None:
    """Store a compilation; a cache that cannot be written is simply not written."""
    try:
        entry = _entry(root)
        entry.parent.mkdir(parents=True, exist_ok=True)
        head = pickle.dumps(key, protocol=pickle.HIGHEST_PROTOCOL)
        body = pickle.dumps((project, cards), protocol=pickle.HIGHEST_PROTOCOL)
        _write(entry, head, body)
    except Exception:  # a cache is an optimisation, never a failure
        pass


def _write(path: Path, *data: bytes) -> None:
    """Replace a cache file whole (a temporary file renamed over it) with the pieces `data`,
    without waiting for the disk (fsync): after a crash an entry is whole, absent or
    unreadable, and unreadable is a miss. Raises OSError."""
    import tempfile

    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            for piece in data:
                out.write(piece)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def _record(kind: str, name: str) -> Path:
    return cache_dir() / kind / f"{hashlib.sha256(name.encode()).hexdigest()[:32]}.json"


def read_record(kind: str, name: str) -> dict[str, Any] | None:
    """The JSON record `kind`/`name` last written, or None (absent, unreadable, not a JSON
    object). The caller checks every value it uses: the folder is the user's to edit."""
    try:
        data = json.loads(_record(kind, name).read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_record(kind: str, name: str, data: dict[str, Any]) -> None:
    """Store a JSON record; one that cannot be written is simply not written."""
    try:
        path = _record(kind, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(path, json.dumps(data, sort_keys=True).encode())
    except Exception:  # a cache is an optimisation, never a failure
        pass


def forget_record(kind: str, name: str) -> None:
    """Remove a record, if there is one."""
    with contextlib.suppress(OSError):
        _record(kind, name).unlink(missing_ok=True)


def _blob(kind: str, name: str) -> Path:
    return cache_dir() / kind / f"{hashlib.sha256(name.encode()).hexdigest()[:32]}.marshal"


def _seal(key: str, payload: bytes | memoryview) -> bytes:
    """What a blob's first 32 bytes must be: a digest of quizgen's code and of the key the
    blob was stored under (20 bytes of SHA-256), then the payload's length and CRC-32.

    The CRC tells a damaged payload from a whole one as surely as a digest of it would (the
    cache is no defence against someone who can write in it either way) and costs nothing:
    ISA-L's takes 1 ms for the 20 MB of entries an edit build reads, SHA-256 took 11."""
    from isal import isal_zlib

    head = hashlib.sha256(f"{code_digest()}\n{key}\n".encode()).digest()[:20]
    size = len(payload).to_bytes(8, "little")
    return head + size + isal_zlib.crc32(payload).to_bytes(4, "little")


def read_blob(kind: str, name: str, key: str) -> Any:
    """The plain data (lists, strings, numbers: what `marshal` stores) last written as blob
    `kind`/`name` under `key`, or None: absent, stored under another key or by other code,
    or damaged (its seal, a digest of every byte, fails). Quick to load, unlike a pickle:
    the caller rebuilds its objects from it, and checks its shape."""
    try:
        return _read_sealed(_blob(kind, name), key)
    except Exception:  # damaged, foreign, unreadable: a miss, never a failure
        return None


def write_blob(kind: str, name: str, key: str, value: Any) -> None:
    """Store plain data as blob `kind`/`name` under `key`; one that cannot be written is simply
    not written."""
    try:
        path = _blob(kind, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_sealed(path, key, value)
    except Exception:  # a cache is an optimisation, never a failure
        pass


def forget_blob(kind: str, name: str) -> None:
    """Remove a blob, if there is one."""
    with contextlib.suppress(OSError):
        _blob(kind, name).unlink(missing_ok=True)


def _read_sealed(path: Path, key: str) -> Any:
    """The plain data `_write_sealed` stored at `path` under `key`, or None when the seal
    fails (stored under another key, by other code, or damaged). Raises OSError or
    ValueError when the file cannot be read."""
    import marshal

    data = path.read_bytes()
    payload = memoryview(data)[32:]
    if len(data) < 32 or data[:32] != _seal(key, payload):
        return None
    return marshal.loads(payload)


def _write_sealed(path: Path, key: str, value: Any) -> None:
    """Replace `path` with the plain data `value` (what `marshal` stores), sealed under `key`.
    Raises OSError, or ValueError for a value marshal cannot store."""
    import marshal

    payload = marshal.dumps(value)
    _write(path, _seal(key, payload), payload)


# Per-source entries --------------------------------------------------------------------------


@dataclass(frozen=True)
class _SourceEntry:
    source: Source
    problems: list[Problem]  # warnings only: a file with errors is not cached
    paper: str  # the source's `paper` once loaded with the others, which the draft shows
    draft: Draft
    # The Anki note of each card of the draft as stored, as a build made it: notes[i] is the
    # note of draft.cards[i] (one list, not 30,000 pairs: quicker to load). A card whose
    # options are drawn anew is another object, whose note is not reused: `Sources` keeps the
    # cards as loaded, before the expansion replaces any, to tell.
    notes: list[Note] | None = None


class Sources:
    """What each source file of one project compiled to last time, reused for the files that
    did not change: the loaded source, its problems and its draft cards (`expand.draft`).

    Each file's entry is keyed by its path and bytes, the bytes of deck.yaml and of every
    template file, and quizgen's code (a source is read against the kinds: a template edit
    reloads every source). What spans sources is never cached: the loader's checks across
    files (ids, paper names), the multiple-choice options (drawn from every source's answers)
    and the checks of `checks.structural` run on the whole project every time.

    `read` is the loader's `read_source`; `drafts` gives the drafts that still hold once the
    project is loaded, and `drafted` takes every draft the expansion used; `known_notes` are
    the notes a build may reuse; `save` stores the entries that changed, after a compilation
    without errors."""

    def __init__(self, root: Path, digests: dict[Path, str]) -> None:
        self.digests = {str(path): digest for path, digest in digests.items()}
        shared = hashlib.sha256(f"{code_digest()}\n{_spelling(root)}\n".encode())
        for path, digest in digests.items():
            if path.parent.name != "sources" or path.parent.parent != root:  # deck, templates
                shared.update(f"{path.relative_to(root).as_posix()} {digest}\n".encode())
        self._shared = shared.hexdigest()
        self._folder = cache_dir() / "sources" / _name(_spelling(root))
        self._hits: dict[str, _SourceEntry] = {}  # by path
        self._loaded: dict[str, list[Card]] = {}  # by path: a hit's draft cards, as loaded
        self._fresh: dict[str, Source] = {}  # by path: loaded now, without a problem
        self._problems: dict[str, list[Problem]] = {}
        self._drafts: dict[str, Draft] = {}  # by source id: what the expansion used

    def _key(self, path: str) -> str:
        return _name(f"{self._shared}\n{path}\n{self.digests.get(path)}", 64)

    def _file(self, path: str) -> Path:
        return self._folder / f"{_name(path)}.entry"

    def read(self, path: Path, kinds: Any, problems: list[Problem]) -> Source | None:
        """The source at `path` as `loader.load_source` reads it, from the cache if it can."""
        from quizgen import loader

        where = str(path)
        entry = self._entry(where)
        if entry is not None:
            problems.extend(entry.problems)
            self._hits[where] = entry
            self._loaded[where] = list(entry.draft.cards)  # (the expansion may replace some)
            return entry.source
        mine: list[Problem] = []
        source = loader.load_source(path, kinds, mine)
        problems.extend(mine)
        if source is not None and not any(not p.warning for p in mine):
            self._fresh[where] = source
            self._problems[where] = mine
        return source

    def _entry(self, path: str) -> _SourceEntry | None:
        try:
            stored = _read_sealed(self._file(path), self._key(path))
            return None if stored is None else _unpacked(stored)
        except Exception:  # damaged, foreign, of older code: a miss, never a failure
            return None

    def drafts(self, project: Project) -> dict[str, Draft]:
        """The cached drafts that `project`'s sources still make: of a file that did not
        change, and whose paper is still named as it was."""
        out = {}
        for source in project.sources:
            entry = self._hits.get(source.path)
            if entry is not None and entry.paper == source.paper:
                out[source.id] = entry.draft
        return out

    def drafted(self, drafts: dict[str, Draft]) -> None:
        """Every source's draft, by source id, as the expansion used (and updated) them."""
        self._drafts = drafts

    def _current(self, source: Source) -> _SourceEntry | None:
        """The cached entry of `source`, if its draft is the one in use."""
        hit = self._hits.get(source.path)
        draft = self._drafts.get(source.id)
        return hit if hit is not None and draft is not None and hit.draft is draft else None

    def known_notes(self, project: Project) -> dict[str, tuple[list[Card], list[Note]]]:
        """The notes made last time, by source id, each with the card it was made of: a
        build reuses one only for that very card (see `notes.notes_for`)."""
        known: dict[str, tuple[list[Card], list[Note]]] = {}
        for source in project.sources:
            entry = self._current(source)
            if entry is not None and entry.notes is not None:
                cards = self._loaded[source.path]
                if len(cards) == len(entry.notes):
                    known[source.id] = (cards, entry.notes)
        return known

    def save(
        self,
        project: Project,
        cards: Sequence[Card] | None = None,
        notes: Sequence[Note] | None = None,
    ) -> None:
        """Store the entries of the sources that were loaded, drafted, given options or notes
        anew (the notes of `cards`, when given), and forget those of files the project no
        longer has. Call only when the project has no errors."""
        noted: dict[str, tuple[list[Card], list[Note]]] = {}
        for card, note in zip(cards or (), notes or (), strict=True):
            of_source = noted.get(card.source)
            if of_source is None:
                of_source = noted[card.source] = ([], [])
            of_source[0].append(card)
            of_source[1].append(note)
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            for source in project.sources:
                hit = self._current(source)
                made = self._drafts[source.id]
                if notes is None:  # none made: those stored still hold if no card was redrawn
                    kept = self._loaded.get(source.path)
                    stored = hit.notes if hit is not None and kept is not None else None
                    made_notes = stored if stored is not None and _is(kept, made.cards) else None
                    if hit is not None and not made.redrawn:
                        continue
                else:
                    made_cards, made_notes = noted.get(source.id, ([], []))
                    if not _is(made_cards, made.cards):  # (not the draft's: not stored)
                        made_notes = None
                    if hit is not None and not made.redrawn and _is(hit.notes, made_notes):
                        continue
                entry = self._hits.get(source.path)
                loaded = entry.source if entry is not None else self._fresh.get(source.path)
                if loaded is None or self._changed(source.path):
                    continue
                problems = entry.problems if entry is not None else self._problems[source.path]
                made.redrawn = False  # as stored
                stored_entry = _SourceEntry(loaded, problems, source.paper, made, made_notes)
                _write_sealed(
                    self._file(source.path), self._key(source.path), _packed(stored_entry)
                )
            keep = {self._file(path).name for path in self.digests}
            for old in self._folder.iterdir():
                if old.name not in keep:
                    old.unlink(missing_ok=True)
        except Exception:  # a cache is an optimisation, never a failure
            pass

    def _changed(self, path: str) -> bool:
        """Whether the file's bytes changed while it was being compiled: its entry would then
        be stored under the digest of other bytes."""
        try:
            data = read_bytes(Path(path))
        except InputError:
            return True
        return hashlib.sha256(data).hexdigest() != self.digests.get(path)


def _is(these: Sequence[object] | None, those: Sequence[object] | None) -> bool:
    """Whether two lists hold the very same objects, in the same order."""
    import operator

    if these is None or those is None:
        return these is those
    return len(these) == len(those) and all(map(operator.is_, these, those))


def _name(text: str, length: int = 24) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


# An entry is stored as plain data (tuples of field values, in field order) that `marshal`
# writes and reads, sealed like a blob (`_seal`): unpickling 30,000 cards and notes, each a
# class looked up and a dict of its fields rebuilt, took a third of an edit build (0.25-0.3 s
# at 10k facts); reading, sealing and rebuilding the tuples here, under half of that. The
# seal, made with the entry's key and quizgen's code, turns any damaged or foreign file into a
# miss; a shape that is still wrong fails the rebuilding below (a wrong number of fields),
# also a miss.


_T = TypeVar("_T")


def _fields(cls: type) -> tuple[str, ...]:
    import dataclasses

    return tuple(f.name for f in dataclasses.fields(cls))


def _packed(entry: _SourceEntry) -> tuple[Any, ...]:
    """The plain data `_unpacked` rebuilds `entry` from."""
    from quizgen.model import Card, Source

    def values(obj: object, names: tuple[str, ...]) -> tuple[Any, ...]:
        return tuple(map(obj.__dict__.__getitem__, names))

    card_names = Card._fields
    source = dict(zip(_fields(Source), values(entry.source, _fields(Source)), strict=True))
    source["facts"] = tuple(map(tuple, entry.source.facts))  # (Fact's fields, in order)
    at = card_names.index("cloze")  # segments stored as (text, hidden) pairs
    cards = []
    for card in entry.draft.cards:
        row = tuple(card)
        if card.cloze:
            row = (*row[:at], tuple(map(tuple, card.cloze)), *row[at + 1 :])
        cards.append(row)
    note_rows = None
    if entry.notes is not None:  # (not their fields: see notes.LaterFields)
        note_rows = tuple(
            (n.card_id, n.type, n.deck, n.tags, n.hash, n.retired, n._guid) for n in entry.notes
        )
    return (
        tuple(source.values()),
        tuple((p.path, p.line, p.message, p.warning, p.setting) for p in entry.problems),
        entry.paper,
        tuple(cards),
        entry.draft.folded,
        entry.draft.drawn,
        entry.draft.pools,
        (
            entry.draft.choice_at,
            entry.draft.keys,
            entry.draft.drawn_from,
            entry.draft.foreign,
            entry.draft.fit,
        ),
        note_rows,
    )


def _unpacked(data: Any) -> _SourceEntry:
    """The entry `_packed` gave `data`; raises (ValueError, TypeError, ...) when `data` is not
    of that shape. The source is made with its dict filled in; facts and cards are named
    tuples, made from their rows."""
    from quizgen.anki.notes import LaterFields, Note
    from quizgen.errors import Problem
    from quizgen.expand import Draft
    from quizgen.model import Source

    source_row, problem_rows, paper, card_rows, folded, drawn, pools, summary, note_rows = data
    choice_at, keys, drawn_from, foreign, fit = summary
    if not (
        isinstance(paper, str)
        and isinstance(folded, list)
        and isinstance(drawn, dict)
        and (pools is None or isinstance(pools, dict))
        and isinstance(choice_at, tuple)
        and type(keys) is bytes
        and (drawn_from is None or isinstance(drawn_from, frozenset))
        and type(foreign) is bool
        and (fit is None or type(fit) is bool)
    ):
        raise TypeError("not an entry")
    source_names = _fields(Source)
    facts = _facts(source_row[source_names.index("facts")])
    source = _built(Source, source_names, (source_row,))[0]
    source.__dict__["facts"] = tuple(facts)
    problems = [Problem(*row) for row in problem_rows]
    cards = _cards(card_rows)
    if (
        not len(folded) == len(keys) // 8 == len(cards)
        or len(keys) % 8
        or not all(0 <= i < len(cards) for i in choice_at)
    ):
        raise ValueError("not an entry")
    notes = None
    if note_rows is not None:
        if len(note_rows) != len(cards):  # (notes[i] is the note of cards[i])
            raise ValueError("not an entry")
        later = LaterFields(tuple(cards), source)  # (as stored: the expansion may replace some)
        new = Note.__new__
        notes = []
        for at, row in enumerate(note_rows):
            note = new(Note)
            note.card_id, note.type, note.deck, note.tags, note.hash, note.retired, note._guid = row
            note._fields = later
            note._at = at
            notes.append(note)
    made = Draft(cards, folded, drawn, False, pools, choice_at, keys, drawn_from, foreign, fit)
    return _SourceEntry(source, problems, paper, made, notes)


def _built(cls: type[_T], names: tuple[str, ...], rows: Any) -> list[_T]:
    """An object of the frozen dataclass `cls` per row of field values (in field order)."""
    new = cls.__new__
    out = []
    for row in rows:
        obj = new(cls)
        obj.__dict__.update(zip(names, row, strict=True))
        out.append(obj)
    return out


def _facts(rows: Any) -> list[Fact]:
    """The facts of their stored rows (Fact's fields in order)."""
    from quizgen.model import Fact

    width = len(Fact._fields)
    if not all(len(row) == width for row in rows):
        raise ValueError("not a fact")
    return list(map(functools.partial(tuple.__new__, Fact), rows))


def _cards(rows: Any) -> list[Card]:
    """The cards of their stored rows (Card's fields in order, each cloze segment a
    (text, hidden) pair): a third of a project's cards are clozes."""
    from quizgen.model import Card
    from quizgen.template import Segment

    width = len(Card._fields)
    at = Card._fields.index("cloze")
    make_segment = functools.partial(tuple.__new__, Segment)  # (Segment._make, from C)
    new = functools.partial(tuple.__new__, Card)
    cards = []
    for row in rows:
        if len(row) != width:
            raise ValueError("not a card")
        if row[at]:
            row = (*row[:at], tuple(map(make_segment, row[at])), *row[at + 1 :])
        cards.append(new(row))
    return cards
