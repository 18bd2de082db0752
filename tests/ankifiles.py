"""Small Anki collections and packages made on the fly, in the layouts Anki writes, for tests
of `quizgen import` that need exact control over the review log (the official `anki` package
drives the end-to-end tests in test_history_anki.py)."""

from __future__ import annotations

import sqlite3
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import zstandard

from quizgen.anki.package import guid_for

# Just the columns quizgen reads, in the tables Anki has (schema 11 and 18 alike).
SCHEMA = """
CREATE TABLE col (id INTEGER PRIMARY KEY, crt INTEGER, mod INTEGER, scm INTEGER, ver INTEGER);
CREATE TABLE notes (id INTEGER PRIMARY KEY, guid TEXT, mid INTEGER, flds TEXT);
CREATE TABLE cards (id INTEGER PRIMARY KEY, nid INTEGER, did INTEGER, ord INTEGER);
CREATE TABLE revlog (id INTEGER PRIMARY KEY, cid INTEGER, usn INTEGER, ease INTEGER,
                     ivl INTEGER, lastIvl INTEGER, factor INTEGER, time INTEGER, type INTEGER);
"""
DAY_MS = 86_400_000
T0 = 1_795_000_000_000  # 2026-11-17, in ms: Anki's review log ids are times


def quizgen_note(note_id: int, card_id: str, *, guid: str | None = None) -> tuple:  # type: ignore[type-arg]
    """A note as `build` writes it: GUID from the card id, the card id in the last field."""
    fields = "\x1f".join(("Front", "Back", "", "", "", "", "", card_id))
    return (note_id, guid or guid_for(card_id), 1, fields)


def collection(
    path: Path,
    notes: Iterable[tuple],  # type: ignore[type-arg]
    revlog: Iterable[tuple[int, int, int, int, int, int]],
    *,
    cards: Sequence[tuple[int, int, int]] | None = None,
    schema: int = 11,
    wal: bool = False,
) -> Path:
    """An SQLite collection. Each note gets one card (id = note id + 1000, template 0)
    unless `cards` says otherwise; revlog rows are (id, card, ease, type, time, factor)."""
    notes = list(notes)
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.executescript(SCHEMA)
    conn.execute("INSERT INTO col VALUES (1, 0, 0, 0, ?)", (schema,))
    conn.executemany("INSERT INTO notes VALUES (?, ?, ?, ?)", notes)
    if cards is None:
        cards = [(n[0] + 1000, n[0], 0) for n in notes]
    conn.executemany("INSERT INTO cards VALUES (?, ?, 1, ?)", cards)
    conn.executemany(
        "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, type, time, factor) "
        "VALUES (?, ?, -1, ?, 0, 0, ?, ?, ?)",
        [(i, c, ease, kind, ms, factor) for i, c, ease, kind, ms, factor in revlog],
    )
    conn.commit()
    conn.close()
    return path


def meta(version: int) -> bytes:
    """Anki's PackageMetadata protobuf: field 1 (varint) = version."""
    return bytes([0x08, version])


def package(
    path: Path, db: Path, *, version: int | None = 3, extra: dict[str, bytes] | None = None
) -> Path:
    """A .colpkg/.apkg holding `db`: version 3 zstd-compressed as collection.anki21b (with the
    stub collection.anki2 Anki writes beside it), 2 as collection.anki21, 1 or None (no meta)
    as collection.anki2."""
    data = db.read_bytes()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        if version is not None:
            z.writestr("meta", meta(version))
        if version == 3:
            z.writestr("collection.anki21b", zstandard.ZstdCompressor().compress(data))
            z.writestr("collection.anki2", b"stub: please update Anki")
        elif version == 2:
            z.writestr("collection.anki21", data)
        else:
            z.writestr("collection.anki2", data)
        z.writestr("media", b"")
        for name, content in (extra or {}).items():
            z.writestr(name, content)
    return path
