"""The collection of a project's last package, kept in the user cache folder, so that a build
after an edit writes only the rows that changed, and still writes the bytes a build from
scratch does.

SQLite's `VACUUM INTO` writes a database whose bytes follow from what it holds (its schema,
its rows, its header values), not from the order its rows came in or from rows deleted before.
So every package's collection is written that way (see package.write_package): a build from
scratch inserts every row into a working file and vacuums it into the package's collection; a
build with a kept collection takes it, replaces the rows whose note or card changed, and
vacuums it into the same bytes. The schema cookie, which a vacuum moves on by one, is set to
the same value first in both (`COOKIE`).

What is kept: the collection file last vacuumed, and a sealed blob (quizgen.cache.write_blob)
saying what each of its rows was made from (the note's hash, id and modification time, and
the card's deck, queue and due position), what its `col` row was made from, and the file's
size and CRC-32. A kept file that is damaged or replaced, a blob of another SQLite, genanki or
quizgen, or a blob that does not match the file is a miss: the build starts from scratch. A
build takes the file by moving it into its own work folder, so two builds never share one.
Builds with progress (whose rows come from a review history) neither use nor keep one.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import sqlite3
import tempfile
import threading
import time
import zlib
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any

from quizgen.anki.lock import Entry

COOKIE = 1000  # the collection's schema cookie before its vacuum: any fixed value does
_KIND = "packages"
_PIECE = 1 << 22
_WORK = "build-"  # the prefix of a build's work folder
_STALE = 24 * 3600
Row = tuple[str, int, int, int, int, int]  # see State.row
_MAX_SHARE = 4  # more than one row in this many changed: inserting all afresh is quicker


def folder() -> Path | None:
    """The folder kept collections live in (and builds work in, so that a finished collection
    is kept by a rename), created if need be; None when it cannot be."""
    from quizgen.cache import cache_dir

    path = cache_dir() / _KIND
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None


def _sweep(where: Path, now: float) -> None:
    """Remove the work folders of builds that were killed (a build removes its own): those
    untouched for a day, which no running build still uses."""
    with contextlib.suppress(OSError):
        for path in where.glob(f"{_WORK}*"):
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > _STALE:
                    shutil.rmtree(path, ignore_errors=True)


class State:
    """What a collection's rows are made from, entry by entry in package order (a card's due
    position is its place), and what its `col` row is made from (`col`)."""

    def __init__(self, entries: Sequence[Entry], deck_ids: dict[str, int], col: list[Any]):
        note, record = attrgetter("note"), attrgetter("record")
        notes, records = list(map(note, entries)), list(map(record, entries))
        self._card_ids: list[str] | None = list(map(attrgetter("card_id"), notes))
        self._joined: str | None = None
        self.hashes = "".join(map(attrgetter("hash"), notes))
        self.ids = array("q", map(attrgetter("id"), records))
        self.mods = array("q", map(attrgetter("mod"), records))
        self.decks = array("q", [deck_ids[n.deck] for n in notes])
        self.queues = bytes(map(attrgetter("retired"), notes))  # queue -1 for a retired note
        self.col = col

    @property
    def card_ids(self) -> list[str]:
        if self._card_ids is None:
            joined = self._joined or ""
            self._card_ids = joined.split("\n") if joined else []
        return self._card_ids

    @property
    def joined(self) -> str:
        """The card ids, one a line: one string to keep, not one per card (which a kept
        state would hold beside the build's own at its peak: 25 MB at 300k notes)."""
        if self._joined is None:
            self._joined = "\n".join(self._card_ids or ())
        return self._joined

    def row(self, i: int) -> Row:
        """What the rows at place `i` are made from: (note hash, id, mod, deck id, retired,
        due)."""
        return (
            self.hashes[16 * i : 16 * i + 16],
            self.ids[i],
            self.mods[i],
            self.decks[i],
            self.queues[i],
            i + 1,
        )

    def columns(self) -> tuple[array[int], array[int], array[int], bytes]:
        return self.ids, self.mods, self.decks, self.queues

    def dump(self, check: str) -> list[Any]:
        return [
            self.joined,
            self.hashes,
            self.ids.tobytes(),
            self.mods.tobytes(),
            self.decks.tobytes(),
            self.queues,
            self.col,
            check,
        ]

    @classmethod
    def load(cls, data: Any) -> tuple[State, str] | None:
        """The state `dump` stored with its file's check, or None when it is not of its shape."""
        if not (type(data) is list and len(data) == 8):
            return None
        joined, hashes, ids, mods, decks, queues, col, check = data
        try:
            state = cls.__new__(cls)
            state._card_ids, state._joined = None, joined
            state.hashes, state.queues, state.col = hashes, queues, col
            state.ids, state.mods = array("q", ids), array("q", mods)
            state.decks = array("q", decks)
        except (TypeError, ValueError):
            return None
        n = len(queues) if type(queues) is bytes else -1
        if not (
            type(joined) is str
            and (joined.count("\n") + 1 if joined else 0) == n
            and type(hashes) is str
            and len(hashes) == 16 * n
            and len(state.ids) == len(state.mods) == len(state.decks) == n
            and type(check) is str
        ):
            return None
        return state, check


class Kept:
    """The kept collection of the project at `root` (its absolute path names it), and a work
    folder beside it for one build, removed on `close`. `start` claims the collection in the
    background, while the build compiles; `claimed` says what it holds; `made` names the
    collection to keep in its place, on `close`."""

    def __init__(self, root: Path, where: Path) -> None:
        self.name = os.path.abspath(root)
        stem = hashlib.sha256(self.name.encode()).hexdigest()[:32]
        self.file = where / f"{stem}.anki2"
        self.folder = Path(tempfile.mkdtemp(prefix=_WORK, dir=where))
        self.work = self.folder / "work.anki2"
        self._thread: threading.Thread | None = None
        self._state: State | None = None
        self._used = False
        self._made: tuple[Path, str, Callable[[], State]] | None = None

    @classmethod
    def of(cls, root: Path) -> Kept | None:
        """The kept collection of `root`, or None when the cache folder cannot be written."""
        where = folder()
        if where is None:
            return None
        _sweep(where, time.time())
        try:
            return cls(root, where)
        except OSError:
            return None

    def __enter__(self) -> Kept:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> Kept:
        self._thread = threading.Thread(target=self._claim, name="quizgen-kept", daemon=True)
        self._thread.start()
        return self

    def claimed(self) -> State | None:
        """What the kept collection holds, now moved to `work` (a build beside this one then
        finds none); None, and no file, when nothing usable is kept."""
        if self._thread is None:
            self._claim()
        else:
            self._thread.join()
        self._used = True
        state, self._state = self._state, None  # the caller's alone: gone once diffed
        return state

    def close(self) -> None:
        """Remove the work folder; a collection claimed but never used goes back (a build
        that failed before writing leaves the next one what it found)."""
        if self._thread is not None:
            self._thread.join()
        if self._made is not None:
            db, check, state_of = self._made
            self._made = None
            self.keep(db, check, state_of())
        if self._state is not None and not self._used:
            with contextlib.suppress(OSError):
                os.replace(self.work, self.file)
        shutil.rmtree(self.folder, ignore_errors=True)

    @staticmethod
    @functools.cache
    def _key() -> str:
        """What else the bytes of a collection follow from: SQLite, and genanki's schema and
        JSON (its files, read rather than imported: importing it takes longer)."""
        import importlib.util

        digest = hashlib.sha256(f"sqlite {sqlite3.sqlite_version}\n".encode())
        spec = importlib.util.find_spec("genanki")
        for where in (spec.submodule_search_locations or []) if spec else []:
            for path in sorted(Path(where).glob("*.py")):
                digest.update(f"{path.name} ".encode() + path.read_bytes())
        return digest.hexdigest()

    def _claim(self) -> None:
        from quizgen.cache import read_blob

        try:
            loaded = State.load(read_blob(_KIND, self.name, self._key()))
            if loaded is None:
                return
            state, check = loaded
            os.replace(self.file, self.work)
            if file_check(self.work) == check:
                self._state = state
            else:
                self.work.unlink()
        except Exception:  # a cache is an optimisation, never a failure
            with contextlib.suppress(OSError):
                self.work.unlink(missing_ok=True)

    def made(self, db: Path, check: str, state_of: Callable[[], State]) -> None:
        """Keep the collection `db` (`file_check` gives `check`), made from `state_of()`, on
        `close`: a build's largest objects (its lock file's bytes, say) are gone then."""
        self._made = (db, check, state_of)

    def keep(self, db: Path, check: str, state: State) -> None:
        """Keep the collection `db` (`file_check` gives `check`), made from `state`, by moving
        it; a cache that cannot be written is simply not written."""
        from quizgen.cache import forget_blob, write_blob

        try:
            forget_blob(_KIND, self.name)  # never the new file under the old state
            os.replace(db, self.file)
        except OSError:
            return
        write_blob(_KIND, self.name, self._key(), state.dump(check))


def file_check(path: Path) -> str:
    """What tells a kept file from a damaged or replaced one: its size and CRC-32 (which the
    zip computes anyway as it writes the package: see package._zip). Read in large pieces,
    so that the thread seldom waits for the interpreter."""
    crc = size = 0
    buffer = bytearray(_PIECE)
    with path.open("rb", buffering=0) as f:
        while n := f.readinto(buffer):  # type: ignore[attr-defined]
            crc = zlib.crc32(memoryview(buffer)[:n], crc)
            size += n
    return checked(size, crc)


def checked(size: int, crc: int) -> str:
    return f"{size}:{crc:08x}"


@dataclass
class Changes:
    """The rows a kept collection needs to hold a build's: notes and cards (with their due
    places) to insert, ids of notes and cards to delete first."""

    notes: list[Entry]
    cards: list[tuple[int, Entry]]
    stale_notes: list[tuple[int]]
    stale_cards: list[tuple[int]]


def changes(entries: Sequence[Entry], kept: State, now: State) -> Changes | None:
    """What turns the rows of `kept` into those of `now` (the state of `entries`), or None
    when so much changed that inserting every row afresh is quicker."""
    gone: list[Row] = []
    compared: list[tuple[int, Row | None]]
    if kept.joined == now.joined:  # the same cards in the same places: most builds
        places = sorted(_differing(kept, now))
        compared = [(i, kept.row(i)) for i in places]
    else:
        old: dict[str, Row | None] = {c: kept.row(i) for i, c in enumerate(kept.card_ids)}
        compared = [(i, old.pop(card_id, None)) for i, card_id in enumerate(now.card_ids)]
        gone = [was for was in old.values() if was is not None]  # (after a lock file reset)
    found = Changes([], [], [], [])
    for i, was in compared:
        row = now.row(i)
        if was == row:
            continue
        if was is None or was[:3] != row[:3]:  # hash, id, mod: the note's row
            found.notes.append(entries[i])
            if was is not None:
                found.stale_notes.append((was[1],))
        if was is None or was[1:] != row[1:]:  # id, mod, deck, queue, due: the card's row
            found.cards.append((row[5], entries[i]))
            if was is not None:
                found.stale_cards.append((was[1],))
    for was in gone:
        found.stale_notes.append((was[1],))
        found.stale_cards.append((was[1],))
    if (len(found.notes) + len(found.stale_notes)) * _MAX_SHARE > len(entries) + 1:
        return None
    return found


def _differing(a: State, b: State) -> set[int]:
    """The places where two states of the same cards differ, found a block at a time (most
    blocks are equal)."""
    places: set[int] = set()
    columns: list[tuple[Any, Any, int]] = [(a.hashes, b.hashes, 16)]
    columns += [(x, y, 1) for x, y in zip(a.columns(), b.columns(), strict=True)]
    for x, y, width in columns:
        if x == y:
            continue
        step = 1024 * width
        for start in range(0, len(x), step):
            if x[start : start + step] != y[start : start + step]:
                for j in range(start, min(start + step, len(x)), width):
                    if x[j : j + width] != y[j : j + width]:
                        places.add(j // width)
    return places
