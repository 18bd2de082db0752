"""The review store: schema and migrations, one transaction per review, refusing files that are
not ours (and leaving them byte for byte as they were)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from histories import review_count

from quizgen.scheduler import Memory, Phase, Rating, review
from quizgen.store import (
    APPLICATION_ID,
    MIGRATIONS,
    SCHEMA_VERSION,
    Store,
    StoreError,
    _describe,
    default_path,
    to_text,
)

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "reviews.sqlite3"


def rate(store: Store, card_id: str, rating: int, now: datetime, answer: str = "x") -> Memory:
    return store.record(
        card_id,
        text_hash="h-" + card_id,
        rating=rating,
        now=now,
        schedule=lambda before: review(before, rating, now),
        duration_ms=1500,
        answer=answer,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sidecars(path: Path) -> list[Path]:
    return [p for p in (Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


# -- a fresh store -----------------------------------------------------------------------------


def test_open_creates_a_marked_wal_store_at_the_latest_schema(state):
    with Store.open(state) as store:
        assert store.version == SCHEMA_VERSION
    conn = sqlite3.connect(state)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"meta", "cards", "reviews"}


def test_open_existing_does_not_create_a_file(state):
    assert Store.open_existing(state) is None
    assert not state.exists()


def test_default_path_is_in_the_user_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_path() == tmp_path / "data" / "quizgen" / "reviews.sqlite3"


def test_an_empty_file_is_initialised(state):
    state.write_bytes(b"")
    with Store.open(state) as store:
        assert store.version == SCHEMA_VERSION


# -- reviews -----------------------------------------------------------------------------------


def test_record_round_trips_the_memory_and_logs_the_review(state):
    with Store.open(state) as store:
        first = rate(store, "s/f/t", Rating.GOOD, T0, answer="Muesli")
        second = rate(store, "s/f/t", Rating.GOOD, first.due)
    with Store.open(state) as store:
        entry = store.get("s/f/t")
        assert entry is not None
        assert entry.memory == second
        assert entry.text_hash == "h-s/f/t"
        assert entry.introduced == T0
        log = store.reviews("s/f/t")
    assert log == [
        (T0, 3, Phase.NEW, "Muesli"),
        (first.due, 3, Phase.LEARNING, "x"),
    ]


def test_record_schedules_from_the_stored_memory_not_a_stale_copy(state):
    # Two sessions on one file: the second builds on the first's review of the same card.
    with Store.open(state) as a, Store.open(state) as b:
        after_a = rate(a, "c", Rating.GOOD, T0)
        seen = []
        b.record(
            "c",
            text_hash="h",
            rating=Rating.GOOD,
            now=after_a.due,
            schedule=lambda before: seen.append(before) or review(before, 3, after_a.due),
        )
        assert seen == [after_a]
        assert b.get("c").memory.reps == 2
        assert review_count(a) == 2


def test_a_failing_schedule_rolls_back_the_whole_review(state):
    with Store.open(state) as store:

        def boom(before):
            raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            store.record("c", text_hash="h", rating=3, now=T0, schedule=boom)
        assert store.get("c") is None
        assert review_count(store) == 0
        rate(store, "c", 3, T0)  # and the store still works
        assert review_count(store) == 1


def test_due_is_ordered_filtered_and_limited(state):
    with Store.open(state) as store:
        for i, minutes in enumerate([30, 10, 20, 40]):
            rate(store, f"c{i}", Rating.GOOD, T0 + timedelta(minutes=minutes))
        # each is due 10 minutes after its review: c1 at 9:20, c2 9:30, c0 9:40, c3 9:50
        now = T0 + timedelta(minutes=45)
        assert [i for i, _ in store.due(now, lambda _: True, 10)] == ["c1", "c2", "c0"]
        assert [i for i, _ in store.due(now, lambda i: i != "c2", 10)] == ["c1", "c0"]
        assert [i for i, _ in store.due(now, lambda _: True, 1)] == ["c1"]
        assert store.due(now, lambda _: True, 0) == []
        assert store.next_due(now, lambda _: True) == T0 + timedelta(minutes=50)
        assert store.next_due(now, lambda i: i != "c3") is None


def test_unseen_keeps_deck_order_and_stops_at_the_limit(state):
    ids = [f"c{i:04d}" for i in range(1200)]  # more than one IN (...) chunk
    with Store.open(state) as store:
        for card_id in ids[:700]:
            rate(store, card_id, Rating.GOOD, T0)
        assert store.unseen(ids, 3) == ["c0700", "c0701", "c0702"]
        assert store.unseen(ids, 1000) == ids[700:]
        assert store.unseen(ids, 0) == []
        odd = store.unseen(ids, 2, accept=lambda i: int(i[1:]) % 2 == 1)
        assert odd == ["c0701", "c0703"]


def test_introduced_since_counts_first_reviews_only(state):
    with Store.open(state) as store:
        rate(store, "a", Rating.GOOD, T0 - timedelta(days=1))
        rate(store, "a", Rating.GOOD, T0 + timedelta(hours=1))  # not new any more
        rate(store, "b", Rating.AGAIN, T0 + timedelta(hours=2))
        assert store.introduced_since(T0) == 1
        assert store.introduced_since(T0 - timedelta(days=2)) == 2
        assert store.reviewed_since(T0) == {"a", "b"}
        assert store.reviewed_since(T0 + timedelta(minutes=90)) == {"b"}


def test_totals_count_graded_and_passed_reviews(state):
    with Store.open(state) as store:
        m = rate(store, "a", Rating.GOOD, T0 - timedelta(days=40))
        m = rate(store, "a", Rating.GOOD, m.due)  # learning -> review
        m = rate(store, "a", Rating.GOOD, m.due)  # graded, passed, old
        rate(store, "a", Rating.AGAIN, T0)  # graded, failed, today
        totals = store.totals(T0 - timedelta(days=30), T0)
    t = totals["a"]
    assert (t.reviews, t.graded, t.passed, t.recent_graded, t.recent_passed, t.today) == (
        4, 2, 1, 1, 0, 1,
    )  # fmt: skip


def test_times_are_stored_as_sortable_utc_text(state):
    with Store.open(state) as store:
        rate(store, "a", Rating.GOOD, T0.astimezone(timezone(timedelta(hours=-5))))
    row = sqlite3.connect(state).execute("SELECT reviewed_at, due FROM reviews, cards").fetchone()
    assert row == ("2026-11-26T09:00:00.000000+00:00", "2026-11-26T09:10:00.000000+00:00")
    assert to_text(T0) < to_text(T0 + timedelta(microseconds=1)) < to_text(T0.replace(year=2027))


# -- migrations --------------------------------------------------------------------------------


def make_old_store(path: Path, version: int) -> sqlite3.Connection:
    """A store as an older quizgen left it: migrations up to `version` only."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for statements in MIGRATIONS[:version]:
        for statement in statements:
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    return conn


def test_migration_v1_to_latest_backfills_when_each_card_was_introduced(state):
    conn = make_old_store(state, 1)
    first, second = to_text(T0 - timedelta(days=3)), to_text(T0)
    conn.execute(
        "INSERT INTO cards VALUES ('s/f/t', 2, NULL, 3.5, 5.0, ?, ?, 2, 0)",
        (to_text(T0 + timedelta(days=4)), second),
    )
    conn.executemany(
        "INSERT INTO reviews (card_id, reviewed_at, rating, phase, duration_ms, answer) "
        "VALUES ('s/f/t', ?, 3, ?, 900, 'Muesli')",
        [(second, 1), (first, 0)],
    )
    conn.close()
    with Store.open(state) as store:
        assert store.version == SCHEMA_VERSION
        entry = store.get("s/f/t")
        assert entry.introduced == T0 - timedelta(days=3)
        assert entry.text_hash is None  # unknown until the next review: never flagged changed
        assert entry.memory.stability == 3.5 and entry.memory.reps == 2
        assert review_count(store) == 2
        assert store.introduced_since(T0 - timedelta(days=5)) == 1


def test_migration_v2_to_latest_adds_the_indexes(state):
    conn = make_old_store(state, 2)
    conn.execute(
        "INSERT INTO cards VALUES ('a', 1, 1, 2.3, 2.1, ?, ?, 1, 0, 'h', ?)",
        (to_text(T0), to_text(T0), to_text(T0)),
    )
    conn.close()
    with Store.open(state) as store:
        assert store.version == SCHEMA_VERSION
        assert store.get("a").text_hash == "h"
        indexes = {
            r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='index'")
        }
        plan = " ".join(
            str(r)
            for r in store.conn.execute(
                "EXPLAIN QUERY PLAN SELECT id FROM cards WHERE due <= ? ORDER BY due", ("x",)
            )
        )
    assert {"cards_by_due", "cards_by_introduced", "reviews_by_card", "reviews_by_time"} <= indexes
    assert "cards_by_due" in plan


def test_migration_v3_to_latest_keys_imported_reviews_by_their_anki_id(state):
    conn = make_old_store(state, 3)
    conn.execute(
        "INSERT INTO reviews (card_id, reviewed_at, rating, phase) VALUES ('a', ?, 3, 0)",
        (to_text(T0),),
    )
    conn.close()
    with Store.open(state) as store:
        assert store.version == SCHEMA_VERSION
        assert store.conn.execute("SELECT anki_id FROM reviews").fetchall() == [(None,)]
        insert = "INSERT INTO reviews (card_id, reviewed_at, rating, phase, anki_id) VALUES "
        store.conn.execute(insert + "('a', 'x', 3, 0, 7)")
        store.conn.execute(insert + "('b', 'x', 3, 0, 7)")  # another card may share the ms
        with pytest.raises(sqlite3.IntegrityError):
            store.conn.execute(insert + "('a', 'y', 3, 0, 7)")


def test_every_migration_has_a_test():
    # v1, v2, v3 -> latest above, v0 (an empty file) -> latest in test_an_empty_file...
    assert SCHEMA_VERSION == 4, "a new migration needs its own test_migration_vN test"


# -- files that are not ours -------------------------------------------------------------------


def assert_refused(path: Path, message: str, **kwargs) -> None:
    before = digest(path)
    with pytest.raises(StoreError) as info:
        Store.open(path, **kwargs)
    assert len(info.value.problems) == 1
    problem = info.value.problems[0]
    assert problem.path == str(path)
    assert message in problem.message
    assert digest(path) == before


def test_a_text_file_is_refused_untouched(state):
    state.write_text("my thesis notes\n" * 100)
    assert_refused(state, "not a quizgen review store (not an SQLite database)")
    assert sidecars(state) == []


def test_another_programs_database_is_refused_untouched(state):
    conn = sqlite3.connect(state)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO photos (name) VALUES ('cat.jpg')")
    conn.commit()
    conn.close()
    assert_refused(state, "is an SQLite database but not a quizgen review store")
    assert sqlite3.connect(state).execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_store_from_a_newer_quizgen_is_refused_untouched(state):
    make_old_store(state, SCHEMA_VERSION).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    assert_refused(state, f"schema v{SCHEMA_VERSION + 1}, newer than this quizgen knows")


def test_a_store_missing_its_tables_is_damaged(state):
    make_old_store(state, SCHEMA_VERSION).execute("DROP TABLE reviews")
    assert_refused(state, "review store is damaged (tables are missing)")


def test_a_corrupted_store_reports_damage_and_is_not_rewritten(state):
    with Store.open(state) as store:
        for i in range(300):
            rate(store, f"card-{i:03d}-" + "x" * 60, Rating.GOOD, T0)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(state.read_bytes())
    page = 4096
    assert len(data) > 4 * page
    data[2 * page : 4 * page] = b"\xa5" * (2 * page)  # scribble over the middle pages
    state.write_bytes(bytes(data))
    before = digest(state)
    with pytest.raises(StoreError, match="damaged") as info, Store.open(state) as store:
        review_count(store)
        list(store.all_entries())
    assert "restore a backup" in str(info.value)
    assert digest(state) == before


# -- damage inside a sound file: quick_check on open, only when the file changed ----------------


def history_with_damaged_page(state: Path) -> tuple[str, int]:
    """A valid history of 300 reviews, then the header of a b-tree page half-way through the
    file overwritten (the file's own header stays sound). Returns its digest and mtime."""
    with Store.open(state) as store:
        for i in range(300):
            rate(store, f"src/fact-{i:03d}/t", Rating.GOOD, T0, answer="x" * 40)
    data = bytearray(state.read_bytes())
    page = 4096
    middle = len(data) // page // 2
    assert data[middle * page] in (2, 5, 10, 13), "a b-tree page"
    data[middle * page : middle * page + 8] = b"\xa5" * 8
    state.write_bytes(bytes(data))
    return digest(state), state.stat().st_mtime_ns


def test_a_damaged_page_is_refused_on_open_and_the_file_left_untouched(state):
    before, mtime = history_with_damaged_page(state)
    for open_ in (Store.open, Store.open_existing):
        with pytest.raises(StoreError) as info:
            open_(state)
        (problem,) = info.value.problems
        assert problem.path == str(state)
        assert problem.message.startswith("review store is damaged (SQLite's quick_check: ")
        assert problem.message.endswith(
            "); quizgen has not changed it: restore a backup, or move it away to start afresh"
        )
        assert "\n" not in str(info.value)
        assert digest(state) == before and state.stat().st_mtime_ns == mtime
        assert sidecars(state) == []


def test_without_the_check_the_damaged_file_would_be_written_to(state, tmp_path):
    """Why the check is there: SQLite itself opens such a file and adds reviews to it."""
    history_with_damaged_page(state)
    with Store.open(state, verify=False) as store:
        rate(store, "src/new/t", Rating.GOOD, T0)
        assert store.get("src/new/t") is not None


def test_the_check_runs_only_when_the_file_changed_since_quizgen_closed_it(state, monkeypatch):
    checks: list[Path] = []
    real = Store._check_pages

    def counting(self: Store) -> None:
        checks.append(self.path)
        real(self)

    monkeypatch.setattr(Store, "_check_pages", counting)
    with Store.open(state) as store:
        rate(store, "s/f/t", Rating.GOOD, T0)
    assert len(checks) == 1  # a new file: checked (at no cost) once
    for _ in range(3):
        Store.open(state).close()
        Store.open_existing(state).close()  # type: ignore[union-attr]
    assert len(checks) == 1, "unchanged since quizgen closed it: not checked again"
    conn = sqlite3.connect(state)  # another program writes to it
    conn.execute("UPDATE cards SET reps = reps + 1")
    conn.commit()
    conn.close()
    Store.open(state).close()
    assert len(checks) == 2
    Store.open(state).close()
    assert len(checks) == 2
    state.write_bytes(state.read_bytes())  # a restore from backup: new times
    Store.open(state).close()
    assert len(checks) == 3


def test_a_store_that_failed_is_not_vouched_for(state, monkeypatch):
    checks: list[Path] = []
    real = Store._check_pages
    monkeypatch.setattr(Store, "_check_pages", lambda self: checks.append(self.path) or real(self))
    store = Store.open(state)
    with pytest.raises(StoreError), store._guard():
        store.conn.execute("SELECT * FROM no_such_table")
    store.close()
    Store.open(state).close()
    assert len(checks) == 2


def test_opening_a_history_records_nothing_beside_it(state):
    Store.open(state).close()
    assert sorted(p.name for p in state.parent.iterdir()) == [state.name]


# -- read-only histories -------------------------------------------------------------------------


def make_history(state: Path) -> str:
    with Store.open(state) as store:
        rate(store, "s/f/t", Rating.GOOD, T0)
        rate(store, "s/g/t", Rating.AGAIN, T0)
    return digest(state)


def test_a_read_only_history_is_read_without_a_journal(state, read_only):
    before = make_history(state)
    read_only(state)
    with pytest.raises(StoreError) as info:
        Store.open(state)
    assert str(info.value) == f"{state}: review store is read-only; quizgen needs to write to it"
    store = Store.open_existing(state)
    assert store is not None and not store.writable
    with store:
        assert review_count(store) == 2
        assert sidecars(state) == []
    assert digest(state) == before and sidecars(state) == []


def test_a_history_in_a_read_only_folder_is_read_without_a_journal(state, read_only):
    before = make_history(state)
    read_only(state.parent)
    with pytest.raises(StoreError) as info:
        Store.open(state)
    assert str(info.value) == (
        f"{state.parent}: folder of the review store is not writable; quizgen writes its "
        f"journal ({state.name}-wal) beside the history as it saves each answer"
    )
    with Store.open_existing(state) as store:  # type: ignore[union-attr]
        assert [card_id for card_id, _ in store.all_entries()] == ["s/f/t", "s/g/t"]
    assert digest(state) == before and sidecars(state) == []


def test_a_read_only_history_with_answers_in_its_journal_reads_them(state, read_only):
    """A session that was killed leaves its answers in the -wal file: a reader sees them."""
    make_history(state)
    writer = sqlite3.connect(state, isolation_level=None)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    rate_sql = "INSERT INTO reviews (card_id, reviewed_at, rating, phase) VALUES ('s/h/t', ?, 3, 0)"
    writer.execute(rate_sql, (to_text(T0),))
    saved = {p: p.read_bytes() for p in [state, *sidecars(state)]}
    writer.close()  # (this checkpoints; put the killed session's files back)
    for path, data in saved.items():
        path.write_bytes(data)
    read_only(state)
    with Store.open_existing(state) as store:  # type: ignore[union-attr]
        assert review_count(store) == 3


def test_a_read_only_empty_file_is_no_history(state, read_only):
    state.touch()
    read_only(state)
    assert Store.open_existing(state) is None


def test_a_read_only_history_of_an_older_schema_is_refused(state, read_only):
    make_old_store(state, 1).close()
    read_only(state)
    with pytest.raises(StoreError, match="schema v1, older than this quizgen's .* read-only"):
        Store.open_existing(state)


def test_a_folder_that_cannot_be_made_is_reported(tmp_path, read_only):
    read_only(tmp_path)
    with pytest.raises(StoreError) as info:
        Store.open(tmp_path / "quizgen" / "reviews.sqlite3", make_folder=True)
    assert str(info.value) == (
        f"{tmp_path / 'quizgen'}: cannot create the folder for the review store: "
        "Operation not permitted"
        if os.geteuid() == 0
        else f"{tmp_path / 'quizgen'}: cannot create the folder for the review store: "
        "Permission denied"
    )


def test_make_folder_makes_it(tmp_path):
    with Store.open(tmp_path / "a" / "b" / "reviews.sqlite3", make_folder=True) as store:
        assert store.version == SCHEMA_VERSION


def test_a_locked_store_is_reported_after_the_busy_timeout(state):
    Store.open(state).close()
    holder = sqlite3.connect(state, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="locked by another program"):
            Store.open(state, timeout=0.2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Store.open(state) as store:  # usable again once the other program lets go
        assert store.version == SCHEMA_VERSION


def test_a_write_waits_for_another_session_then_succeeds(state):
    with Store.open(state) as a, Store.open(state, timeout=0.2) as b:
        a.conn.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError, match="locked"):
            rate(b, "c", 3, T0)
        a.conn.execute("COMMIT")
        rate(b, "c", 3, T0)
        assert review_count(a) == 1


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(StoreError, match="is a folder"):
        Store.open(tmp_path)


def test_a_missing_folder_is_reported(tmp_path):
    with pytest.raises(StoreError, match="folder for the review store does not exist"):
        Store.open(tmp_path / "nope" / "reviews.sqlite3")


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ("database is locked", "locked by another program"),
        ("file is not a database", "not an SQLite database"),
        ("database disk image is malformed", "damaged (database disk image is malformed)"),
        ("attempt to write a readonly database", "read-only"),
        ("unable to open database file", "cannot open the review store here"),
        ("disk I/O error", "review store error: disk I/O error"),
    ],
)
def test_sqlite_errors_become_one_line_messages(state, error, message):
    # (Permissions cannot be tested for real when the tests run as root.)
    exc = _describe(state, sqlite3.OperationalError(error))
    assert message in str(exc)
    assert str(exc).startswith(f"{state}: ") and "\n" not in str(exc)


def test_sessions_starting_together_on_a_new_file_all_open_it(state):
    # They race to create the file and switch it to WAL; none may fail with "locked".
    from concurrent.futures import ThreadPoolExecutor

    def open_and_record(i: int) -> int:
        with Store.open(state) as store:
            rate(store, f"card-{i}", Rating.GOOD, T0)
            return store.version

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(open_and_record, range(8))) == [SCHEMA_VERSION] * 8
    with Store.open(state) as store:
        assert review_count(store) == 8
