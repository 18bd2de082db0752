"""The quiz's deck index: plans as the compiled cards do, reads only the cards it asks, and is
never trusted when stale or damaged."""

from __future__ import annotations

import io
import shutil
from array import array
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from quizgen import deckindex
from quizgen.clock import frozen_clock
from quizgen.errors import InputError
from quizgen.filters import filter_cards
from quizgen.planning import Lineup, Plan, card_hash, plan_session
from quizgen.project import compile_project
from quizgen.scheduler import Rating, review
from quizgen.session import run_quiz
from quizgen.store import Store

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state.sqlite3"


@pytest.fixture
def deck(tmp_path: Path, bundled: Path) -> Path:
    """A writable copy of the bundled deck (251 cards), indexed."""
    dest = tmp_path / "deck"
    shutil.copytree(bundled, dest)
    project, cards = compile_project(dest)
    key = deckindex.key(dest)
    assert key is not None
    deckindex.save(dest, key, project, cards)
    return dest


def opened(root: Path) -> deckindex.DeckIndex:
    key = deckindex.key(root)
    assert key is not None
    index = deckindex.load(root, key)
    assert index is not None
    return index


def studied(store: Store, deck: Path) -> None:
    """A history with cards due (some overdue by days), some studied today, most new."""
    _, cards = compile_project(deck)
    for n, card in enumerate(cards[::4]):
        when = NOW - timedelta(days=n % 9, hours=n)
        rating = (Rating.AGAIN, Rating.GOOD, Rating.EASY)[n % 3]
        store.record(
            card.id,
            text_hash=card_hash(card),
            rating=rating,
            now=when,
            schedule=lambda before, r=rating, w=when: review(before, r, w),
        )


def summary(plan: Plan) -> tuple[object, ...]:
    return (
        [(item.card, item.entry) for item in plan.items],
        plan.due,
        plan.new,
        plan.new_today,
    )


FILTERS = [
    {},
    {"sources": ["muesli", "podracer"]},
    {"kinds": ["count"]},
    {"tags": ["planning", "atari"]},
    {"sources": ["muesli"], "kinds": ["finding", "method"]},
]


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize(("new_limit", "limit"), [(20, 200), (5, 8), (0, 200)])
def test_the_index_plans_the_same_cards_in_the_same_order(deck, state, filters, new_limit, limit):
    _, cards = compile_project(deck)
    with Store.open(state) as store:
        studied(store, deck)
        for later in (timedelta(0), timedelta(days=3)):
            expected = plan_session(
                store, filter_cards(cards, **filters), NOW + later, new_limit=new_limit,
                limit=limit,
            )  # fmt: skip
            with opened(deck) as index:
                got = plan_session(
                    store, index.lineup(**filters), NOW + later, new_limit=new_limit,
                    limit=limit,
                )  # fmt: skip
            assert summary(got) == summary(expected)
    assert expected.items  # the comparison was not of two empty plans


@pytest.mark.parametrize(
    "filters",
    [
        {"sources": ["nope"]},
        {"kinds": ["count", "nope"]},
        {"tags": ["nope"]},
        {"sources": ["muesli"], "kinds": ["count"], "tags": ["nope"]},
        {"sources": ["muesli"], "kinds": ["bound"]},  # each valid, no card has both
    ],
)
def test_bad_filters_are_refused_with_the_same_message(deck, filters):
    _, cards = compile_project(deck)
    with pytest.raises(InputError) as expected:
        filter_cards(cards, **filters)
    with opened(deck) as index, pytest.raises(InputError) as got:
        index.lineup(**filters)
    assert got.value.problems == expected.value.problems


def test_planning_reads_only_the_cards_it_plans(deck, state, monkeypatch):
    read: list[int] = []
    original = deckindex.DeckIndex.read

    def counting(self, positions):
        positions = list(positions)
        read.extend(positions)
        return original(self, positions)

    monkeypatch.setattr(deckindex.DeckIndex, "read", counting)
    with Store.open(state) as store, opened(deck) as index:
        studied(store, deck)
        plan = plan_session(store, index.lineup(), NOW, new_limit=20, limit=30)
    assert len(read) == len(plan.items) == 30
    assert [index.card_id(k) for k in read] == [item.card.id for item in plan.items]


def test_a_quiz_on_an_indexed_deck_never_compiles_it(deck, state, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("compiled or unpickled the whole deck")

    monkeypatch.setattr("quizgen.project.compile_project", refuse)
    monkeypatch.setattr("quizgen.cache.load", refuse)
    out = io.StringIO()
    result = run_quiz(
        deck, state=state, new_limit=2, clock=frozen_clock(NOW), stdin=io.StringIO(""),
        stdout=out,
    )  # fmt: skip
    assert result.plan.new == 2
    assert "Source: " not in out.getvalue()  # stopped at the first question
    assert "[2 left] new\n" in out.getvalue()


def quiz_once(deck: Path, state: Path, answer: str = "") -> str:
    out = io.StringIO()
    run_quiz(
        deck, state=state, new_limit=1, clock=frozen_clock(NOW), stdin=io.StringIO(answer),
        stdout=out,
    )  # fmt: skip
    return out.getvalue()


def test_the_first_quiz_writes_the_index_the_next_one_reads(tmp_path, bundled, state):
    root = tmp_path / "fresh"
    shutil.copytree(bundled, root)
    key = deckindex.key(root)
    assert key is not None and deckindex.load(root, key) is None
    first = quiz_once(root, state)
    with opened(root) as index:
        assert len(index) == 251
    assert quiz_once(root, state) == first


def test_the_first_quiz_stores_the_compilation_after_asking(tmp_path, bundled, state, monkeypatch):
    """What a cold start compiles is stored for the other commands too (the whole
    compilation and each source's entry), but only once the first question is out."""
    from quizgen import cache, project

    root = tmp_path / "fresh"
    shutil.copytree(bundled, root)
    out = io.StringIO()
    asked_first: list[bool] = []
    original = project.remember_compiled

    def remembering(*args, **kwargs):
        asked_first.append("[1 left] new\n" in out.getvalue())
        return original(*args, **kwargs)

    monkeypatch.setattr(project, "remember_compiled", remembering)
    run_quiz(
        root, state=state, new_limit=1, clock=frozen_clock(NOW), stdin=io.StringIO(""),
        stdout=out,
    )  # fmt: skip
    assert asked_first == [True]
    hit = cache.load(root, cache.fingerprint(root))
    assert hit is not None and len(hit[1]) == 251
    entries = list((cache.cache_dir() / "sources").rglob("*"))
    assert sum(path.is_file() for path in entries) == 10  # one per source


def test_a_quiz_with_nothing_to_ask_still_stores_the_compilation(tmp_path, bundled, state):
    from quizgen import cache

    root = tmp_path / "fresh"
    shutil.copytree(bundled, root)
    result = run_quiz(root, state=state, new_limit=0, clock=frozen_clock(NOW), stdout=io.StringIO())
    assert result.summary is None
    assert cache.load(root, cache.fingerprint(root)) is not None
    with opened(root) as index:
        assert len(index) == 251


def test_an_edited_source_misses_the_index_and_the_quiz_indexes_it_afresh(deck, state):
    path = deck / "sources" / "muesli.yaml"
    text = path.read_text()
    assert "MuZero" in text
    path.write_text(text.replace("MuZero", "MuOne"))
    assert deckindex.load(deck, deckindex.key(deck) or "") is None
    quiz_once(deck, state)
    with opened(deck) as index:
        cards = index.lineup().read(range(len(index)))
    muesli = " ".join(c.front + c.back for c in cards if c.source == "muesli")
    assert "MuOne" in muesli and "MuZero" not in muesli


def test_an_index_for_other_code_is_not_read(deck, monkeypatch):
    key = deckindex.key(deck)
    assert key is not None and deckindex.load(deck, key) is not None
    monkeypatch.setattr(deckindex, "FORMAT", deckindex.FORMAT + 1)
    assert deckindex.load(deck, key) is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 3],
        lambda data: b"not an index at all",
        lambda data: data[:40] + bytes(len(data) - 40),
    ],
)
def test_a_damaged_index_is_a_miss_and_is_rewritten(deck, state, damage):
    _, cards = compile_project(deck)
    path = deckindex._path(deck)
    expected = quiz_once(deck, state)
    path.write_bytes(damage(path.read_bytes()))
    assert quiz_once(deck, state) == expected
    with opened(deck) as index:
        assert [index.card_id(k) for k in range(len(index))] == [c.id for c in cards]


def test_a_damaged_card_is_found_and_costs_a_compilation(deck, state):
    path = deckindex._path(deck)
    with opened(deck) as index:
        first = index.lineup().read([0])[0]
        middle = index._start + index._ends[0] // 2  # of the first card's own record
    expected = quiz_once(deck, state)
    data = path.read_bytes()
    path.write_bytes(data[:middle] + b"\xff" * 8 + data[middle + 8 :])
    with opened(deck) as index, pytest.raises(deckindex.Damaged):
        index.lineup().read([0])
    assert quiz_once(deck, state) == expected  # compiled instead, the same question
    with opened(deck) as index:  # and indexed afresh
        assert index.lineup().read([0]) == [first]


def test_a_card_swapped_for_another_is_refused(deck):
    with opened(deck) as index:
        ends = index._ends
        index._ends = array(ends.typecode, [0, *ends[1:]])  # card 1 reads as card 0
        with pytest.raises(deckindex.Damaged, match="is not"):
            index.lineup().read([1])


def test_an_unwritable_cache_only_costs_a_compilation(tmp_path, bundled, state, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(blocker / "cache"))
    assert "[1 left] new" in quiz_once(bundled, state)
    assert deckindex.load(bundled, deckindex.key(bundled) or "") is None


@pytest.mark.parametrize("filters", FILTERS)
def test_cards_in_memory_make_the_same_lineup(deck, filters):
    _, cards = compile_project(deck)
    chosen = filter_cards(cards, **filters)
    mine = Lineup.of(chosen)
    with opened(deck) as index:
        theirs = index.lineup(**filters)
        assert [(k, i, s) for k, i, _, s in theirs.order()] == [
            (k, i, s) for k, i, _, s in mine.order()
        ]
        # facts are told apart alike: the same cards share one
        pairs = zip(theirs.order(), mine.order(), strict=True)
        facts = {(f, g) for (_, _, f, _), (_, _, g, _) in pairs}
        assert len(facts) == len({c.fact_id for c in chosen}) == len({f for f, _ in facts})
        assert theirs.read(range(len(chosen))) == chosen
        for k, card in enumerate(chosen):
            assert theirs.position(card.id) == mine.position(card.id) == k
        others = {c.id for c in cards} - {c.id for c in chosen}
        for card_id in [*sorted(others)[:20], "nope", "", "zzz/zzz/zzz", "muesli"]:
            assert theirs.position(card_id) is mine.position(card_id) is None
            assert card_id not in theirs


def test_a_quiz_with_nothing_to_ask_indexes_the_deck_too(tmp_path, bundled, state):
    root = tmp_path / "fresh"
    shutil.copytree(bundled, root)
    result = run_quiz(root, state=state, new_limit=0, clock=frozen_clock(NOW))
    assert result.summary is None and not result.plan.items
    with opened(root) as index:
        assert len(index) == 251


def test_a_damaged_column_is_found_not_trusted(deck):
    with opened(deck) as index:
        index._by_id = array(index._by_id.typecode, [len(index) + 5] * len(index))
        with pytest.raises(deckindex.Damaged):
            index.lineup().position("muesli/acts/cloze")
        index._styles = bytes([7]) * len(index)
        with pytest.raises(deckindex.Damaged):
            next(index.lineup().order())
        index._ids = b"\xff" * len(index._ids)
        with pytest.raises(deckindex.Damaged):
            index.card_id(0)
