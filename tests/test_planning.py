"""Planning a session: due cards first, then new ones, one per fact, each fact's cards in turn."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from itertools import count, islice
from pathlib import Path

import pytest

from quizgen.model import Card
from quizgen.planning import Item, card_hash, new_card_order, plan_session
from quizgen.project import compile_project
from quizgen.scheduler import Rating, review
from quizgen.store import Entry, Store
from quizgen.template import Segment

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state.sqlite3"


@pytest.fixture
def mini_cards(mini) -> list[Card]:
    return compile_project(mini)[1]


@pytest.fixture(scope="module")
def bundled_cards() -> list[Card]:
    return compile_project(Path(__file__).parent.parent / "cards_src")[1]


def study(store: Store, card: Card, rating: Rating, now: datetime) -> None:
    store.record(
        card.id,
        text_hash=card_hash(card),
        rating=rating,
        now=now,
        schedule=lambda before: review(before, rating, now),
    )


def ids(items: list[Item]) -> list[str]:
    return [item.card.id for item in items]


def test_each_facts_cards_start_from_the_style_fewest_facts_started_with(mini_cards):
    # mini: three facts, each with which (basic), cloze and choice cards, in that order
    assert list(new_card_order(mini_cards)) == [
        "muesli/matches-muzero/which",
        "muesli/matches-muzero/cloze",
        "muesli/matches-muzero/choice",
        "muesli/acts/cloze",
        "muesli/acts/choice",
        "muesli/acts/which",
        "muesli/other/choice",
        "muesli/other/which",
        "muesli/other/cloze",
    ]


def test_the_order_is_deterministic_and_only_reorders_within_a_fact(bundled_cards):
    order = list(new_card_order(bundled_cards))
    assert order == list(new_card_order(list(bundled_cards)))
    assert sorted(order) == sorted(c.id for c in bundled_cards)
    by_id = {c.id: c for c in bundled_cards}
    facts_in_order = list(dict.fromkeys(by_id[i].fact_id for i in order))
    assert facts_in_order == list(dict.fromkeys(c.fact_id for c in bundled_cards))


def card(fact: str, template: str, style: str) -> Card:
    return Card(
        id=f"s/{fact}/{template}", source="s", fact=fact, template=template, kind="k",
        front="Q?", back="A", answer="A", answer_items=("A",), evidence=(),
        cloze=(Segment("A", hidden=True),) if style == "cloze" else (),
        choices=("A", "B") if style == "choice" else (),
    )  # fmt: skip


def test_a_fact_without_the_style_due_next_starts_with_the_least_used_it_has():
    cards = [
        card("f1", "ask", "basic"), card("f1", "blank", "cloze"), card("f1", "pick", "choice"),
        card("f2", "ask", "basic"),  # only basic: basic, whatever the turn
        card("f3", "ask", "basic"), card("f3", "blank", "cloze"),  # cloze: none started so yet
        card("f4", "ask", "basic"), card("f4", "pick", "choice"),  # choice: the least used
        card("f5", "ask", "basic"), card("f5", "again", "basic"), card("f5", "pick", "choice"),
    ]  # fmt: skip
    assert list(new_card_order(cards)) == [
        "s/f1/ask", "s/f1/blank", "s/f1/pick",
        "s/f2/ask",
        "s/f3/blank", "s/f3/ask",
        "s/f4/pick", "s/f4/ask",
        "s/f5/pick", "s/f5/ask", "s/f5/again",  # basic 2 before it, choice 1: a rotation
    ]  # fmt: skip


def test_the_order_is_made_lazily_so_planning_looks_at_the_first_facts_only():
    def endless() -> Iterator[Card]:
        for n in count():
            yield card(f"f{n}", "ask", "basic")
            yield card(f"f{n}", "blank", "cloze")

    assert list(islice(new_card_order(endless()), 4)) == [
        "s/f0/ask", "s/f0/blank", "s/f1/blank", "s/f1/ask",
    ]  # fmt: skip


def test_the_first_session_on_the_bundled_deck_has_every_style(bundled_cards, state):
    with Store.open(state) as store:
        first = plan_session(store, bundled_cards, NOW, new_limit=20, limit=200)
    assert first.due == 0 and first.new == 20
    cards = [item.card for item in first.items]
    assert len({c.fact_id for c in cards}) == 20  # one card per fact
    styles = Counter(c.style for c in cards)
    assert set(styles) == {"basic", "cloze", "choice"}
    assert min(styles.values()) >= 5  # spread, not one of each by luck
    # Without the rotation, every one of them would be its kind's first template.
    firsts = {c.fact_id: c.id for c in reversed(bundled_cards)}
    assert sum(c.id != firsts[c.fact_id] for c in cards) >= 10
    with Store.open(state) as store:  # deterministic: the same plan again
        assert ids(plan_session(store, bundled_cards, NOW, new_limit=20, limit=200).items) == ids(
            first.items
        )


def test_a_facts_second_card_comes_on_a_later_day(bundled_cards, state):
    with Store.open(state) as store:
        day1 = plan_session(store, bundled_cards, NOW, new_limit=20, limit=200)
        for item in day1.items:
            study(store, item.card, Rating.EASY, NOW)  # days away: not due tomorrow
        studied = {item.card.fact_id for item in day1.items}
        # Later the same day: new cards, but none of the facts just studied.
        later = plan_session(
            store, bundled_cards, NOW + timedelta(hours=1), new_limit=40, limit=200
        )
        assert later.due == 0 and later.new == 20 and later.new_today == 20
        assert not studied & {item.card.fact_id for item in later.items}
        # The next day, those facts come back with another of their cards, in deck order.
        day2 = plan_session(store, bundled_cards, NOW + timedelta(days=1), new_limit=20, limit=200)
    assert day2.due == 0 and day2.new == 20
    # Facts of one card have nothing more to show; the others come first, in deck order.
    per_fact = Counter(c.fact_id for c in bundled_cards)
    again = [i.card.fact_id for i in day1.items if per_fact[i.card.fact_id] > 1]
    day2_facts = [i.card.fact_id for i in day2.items]
    assert again and day2_facts[: len(again)] == again
    assert not set(day2_facts[len(again) :]) & studied
    assert not set(ids(day2.items)) & set(ids(day1.items))


def test_due_cards_come_first_most_overdue_first_and_bury_their_facts(mini_cards, state):
    by_id = {c.id: c for c in mini_cards}
    with Store.open(state) as store:
        study(store, by_id["muesli/acts/cloze"], Rating.GOOD, NOW - timedelta(days=2))
        study(store, by_id["muesli/other/choice"], Rating.GOOD, NOW - timedelta(days=3))
        p = plan_session(store, mini_cards, NOW, new_limit=9, limit=200)
    assert (p.due, p.new, p.new_today) == (2, 1, 0)
    assert ids(p.items) == [
        "muesli/other/choice",
        "muesli/acts/cloze",
        "muesli/matches-muzero/which",
    ]
    assert [item.is_new for item in p.items] == [False, False, True]


def test_the_daily_new_limit_counts_cards_introduced_earlier_today(mini_cards, state):
    with Store.open(state) as store:
        study(store, mini_cards[0], Rating.EASY, NOW - timedelta(hours=1))
        p = plan_session(store, mini_cards, NOW, new_limit=2, limit=200)
        assert (p.due, p.new, p.new_today) == (0, 1, 1)
        assert plan_session(store, mini_cards, NOW, new_limit=1, limit=200).items == []
        assert len(plan_session(store, mini_cards, NOW, new_limit=9, limit=1).items) == 1


def test_a_card_is_flagged_changed_when_its_text_differs_from_its_last_review(mini_cards):
    card = mini_cards[0]
    entry = Entry(review(None, Rating.GOOD, NOW), card_hash(card), NOW)
    assert not Item(card, entry).changed
    edited = card._replace(front=card.front.replace("method", "algorithm"))
    assert card_hash(edited) != card_hash(card)
    assert Item(edited, entry).changed
    assert not Item(card, None).changed and Item(card, None).is_new
