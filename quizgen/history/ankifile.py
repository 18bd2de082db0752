"""Reading what Anki writes: a collection package (.colpkg), a deck package (.apkg) or a
profile's collection file (collection.anki2), into plain data about notes, cards and reviews.

A package is a zip. Its `meta` entry (a protobuf message with one enum field, `version`) says
which collection it holds, as Anki's rslib/src/import_export/package/meta.rs reads it:

    1 legacy 1   collection.anki2    plain SQLite
    2 legacy 2   collection.anki21   plain SQLite
    3 latest     collection.anki21b  SQLite compressed with zstd (the collection.anki2 beside
                                     it is a stub asking for a newer Anki)

and a package without `meta` holds collection.anki21 if it has one, else collection.anki2. Any
other version is from a newer Anki, which Anki itself refuses too.

The learner's files are only ever read. A package's collection is unpacked into a private
temporary folder (under a size cap, so a zip or zstd bomb stops early), and a collection file
is copied from a read-only connection with SQLite's backup API: a consistent snapshot, even
while another program is writing to it. Everything after that reads the copy.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import zipfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from quizgen.errors import InputError

MAX_COLLECTION_BYTES = 4 << 30  # 4 GiB unpacked: far above any real collection's reviews
SCHEMAS = (11, 18)  # the collection schema versions Anki has written, oldest to newest
BUSY_TIMEOUT = 10.0  # seconds to wait for a program writing to the collection
_SQLITE = b"SQLite format 3\x00"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_QUIZGEN_APP_ID = 0x717A6731
_CHUNK = 1 << 20
_TABLES = {"col", "notes", "cards", "revlog"}
_MEMBERS = {1: "collection.anki2", 2: "collection.anki21", 3: "collection.anki21b"}
_LATEST = 3
_OLDER = 'export it again from Anki with "Support older Anki versions" ticked'


@dataclass(frozen=True, slots=True)
class RevlogEntry:
    """One row of Anki's review log. `id` is the time of the answer in ms since the epoch;
    `kind` is 0 learn, 1 review, 2 relearn, 3 filtered (cram), 4 manual, 5 rescheduled;
    `ease` is the button (1 Again to 4 Easy; 0 for entries made without an answer); `factor`
    is 0 for an answer in a filtered deck that does not reschedule."""

    id: int
    card: int
    ease: int
    kind: int
    duration_ms: int
    factor: int


@dataclass(frozen=True)
class AnkiHistory:
    """What quizgen needs from a collection: its notes (id, GUID, fields joined by \\x1f), its
    cards (id -> (note id, template ordinal)) and its review log in time order."""

    format: str
    schema: int
    notes: list[tuple[int, str, str]]
    cards: dict[int, tuple[int, int]]
    revlog: list[RevlogEntry]


def read_history(path: Path, *, limit: int | None = None) -> AnkiHistory:
    """Read an Anki export or collection file. Raises InputError (`path: message`) when the
    file is not one, is damaged or truncated, is from a newer Anki, or has no reviews.
    `limit` caps the unpacked collection (default MAX_COLLECTION_BYTES)."""
    path = Path(path)
    limit = MAX_COLLECTION_BYTES if limit is None else limit
    head = _head(path)
    with tempfile.TemporaryDirectory(prefix="quizgen-import-") as tmp:
        copy = Path(tmp) / "collection.sqlite3"
        if head.startswith(_ZIP):
            kind = _unpack(path, copy, limit)
        elif head.startswith(_SQLITE):
            _snapshot(path, copy)
            kind = "collection file"
        else:
            raise _error(
                path,
                "not an Anki file: expected a .colpkg or .apkg package (a zip file) or a "
                "collection.anki2 (an SQLite database)",
            )
        return _read_collection(path, copy, kind)


def _error(path: Path, message: str) -> InputError:
    return InputError.single(path, message)


def _head(path: Path) -> bytes:
    if path.is_dir():
        raise _error(
            path, "is a folder; give an exported .colpkg or .apkg, or a profile's collection.anki2"
        )
    try:
        with open(path, "rb") as f:
            return f.read(len(_SQLITE))
    except FileNotFoundError:
        raise _error(path, "no such file") from None
    except OSError as exc:
        raise _error(path, f"cannot read the file: {exc.strerror}") from None


# -- packages ----------------------------------------------------------------------------------


def _unpack(path: Path, dest: Path, limit: int) -> str:
    """Write the package's collection to `dest` (only ever that file); return its format."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            version = _version(path, archive) if "meta" in names else None
            if version is None:
                version = 2 if _MEMBERS[2] in names else 1
            member = _MEMBERS[version]
            if member not in names:
                raise _error(path, f"package has no {member}: it is damaged, or not an Anki export")
            info = archive.getinfo(member)
            if info.file_size > limit:  # what the zip layer may inflate to: it stops there
                raise _too_big(path, limit)
            with archive.open(info) as src, open(dest, "wb") as out:
                if version == _LATEST:
                    _unzstd(path, src, out, limit)
                else:
                    _copy(path, src, out, limit)
    except zipfile.BadZipFile as exc:
        raise _error(path, f"damaged or truncated package (not a whole zip file: {exc})") from None
    except (EOFError, zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
        raise _error(path, f"damaged or truncated package ({exc})") from None
    return "package (current format, zstd)" if version == _LATEST else "package (older format)"


def _version(path: Path, archive: zipfile.ZipFile) -> int:
    """The package version from `meta`: a protobuf message whose field 1 is a varint enum."""
    with archive.open("meta") as f:
        data = f.read(4096)
    version = 0
    i = 0
    try:
        while i < len(data):
            key, i = _varint(data, i)
            field, wire = key >> 3, key & 7
            if wire == 0:
                value, i = _varint(data, i)
                if field == 1:
                    version = value
            elif wire == 2:
                size, i = _varint(data, i)
                i += size
            elif wire == 1:
                i += 8
            elif wire == 5:
                i += 4
            else:
                raise ValueError(wire)
    except (IndexError, ValueError):
        raise _error(path, "damaged package: its meta entry is not Anki's") from None
    if version not in _MEMBERS:
        raise _error(
            path,
            f"package is from a newer Anki than quizgen reads (package version {version}); "
            + _OLDER,
        )
    return version


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _too_big(path: Path, limit: int) -> InputError:
    return _error(
        path,
        f"the collection inside is larger than {limit >> 20} MiB unpacked; quizgen stops there "
        "(a damaged or hostile file?)",
    )


def _copy(path: Path, src: IO[bytes], out: IO[bytes], limit: int) -> None:
    """Copy at most `limit` bytes, counting what is really read, not what the zip claims."""
    total = 0
    while chunk := src.read(_CHUNK):
        total += len(chunk)
        if total > limit:
            raise _too_big(path, limit)
        out.write(chunk)


def _unzstd(path: Path, src: IO[bytes], out: IO[bytes], limit: int) -> None:
    import zstandard

    try:
        reader = zstandard.ZstdDecompressor().stream_reader(src, read_across_frames=True)
        _copy(path, reader, out, limit)
    except zstandard.ZstdError:
        raise _error(path, "damaged package: its collection is not valid zstd data") from None


# -- collection files --------------------------------------------------------------------------


def _snapshot(path: Path, dest: Path) -> None:
    """Copy a collection that a program may have open, creating nothing beside it.

    In WAL mode (Anki's) with no write-ahead log beside the file, no one has changes pending
    and writers only ever append to a new log: the file's bytes are the whole database, so
    they are copied as they are (and again through SQLite if a log appeared meanwhile).
    Otherwise a read-only connection copies it with SQLite's backup API, which reads one
    consistent state while another program writes."""
    wal = Path(f"{path}-wal")
    if _head_bytes(path, 20)[18:20] == b"\x02\x02" and not wal.exists():
        try:
            shutil.copyfile(path, dest)
        except OSError as exc:
            raise _error(path, f"cannot read the file: {exc.strerror}") from None
        if not wal.exists():
            return
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        _backup(uri, dest)
    except sqlite3.Error as exc:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            raise _error(
                path,
                "is locked by Anki (Anki locks the collection it has open): close Anki or "
                "switch to another profile, or export a .colpkg (File > Export) and import that",
            ) from None
        raise _sqlite_error(path, exc) from None


def _head_bytes(path: Path, size: int) -> bytes:
    with open(path, "rb") as f:
        return f.read(size)


def _backup(uri: str, dest: Path) -> None:
    with (
        closing(sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None)) as src,
        closing(sqlite3.connect(dest)) as dst,
    ):
        dst.execute("PRAGMA synchronous = OFF")  # a private temporary copy: no need to fsync
        # Take the read lock first, waiting at most the busy timeout: the backup then copies
        # within this one read transaction (sqlite3's backup alone retries a locked source
        # forever).
        src.execute("BEGIN")
        src.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        src.backup(dst)
        src.execute("COMMIT")


def _sqlite_error(path: Path, exc: sqlite3.Error) -> InputError:
    text = str(exc).lower()
    if "not a database" in text or "encrypted" in text:
        return _error(path, "damaged: the collection is not a readable SQLite database")
    if "malformed" in text or "corrupt" in text:
        return _error(path, f"damaged or truncated collection ({exc})")
    return _error(path, f"cannot read the collection ({exc})")


def _read_collection(path: Path, copy: Path, kind: str) -> AnkiHistory:
    if _head(copy) != _SQLITE:
        raise _error(path, "damaged: the collection inside is not an SQLite database")
    try:
        # immutable: the copy is private, so SQLite need not lock or look for a journal
        with closing(sqlite3.connect(f"{copy.as_uri()}?mode=ro&immutable=1", uri=True)) as conn:
            return _read_tables(path, conn, kind)
    except sqlite3.Error as exc:
        raise _sqlite_error(path, exc) from None


def _read_tables(path: Path, conn: sqlite3.Connection, kind: str) -> AnkiHistory:
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not tables >= _TABLES:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id == _QUIZGEN_APP_ID:
            raise _error(path, "is a quizgen review history, not an Anki file (give it as --state)")
        raise _error(path, "is an SQLite database but not an Anki collection")
    (schema,) = conn.execute("SELECT ver FROM col").fetchone() or (0,)
    if schema > SCHEMAS[1]:
        raise _error(
            path, f"collection schema {schema} is newer than quizgen reads (up to "
            f"{SCHEMAS[1]}); update quizgen, or " + _OLDER,
        )  # fmt: skip
    if schema < SCHEMAS[0]:
        raise _error(
            path, f"collection schema {schema} is from Anki 1; open it in a current Anki first"
        )
    notes = conn.execute("SELECT id, guid, flds FROM notes").fetchall()
    cards = {cid: (nid, ord_) for cid, nid, ord_ in conn.execute("SELECT id, nid, ord FROM cards")}
    revlog = [
        RevlogEntry(*row)
        for row in conn.execute("SELECT id, cid, ease, type, time, factor FROM revlog ORDER BY id")
    ]
    if not revlog:
        raise _error(
            path,
            'has no reviews to import (a deck package needs "Include scheduling information" '
            "ticked when it is exported)",
        )
    return AnkiHistory(kind, schema, notes, cards, revlog)
