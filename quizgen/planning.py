"""Planning a quiz session: which cards to ask today, and in what order. Pure but for the
store's reads.

Due cards come first, most overdue first; then new cards, at most one per fact and none of a
fact that is due or was studied today (the questions a fact makes give each other away). Facts
are introduced in deck order, but each one's cards in an order of their own (`new_card_order`),
so that the first days bring questions of every style, not only each kind's first template.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import Any, overload

from quizgen.clock import day_start
from quizgen.model import Card
from quizgen.store import Entry, Store


def card_hash(card: Card) -> str:
    """A fingerprint of what the student sees, to tell when a card was edited since."""
    text = "\x1f".join((card.front, card.back, *card.choices))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Item:
    """A card to ask, with what the store knew about it when the session began."""

    card: Card
    entry: Entry | None

    @property
    def is_new(self) -> bool:
        return self.entry is None

    @property
    def changed(self) -> bool:
        """Whether the card's text changed since its last review."""
        return bool(
            self.entry and self.entry.text_hash and self.entry.text_hash != card_hash(self.card)
        )


@dataclass(frozen=True)
class Plan:
    """A session's cards, due ones first, and how many of each."""

    items: list[Item]
    due: int
    new: int
    new_today: int  # cards already introduced today, before this session


STYLES = ("basic", "cloze", "choice")  # Card.style, in the order that breaks ties


@dataclass(frozen=True)
class Lineup:
    """The cards a session may ask, as planning sees them before it reads any whole: their ids
    in deck order (a fact's cards side by side), each one's fact (any value that tells facts
    apart) and style, and `read`, which gives the cards at some positions whole, in the order
    asked. A deck index (`quizgen.deckindex`) makes one without unpickling the deck; `of` makes
    one from cards in memory."""

    ids: Sequence[str]
    facts: Sequence[Hashable]
    styles: Sequence[str]
    read: Callable[[Sequence[int]], list[Card]]

    @classmethod
    def of(cls, cards: Sequence[Card]) -> Lineup:
        """The lineup of cards in memory; a card's fact and style are looked at only when
        planning asks for them (most cards' never are)."""
        return cls(
            [c.id for c in cards],
            _Each(cards, attrgetter("fact_id")),
            _Each(cards, attrgetter("style")),
            lambda positions: [cards[k] for k in positions],
        )


class _Each(Sequence[Any]):
    """One attribute of each card of a sequence, read when asked for."""

    def __init__(self, cards: Sequence[Card], get: Callable[[Card], Any]) -> None:
        self._cards = cards
        self._get = get

    def __len__(self) -> int:
        return len(self._cards)

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self._get(card) for card in self._cards[index]]
        return self._get(self._cards[index])

    def __iter__(self) -> Iterator[Any]:
        return map(self._get, self._cards)


def new_card_order(cards: Iterable[Card]) -> Iterator[str]:
    """The ids of `cards` in the order they are introduced when new: facts in deck order, and
    each fact's cards in template order, rotated to start from a card of the style that the
    fewest facts before it started with (ties go to basic, then cloze, then choice).

    Without the rotation a fact's first new card is always its kind's first template, and
    cloze or multiple-choice questions never come on a learner's first days. The order is a
    pure function of the cards: the same deck gives the same order, whatever the history.
    A fact's cards are expected side by side, as expansion makes them; the ids come lazily,
    so planning a session looks at the first facts only."""
    return _new_card_order((card.id, card.fact_id, card.style) for card in cards)


def _new_card_order(cards: Iterable[tuple[str, Hashable, str]]) -> Iterator[str]:
    """`new_card_order` of (id, fact, style) triples."""
    started = dict.fromkeys(STYLES, 0)
    for _, same_fact in groupby(cards, key=itemgetter(1)):
        group = list(same_fact)
        styles = {style for _, _, style in group}
        style = min((s for s in STYLES if s in styles), key=started.__getitem__)
        started[style] += 1
        first = next(i for i, (_, _, s) in enumerate(group) if s == style)
        for card_id, _, _ in group[first:] + group[:first]:
            yield card_id


def plan_session(
    store: Store, cards: Sequence[Card] | Lineup, now: datetime, *, new_limit: int, limit: int
) -> Plan:
    """Due cards first (most overdue first), then new cards in `new_card_order`, up to
    `new_limit` new ones a day and `limit` in all. Reads only the store's rows it returns, plus
    one index count, and of a `Lineup` only the cards it returns.

    New cards are at most one per fact, and none of a fact due now or studied today: the
    questions a fact makes give each other away (Anki calls this burying siblings)."""
    lineup = cards if isinstance(cards, Lineup) else Lineup.of(cards)
    position = dict(zip(lineup.ids, range(len(lineup.ids)), strict=True))
    fact_of = lineup.facts
    today = day_start(now)
    due = store.due(now, position.__contains__, limit)
    new_today = store.introduced_since(today)
    room = min(max(0, new_limit - new_today), limit - len(due))
    facts = {fact_of[position[card_id]] for card_id, _ in due}
    if room > 0:
        facts.update(fact_of[position[i]] for i in store.reviewed_since(today) if i in position)

    def first_of_its_fact(card_id: str) -> bool:
        fact = fact_of[position[card_id]]
        if fact in facts:
            return False
        facts.add(fact)
        return True

    order = _new_card_order(zip(lineup.ids, lineup.facts, lineup.styles, strict=True))
    fresh = store.unseen(order, room, first_of_its_fact)
    chosen = lineup.read([position[i] for i, _ in due] + [position[i] for i in fresh])
    entries = [e for _, e in due] + [None] * len(fresh)
    return Plan(
        [Item(c, e) for c, e in zip(chosen, entries, strict=True)], len(due), len(fresh), new_today
    )
