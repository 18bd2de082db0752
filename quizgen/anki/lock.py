"""The lock file, `quizgen.lock`: the history Anki's importer needs, kept next to the sources.

Anki updates a note on import only when the incoming copy has a newer modification time, and
never deletes a note. So each build needs to know, for every note ever built, its id, its
note type, a hash of its content and when that content last changed:

- an unchanged note keeps its modification time, so a rebuild of unchanged sources is
  byte-identical and importing it again changes nothing;
- a changed note gets a newer time, so Anki takes the new fields and keeps the review history;
- a note whose card left the sources is written again, retired (see notes.retired_note).

The file is committed with the sources. It is JSON, one note per line, sorted by card id, so
a diff shows which cards changed and branches that add different cards merge cleanly. Each
line ends in a check digest of the line's values: a line edited by hand fails it, and the
build refuses the file rather than guess.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import attrgetter
from pathlib import Path
from typing import Any, Literal, NamedTuple

from quizgen.anki.notes import Note, retired_note
from quizgen.anki.notetypes import NOTE_TYPES
from quizgen.errors import InputError, Problem

LOCK_NAME = "quizgen.lock"
FORMAT = 1
ABOUT = (
    "Written by `quizgen build`: every Anki note built so far, with its id and when its content "
    "last changed, so that Anki updates only what changed. Commit it; do not edit it."
)
_KEYS = {"check", "hash", "id", "mod", "type"}
_CARD_ID = re.compile(r"(?:[a-z0-9][a-z0-9._-]*/){2}[a-z0-9][a-z0-9._-]*\Z")  # as loader.ID
_HEX = re.compile(r"[0-9a-f]{16}\Z")
_MAX_ID = 2**53
_FIX = (
    "restore it from version control, or delete it to start again (every note then counts as new)"
)

Status = Literal["new", "changed", "unchanged"]
_ID, _CARD, _BY_CARD = attrgetter("id"), attrgetter("card_id"), attrgetter("note.card_id")


class Record(NamedTuple):
    """One line of the lock file: a note as last built, and the check digest of the line
    (`Record.of` makes it). A named tuple: a build reads 30,000 from the cache and makes
    as many entries of them, each in one call from C."""

    card_id: str
    type: str
    hash: str
    id: int
    mod: int
    check: str

    @classmethod
    def of(cls, card_id: str, type: str, hash: str, id: int, mod: int) -> Record:
        """The record of these values, with its check digest."""
        text = f"{card_id}\x1f{type}\x1f{hash}\x1f{id}\x1f{mod}"
        check = hashlib.blake2b(text.encode(), digest_size=4).hexdigest()
        return tuple.__new__(cls, (card_id, type, hash, id, mod, check))

    def line(self) -> str:
        # Card ids are made of [a-z0-9._-/] and type keys of [a-z-]: nothing to quote.
        return (
            f'  "{self.card_id}": {{"check": "{self.check}", "hash": "{self.hash}", '
            f'"id": {self.id}, "mod": {self.mod}, "type": "{self.type}"}}'
        )


class Entry(NamedTuple):
    """A note of this build, the record the lock file keeps of it (its id and modification
    time in Anki), and how it compares with the previous build."""

    note: Note
    record: Record
    status: Status

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def mod(self) -> int:
        return self.record.mod


_new_entry = functools.partial(tuple.__new__, Entry)  # Entry(*values), from C


def _entry(note: Note, id: int, mod: int, status: Status) -> Entry:
    return _new_entry((note, Record.of(note.card_id, note.type, note.hash, id, mod), status))


def reconcile(
    notes: Sequence[Note],
    previous: dict[str, Record],
    now: float,
    deck_of: Callable[[str], str],
) -> list[Entry]:
    """The entries of this build: current notes in card order, then retired ones by card id.

    A new note gets an id from `now` (Anki ids are creation times in milliseconds) and `now`
    as its modification time. A changed or newly retired note gets a time newer than its last
    one even if the clock says otherwise, since Anki ignores a note that is not newer.
    `deck_of(card_id)` places a retired note. Pure: time comes in as an argument."""
    now_s = int(now)
    next_id = max(int(now * 1000), max(map(_ID, previous.values()), default=0) + 1)
    entries: list[Entry] = []
    add, new_entry = entries.append, _new_entry
    for note in notes:
        old = previous.get(note.card_id)
        if old is None:
            add(_entry(note, next_id, now_s, "new"))
            next_id += 1
        elif note.hash == old.hash and note.type == old.type:  # (nearly all: `_against`)
            add(new_entry((note, old, "unchanged")))
        else:
            add(_against(note, old, now_s))
    current = set(map(_CARD, notes))
    for card_id in sorted(previous.keys() - current):
        old = previous[card_id]
        entries.append(_against(retired_note(card_id, old.type, deck_of(card_id)), old, now_s))
    return entries


def _against(note: Note, old: Record, now_s: int) -> Entry:
    if note.hash == old.hash and note.type == old.type:
        return _new_entry((note, old, "unchanged"))
    return _entry(note, old.id, max(now_s, old.mod + 1), "changed")


_HEADER = f'{{\n"about": {json.dumps(ABOUT)},\n"format": {FORMAT},\n"notes": {{'
_FOOTER = "\n}\n}\n"
# One line as Record.line writes it, and what ends it: the fast path of `read`.
_LINES = re.compile(
    r'  "((?:[a-z0-9][a-z0-9._-]*/){2}[a-z0-9][a-z0-9._-]*)": \{"check": "([0-9a-f]{8})", '
    r'"hash": "([0-9a-f]{16})", "id": ([1-9][0-9]{0,15}), "mod": ([1-9][0-9]{0,15}), '
    r'"type": "(' + "|".join(map(re.escape, NOTE_TYPES)) + r')"\}(?:,\n|\Z)'
)


def render(entries: Iterable[Entry]) -> Iterator[str]:
    """The lock file's text, in pieces: stable, sorted, one note per line."""
    yield _HEADER
    separator = "\n"
    for entry in sorted(entries, key=_BY_CARD):
        yield separator + entry.record.line()
        separator = ",\n"
    yield _FOOTER


def write(path: Path, entries: Iterable[Entry]) -> None:
    """Record a build: the lock file's text written atomically (the old file stays whole if
    writing fails). Raises OSError."""
    commit(path, prepare(path, entries))


def prepare(path: Path, entries: Iterable[Entry]) -> Iterator[bytes]:
    """The bytes `write` writes to the lock file at `path`, in pieces of about 64 KB, made as
    they are taken: at 300k notes the file is 40 MB, which a build would otherwise hold
    beside the package it writes (and line by line, its pieces would cost more than the text
    again). Once the last piece is taken, what they record is kept in the user cache folder
    under their digest (whether or not they are then written), so that a `read` of a file
    holding them need not parse it; that cache failing is no failure."""
    ordered = sorted(entries, key=_BY_CARD)
    digest = hashlib.sha256()
    lines: list[str] = []
    # (sorted already, which sorting again in `render` finds quickly)
    for piece in render(ordered):
        lines.append(piece)
        if len(lines) == _LINES_A_CHUNK:
            chunk = "".join(lines).encode()
            digest.update(chunk)
            lines.clear()
            yield chunk
    chunk = "".join(lines).encode()
    digest.update(chunk)
    yield chunk
    _remember(path, digest.hexdigest(), [e.record for e in ordered])


_LINES_A_CHUNK = 512  # lines are about 130 bytes


def commit(path: Path, chunks: Iterable[bytes]) -> None:
    """Write `prepare`'s bytes to the lock file atomically. Raises OSError."""
    from quizgen.fsutil import atomic_output

    with atomic_output(path) as out:
        out.writelines(chunks)


def stage(path: Path, chunks: Iterable[bytes]) -> Path:
    """Write `prepare`'s bytes to a new file beside the lock file at `path`, on disk, which
    the caller renames over `path` (`os.replace`) or removes. Raises OSError."""
    from quizgen.fsutil import write_beside

    return write_beside(path, chunks)


def read(path: Path) -> dict[str, Record]:
    """The notes recorded in the lock file at `path` (none when there is no file).

    Raises InputError with one line, naming the first problem, when the file is not one that
    `render` wrote: corrupt, truncated, from a newer quizgen, or edited by hand."""
    if not path.exists():
        return {}
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputError.single(path, "is a folder; the lock file must be a file") from None
    except OSError as exc:
        raise InputError.single(path, f"cannot read the lock file: {exc.strerror}") from None
    digest = hashlib.sha256(data).hexdigest()
    known = _remembered(path, digest)
    if known is not None:
        return known
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError.single(path, "cannot read the lock file: not UTF-8 text") from None
    del data  # (40 MB at 300k notes)
    if "\r" in text:  # as a text file reads: universal newlines
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    records = _canonical(text)
    if records is not None:
        _remember(path, digest, list(records.values()))
        return records
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError.single(
            path, f"the lock file is not valid JSON ({exc.msg}); {_FIX}", exc.lineno
        ) from None
    problems: list[Problem] = []
    records = _records(parsed, path, text, problems)
    if problems:
        first = problems[0]
        more = f" ({len(problems) - 1} more problems like it)" if len(problems) > 1 else ""
        raise InputError([Problem(first.path, first.line, f"{first.message}{more}; {_FIX}")])
    return records


# What a lock file in the canonical layout holds, kept in the user cache folder (see
# quizgen.cache.read_blob) under the digest of its bytes: reading 30,000 records back from
# there takes a tenth of the time parsing the file does. Each column is one string (the ids
# and dates, 8 bytes each), which loads and splits quicker than 30,000 small objects.
_KEPT = "locks"
_PART = r"[a-z0-9][a-z0-9._-]*+"  # as _CARD_ID, not backtracking: a part never holds "/"
_ONE = f"{_PART}/{_PART}/{_PART}"
_CARD_IDS = re.compile(f"(?:{_ONE}\n)*+{_ONE}")  # card ids, one a line
_HEXES = re.compile(r"[0-9a-f]*")


def _remember(path: Path, digest: str, records: list[Record]) -> None:
    """Keep `records`, in file order, as those of the lock file whose bytes have `digest`,
    if they are what `_canonical` reads back from it (else a read parses the file)."""
    from array import array

    from quizgen import cache

    card_ids = "\n".join(map(attrgetter("card_id"), records))
    types = [r.type for r in records]
    hashes = "".join(map(attrgetter("hash"), records))
    ids = array("q", map(attrgetter("id"), records))
    mods = array("q", map(attrgetter("mod"), records))
    checks = "".join(map(attrgetter("check"), records))
    n = len(records)
    if n and not (
        len(set(ids)) == n
        and min(ids) > 0
        and max(ids) < _MAX_ID
        and min(mods) > 0
        and max(mods) < _MAX_ID
        and set(types) <= NOTE_TYPES.keys()
        and len(hashes) == 16 * n
        and _HEXES.fullmatch(hashes) is not None
        and len(checks) == 8 * n
        and _HEXES.fullmatch(checks) is not None
        and _CARD_IDS.fullmatch(card_ids) is not None  # (one twice: `_remembered` refuses)
    ):
        return
    columns = [card_ids, " ".join(types), hashes, ids.tobytes(), mods.tobytes(), checks]
    cache.write_blob(_KEPT, str(path.absolute()), digest, columns)


def _remembered(path: Path, digest: str) -> dict[str, Record] | None:
    """The records `_remember` kept of the lock file whose bytes have `digest`, or None."""
    from array import array

    from quizgen import cache

    kept = cache.read_blob(_KEPT, str(path.absolute()), digest)
    if not (type(kept) is list and len(kept) == 6):
        return None
    try:
        card_ids = kept[0].split("\n") if kept[0] else []
        n = len(card_ids)
        types = kept[1].split(" ") if n else []
        hashes = [kept[2][i : i + 16] for i in range(0, 16 * n, 16)]
        ids, mods = array("q", kept[3]).tolist(), array("q", kept[4]).tolist()
        checks = [kept[5][i : i + 8] for i in range(0, 8 * n, 8)]
    except (AttributeError, TypeError, ValueError):
        return None
    if not (
        len(types) == len(ids) == len(mods) == n
        and len(kept[2]) == 16 * n
        and len(kept[5]) == 8 * n
    ):
        return None
    # (each check was made of these very values)
    rows = zip(card_ids, types, hashes, ids, mods, checks, strict=True)
    records = dict(zip(card_ids, map(functools.partial(tuple.__new__, Record), rows), strict=True))
    return records if len(records) == n else None  # (else a card id twice)


def _canonical(text: str) -> dict[str, Record] | None:
    """The records of a lock file exactly as `render` writes it, read line by line; None for
    anything else (an older layout, a reformatted or damaged file), which `read` then parses
    as JSON and checks piece by piece to say what is wrong. This path is only for speed: on a
    30,000-note lock it takes half the time."""
    if not (text.startswith(_HEADER) and text.endswith(_FOOTER)):
        return None
    # Matched in place, line after line: copies of the body and a list of its lines would
    # hold 130 MB more at 300k notes, at the build's peak.
    at, end = len(_HEADER), len(text) - len(_FOOTER)
    if at == end:
        return {}
    if text[at] != "\n" or text.endswith(",\n", 0, end):
        return None
    at += 1
    records: dict[str, Record] = {}
    ids: set[int] = set()
    for match in _LINES.finditer(text, at, end):
        if match.start() != at:
            return None  # (something between two lines)
        at = match.end()
        card_id, check, hash_, id_, mod, type_ = match.groups()
        record = Record.of(card_id, type_, hash_, int(id_), int(mod))
        if (
            record.check != check
            or card_id in records
            or record.id in ids
            or record.id >= _MAX_ID
            or record.mod >= _MAX_ID
        ):
            return None
        ids.add(record.id)
        records[card_id] = record
    return records if at == end else None


def _records(data: Any, path: Path, text: str, problems: list[Problem]) -> dict[str, Record]:
    fmt = data.get("format") if isinstance(data, dict) else None
    if isinstance(fmt, int) and not isinstance(fmt, bool) and fmt > FORMAT:
        raise InputError.single(
            path, f"written by a newer quizgen (lock format {fmt}); upgrade quizgen to build"
        )
    if (
        fmt != FORMAT
        or not isinstance(data.get("notes"), dict)
        or set(data) != {"about", "format", "notes"}
    ):
        problems.append(Problem(str(path), 1, "this is not a quizgen lock file"))
        return {}
    records: dict[str, Record] = {}
    ids: dict[int, str] = {}
    for card_id, raw in data["notes"].items():
        record = _trusted(card_id, raw)
        if record is None:
            error = _check(card_id, raw) or (
                f"the line of note '{card_id}' fails its check: it was edited by hand"
            )
        elif record.id in ids:
            error = f"notes '{ids[record.id]}' and '{card_id}' have the same id"
        else:
            ids[record.id] = card_id
            records[card_id] = record
            continue
        problems.append(Problem(str(path), _line_of(text, card_id), error))
    return records


def _trusted(card_id: str, raw: Any) -> Record | None:
    """The record on a line as `render` wrote it, or None. This is the fast path of a
    lock file with tens of thousands of lines: a line whose check digest matches its values was
    written from a valid record, so only what the digest cannot tell apart is checked (an id
    or a date written as a string or a float prints like the integer it was)."""
    if type(raw) is not dict or len(raw) != len(_KEYS):
        return None
    try:
        record = Record.of(card_id, raw["type"], raw["hash"], raw["id"], raw["mod"])
        trusted = (
            record.check == raw["check"]
            and type(record.id) is int
            and type(record.mod) is int
            and 0 < record.id < _MAX_ID
            and 0 < record.mod < _MAX_ID
            and record.type in NOTE_TYPES
            and _CARD_ID.match(card_id) is not None
            and _HEX.match(record.hash) is not None
        )
    except (KeyError, TypeError):
        return None
    return record if trusted else None


def _check(card_id: str, raw: Any) -> str | None:
    """What is wrong with the shape of one recorded note, if anything."""
    where = f"note '{card_id}'"
    if not _CARD_ID.match(card_id):
        return f"'{card_id}' is not a card id (source/fact/template)"
    if not isinstance(raw, dict) or set(raw) != _KEYS:
        return f"{where} must have exactly the keys {', '.join(sorted(_KEYS))}"
    for key in ("id", "mod"):
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < _MAX_ID:
            return f"{where} has a bad '{key}': {json.dumps(value)}"
    if not isinstance(raw["type"], str) or raw["type"] not in NOTE_TYPES:
        return f"{where} has an unknown note type {json.dumps(raw['type'])}"
    if not isinstance(raw["hash"], str) or not _HEX.match(raw["hash"]):
        return f"{where} has a bad 'hash': {json.dumps(raw['hash'])}"
    if not isinstance(raw["check"], str):
        return f"{where} has a bad 'check': {json.dumps(raw['check'])}"
    return None


def _line_of(text: str, card_id: str) -> int:
    """The line where a note is recorded (render writes one note per line)."""
    at = text.find(json.dumps(card_id) + ":")
    return text.count("\n", 0, at) + 1 if at >= 0 else 1
