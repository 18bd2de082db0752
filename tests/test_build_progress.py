"""`quizgen build --with-progress` proven in real Anki: terminal reviews recorded through the store
with quizgen's FSRS scheduler, built into a package, imported with the official `anki` library
("Import any learning progress"), and read back from Anki's cards and review log.

Anki checks review ids against its own clock, so the history is written at times relative to
now (noon, days ago), not at fixed dates."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from anki.collection import Collection
from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest
from click.testing import CliRunner, Result
from histories import rate

from quizgen.cli import main
from quizgen.scheduler import Memory, Phase
from quizgen.store import Store

WHICH, CLOZE, OTHER, CHOICE = (
    "muesli/acts/which",
    "muesli/acts/cloze",
    "muesli/other/which",
    "muesli/matches-muzero/choice",
)
MINUTE, DAY = timedelta(minutes=1), timedelta(days=1)


@dataclass(frozen=True)
class Answer:
    card_id: str
    rating: int
    at: datetime
    ms: int


@dataclass(frozen=True)
class History:
    path: Path
    now: datetime
    answers: list[Answer]
    memories: dict[str, Memory]


@pytest.fixture
def history(here: Path) -> History:
    """Four cards studied in the terminal: one in review (due ahead), one overdue, one still in
    its learning steps, one relearning after a lapse. Two answers share a millisecond."""
    now = datetime.now(timezone.utc)
    base = (now.astimezone() - 6 * DAY).replace(hour=12, minute=0, second=0, microsecond=0)
    answers = [
        Answer(WHICH, 3, base, 4200),
        Answer(OTHER, 4, base, 3100),  # the same instant as the answer above
        Answer(WHICH, 3, base + 10 * MINUTE, 2500),
        Answer(CHOICE, 3, base - 14 * DAY, 8000),
        Answer(CHOICE, 3, base - 14 * DAY + 10 * MINUTE, 5000),
        Answer(CHOICE, 2, base - 11 * DAY, 12000),
        Answer(WHICH, 3, base + 3 * DAY, 3300),
        Answer(OTHER, 1, base + 4 * DAY, 20000),
        Answer(CLOZE, 1, now - 5 * MINUTE, 95000),  # longer than Anki's 60 s cap
    ]
    path = here / "reviews.sqlite3"
    memories = {}
    with Store.open(path) as store:
        for a in answers:
            memories[a.card_id] = rate(store, a.card_id, a.rating, a.at, ms=a.ms)
    return History(path, now, answers, memories)


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    collection = new_collection(tmp_path / "anki")
    yield collection
    collection.close()


def new_collection(folder: Path) -> Collection:
    folder.mkdir()
    return Collection(str(folder / "collection.anki2"))


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def import_package(col: Collection, path: Path, *, with_scheduling: bool = True):  # type: ignore[no-untyped-def]
    options = ImportAnkiPackageOptions(with_scheduling=with_scheduling)
    request = ImportAnkiPackageRequest(package_path=str(path), options=options)
    return col.import_anki_package(request).log


def anki_cards(col: Collection) -> dict[str, int]:
    """Anki's card id for each quizgen card id."""
    return {
        col.get_note(nid)["CardId"]: col.get_note(nid).card_ids()[0] for nid in col.find_notes("")
    }


def anki_date(when: datetime) -> date:
    """The day Anki files a time under: local, with days starting at 4 am."""
    return (when.astimezone() - timedelta(hours=4)).date()


def ms(when: datetime) -> int:
    return int(when.timestamp()) * 1000 + when.microsecond // 1000


def test_a_fresh_collection_gets_the_terminal_schedule_memory_and_log(
    mini: Path, here: Path, history: History, col: Collection
) -> None:
    result = invoke(
        "build", "mini", "-o", "deck.apkg", "--with-progress", "--state", "reviews.sqlite3"
    )

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "wrote deck.apkg: 9 notes, 9 cards\n"
        "since the last build: 9 new, 0 changed, 0 unchanged, 0 retired\n"
        "with the progress in reviews.sqlite3: 4 cards scheduled, 9 reviews logged\n"
        'import it with "Import any learning progress"; Anki takes the progress only for cards '
        "it does not have yet (see docs/build.md)\n"
        "recorded in mini/quizgen.lock: commit it with the sources\n"
    )
    log = import_package(col, here / "deck.apkg")
    assert len(log.new) == 9
    ids = anki_cards(col)
    today = col.sched.today

    for card_id, memory in history.memories.items():
        card = col.get_card(ids[card_id])
        assert (card.type, card.queue) == {
            Phase.LEARNING: (1, 1),
            Phase.REVIEW: (2, 2),
            Phase.RELEARNING: (3, 1),
        }[memory.phase], card_id
        if memory.phase is Phase.REVIEW:
            # due on the same day (Anki counts days in the learner's zone, from 4 am)
            assert card.due - today == (anki_date(memory.due) - anki_date(history.now)).days
            assert card.ivl == (anki_date(memory.due) - anki_date(memory.last_review)).days
        else:  # learning steps: due at the very second
            assert card.due == int(memory.due.timestamp())
        assert (card.reps, card.lapses) == (memory.reps, memory.lapses)
        assert card.memory_state is not None
        assert card.memory_state.stability == pytest.approx(memory.stability, rel=1e-4)
        assert card.memory_state.difficulty == pytest.approx(memory.difficulty, abs=1e-3)
        # Anki's own FSRS, replaying the imported log, finds the same difficulty: the
        # ratings, their order and their kinds came across as the terminal recorded them.
        replayed = col.compute_memory_state(card.id)
        assert replayed.difficulty == pytest.approx(memory.difficulty, abs=1e-3)

    assert history.memories[WHICH].due > history.now  # one card due ahead ...
    assert col.get_card(ids[CHOICE]).due < today  # ... one overdue, as in the terminal

    # The review log: each terminal answer once, with its rating and time (capped at Anki's
    # 60 s), its id the answer's time in milliseconds; the answer that shared a millisecond
    # with another moved on by one.
    expected = {}
    for a in history.answers:
        rid = ms(a.at) + (1 if a.card_id == OTHER and a.rating == 4 else 0)
        expected.setdefault(a.card_id, []).append((rid, a.rating, min(a.ms, 60000)))
    for card_id, rows in expected.items():
        assert col.db.all(
            "SELECT id, ease, time FROM revlog WHERE cid = ? ORDER BY id", ids[card_id]
        ) == [list(r) for r in rows], card_id
    kinds = col.db.all("SELECT type, COUNT(*) FROM revlog GROUP BY type ORDER BY type")
    assert kinds == [[0, 6], [1, 3]]  # learning steps, reviews (the lapse is a review)

    # Cards never studied stay new, in the sources' order.
    new = [col.get_card(ids[c]) for c in sorted(ids) if c not in history.memories]
    assert len(new) == 5 and all(c.type == 0 and c.queue == 0 for c in new)


def test_importing_again_adds_no_duplicate_log_entries(
    mini: Path, here: Path, history: History, col: Collection
) -> None:
    assert (
        invoke(
            "build", "mini", "-o", "deck.apkg", "--with-progress", "--state", "reviews.sqlite3"
        ).exit_code
        == 0
    )
    import_package(col, here / "deck.apkg")
    first = col.db.all("SELECT * FROM revlog ORDER BY id")
    assert len(first) == 9

    import_package(col, here / "deck.apkg")
    assert col.db.all("SELECT * FROM revlog ORDER BY id") == first

    # Deleting the notes in Anki keeps their review log (so does Check Database); importing
    # the package again brings the cards back, with the same ids, scheduled, and every log
    # entry it carries is already there.
    ids = anki_cards(col)
    col.remove_notes(col.find_notes("tag:quizgen::*"))
    col.fix_integrity()
    assert col.card_count() == 0 and col.db.scalar("SELECT COUNT(*) FROM revlog") == 9
    log = import_package(col, here / "deck.apkg")
    assert len(log.new) == 9 and anki_cards(col) == ids
    assert col.db.all("SELECT * FROM revlog ORDER BY id") == first
    card = col.get_card(ids[WHICH])
    assert (card.type, card.reps) == (2, 3)


def test_a_history_holding_ankis_own_answers_comes_back_without_duplicates(
    mini: Path, here: Path, col: Collection
) -> None:
    """The remedy docs/build.md gives for a deck studied on both sides: Anki's answers in the
    history (as `quizgen import` puts them, at the millisecond of Anki's log id), then delete
    the notes in Anki and import with progress."""
    assert invoke("build", "mini", "-o", "plain.apkg").exit_code == 0
    import_package(col, here / "plain.apkg", with_scheduling=False)
    card = col.get_card(anki_cards(col)[WHICH])
    card.start_timer()
    col.sched.answerCard(card, 3)
    [(anki_id, anki_ms)] = col.db.all("SELECT id, time FROM revlog")
    in_anki = datetime.fromtimestamp(anki_id / 1000, timezone.utc)
    with Store.open(here / "reviews.sqlite3") as store:
        rate(store, WHICH, 3, in_anki - 10 * MINUTE)  # an answer in the terminal, ...
        rate(store, WHICH, 3, in_anki, ms=anki_ms)  # ... Anki's, brought into the history
        after = rate(store, CLOZE, 4, in_anki - 11 * MINUTE)
    args = ["build", "mini", "-o", "both.apkg", "--with-progress", "--state", "reviews.sqlite3"]
    assert invoke(*args).exit_code == 0

    col.remove_notes(col.find_notes("tag:quizgen::*"))
    import_package(col, here / "both.apkg")

    ids = anki_cards(col)
    assert col.db.list("SELECT id FROM revlog WHERE cid = ? ORDER BY id", ids[WHICH]) == [
        anki_id - 600_000,
        anki_id,
    ]
    which, cloze = col.get_card(ids[WHICH]), col.get_card(ids[CLOZE])
    assert (which.type, which.reps) == (2, 2)  # scheduled from both answers
    assert cloze.memory_state is not None
    assert cloze.memory_state.stability == pytest.approx(after.stability, rel=1e-4)


def test_cards_anki_already_has_keep_what_anki_knows(
    mini: Path, here: Path, history: History, col: Collection
) -> None:
    """What docs/build.md reports: Anki never updates the scheduling of a card it has, nor
    adds log entries to it; the progress reaches Anki only for cards new to the collection."""
    assert invoke("build", "mini", "-o", "plain.apkg").exit_code == 0
    assert (
        invoke(
            "build", "mini", "-o", "progress.apkg", "--with-progress", "--state", "reviews.sqlite3"
        ).exit_code
        == 0
    )

    # Without "Import any learning progress" a fresh collection gets new cards and no log.
    fresh = new_collection(here / "fresh")
    try:
        import_package(fresh, here / "progress.apkg", with_scheduling=False)
        assert fresh.db.scalar("SELECT COUNT(*) FROM cards WHERE type != 0") == 0
        assert fresh.db.scalar("SELECT COUNT(*) FROM revlog") == 0
    finally:
        fresh.close()

    # Cards imported before, never studied in Anki: they stay new.
    import_package(col, here / "plain.apkg", with_scheduling=False)
    import_package(col, here / "progress.apkg")
    assert col.db.scalar("SELECT COUNT(*) FROM cards WHERE type != 0") == 0
    assert col.db.scalar("SELECT COUNT(*) FROM revlog") == 0

    # A card studied in Anki keeps Anki's scheduling and Anki's log only.
    card = col.get_card(anki_cards(col)[WHICH])
    card.start_timer()
    col.sched.answerCard(card, 4)
    card.load()
    before = (card.type, card.queue, card.due, card.ivl, card.reps)
    import_package(col, here / "progress.apkg")
    card.load()
    assert (card.type, card.queue, card.due, card.ivl, card.reps) == before
    assert col.db.scalar("SELECT COUNT(*) FROM revlog") == 1


def test_without_the_flag_the_package_is_what_build_writes(
    mini: Path, here: Path, history: History
) -> None:
    assert invoke("build", "mini", "-o", "plain.apkg").exit_code == 0
    # QUIZGEN_STATE names the history for the commands that read it; build ignores it.
    again = invoke("build", "mini", "-o", "again.apkg", env={"QUIZGEN_STATE": str(history.path)})
    assert again.exit_code == 0 and "progress" not in again.stdout
    assert (here / "again.apkg").read_bytes() == (here / "plain.apkg").read_bytes()

    for name in ("p1.apkg", "p2.apkg"):
        args = ["build", "mini", "-o", name, "--with-progress", "--state", "reviews.sqlite3"]
        assert invoke(*args).exit_code == 0
    assert (here / "p1.apkg").read_bytes() == (here / "p2.apkg").read_bytes()
    assert (here / "p1.apkg").read_bytes() != (here / "plain.apkg").read_bytes()
    with zipfile.ZipFile(here / "p1.apkg") as z:
        assert z.namelist() == ["collection.anki2", "media"]


def test_json_reports_the_progress(mini: Path, here: Path, history: History) -> None:
    import json

    result = invoke(
        "build",
        "mini",
        "-o",
        "deck.apkg",
        "--with-progress",
        "--state",
        "reviews.sqlite3",
        "--json",
    )

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["progress"] == {"state": "reviews.sqlite3", "cards": 4, "reviews": 9}
    plain = json.loads(invoke("build", "mini", "-o", "plain.apkg", "--json").stdout)
    assert "progress" not in plain


def test_a_missing_history_is_an_error_and_nothing_is_written(mini: Path, here: Path) -> None:
    result = invoke(
        "build", "mini", "-o", "deck.apkg", "--with-progress", "--state", "none.sqlite3"
    )

    assert result.exit_code == 1
    assert result.stderr == (
        "none.sqlite3: no review history here (quizgen quiz --state FILE starts one); "
        "nothing written\n"
    )
    assert not (here / "deck.apkg").exists() and not (here / "none.sqlite3").exists()
    assert not (mini / "quizgen.lock").exists()


def test_a_history_that_is_not_one_is_an_error(mini: Path, here: Path) -> None:
    (here / "notes.txt").write_text("not a database\n")

    result = invoke("build", "mini", "-o", "deck.apkg", "--with-progress", "--state", "notes.txt")

    assert result.exit_code == 1
    assert result.stderr == (
        "notes.txt: not a quizgen review store (not an SQLite database); quizgen has not "
        "changed it\n"
    )
    assert not (here / "deck.apkg").exists()
    assert (here / "notes.txt").read_text() == "not a database\n"


def test_state_without_the_flag_is_a_usage_error(mini: Path, here: Path, history: History) -> None:
    result = invoke("build", "mini", "-o", "deck.apkg", "--state", "reviews.sqlite3")

    assert result.exit_code == 2
    assert result.stderr.endswith("Error: --state is read only with --with-progress\n")
    assert not (here / "deck.apkg").exists()
