"""`quizgen import` proven on what real Anki writes: the bundled deck built by quizgen,
imported into a fresh collection with the official `anki` package, studied there with Anki's
own scheduler over several (simulated) days, exported through Anki's own exporters, and
imported back. The reviews, ratings and times must be Anki's review log's, a second import
must add nothing, and each card's next due date must follow from the merged history."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from anki.collection import Collection
from anki.import_export_pb2 import (
    ExportAnkiPackageOptions,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)
from click.testing import CliRunner

from quizgen.anki import build
from quizgen.cli import main
from quizgen.project import compile_project
from quizgen.scheduler import replay, review
from quizgen.store import Store

REPO = Path(__file__).parent.parent
# The ratings each studied card gets on each study day (Anki's buttons: 1 Again ... 4 Easy)
PLAN = [[3, 1, 4, 3], [3, 3, 3, 1], [3, 1, 3, 3], [4, 3, 3, 3]]
DAYS_APART = 4


def travel(col: Collection, days: int) -> None:
    """Move everything the collection remembers `days` into the past, as if that much time
    had passed since: the review log (ids are times), due times and last-review times. Anki's
    scheduler reads the clock itself, so the study days are made by moving the past."""
    secs = days * 86400
    col.db.execute("UPDATE revlog SET id = id - ?", secs * 1000)
    col.db.execute("UPDATE cards SET due = due - ? WHERE queue IN (1, 4)", secs)  # epoch secs
    col.db.execute("UPDATE cards SET due = due - ? WHERE queue IN (2, 3)", days)  # day numbers
    col.db.execute(
        "UPDATE cards SET data = json_set(data, '$.lrt', json_extract(data, '$.lrt') - ?) "
        "WHERE json_extract(data, '$.lrt') IS NOT NULL",
        secs,
    )


@dataclass(frozen=True)
class Studied:
    project: Path
    files: dict[str, Path]
    log: dict[str, list[tuple[int, int]]]  # quizgen card id -> Anki's (revlog id, ease)
    manual: int  # entries that are not answers (set due date)
    own_reviews: int  # the learner's own card's reviews
    cards: int  # quizgen's cards in the collection (current and retired)


@pytest.fixture(scope="module")
def studied(tmp_path_factory: pytest.TempPathFactory) -> Studied:
    tmp = tmp_path_factory.mktemp("anki-study")
    project = tmp / "deck"
    shutil.copytree(REPO / "cards_src", project)
    proj, cards = compile_project(project)
    build(proj, cards, tmp / "deck.apkg", now=1_800_000_000)
    (tmp / "profile").mkdir()
    col = Collection(str(tmp / "profile" / "collection.anki2"))
    request = ImportAnkiPackageRequest(
        package_path=str(tmp / "deck.apkg"), options=ImportAnkiPackageOptions()
    )
    col.import_anki_package(request)
    # Every note the package holds is quizgen's, retired ones (kept by the lock) included.
    quizgen_cards = col.card_count()
    chosen = [col.get_card(cid) for cid in sorted(col.find_cards(""))[:4]]
    own = col.new_note(col.models.by_name("Basic"))
    own["Front"], own["Back"] = "my own question", "my own answer"
    col.add_note(own, col.decks.id("Default"))
    for ratings in PLAN:
        for card, rating in zip(chosen, ratings, strict=True):
            card.load()
            card.start_timer()
            col.sched.answerCard(card, rating)
        own_card = own.cards()[0]
        own_card.start_timer()
        col.sched.answerCard(own_card, 3)
        travel(col, DAYS_APART)
    col.sched.set_due_date([chosen[0].id], "0")  # a manual entry, not an answer
    files = {}
    for name, scheduling, legacy in (
        ("deck.apkg", True, False),
        ("legacy.apkg", True, True),
        ("no-scheduling.apkg", False, False),
    ):
        files[name] = tmp / name
        options = ExportAnkiPackageOptions(
            with_scheduling=scheduling, with_media=False, legacy=legacy
        )
        col.export_anki_package(out_path=str(files[name]), options=options, limit=None)
    rows = col.db.all("SELECT id, cid, ease, type FROM revlog ORDER BY id")
    card_ids = {c.id: col.get_note(c.nid)["CardId"] for c in chosen}
    own_id = own.cards()[0].id
    for name, legacy in (("collection.colpkg", False), ("legacy.colpkg", True)):
        files[name] = tmp / name
        col.export_collection_package(str(files[name]), include_media=False, legacy=legacy)
        col.reopen()
    col.close()
    files["collection.anki2"] = tmp / "profile" / "collection.anki2"
    log: dict[str, list[tuple[int, int]]] = {}
    for rid, cid, ease, kind in rows:
        if cid in card_ids and kind != 4:
            log.setdefault(card_ids[cid], []).append((rid, ease))
    manual = sum(1 for _, cid, _, kind in rows if kind == 4)
    own_reviews = sum(1 for _, cid, _, _ in rows if cid == own_id)
    assert quizgen_cards >= len(cards)
    return Studied(project, files, log, manual, own_reviews, quizgen_cards)


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, timezone.utc)


def run(*argv: str | Path):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["import", *map(str, argv)])


EXPORTS = ["deck.apkg", "legacy.apkg", "collection.colpkg", "legacy.colpkg", "collection.anki2"]


@pytest.mark.parametrize("name", EXPORTS)
def test_anki_reviews_come_back_exactly(studied: Studied, tmp_path: Path, name: str) -> None:
    state = tmp_path / "state.sqlite3"
    result = run(studied.files[name], studied.project, "--state", state, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    reviews = sum(len(v) for v in studied.log.values())
    assert reviews == 16 and data["reviews"]["added"] == reviews
    assert data["reviews"]["skipped"]["manual"] == studied.manual == 1
    assert data["reviews"]["of_other_cards"] == studied.own_reviews == 4
    assert data["cards"]["matched"] == studied.cards and data["cards"]["replayed"] == 4
    assert data["cards"]["foreign_skipped"] == 1
    with Store.open(state) as store:
        for card_id, anki_log in studied.log.items():
            logged = [(when, rating) for when, rating, _, _ in store.reviews(card_id)]
            assert logged == [(at(rid), ease) for rid, ease in anki_log]
            entry = store.get(card_id)
            assert entry is not None and entry.memory == replay(logged)[-1]
    again = json.loads(run(studied.files[name], studied.project, "--state", state, "--json").output)
    assert again["reviews"]["added"] == 0 and again["reviews"]["already_present"] == reviews


def test_the_next_due_dates_follow_from_the_merged_history(studied: Studied, tmp_path) -> None:  # type: ignore[no-untyped-def]
    state = tmp_path / "state.sqlite3"
    card_id, anki_log = sorted(studied.log.items())[0]
    # the terminal studied this card too, between Anki's first and second days
    between = at(anki_log[0][0]) + timedelta(days=1)
    with Store.open(state) as store:
        store.record(
            card_id, text_hash="t", rating=4, now=between,
            schedule=lambda before: review(before, 4, between),
        )  # fmt: skip
    assert run(studied.files["collection.colpkg"], studied.project, "--state", state).exit_code == 0
    merged = sorted([(at(rid), ease) for rid, ease in anki_log] + [(between, 4)])
    with Store.open(state) as store:
        assert [(w, r) for w, r, _, _ in store.reviews(card_id)] == merged
        entry = store.get(card_id)
        assert entry is not None
        assert entry.memory.due == replay(merged)[-1].due
        assert entry.memory.reps == len(merged)
        # and a terminal session plans from it: a card is due when the merged history says
        last = max(max(at(rid) for rid, _ in log) for log in studied.log.values())
        dues = {cid: store.get(cid).memory.due for cid in studied.log}  # type: ignore[union-attr]
        assert store.next_due(last, lambda i: i in studied.log) == min(
            d for d in dues.values() if d > last
        )


def test_reading_a_collection_leaves_it_as_it_was(studied: Studied, tmp_path: Path) -> None:
    file = studied.files["collection.anki2"]
    folder = sorted(p.name for p in file.parent.iterdir())
    before = (file.read_bytes(), file.stat().st_mtime_ns)
    assert run(file, studied.project, "--state", tmp_path / "s.sqlite3").exit_code == 0
    assert (file.read_bytes(), file.stat().st_mtime_ns) == before
    assert sorted(p.name for p in file.parent.iterdir()) == folder


def test_import_while_anki_has_the_collection_open(studied: Studied, tmp_path: Path) -> None:
    copy = tmp_path / "profile"
    shutil.copytree(studied.files["collection.anki2"].parent, copy)
    col = Collection(str(copy / "collection.anki2"))
    try:
        card = col.get_card(col.find_cards("")[0])
        card.start_timer()
        col.sched.answerCard(card, 3)  # a change Anki has made and holds
        result = run(copy / "collection.anki2", studied.project, "--state", tmp_path / "s.sqlite3")
    finally:
        col.close()
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{copy / 'collection.anki2'}: ")


def test_a_deck_package_exported_without_scheduling_says_what_to_tick(
    studied: Studied, tmp_path: Path
) -> None:
    file = studied.files["no-scheduling.apkg"]
    result = run(file, studied.project, "--state", tmp_path / "s.sqlite3")
    assert result.exit_code == 1
    assert result.output == (
        f'{file}: has no reviews to import (a deck package needs "Include scheduling '
        'information" ticked when it is exported)\n'
    )
    assert not (tmp_path / "s.sqlite3").exists()
