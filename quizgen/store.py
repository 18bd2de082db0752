"""The review store: every card's scheduling memory and every review, in one SQLite file.

The only module that touches SQLite. The file is marked with an application id and a schema
version (PRAGMA application_id / user_version) and upgraded in place by numbered migrations.
It runs in WAL mode with synchronous=FULL, and each answer is one IMMEDIATE transaction, so a
crash, a closed terminal or `kill -9` loses at most the answer being typed, and two sessions on
one file wait for each other (busy timeout) instead of failing or losing reviews.

A file that is not ours (another program's database, not a database at all, damaged, or from a
newer quizgen) is refused with a one-line message and never written to. Damage inside a file
whose header is sound is found by SQLite's `PRAGMA quick_check` before anything else is done
with it. The check reads the whole file (0.1-0.2 s for 100,000 reviews, over a hundred times
the cost of opening), so it runs only when the file changed since quizgen last closed it: each
close records the file's identity, size and times (`Verified`, in the user cache folder), and
an open that finds them unchanged skips it, for about 0.1 ms (benchmarks/bench_store_open.py).

A history that cannot be written (a read-only file or folder) can still be read: `open_existing`
then opens it read-only, and creates no journal files beside it.

History is keyed by card id, never by text; rows of cards that left the sources stay in the file
(hidden from sessions and counted by `quizgen stats`) and come back if the card does.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from quizgen.errors import InputError, Problem
from quizgen.scheduler import Memory, Phase

APPLICATION_ID = 0x717A6731  # "qzg1": tells our files from every other SQLite database
BUSY_TIMEOUT = 10.0  # seconds to wait for another session's write before giving up
STATE_FILE = "reviews.sqlite3"
_HEADER = b"SQLite format 3\x00"
_CHUNK = 500  # ids per `IN (...)` query, under SQLite's variable limit
_KEEP = "quizgen has not changed it"
_AFRESH = "restore a backup, or move it away to start afresh"

# Each entry upgrades the schema by one version; never edit one that has shipped, add another.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # v1: cards with their FSRS memory, and the review log.
    (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE cards (
            id TEXT PRIMARY KEY,          -- source/fact/template
            phase INTEGER NOT NULL,       -- 1 learning, 2 review, 3 relearning
            step INTEGER,
            stability REAL,
            difficulty REAL,
            due TEXT NOT NULL,            -- ISO 8601 UTC, fixed width, so text order = time order
            last_review TEXT,
            reps INTEGER NOT NULL,
            lapses INTEGER NOT NULL
        )""",
        """CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            card_id TEXT NOT NULL,
            reviewed_at TEXT NOT NULL,
            rating INTEGER NOT NULL,      -- 1 again, 2 hard, 3 good, 4 easy
            phase INTEGER NOT NULL,       -- the card's phase before this review; 0 = new
            duration_ms INTEGER,
            answer TEXT                   -- what the student typed or chose
        )""",
    ),
    # v2: remember each card's text (to flag edited cards) and when it was first studied (for
    # the daily new-card limit); backfill `introduced` from the review log.
    (
        "ALTER TABLE cards ADD COLUMN text_hash TEXT",
        "ALTER TABLE cards ADD COLUMN introduced TEXT",
        "ALTER TABLE reviews ADD COLUMN text_hash TEXT",
        """UPDATE cards SET introduced = COALESCE(
            (SELECT MIN(reviewed_at) FROM reviews WHERE reviews.card_id = cards.id),
            last_review)""",
    ),
    # v3: indexes, so that starting a session reads only what it shows, however long the history.
    (
        "CREATE INDEX cards_by_due ON cards (due)",
        "CREATE INDEX cards_by_introduced ON cards (introduced)",
        "CREATE INDEX reviews_by_card ON reviews (card_id, reviewed_at)",
        "CREATE INDEX reviews_by_time ON reviews (reviewed_at)",
    ),
    # v4: reviews imported from Anki carry the id of their entry in Anki's review log (its
    # time in ms), so importing the same export again adds nothing. One id per card: two
    # collections could share a millisecond, never for the same card.
    (
        "ALTER TABLE reviews ADD COLUMN anki_id INTEGER",
        "CREATE UNIQUE INDEX reviews_by_anki_id ON reviews (card_id, anki_id)"
        " WHERE anki_id IS NOT NULL",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(InputError):
    """The review store cannot be used; the message says why and what to do."""

    @classmethod
    def at(cls, path: str | os.PathLike[str], message: str) -> StoreError:
        return cls([Problem(str(path), 0, message)])


def default_path() -> Path:
    """reviews.sqlite3 in the platform's per-user data folder (e.g. ~/.local/share/quizgen)."""
    from platformdirs import user_data_path

    return user_data_path("quizgen", appauthor=False) / STATE_FILE


def to_text(when: datetime) -> str:
    """A fixed-width UTC timestamp, so that comparing the text compares the times."""
    if when.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return when.astimezone(timezone.utc).isoformat(timespec="microseconds")


def from_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class Entry:
    """What the store holds about one card: its memory and the text it had when last reviewed."""

    memory: Memory
    text_hash: str | None
    introduced: datetime | None


@dataclass(frozen=True)
class CardTotals:
    """Per-card review counts, for statistics."""

    reviews: int
    graded: int  # reviews made while the card was in the review phase
    passed: int  # ... of which not rated Again
    recent_graded: int  # the same two, since a given time
    recent_passed: int
    today: int


@dataclass(frozen=True)
class LoggedReview:
    """One review as the history keeps it, wherever it was made. `anki_id` is the id of the
    entry in Anki's review log it was imported from (None: made in the terminal)."""

    at: datetime
    rating: int
    duration_ms: int | None = None
    anki_id: int | None = None


@dataclass(frozen=True)
class MergeCounts:
    """What merging reviews into the history did (or, on a dry run, would do)."""

    added: int  # reviews new to the history
    present: int  # reviews it already had
    cards: int  # cards whose state was replayed from the merged log


_CARD_COLUMNS = (
    "id, phase, step, stability, difficulty, due, last_review, reps, lapses, text_hash, introduced"
)


def _entry(row: tuple) -> Entry:  # type: ignore[type-arg]
    _, phase, step, stability, difficulty, due, last, reps, lapses, text_hash, introduced = row
    memory = Memory(
        phase=Phase(phase),
        due=from_text(due),
        step=step,
        stability=stability,
        difficulty=difficulty,
        last_review=from_text(last) if last else None,
        reps=reps,
        lapses=lapses,
    )
    return Entry(memory, text_hash, from_text(introduced) if introduced else None)


def _describe(path: Path, exc: sqlite3.Error) -> StoreError:
    """Turn an SQLite error into a message a student can act on."""
    text = str(exc).lower()
    if _busy(exc):
        msg = "review store is locked by another program; close it (or the other quiz) and retry"
    elif "not a database" in text or "encrypted" in text:
        msg = f"not a quizgen review store (not an SQLite database); {_KEEP}"
    elif "malformed" in text or "corrupt" in text:
        msg = f"review store is damaged ({exc}); {_KEEP}: {_AFRESH}"
    elif "readonly" in text or "read-only" in text:
        msg = "review store is read-only; quizgen needs to write to it"
    elif "unable to open" in text:
        msg = "cannot open the review store here (check the folder exists and is writable)"
    else:
        msg = f"review store error: {exc}"
    return StoreError.at(path, msg)


class Store:
    """An open review store. Use `Store.open` (or `Store.open_existing`), and close it after."""

    def __init__(
        self, path: Path, conn: sqlite3.Connection, *, write: bool = True, verify: bool = True
    ) -> None:
        self.path = path
        self.conn = conn
        self.writable = write
        self.verify = verify
        self.failed = False  # an SQLite error since opening: the file is not vouched for
        self._recorded: list[object] | None = None  # the record found on opening

    # -- opening -------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        timeout: float = BUSY_TIMEOUT,
        make_folder: bool = False,
        verify: bool = True,
    ) -> Store:
        """Open the store at `path` for reading and writing, creating it (and upgrading an
        older one) when needed; `make_folder` creates its folder too.

        `verify=False` skips the damage check (`quick_check`), for benchmarks and tools that
        made the file themselves a moment ago."""
        path = Path(path)
        if make_folder and not path.parent.is_dir():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError.at(
                    path.parent, f"cannot create the folder for the review store: {exc.strerror}"
                ) from None
        store = cls._connect(path, timeout, create=True, write=True, verify=verify)
        assert store is not None
        return store

    @classmethod
    def open_existing(
        cls, path: Path, *, timeout: float = BUSY_TIMEOUT, verify: bool = True
    ) -> Store | None:
        """The store at `path`, or None when there is no file yet (nothing is created).

        A store that cannot be written (a read-only file, or folder) is opened read-only."""
        path = Path(path)
        writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        return cls._connect(path, timeout, create=False, write=writable, verify=verify)

    @classmethod
    def _connect(
        cls, path: Path, timeout: float, *, create: bool, write: bool, verify: bool
    ) -> Store | None:
        if path.is_dir():
            raise StoreError.at(path, "is a folder; give a file for the review store")
        if path.exists():
            _check_header(path, write)
        elif not create:
            return None
        elif not path.parent.is_dir():
            raise StoreError.at(path.parent, "folder for the review store does not exist")
        if write and not os.access(path.parent, os.W_OK):
            raise StoreError.at(
                path.parent,
                "folder of the review store is not writable; quizgen writes its journal "
                f"({path.name}-wal) beside the history as it saves each answer",
            )
        # Before SQLite opens it: opening a WAL file makes its journal appear.
        recorded = Verified.recorded(path) if verify else None
        checked = not verify or (recorded is not None and recorded == Verified.state(path))
        # Two sessions starting on a new file at once race to create it and switch it to WAL;
        # SQLite may answer "busy" without waiting then, so the whole opening is retried.
        deadline = time.monotonic() + timeout
        while True:
            try:
                # isolation_level=None: no implicit transactions; every write says BEGIN itself.
                if write:
                    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
                else:
                    conn = _connect_read_only(path, timeout)
            except sqlite3.Error as exc:
                raise _describe(path, exc) from None
            store = cls(path, conn, write=write, verify=verify)
            store._recorded = recorded
            try:
                if not store._prepare(checked):
                    conn.close()
                    return None
                return store
            except StoreError:
                conn.close()
                raise
            except sqlite3.Error as exc:
                conn.close()
                if _busy(exc) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise _describe(path, exc) from None

    def _prepare(self, checked: bool) -> bool:
        """Recognise the file, check it for damage (unless `checked`: as quizgen left it),
        switch it to WAL, and bring its schema up to date. Nothing is written before the file
        has passed every check. False: a read-only file that holds no history yet (empty)."""
        conn = self.conn
        app_id, version, has_tables = _identity(conn)
        if app_id != APPLICATION_ID and (version or has_tables):
            raise StoreError.at(
                self.path,
                f"is an SQLite database but not a quizgen review store; {_KEEP} "
                "(choose another history file)",
            )
        if version > SCHEMA_VERSION:
            raise self._too_new(version)
        if not checked:
            self._check_pages()
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if version and not {"meta", "cards", "reviews"} <= tables:
            raise StoreError.at(
                self.path, f"review store is damaged (tables are missing); {_KEEP}: {_AFRESH}"
            )
        if not self.writable:
            if not version and not has_tables:
                return False
            if version < SCHEMA_VERSION:
                raise StoreError.at(
                    self.path,
                    f"review store has schema v{version}, older than this quizgen's "
                    f"(v{SCHEMA_VERSION}), and cannot be upgraded: it is read-only; make it "
                    "writable once and quizgen upgrades it",
                )
            return True
        if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
            raise StoreError.at(self.path, "cannot switch the review store to WAL mode")
        conn.execute("PRAGMA synchronous = FULL")
        if version < SCHEMA_VERSION:
            self._migrate()
        return True

    def _check_pages(self) -> None:
        """Refuse a file whose pages are damaged though its header is sound: writing to it
        would bury the damage under new reviews. quick_check verifies every page and record of
        every table and index, without integrity_check's cross-check of indexes against their
        tables, which costs ten times as much."""
        found = [row[0] for row in self.conn.execute("PRAGMA quick_check")]
        if found != ["ok"]:
            first = " ".join(" ".join(found[:2]).split())
            first = first if len(first) <= 80 else first[:79] + "…"
            raise StoreError.at(
                self.path,
                f"review store is damaged (SQLite's quick_check: {first}); {_KEEP}: {_AFRESH}",
            )

    def _too_new(self, version: int) -> StoreError:
        return StoreError.at(
            self.path,
            f"review store has schema v{version}, newer than this quizgen knows "
            f"(v{SCHEMA_VERSION}); upgrade quizgen",
        )

    def _migrate(self) -> None:
        """Apply the missing migrations in one transaction: all of them, or none."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read inside the lock: another session may have migrated meanwhile.
            _, version, _ = _identity(conn)
            if version > SCHEMA_VERSION:
                raise self._too_new(version)
            if version == 0:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            for number in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[number - 1]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)",
                (str(SCHEMA_VERSION),),
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @property
    def version(self) -> int:
        return _identity(self.conn)[1]

    def close(self) -> None:
        """Close the file, and remember it as checked: as quizgen leaves it, it is sound."""
        self.conn.close()
        if self.verify and not self.failed:
            Verified.record(self.path, unless=self._recorded)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions --------------------------------------------------------------------------

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            self.failed = True
            raise _describe(self.path, exc) from None

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One IMMEDIATE transaction: takes the write lock first (waiting up to the busy
        timeout), so concurrent sessions serialise instead of failing half-way."""
        with self._guard():
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    # -- reading -------------------------------------------------------------------------------

    def get(self, card_id: str) -> Entry | None:
        with self._guard():
            row = self.conn.execute(
                f"SELECT {_CARD_COLUMNS} FROM cards WHERE id = ?", (card_id,)
            ).fetchone()
        return _entry(row) if row else None

    def due(
        self, now: datetime, wanted: Callable[[str], bool], limit: int
    ) -> list[tuple[str, Entry]]:
        """Up to `limit` wanted cards due at `now`, most overdue first (reads only those)."""
        found: list[tuple[str, Entry]] = []
        if limit <= 0:
            return found
        with self._guard():
            cursor = self.conn.execute(
                f"SELECT {_CARD_COLUMNS} FROM cards WHERE due <= ? ORDER BY due, id",
                (to_text(now),),
            )
            try:
                for row in cursor:
                    if wanted(row[0]):
                        found.append((row[0], _entry(row)))
                        if len(found) >= limit:
                            break
            finally:
                cursor.close()
        return found

    def next_due(self, after: datetime, wanted: Callable[[str], bool]) -> datetime | None:
        """When the first wanted card falls due after `after`, if any."""
        with self._guard():
            cursor = self.conn.execute(
                "SELECT id, due FROM cards WHERE due > ? ORDER BY due", (to_text(after),)
            )
            try:
                for card_id, due in cursor:
                    if wanted(card_id):
                        return from_text(due)
            finally:
                cursor.close()
        return None

    def unseen(
        self, ids: Iterable[str], limit: int, accept: Callable[[str], bool] = lambda _: True
    ) -> list[str]:
        """The first `limit` of `ids` (in their order) never studied and accepted by `accept`,
        which is asked about each unseen id in turn (so it may remember what it accepted)."""
        fresh: list[str] = []
        if limit <= 0:
            return fresh
        with self._guard():
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                known = {
                    row[0]
                    for row in self.conn.execute(
                        f"SELECT id FROM cards WHERE id IN ({marks})", chunk
                    )
                }
                for card_id in chunk:
                    if card_id not in known and accept(card_id):
                        fresh.append(card_id)
                        if len(fresh) == limit:
                            return fresh
        return fresh

    def introduced_since(self, since: datetime) -> int:
        """How many cards were studied for the first time at or after `since`."""
        with self._guard():
            return int(
                self.conn.execute(
                    "SELECT COUNT(*) FROM cards WHERE introduced >= ?", (to_text(since),)
                ).fetchone()[0]
            )

    def reviewed_since(self, since: datetime) -> set[str]:
        """The cards reviewed at or after `since` (reads only those reviews, by index)."""
        with self._guard():
            rows = self.conn.execute(
                "SELECT DISTINCT card_id FROM reviews WHERE reviewed_at >= ?", (to_text(since),)
            )
            return {row[0] for row in rows}

    def all_entries(self) -> Iterator[tuple[str, Entry]]:
        """Every card ever studied (statistics read them all; sessions never do)."""
        with self._guard():
            rows = self.conn.execute(f"SELECT {_CARD_COLUMNS} FROM cards").fetchall()
        for row in rows:
            yield row[0], _entry(row)

    def totals(self, recent: datetime, today: datetime) -> dict[str, CardTotals]:
        """Review counts per card: all, graded (in review phase), passed, and recent ones."""
        r, t = to_text(recent), to_text(today)
        with self._guard():
            rows = self.conn.execute(
                """SELECT card_id, COUNT(*),
                       SUM(phase = 2), SUM(phase = 2 AND rating > 1),
                       SUM(phase = 2 AND reviewed_at >= ?),
                       SUM(phase = 2 AND rating > 1 AND reviewed_at >= ?),
                       SUM(reviewed_at >= ?)
                   FROM reviews GROUP BY card_id""",
                (r, r, t),
            ).fetchall()
        return {row[0]: CardTotals(*row[1:]) for row in rows}

    def reviews(self, card_id: str) -> list[tuple[datetime, int, Phase, str | None]]:
        """One card's reviews, oldest first: (time, rating, phase before, answer)."""
        with self._guard():
            rows = self.conn.execute(
                "SELECT reviewed_at, rating, phase, answer FROM reviews "
                "WHERE card_id = ? ORDER BY reviewed_at, id",
                (card_id,),
            ).fetchall()
        return [(from_text(at), rating, Phase(phase), answer) for at, rating, phase, answer in rows]

    def review_log(self) -> list[tuple[str, datetime, int, Phase, int | None]]:
        """Every review, oldest first: (card id, time, rating, phase before, milliseconds)."""
        with self._guard():
            rows = self.conn.execute(
                "SELECT card_id, reviewed_at, rating, phase, duration_ms FROM reviews "
                "ORDER BY reviewed_at, id"
            ).fetchall()
        return [
            (cid, from_text(at), rating, Phase(phase), ms) for cid, at, rating, phase, ms in rows
        ]

    def all_reviews(self) -> Iterator[tuple[str, datetime, int]]:
        """Every review of every card: (card id, time, rating), each card's in time order."""
        with self._guard():
            rows = self.conn.execute(
                "SELECT card_id, reviewed_at, rating FROM reviews ORDER BY card_id, reviewed_at, id"
            ).fetchall()
        for card_id, at, rating in rows:
            yield card_id, from_text(at), rating

    def setting(self, key: str) -> str | None:
        """A saved setting of this history (see `save_settings`), or None."""
        with self._guard():
            row = self.conn.execute(
                "SELECT value FROM meta WHERE key = ?", (f"setting:{key}",)
            ).fetchone()
        return row[0] if row else None

    # -- writing -------------------------------------------------------------------------------

    def save_settings(self, values: dict[str, str | None]) -> None:
        """Save settings (None removes one), all in one transaction. They live in the meta
        table under `setting:`, apart from the store's own bookkeeping."""
        with self._write():
            for key, value in values.items():
                if value is None:
                    self.conn.execute("DELETE FROM meta WHERE key = ?", (f"setting:{key}",))
                else:
                    self.conn.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                        (f"setting:{key}", value),
                    )

    def merge_reviews(
        self,
        incoming: dict[str, list[LoggedReview]],
        replay: Callable[[list[tuple[datetime, int]]], list[Memory]],
        *,
        text_hashes: dict[str, str | None],
        dry_run: bool = False,
    ) -> MergeCounts:
        """Merge reviews made elsewhere (Anki) into each card's log and replay its memory.

        A review the history already has is skipped: the same Anki log id, or the same time
        (to the ms) and rating, which is how a terminal review comes back after a trip
        through Anki. Each card with new reviews gets its log merged in time order, and
        `replay` (the scheduler, a pure function of the whole log) gives the memory after
        every review: the card's new state, and the phase each review was made in.

        One transaction, holding the write lock from the first read: a review saved by a
        quiz session meanwhile is built upon, never lost. On a dry run it is rolled back."""
        added = present = replayed = 0
        with self._guard():
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                for card_id in sorted(incoming):
                    new, known = self._unseen(card_id, incoming[card_id])
                    present += known
                    if new:
                        self._replay(card_id, new, replay, text_hashes.get(card_id))
                        added += len(new)
                        replayed += 1
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("ROLLBACK" if dry_run else "COMMIT")
        return MergeCounts(added, present, replayed)

    def _unseen(self, card_id: str, reviews: list[LoggedReview]) -> tuple[list[LoggedReview], int]:
        rows = self.conn.execute(
            "SELECT reviewed_at, rating, anki_id FROM reviews WHERE card_id = ?", (card_id,)
        ).fetchall()
        ids = {anki_id for _, _, anki_id in rows if anki_id is not None}
        moments = {(_ms(from_text(at)), rating) for at, rating, _ in rows}
        new: list[LoggedReview] = []
        for r in reviews:
            moment = (_ms(r.at), r.rating)
            if (r.anki_id is not None and r.anki_id in ids) or moment in moments:
                continue
            if r.anki_id is not None:
                ids.add(r.anki_id)
            moments.add(moment)
            new.append(r)
        return new, len(reviews) - len(new)

    def _replay(
        self,
        card_id: str,
        new: list[LoggedReview],
        replay: Callable[[list[tuple[datetime, int]]], list[Memory]],
        text_hash: str | None,
    ) -> None:
        old = self.conn.execute(
            "SELECT id, reviewed_at, rating, phase FROM reviews WHERE card_id = ?", (card_id,)
        ).fetchall()
        # (time, 0 = already here / 1 = new, row id or index, rating): old first on a tie
        log = sorted(
            [(from_text(at), 0, rid, rating) for rid, at, rating, _ in old]
            + [(r.at, 1, i, r.rating) for i, r in enumerate(new)]
        )
        memories = replay([(at, rating) for at, _, _, rating in log])
        phase_of = {rid: phase for rid, _, _, phase in old}
        before: Memory | None = None
        for (at, is_new, key, rating), after in zip(log, memories, strict=True):
            phase = int(before.phase) if before else int(Phase.NEW)
            if not is_new:
                if phase_of[key] != phase:
                    self.conn.execute("UPDATE reviews SET phase = ? WHERE id = ?", (phase, key))
            else:
                r = new[key]
                self.conn.execute(
                    """INSERT INTO reviews (card_id, reviewed_at, rating, phase, duration_ms,
                                            text_hash, anki_id)
                       VALUES (?, ?, ?, ?, ?, ?, ?)""",
                    (card_id, to_text(at), rating, phase, r.duration_ms, text_hash, r.anki_id),
                )
            before = after
        assert before is not None
        self._put_card(card_id, before, text_hash, to_text(log[0][0]))

    def _put_card(self, card_id: str, m: Memory, text_hash: str | None, introduced: str) -> None:
        """Store a replayed card's memory; its text hash stays what the terminal last showed."""
        self.conn.execute(
            """INSERT INTO cards (id, phase, step, stability, difficulty, due, last_review,
                                  reps, lapses, text_hash, introduced)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (id) DO UPDATE SET
                   phase = excluded.phase, step = excluded.step,
                   stability = excluded.stability, difficulty = excluded.difficulty,
                   due = excluded.due, last_review = excluded.last_review,
                   reps = excluded.reps, lapses = excluded.lapses,
                   text_hash = COALESCE(cards.text_hash, excluded.text_hash),
                   introduced = MIN(COALESCE(cards.introduced, excluded.introduced),
                                    excluded.introduced)""",
            (
                card_id,
                int(m.phase),
                m.step,
                m.stability,
                m.difficulty,
                to_text(m.due),
                to_text(m.last_review) if m.last_review else None,
                m.reps,
                m.lapses,
                text_hash,
                introduced,
            ),
        )

    def record(
        self,
        card_id: str,
        *,
        text_hash: str,
        rating: int,
        now: datetime,
        schedule: Callable[[Memory | None], Memory],
        duration_ms: int | None = None,
        answer: str | None = None,
    ) -> Memory:
        """Log one review and store the card's new memory, in a single transaction.

        `schedule` maps the card's memory as stored *now* (None if never studied) to its next
        one; reading it inside the write lock means a concurrent session's review of the same
        card is built upon, not overwritten."""
        at = to_text(now)
        with self._write():
            row = self.conn.execute(
                f"SELECT {_CARD_COLUMNS} FROM cards WHERE id = ?", (card_id,)
            ).fetchone()
            before = _entry(row).memory if row else None
            after = schedule(before)
            self.conn.execute(
                """INSERT INTO cards (id, phase, step, stability, difficulty, due, last_review,
                                      reps, lapses, text_hash, introduced)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (id) DO UPDATE SET
                       phase = excluded.phase, step = excluded.step,
                       stability = excluded.stability, difficulty = excluded.difficulty,
                       due = excluded.due, last_review = excluded.last_review,
                       reps = excluded.reps, lapses = excluded.lapses,
                       text_hash = excluded.text_hash,
                       introduced = COALESCE(cards.introduced, excluded.introduced)""",
                (
                    card_id,
                    int(after.phase),
                    after.step,
                    after.stability,
                    after.difficulty,
                    to_text(after.due),
                    to_text(after.last_review) if after.last_review else None,
                    after.reps,
                    after.lapses,
                    text_hash,
                    at,
                ),
            )
            self.conn.execute(
                """INSERT INTO reviews (card_id, reviewed_at, rating, phase, duration_ms,
                                        answer, text_hash)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (
                    card_id,
                    at,
                    int(rating),
                    int(before.phase) if before else int(Phase.NEW),
                    duration_ms,
                    answer,
                    text_hash,
                ),
            )
        return after


def _ms(when: datetime) -> int:
    """Milliseconds since the epoch: the resolution of Anki's review log ids."""
    return int(when.timestamp() * 1000)


def _busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _identity(conn: sqlite3.Connection) -> tuple[int, int, bool]:
    """(application id, schema version, whether any table exists), read in one statement so
    in one snapshot: read apart, a session migrating the file in between showed another an
    unstamped file that already had tables, a "foreign" database."""
    app_id, version, tables = conn.execute(
        "SELECT (SELECT application_id FROM pragma_application_id),"
        " (SELECT user_version FROM pragma_user_version),"
        " EXISTS (SELECT 1 FROM sqlite_master)"
    ).fetchone()
    return int(app_id), int(version), bool(tables)


def _check_header(path: Path, write: bool) -> None:
    """Refuse, before SQLite sees it, a file that is not an SQLite database at all, and one
    that cannot be written when it must be."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(_HEADER))
    except OSError as exc:
        raise StoreError.at(path, f"cannot read the review store: {exc.strerror}") from None
    if head and head != _HEADER:
        raise StoreError.at(path, f"not a quizgen review store (not an SQLite database); {_KEEP}")
    if write and not os.access(path, os.W_OK):
        raise StoreError.at(path, "review store is read-only; quizgen needs to write to it")


def _chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    for card_id in ids:
        chunk.append(card_id)
        if len(chunk) == _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _connect_read_only(path: Path, timeout: float) -> sqlite3.Connection:
    """A read-only connection that creates no file beside the history.

    With no journal beside it (a history as quizgen leaves it) the file is opened as
    immutable: SQLite then takes no locks and needs no -shm file, which it could not create in
    a read-only folder. A journal (-wal) that holds pages is read through, which needs its -shm
    file (SQLite makes it if the folder allows)."""
    uri = "file:" + quote(str(path.absolute())) + "?mode=ro"
    wal = path.with_name(path.name + "-wal")
    if not (wal.exists() and wal.stat().st_size):
        uri += "&immutable=1"
    try:
        return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
    except sqlite3.Error:
        if os.access(path.parent, os.W_OK):
            raise
        raise StoreError.at(
            path.parent,
            f"folder of the review store is not writable, and its journal ({wal.name}) holds "
            "answers not yet merged into the history, which SQLite can read only with write "
            "access to the folder",
        ) from None


class Verified:
    """What the review store looked like when quizgen last closed it: its identity (device,
    inode), size and times, and those of its journal. An open that finds them unchanged
    skips the damage check; anything else that touches the file (a copy, a restore, a disk
    error, another program) changes them, and the check runs.

    Kept in the user cache folder, one small file per history; losing it only costs a check.
    Not flushed to disk (fsync) for the same reason: it is a hint, never the data."""

    @staticmethod
    def _record_path(path: Path) -> Path:
        from quizgen.cache import cache_dir

        key = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:32]
        return cache_dir() / "verified" / key

    @staticmethod
    def state(path: Path) -> list[object] | None:
        """The file's identity, size and times, and its journal's; None when it is missing."""
        try:
            st = path.stat()
        except OSError:
            return None
        state: list[object] = [str(path.resolve()), st.st_dev, st.st_ino, st.st_size]
        state += [st.st_mtime_ns, st.st_ctime_ns]
        try:
            wal = path.with_name(path.name + "-wal").stat()
        except OSError:
            state.append(None)
        else:
            state.append([wal.st_ino, wal.st_size, wal.st_mtime_ns, wal.st_ctime_ns])
        return state

    @classmethod
    def recorded(cls, path: Path) -> list[object] | None:
        """The state recorded when quizgen last closed the file, if any."""
        try:
            found = json.loads(cls._record_path(path).read_text())
        except (OSError, ValueError):
            return None
        return found if isinstance(found, list) else None

    @classmethod
    def record(cls, path: Path, *, unless: list[object] | None = None) -> None:
        """Remember the file as it is now, as checked (unless that is what `unless` already
        says). Best effort: a cache folder that cannot be written only means the next open
        checks again."""
        state = cls.state(path)
        if state is None or state == unless:
            return
        target = cls._record_path(path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, partial = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(fd, "w") as out:
                json.dump(state, out)
            os.replace(partial, target)
        except OSError:
            Path(partial).unlink(missing_ok=True)
