"""`quizgen import`: Anki's review log merged into the history, idempotently, on collections
made here with exact control over every entry (see test_history_anki.py for real Anki)."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from ankifiles import DAY_MS, T0, collection, package, quizgen_note
from click.testing import CliRunner
from histories import review_count

from quizgen.cli import main
from quizgen.history.ankifile import RevlogEntry, read_history
from quizgen.history.importer import skip_reason
from quizgen.planning import card_hash
from quizgen.project import compile_project
from quizgen.scheduler import Phase, replay, review
from quizgen.store import Store

WHICH, CLOZE, ACTS = (
    "muesli/matches-muzero/which",
    "muesli/matches-muzero/cloze",
    "muesli/acts/which",
)


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, timezone.utc)


@pytest.fixture
def notes() -> list[tuple]:  # type: ignore[type-arg]
    return [
        quizgen_note(1, WHICH),
        quizgen_note(2, CLOZE),
        quizgen_note(3, ACTS),
        quizgen_note(4, "muesli/gone/which"),  # a card since removed from the sources
        (5, "learnersown", 9, "my own\x1fnote"),  # the learner's own note
    ]


# (id, card, ease, type, time ms, factor): card ids are note id + 1000
LOG = [
    (T0, 1001, 3, 0, 4000, 0),  # learn, Good
    (T0 + 1, 1005, 3, 0, 3000, 0),  # the learner's own card
    (T0 + 600_000, 1001, 3, 0, 2000, 0),  # learn, Good, 10 minutes later
    (T0 + 3 * DAY_MS, 1001, 1, 1, 9000, 2500),  # review, Again
    (T0 + 3 * DAY_MS + 5, 1001, 0, 4, 0, 2500),  # manual: set due date
    (T0 + 4 * DAY_MS, 1002, 4, 0, 1000, 0),  # learn, Easy
    (T0 + 4 * DAY_MS + 1, 1002, 0, 5, 0, 0),  # rescheduled
    (T0 + 5 * DAY_MS, 1003, 3, 3, 800, 0),  # filtered deck that does not reschedule: cram
    (T0 + 5 * DAY_MS + 1, 1003, 2, 3, 800, 2500),  # filtered deck that reschedules: a review
    (T0 + 6 * DAY_MS, 1004, 3, 0, 700, 0),  # the removed card
    (T0 + 7 * DAY_MS, 7777, 3, 1, 500, 2500),  # a card deleted from the collection
]


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state.sqlite3"


@pytest.fixture
def colpkg(tmp_path: Path, notes) -> Path:  # type: ignore[no-untyped-def]
    db = collection(tmp_path / "c.anki21", notes, LOG, schema=18)
    return package(tmp_path / "export.colpkg", db)


def run(*argv: str | Path):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["import", *map(str, argv)])


def test_import_summary_and_what_is_stored(mini: Path, colpkg: Path, state: Path) -> None:
    result = run(colpkg, mini, "--state", state)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{colpkg}: 6 reviews added, 0 already in the history (package (current format, zstd))",
        "cards: 4 of quizgen's found (1 not in these sources), 4 with new reviews replayed "
        "from the merged history; 1 other card skipped",
        "skipped log entries that are not answers: 1 manual, 1 rescheduled, 1 cram",
        f"history: {state}",
    ]
    _, cards = compile_project(mini)
    by_id = {c.id: c for c in cards}
    with Store.open(state) as store:
        logged = store.reviews(WHICH)
        assert [(when, rating) for when, rating, _, _ in logged] == [
            (at(T0), 3), (at(T0 + 600_000), 3), (at(T0 + 3 * DAY_MS), 1)
        ]  # fmt: skip
        # the phase each was made in, from the replay: new, learning, review
        assert [phase for _, _, phase, _ in logged] == [Phase.NEW, Phase.LEARNING, Phase.REVIEW]
        expected = replay([(when, rating) for when, rating, _, _ in logged])[-1]
        entry = store.get(WHICH)
        assert entry is not None and entry.memory == expected
        assert entry.text_hash == card_hash(by_id[WHICH]) and entry.introduced == at(T0)
        assert [r[1] for r in store.reviews(ACTS)] == [2]  # only the rescheduling filtered one
        assert [r[1] for r in store.reviews("muesli/gone/which")] == [3]
        assert review_count(store) == 6
        durations = store.conn.execute(
            "SELECT duration_ms, anki_id FROM reviews WHERE card_id = ? ORDER BY reviewed_at",
            (WHICH,),
        ).fetchall()
        assert durations == [(4000, T0), (2000, T0 + 600_000), (9000, T0 + 3 * DAY_MS)]


def test_json_summary(mini: Path, colpkg: Path, state: Path) -> None:
    result = run(colpkg, mini, "--state", state, "--json")
    assert result.exit_code == 0
    assert json.loads(result.output) == {
        "file": str(colpkg),
        "state": str(state),
        "format": "package (current format, zstd)",
        "dry_run": False,
        "reviews": {
            "added": 6,
            "already_present": 0,
            "skipped": {
                "manual": 1, "rescheduled": 1, "cram": 1, "unanswered": 0, "unknown kind": 0
            },
            "of_other_cards": 1,
            "of_deleted_cards": 1,
        },
        "cards": {"matched": 4, "outside_sources": 1, "replayed": 4, "foreign_skipped": 1},
    }  # fmt: skip


def test_a_second_import_adds_nothing_and_a_newer_export_only_the_new_reviews(
    mini: Path, tmp_path: Path, notes, state: Path
) -> None:  # type: ignore[no-untyped-def]
    first = package(tmp_path / "1.colpkg", collection(tmp_path / "1.db", notes, LOG))
    assert run(first, mini, "--state", state).exit_code == 0
    before = state.read_bytes()
    again = run(first, mini, "--state", state, "--json")
    assert json.loads(again.output)["reviews"]["added"] == 0
    assert json.loads(again.output)["reviews"]["already_present"] == 6
    assert json.loads(again.output)["cards"]["replayed"] == 0
    with Store.open(state) as store:
        assert review_count(store) == 6
    later = [
        *LOG,
        (T0 + 9 * DAY_MS, 1001, 3, 2, 1200, 2500),
        (T0 + 9 * DAY_MS + 7, 1003, 3, 1, 900, 2500),
    ]
    newer = package(tmp_path / "2.colpkg", collection(tmp_path / "2.db", notes, later), version=2)
    data = json.loads(run(newer, mini, "--state", state, "--json").output)
    assert data["reviews"]["added"] == 2 and data["reviews"]["already_present"] == 6
    assert data["cards"]["replayed"] == 2
    assert before != state.read_bytes()


def test_reviews_from_both_sides_are_merged_in_time_order_and_replayed(
    mini: Path, colpkg: Path, state: Path
) -> None:
    # the terminal studied WHICH between Anki's learning steps and its lapse
    terminal = [(at(T0 + DAY_MS), 3), (at(T0 + 2 * DAY_MS), 4)]
    with Store.open(state) as store:
        for when, rating in terminal:
            store.record(
                WHICH, text_hash="t", rating=rating, now=when,
                schedule=lambda before, r=rating, w=when: review(before, r, w),
            )  # fmt: skip
    assert run(colpkg, mini, "--state", state).exit_code == 0
    with Store.open(state) as store:
        log = [(when, rating) for when, rating, _, _ in store.reviews(WHICH)]
        assert log == sorted(
            [(at(T0), 3), (at(T0 + 600_000), 3), *terminal, (at(T0 + 3 * DAY_MS), 1)]
        )
        memories = replay(log)
        entry = store.get(WHICH)
        assert entry is not None and entry.memory == memories[-1]
        assert entry.memory.lapses == 1 and entry.text_hash == "t"  # the terminal's text
        phases = [phase for _, _, phase, _ in store.reviews(WHICH)]
        assert phases == [Phase.NEW, *(m.phase for m in memories[:-1])]


def test_a_terminal_review_coming_back_through_anki_is_not_doubled(
    mini: Path, tmp_path: Path, state: Path
) -> None:
    when = at(T0 + DAY_MS + 123)
    with Store.open(state) as store:
        store.record(
            WHICH, text_hash="t", rating=3, now=when, schedule=lambda b: review(b, 3, when)
        )
    # the same review, as `build --with-progress` puts it into Anki's log (id = its time)
    db = collection(
        tmp_path / "c.db", [quizgen_note(1, WHICH)], [(T0 + DAY_MS + 123, 1001, 3, 0, 0, 0)]
    )
    data = json.loads(run(db, mini, "--state", state, "--json").output)
    assert data["reviews"] == {**data["reviews"], "added": 0, "already_present": 1}


def test_dry_run_writes_nothing(mini: Path, colpkg: Path, state: Path, tmp_path: Path) -> None:
    result = run(colpkg, mini, "--state", state, "--dry-run")
    assert result.exit_code == 0
    assert result.output.splitlines()[0].startswith(f"{colpkg}: 6 reviews would be added")
    assert result.output.splitlines()[-1] == f"dry run: {state} was not changed"
    assert not state.exists()
    assert run(colpkg, mini, "--state", state).exit_code == 0
    before = state.read_bytes()
    data = json.loads(run(colpkg, mini, "--state", state, "--dry-run", "--json").output)
    assert data["dry_run"] is True and data["reviews"]["already_present"] == 6
    assert state.read_bytes() == before


@pytest.mark.parametrize("version", [1, 2, 3, None])
def test_every_package_version_reads_the_same(tmp_path: Path, notes, version) -> None:  # type: ignore[no-untyped-def]
    db = collection(tmp_path / "c.db", notes, LOG)
    history = read_history(package(tmp_path / "p.apkg", db, version=version))
    assert [e.id for e in history.revlog] == sorted(row[0] for row in LOG)
    assert history.cards[1001] == (1, 0) and len(history.notes) == 5


def test_a_card_the_learner_added_to_a_quizgen_note_is_theirs(
    mini: Path, tmp_path: Path, state: Path
) -> None:
    db = collection(
        tmp_path / "c.db",
        [quizgen_note(1, WHICH)],
        [(T0, 1001, 3, 0, 0, 0), (T0 + 1, 1002, 3, 0, 0, 0)],
        cards=[(1001, 1, 0), (1002, 1, 1)],
    )
    data = json.loads(run(db, mini, "--state", state, "--json").output)
    assert data["cards"]["matched"] == 1 and data["cards"]["foreign_skipped"] == 1
    assert data["reviews"]["added"] == 1 and data["reviews"]["of_other_cards"] == 1


def test_a_note_whose_card_id_field_does_not_hash_to_its_guid_is_not_quizgens(
    mini: Path, tmp_path: Path, state: Path
) -> None:
    db = collection(
        tmp_path / "c.db",
        [quizgen_note(1, "muesli/gone/which", guid="someoneelse")],
        [(T0, 1001, 3, 0, 0, 0)],
    )
    data = json.loads(run(db, mini, "--state", state, "--json").output)
    assert data["cards"]["matched"] == 0 and data["reviews"]["added"] == 0


@pytest.mark.parametrize(
    ("kind", "ease", "factor", "reason"),
    [
        (0, 3, 0, None),
        (1, 1, 2500, None),
        (2, 2, 2500, None),
        (3, 4, 2500, None),
        (3, 3, 0, "cram"),
        (4, 0, 2500, "manual"),
        (4, 3, 2500, "manual"),
        (5, 0, 0, "rescheduled"),
        (1, 0, 2500, "unanswered"),
        (0, 5, 0, "unanswered"),
        (6, 3, 0, "unknown kind"),
    ],
)
def test_skip_reason(kind: int, ease: int, factor: int, reason: str | None) -> None:
    assert skip_reason(RevlogEntry(T0, 1, ease, kind, 0, factor)) == reason


# -- the learner's files are only read -----------------------------------------------------------


def test_the_anki_file_is_not_changed_and_nothing_is_created_beside_it(
    mini: Path, tmp_path: Path, notes, state: Path
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "profile"
    folder.mkdir()
    db = collection(folder / "collection.anki2", notes, LOG, wal=True)
    os.utime(db, (1_700_000_000, 1_700_000_000))
    before = (db.read_bytes(), db.stat().st_mtime_ns, sorted(os.listdir(folder)))
    assert run(db, mini, "--state", state).exit_code == 0
    assert (db.read_bytes(), db.stat().st_mtime_ns, sorted(os.listdir(folder))) == before


@pytest.mark.parametrize("wal", [True, False])
def test_import_while_another_program_is_writing_to_the_collection(
    mini: Path, tmp_path: Path, notes, state: Path, wal: bool
) -> None:  # type: ignore[no-untyped-def]
    db = collection(tmp_path / "collection.anki2", notes, LOG, wal=wal)
    writer = sqlite3.connect(db, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # holds the write lock, with a change not committed
        writer.execute("INSERT INTO revlog (id, cid, ease, type, time, factor) "
                       "VALUES (?, 1001, 3, 1, 0, 2500)", (T0 + 20 * DAY_MS,))  # fmt: skip
        result = run(db, mini, "--state", state, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["reviews"]["added"] == 6  # the committed state only
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert json.loads(run(db, mini, "--state", state, "--json").output)["reviews"]["added"] == 1


def test_a_collection_being_committed_to_is_waited_for(
    mini: Path, tmp_path: Path, notes, state: Path
) -> None:  # type: ignore[no-untyped-def]
    db = collection(tmp_path / "collection.anki2", notes, LOG)  # rollback journal
    writer = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN EXCLUSIVE")  # readers are shut out until it ends
    threading.Timer(0.5, lambda: writer.execute("COMMIT")).start()
    try:
        result = run(db, mini, "--state", state)
    finally:
        writer.close()
    assert result.exit_code == 0, result.output


def test_a_collection_locked_for_longer_than_the_wait_is_reported(
    mini: Path, tmp_path: Path, notes, state: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("quizgen.history.ankifile.BUSY_TIMEOUT", 0.2)
    db = collection(tmp_path / "collection.anki2", notes, LOG)
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("PRAGMA locking_mode = EXCLUSIVE")  # as Anki's desktop holds its collection
    writer.execute("BEGIN EXCLUSIVE")
    try:
        result = run(db, mini, "--state", state)
    finally:
        writer.close()
    assert result.exit_code == 1
    assert result.output == (
        f"{db}: is locked by Anki (Anki locks the collection it has open): close Anki or switch "
        "to another profile, or export a .colpkg (File > Export) and import that\n"
    )
    assert not state.exists()


def test_the_default_history_folder_is_made(
    mini: Path, colpkg: Path, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("QUIZGEN_STATE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert run(colpkg, mini).exit_code == 0
    assert (tmp_path / "xdg" / "quizgen" / "reviews.sqlite3").is_file()


def test_help() -> None:
    result = CliRunner().invoke(main, ["import", "--help"])
    assert result.exit_code == 0
    assert (
        "--dry-run" in result.output and "--state" in result.output and ".colpkg" in result.output
    )
