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

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

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


# Records and entries are not frozen, only for speed (see notes.Note): treat them as immutable.
@dataclass(slots=True)
class Record:
    """One line of the lock file: a note as last built, and the check digest of the line."""

    card_id: str
    type: str
    hash: str
    id: int
    mod: int
    check: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        text = f"{self.card_id}\x1f{self.type}\x1f{self.hash}\x1f{self.id}\x1f{self.mod}"
        digest = hashlib.blake2b(text.encode(), digest_size=4).hexdigest()
        self.check = digest

    def line(self) -> str:
        # Card ids are made of [a-z0-9._-/] and type keys of [a-z-]: nothing to quote.
        return (
            f'  "{self.card_id}": {{"check": "{self.check}", "hash": "{self.hash}", '
            f'"id": {self.id}, "mod": {self.mod}, "type": "{self.type}"}}'
        )


@dataclass(slots=True)
class Entry:
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


def _entry(note: Note, id: int, mod: int, status: Status) -> Entry:
    return Entry(note, Record(note.card_id, note.type, note.hash, id, mod), status)


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
    next_id = max(int(now * 1000), max((r.id for r in previous.values()), default=0) + 1)
    entries: list[Entry] = []
    for note in notes:
        old = previous.get(note.card_id)
        if old is None:
            entries.append(_entry(note, next_id, now_s, "new"))
            next_id += 1
        else:
            entries.append(_against(note, old, now_s))
    current = {note.card_id for note in notes}
    for card_id in sorted(previous.keys() - current):
        old = previous[card_id]
        entries.append(_against(retired_note(card_id, old.type, deck_of(card_id)), old, now_s))
    return entries


def _against(note: Note, old: Record, now_s: int) -> Entry:
    if note.hash == old.hash and note.type == old.type:
        return Entry(note, old, "unchanged")
    return _entry(note, old.id, max(now_s, old.mod + 1), "changed")


_HEADER = f'{{\n"about": {json.dumps(ABOUT)},\n"format": {FORMAT},\n"notes": {{'
_FOOTER = "\n}\n}\n"
# One line as Record.line writes it: the fast path of `read`.
_LINE = re.compile(
    r'  "((?:[a-z0-9][a-z0-9._-]*/){2}[a-z0-9][a-z0-9._-]*)": \{"check": "([0-9a-f]{8})", '
    r'"hash": "([0-9a-f]{16})", "id": ([1-9][0-9]{0,15}), "mod": ([1-9][0-9]{0,15}), '
    r'"type": "(' + "|".join(map(re.escape, NOTE_TYPES)) + r')"\}'
)


def render(entries: Iterable[Entry]) -> Iterator[str]:
    """The lock file's text, in pieces: stable, sorted, one note per line."""
    yield _HEADER
    separator = "\n"
    for entry in sorted(entries, key=lambda e: e.note.card_id):
        yield separator + entry.record.line()
        separator = ",\n"
    yield _FOOTER


def write(path: Path, entries: Iterable[Entry]) -> None:
    """Record a build: the lock file's text written atomically (the old file stays whole if
    writing fails). Raises OSError."""
    from quizgen.fsutil import atomic_output

    with atomic_output(path) as out:
        for piece in render(entries):
            out.write(piece.encode())


def read(path: Path) -> dict[str, Record]:
    """The notes recorded in the lock file at `path` (none when there is no file).

    Raises InputError with one line, naming the first problem, when the file is not one that
    `render` wrote: corrupt, truncated, from a newer quizgen, or edited by hand."""
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except IsADirectoryError:
        raise InputError.single(path, "is a folder; the lock file must be a file") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise InputError.single(path, f"cannot read the lock file: {reason}") from None
    records = _canonical(text)
    if records is not None:
        return records
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError.single(
            path, f"the lock file is not valid JSON ({exc.msg}); {_FIX}", exc.lineno
        ) from None
    problems: list[Problem] = []
    records = _records(data, path, text, problems)
    if problems:
        first = problems[0]
        more = f" ({len(problems) - 1} more problems like it)" if len(problems) > 1 else ""
        raise InputError([Problem(first.path, first.line, f"{first.message}{more}; {_FIX}")])
    return records


def _canonical(text: str) -> dict[str, Record] | None:
    """The records of a lock file exactly as `render` writes it, read line by line; None for
    anything else (an older layout, a reformatted or damaged file), which `read` then parses
    as JSON and checks piece by piece to say what is wrong. This path is only for speed: on a
    30,000-note lock it takes half the time."""
    if not (text.startswith(_HEADER) and text.endswith(_FOOTER)):
        return None
    body = text[len(_HEADER) : -len(_FOOTER)]
    if not body:
        return {}
    if body[0] != "\n":
        return None
    records: dict[str, Record] = {}
    ids: set[int] = set()
    for line in body[1:].split(",\n"):
        match = _LINE.fullmatch(line)
        if match is None:
            return None
        card_id, check, hash_, id_, mod, type_ = match.groups()
        record = Record(card_id, type_, hash_, int(id_), int(mod))
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
    return records


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
        record = Record(card_id, raw["type"], raw["hash"], raw["id"], raw["mod"])
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
