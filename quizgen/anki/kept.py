"""The collection of a project's last package, kept in the user cache folder, so that a build
after an edit writes only the rows that changed, and still writes the bytes a build from
scratch does.

SQLite's `VACUUM INTO` writes a database whose bytes follow from what it holds (its schema,
its rows, its header values), not from the order its rows came in or from rows deleted before.
So every package's collection is written that way (see package.write_package): a build from
scratch inserts every row into a working file and vacuums it into the package's collection; a
build with a kept collection copies it, replaces the rows whose note or card changed, and
vacuums it into the same bytes. The schema cookie, which a vacuum moves on by one, is set to
the same value first in both (`COOKIE`).

What is kept: the collection file last vacuumed, and a sealed blob (quizgen.cache.write_blob)
saying what each of its rows was made from (the note's hash, id and modification time, and
the card's deck, queue and due position), what its `col` row was made from, and the file's
digest. A kept file that is damaged or replaced, of another SQLite or genanki, or of other
quizgen code is a miss, and the build starts from scratch. Builds with progress (whose rows
come from a review history) neither use nor keep one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quizgen.anki.lock import Entry

COOKIE = 1000  # the collection's schema cookie before its vacuum: any fixed value does
_KIND = "packages"
_CHUNK = 1 << 20
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


class State:
    """What a collection's rows are made from, entry by entry in package order (a card's due
    position is its place), and what its `col` row is made from (`col`)."""

    def __init__(self, entries: Sequence[Entry], deck_ids: dict[str, int], col: list[Any]):
        self.card_ids = [e.note.card_id for e in entries]
        self.hashes = "".join(e.note.hash for e in entries)
        self.ids = array("q", [e.record.id for e in entries])
        self.mods = array("q", [e.record.mod for e in entries])
        self.decks = array("q", [deck_ids[e.note.deck] for e in entries])
        self.queues = bytes(e.note.retired for e in entries)  # queue -1 for a retired note
        self.col = col

    def rows(self) -> dict[str, tuple[str, int, int, int, int, int]]:
        """By card id: (note hash, id, mod, deck id, retired, due)."""
        hashes = self.hashes
        return {
            card_id: (hashes[16 * i : 16 * i + 16], id_, mod, deck, retired, i + 1)
            for i, (card_id, id_, mod, deck, retired) in enumerate(
                zip(self.card_ids, self.ids, self.mods, self.decks, self.queues, strict=True)
            )
        }

    def dump(self, digest: str) -> list[Any]:
        return [
            self.card_ids,
            self.hashes,
            self.ids.tobytes(),
            self.mods.tobytes(),
            self.decks.tobytes(),
            self.queues,
            self.col,
            digest,
        ]

    @classmethod
    def load(cls, data: Any) -> tuple[State, str] | None:
        """The state `dump` stored with a file's digest, or None when it is not of its shape."""
        if not (type(data) is list and len(data) == 8):
            return None
        card_ids, hashes, ids, mods, decks, queues, col, digest = data
        try:
            state = cls.__new__(cls)
            state.card_ids, state.hashes, state.queues, state.col = card_ids, hashes, queues, col
            state.ids, state.mods = array("q", ids), array("q", mods)
            state.decks = array("q", decks)
        except (TypeError, ValueError):
            return None
        n = len(card_ids) if type(card_ids) is list else -1
        if not (
            type(hashes) is str
            and len(hashes) == 16 * n
            and type(queues) is bytes
            and len(state.ids) == len(state.mods) == len(state.decks) == len(queues) == n
            and all(type(c) is str for c in card_ids)
            and type(digest) is str
        ):
            return None
        return state, digest


class Kept:
    """The kept collection of the project at `root` (its absolute path names it)."""

    def __init__(self, root: Path, where: Path) -> None:
        self.name = os.path.abspath(root)
        stem = hashlib.sha256(self.name.encode()).hexdigest()[:32]
        self.file = where / f"{stem}.anki2"

    @staticmethod
    def _key() -> str:
        from importlib.metadata import version

        return f"sqlite {sqlite3.sqlite_version} genanki {version('genanki')}"

    def copy_to(self, work: Path) -> State | None:
        """Copy the kept collection to `work` and say what it holds; None (and no file) when
        nothing usable is kept."""
        from quizgen.cache import read_blob

        loaded = State.load(read_blob(_KIND, self.name, self._key()))
        if loaded is None:
            return None
        state, digest = loaded
        check = hashlib.sha256()
        try:
            with self.file.open("rb") as src, work.open("wb") as dst:
                while chunk := src.read(_CHUNK):
                    check.update(chunk)
                    dst.write(chunk)
        except OSError:
            work.unlink(missing_ok=True)
            return None
        if check.hexdigest() != digest:
            work.unlink(missing_ok=True)
            return None
        return state

    def keep(self, db: Path, digest: str, state: State) -> None:
        """Keep the collection `db` (whose bytes have `digest`), made from `state`, by moving
        it; a cache that cannot be written is simply not written."""
        from quizgen.cache import forget_blob, write_blob

        try:
            forget_blob(_KIND, self.name)  # never the new file under the old state
            os.replace(db, self.file)
        except OSError:
            return
        write_blob(_KIND, self.name, self._key(), state.dump(digest))

    def forget(self) -> None:
        from quizgen.cache import forget_blob

        forget_blob(_KIND, self.name)
        with contextlib.suppress(OSError):
            self.file.unlink(missing_ok=True)


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
    old = kept.rows()
    found = Changes([], [], [], [])
    hashes = now.hashes
    rows = zip(entries, now.ids, now.mods, now.decks, now.queues, strict=True)
    for i, (entry, id_, mod, deck, retired) in enumerate(rows):
        row = (hashes[16 * i : 16 * i + 16], id_, mod, deck, retired, i + 1)
        was = old.pop(entry.note.card_id, None)
        if was == row:
            continue
        if was is None or was[:3] != row[:3]:  # hash, id, mod: the note's row
            found.notes.append(entry)
            if was is not None:
                found.stale_notes.append((was[1],))
        if was is None or was[1:] != row[1:]:  # id, mod, deck, queue, due: the card's row
            found.cards.append((row[5], entry))
            if was is not None:
                found.stale_cards.append((was[1],))
    for was in old.values():  # gone from this build (only when the lock file was reset)
        found.stale_notes.append((was[1],))
        found.stale_cards.append((was[1],))
    if (len(found.notes) + len(found.stale_notes)) * _MAX_SHARE > len(entries) + 1:
        return None
    return found
