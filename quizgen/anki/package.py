"""Writing the .apkg: a SQLite collection in genanki's layout, zipped deterministically.

genanki's `Package.write_to_file` stamps every note with the build time, zips with clock-based
entry times and without compression, and leaves its temporary database behind. quizgen keeps
genanki's schema, collection row and note-type and deck JSON, but writes the notes and cards
itself (each note with its own id and modification time from the lock file, in one batched
transaction), vacuums the collection into the file it zips (so that its bytes follow from its
rows alone, however they came in: see anki.kept, which updates the last build's collection),
then zips with fixed entry times and deflate. Same entries in, same bytes out.

The schema, the collection row and the JSON of note types and decks come from genanki modules
and methods outside its public API (apkg_schema, apkg_col, Model.to_json, Deck.to_json), so
pyproject.toml pins genanki to the release line the tests import into real Anki.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sqlite3
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizgen.anki import kept
from quizgen.anki.lock import Entry
from quizgen.anki.notetypes import NOTE_TYPES, STYLE_VERSION, stable_id
from quizgen.fsutil import atomic_output, check_output_path
from quizgen.outputs import PACKAGE_ENTRIES, PACKAGE_ZIP_TIME

_GUID_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"
)
_GUID_PAIRS = [a + b for a in _GUID_ALPHABET for b in _GUID_ALPHABET]
_CHUNK = 1 << 20

if TYPE_CHECKING:
    from quizgen.anki.progress import Progress


def guid_for(card_id: str) -> str:
    """The note's GUID: genanki.guid_for(card_id), computed two base-91 digits at a time.

    Anki matches notes by GUID alone, so this must never change (a test compares the two)."""
    number = int.from_bytes(hashlib.sha256(card_id.encode()).digest()[:8], "big")
    # 64 bits are at most ten base-91 digits: five pairs, unrolled (this runs once a note)
    number, p0 = divmod(number, 8281)
    number, p1 = divmod(number, 8281)
    number, p2 = divmod(number, 8281)
    p4, p3 = divmod(number, 8281)
    pairs = _GUID_PAIRS
    # genanki writes no leading zero digit ('a')
    return (pairs[p4] + pairs[p3] + pairs[p2] + pairs[p1] + pairs[p0]).lstrip("a")


def write_package(
    entries: Sequence[Entry],
    decks: dict[str, str],
    path: Path,
    progress: Progress | None = None,
    *,
    meanwhile: Callable[[], object] | None = None,
    keep: kept.Kept | None = None,
) -> None:
    """Write `entries` as an Anki package at `path`, atomically.

    `decks` maps every deck name the entries use (and parent decks) to its description.
    `progress`, when given, schedules the cards it has studied and adds its review log. The
    collection is built in a temporary folder that is always removed.

    `keep`, a project's kept collection (see quizgen.anki.kept), is updated into this
    package's collection if it can be, to the bytes a build from scratch writes, and then
    holds this one; not with `progress`.

    `meanwhile`, when given, is called in this thread once the rows are in, while another
    thread indexes them, vacuums and zips the collection (SQLite and zlib let other Python
    code run then): a caller's own work in that time is nearly free. Its exceptions are
    raised once the package is written or has failed; a failure of the package is raised
    first."""
    check_output_path(path)
    called: list[bool] = []
    raised: list[BaseException] = []

    def once() -> None:  # meanwhile, in whichever attempt gets there first
        if meanwhile is not None and not called:
            called.append(True)
            try:
                meanwhile()
            except BaseException as exc:  # raised once the package is written
                raised.append(exc)

    keeper = keep if progress is None else None
    try:
        _write(entries, decks, path, progress, once, keeper)
    except (OSError, sqlite3.Error):
        if keeper is None:
            raise
        # The cache folder could not take the work (its disk full, say): a cache is only
        # an optimisation, so build as if there were none.
        _write(entries, decks, path, progress, once, None)
    if raised:
        raise raised[0]


def _write(
    entries: Sequence[Entry],
    decks: dict[str, str],
    path: Path,
    progress: Progress | None,
    meanwhile: Callable[[], None],
    keeper: kept.Kept | None,
) -> None:
    with contextlib.ExitStack() as stack:
        if keeper is not None:
            tmp = keeper.folder  # (beside the kept collection: this one is kept by a rename)
        else:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="quizgen-")))
        work = keeper.work if keeper is not None else tmp / "work.anki2"
        db = tmp / "collection.anki2"

        # The rows go in here: the worker below runs only long calls into SQLite and zlib,
        # which let this thread's Python run. (A thread that inserted row by row would take
        # the interpreter back at every row, and both threads would crawl.)
        conn, state_of, fresh = _collection(entries, decks, work, progress, keeper)

        unused = threading.Event()  # the working collection is vacuumed (or failed)

        def finish() -> None:
            check = _finish(conn, db, path, index=fresh, vacuumed=unused.set)
            if keeper is not None:
                keeper.made(db, check, state_of)

        failed: list[BaseException] = []

        def run() -> None:
            try:
                finish()
            except BaseException as exc:  # raised in the caller's thread, below
                failed.append(exc)
            finally:
                unused.set()

        worker = threading.Thread(target=run, name="quizgen-package")
        worker.start()
        try:
            meanwhile()
            unused.wait()
            with contextlib.suppress(OSError):  # while the package is zipped, not after (21 MB)
                work.unlink()
        finally:
            worker.join()
        if failed:
            raise failed[0]


def _finish(
    conn: sqlite3.Connection,
    db: Path,
    path: Path,
    *,
    index: bool,
    vacuumed: Callable[[], object] = lambda: None,
) -> str:
    """Index the working collection's rows (`index`: when they are new), vacuum it into `db`
    (then call `vacuumed`) and zip that to `path`. Returns `kept.file_check` of `db`."""
    try:
        if index:
            from genanki.apkg_schema import APKG_SCHEMA

            indexes = APKG_SCHEMA.split("CREATE INDEX", 1)[1]
            conn.executescript("CREATE INDEX" + indexes)  # after the rows: faster than during
        conn.commit()
        # The same bytes however the rows came in (see quizgen.anki.kept).
        conn.execute(f"PRAGMA schema_version = {kept.COOKIE}")
        conn.execute("VACUUM INTO ?", (str(db),))
    finally:
        conn.close()
    vacuumed()
    with atomic_output(path) as out:
        return _zip(db, out)


def _zip(db: Path, out: Any) -> str:
    """Zip the collection `db` into `out`; returns `kept.file_check` of `db`."""
    with zipfile.ZipFile(out, "w") as archive:
        for name, source in zip(PACKAGE_ENTRIES, (db, None), strict=True):
            # Zip entry times are local date-times with no zone: a fixed one keeps the bytes
            # stable, and with the entries' names marks a package quizgen built.
            info = zipfile.ZipInfo(name, PACKAGE_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever the platform: part of the bytes
            info.external_attr = 0o644 << 16
            # Level 1 (for zlib, were ISA-L's compressor not taken: `_deflate_with_isal`).
            # (Private name, public as compress_level since 3.13, which keeps this alias.)
            info._compresslevel = 1  # type: ignore[attr-defined]
            if source is None:
                archive.writestr(info, b"{}")
                continue
            with source.open("rb") as src, archive.open(info, "w") as dst:
                _deflate_with_isal(dst)
                shutil.copyfileobj(src, dst, _CHUNK)
            collection = info
    return kept.checked(collection.file_size, collection.CRC)


def _deflate_with_isal(entry: Any) -> None:
    """Make the zip `entry` (open for writing, nothing written yet) deflate with ISA-L, not
    zlib: at level 1, four times as fast on a 21 MB collection (13 ms against 50), for a
    package 8% larger (2.66 MB against 2.47; genanki's is 21.8). The stream is plain
    deflate, which every unzip reads. zipfile has no public way to choose its compressor: its
    writer keeps it in `_compressor` (3.10 to 3.14), replaced here before any byte goes in;
    where it is not, zlib's stays (a test would say so)."""
    from isal import isal_zlib

    if getattr(entry, "_compressor", None) is not None and entry._file_size == 0:
        entry._compressor = isal_zlib.compressobj(1, isal_zlib.DEFLATED, -15)


def _collection(
    entries: Sequence[Entry],
    decks: dict[str, str],
    work: Path,
    progress: Progress | None,
    keeper: kept.Kept | None,
) -> tuple[sqlite3.Connection, Callable[[], kept.State], bool]:
    """The working collection at `work`, in a transaction left open (`_finish` commits it, in
    whichever thread: the connection is used by one at a time); what gives what it is made
    from, to keep it; and whether its rows are all new (then not yet indexed)."""
    deck_ids = {name: stable_id(f"deck:{name}") for name in sorted(decks)}
    used = sorted({e.note.type for e in entries})
    type_ids = {key: note_type.id for key, note_type in NOTE_TYPES.items()}
    col = [sorted(decks.items()), used]

    def state_of() -> kept.State:
        return kept.State(entries, deck_ids, col)

    previous = keeper.claimed() if keeper is not None else None
    if previous is not None:
        state = state_of()
        conn = _connect(work)
        try:
            found = kept.changes(entries, previous, state)
            if found is not None:
                _apply(conn, found, type_ids, deck_ids)
                if previous.col != state.col:
                    _fill_col(conn, decks, deck_ids, used, None)
        except sqlite3.Error:  # (a file SQLite cannot update: build from scratch)
            found = None
        if found is not None:
            return conn, lambda: state, False
        conn.close()
        work.unlink(missing_ok=True)
    conn = _connect(work)
    try:
        _write_collection(conn, entries, decks, deck_ids, used, type_ids, progress)
    except BaseException:
        conn.close()
        raise
    # (made when the collection is kept: once the build's largest objects are gone)
    return conn, state_of, True


def _connect(work: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(work, check_same_thread=False)
    # The page size of a new collection, and of what `VACUUM INTO` writes from any (a kept
    # one of another size too): at 16 KiB, vacuuming 30,000 notes takes 30 ms, not 50 as at
    # SQLite's 4 KiB, and the package comes out a little smaller.
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    # A smaller page cache than SQLite's 2 MB: rows go in nearly in key order, and at 16 KiB
    # pages the default's memory was the build's peak's, for no time saved.
    conn.execute("PRAGMA cache_size = -500")
    return conn


PAGE_SIZE = 16384


def _write_collection(
    conn: sqlite3.Connection,
    entries: Sequence[Entry],
    decks: dict[str, str],
    deck_ids: dict[str, int],
    used: list[str],
    type_ids: dict[str, int],
    progress: Progress | None,
) -> None:
    """The collection's tables and rows, unindexed."""
    from genanki.apkg_schema import APKG_SCHEMA

    conn.executescript(APKG_SCHEMA.split("CREATE INDEX", 1)[0])  # the tables
    _fill_col(conn, decks, deck_ids, used, progress)
    conn.executemany(_INSERT_NOTE, _note_rows(entries, type_ids))
    # One card per note (ord 0: a cloze note hides all its blanks as c1). New cards are due
    # in source order, retired ones last. Anki keeps the scheduling of cards it already
    # has; a retired card is also suspended, which an import "with scheduling" keeps.
    studied = progress.cards if progress is not None else {}
    conn.executemany(_INSERT_CARD, _card_rows(enumerate(entries, 1), deck_ids, studied))
    if progress is not None:
        _write_progress(conn, entries, deck_ids, progress)


_INSERT_NOTE = "INSERT INTO notes VALUES (?, ?, ?, ?, -1, ?, ?, ?, 0, 0, '')"
_INSERT_CARD = "INSERT INTO cards VALUES (?, ?, ?, 0, ?, -1, 0, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0, '')"


def _apply(
    conn: sqlite3.Connection,
    found: kept.Changes,
    type_ids: dict[str, int],
    deck_ids: dict[str, int],
) -> None:
    """Replace a kept collection's rows that changed (deletes first: a new note may take the
    id of one gone)."""
    conn.executemany("DELETE FROM notes WHERE id = ?", found.stale_notes)
    conn.executemany("DELETE FROM cards WHERE id = ?", found.stale_cards)
    conn.executemany(_INSERT_NOTE, _note_rows(found.notes, type_ids))
    conn.executemany(_INSERT_CARD, _card_rows(found.cards, deck_ids, {}))


def _fill_col(
    conn: sqlite3.Connection,
    decks: dict[str, str],
    deck_ids: dict[str, int],
    used: list[str],
    progress: Progress | None,
) -> None:
    """The collection row, genanki's, with the note types and decks the entries use (and
    with progress, its settings): written anew, also over a kept collection's."""
    from genanki import Deck
    from genanki.apkg_col import APKG_COL

    home = next(iter(deck_ids.values()), 1)  # the top deck sorts first: where Anki adds notes
    models = {
        str(NOTE_TYPES[name].id): NOTE_TYPES[name].to_genanki().to_json(STYLE_VERSION, home)
        for name in used
    }
    conn.execute("DELETE FROM col")
    conn.executescript(APKG_COL)
    (decks_json, conf_json) = conn.execute("SELECT decks, conf FROM col").fetchone()
    all_decks = json.loads(decks_json)
    for name, deck_id in deck_ids.items():
        all_decks[str(deck_id)] = Deck(deck_id, name, decks[name]).to_json()
    conn.execute(
        "UPDATE col SET models = ?, decks = ?", (json.dumps(models), json.dumps(all_decks))
    )
    if progress is not None:
        from quizgen.anki.progress import COLLECTION_CONF

        conn.execute(
            "UPDATE col SET conf = ?", (json.dumps(json.loads(conf_json) | COLLECTION_CONF),)
        )


def _note_rows(entries: Sequence[Entry], type_ids: dict[str, int]) -> Iterator[tuple[Any, ...]]:
    for e in entries:
        note, record = e.note, e.record
        fields = note.fields
        tags = " ".join(note.tags)
        yield (
            record.id,
            note.guid,
            type_ids[note.type],
            record.mod,
            f" {tags} ",
            "\x1f".join(fields),
            fields[0],
        )


def _card_rows(
    placed: Iterable[tuple[int, Entry]], deck_ids: dict[str, int], studied: Mapping[str, object]
) -> Iterator[tuple[int, ...]]:
    """The cards not studied (`studied`: by card id), each due in its note's place, given
    with it: (place, entry)."""
    for due, e in placed:
        note, record = e.note, e.record
        if not studied or note.card_id not in studied:
            card_id = record.id
            queue = -1 if note.retired else 0
            yield (card_id, card_id, deck_ids[note.deck], record.mod, queue, due)


def _write_progress(
    conn: sqlite3.Connection,
    entries: Sequence[Entry],
    deck_ids: dict[str, int],
    progress: Progress,
) -> None:
    """The studied cards, scheduled, and the review log (see quizgen.anki.progress)."""
    conn.executemany(
        "INSERT INTO cards VALUES (?, ?, ?, 0, ?, -1, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?)",
        (
            (e.id, e.id, deck_ids[e.note.deck], e.mod, s.type, s.queue, s.due, s.ivl, s.factor,
             s.reps, s.lapses, s.left, s.data)
            for e in entries
            if (s := progress.cards.get(e.note.card_id)) is not None
        ),
    )  # fmt: skip
    conn.executemany(
        "INSERT INTO revlog VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)",
        (
            (r.id, r.cid, r.ease, r.ivl, r.last_ivl, r.factor, r.time, r.type)
            for r in progress.revlog
        ),
    )
