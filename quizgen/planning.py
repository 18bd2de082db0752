"""Planning a quiz session: which cards to ask today, and in what order. Pure but for the
store's reads.

Due cards come first, most overdue first; then new cards, at most one per fact and none of a
fact that is due or was studied today (the questions a fact makes give each other away). Facts
are introduced in deck order, but each one's cards in an order of their own (`new_card_order`),
so that the first days bring questions of every style, not only each kind's first template.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import itemgetter

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


class Lineup(ABC):
    """The cards a session may ask, as planning sees them before it reads any whole: in deck
    order (a fact's cards side by side), each one's id, fact (any value that tells facts
    apart) and style, found by id; and the cards at some positions, read whole.

    A deck index (`quizgen.deckindex`) makes one that reads no more of the deck than planning
    asks for; `Lineup.of` makes one of cards in memory."""

    @abstractmethod
    def order(self) -> Iterator[tuple[int, str, Hashable, str]]:
        """(position, id, fact, style) of each card, in deck order, lazily."""

    @abstractmethod
    def position(self, card_id: str) -> int | None:
        """Where the card `card_id` is, or None when it is not in the lineup."""

    @abstractmethod
    def fact(self, position: int) -> Hashable:
        """The fact of the card at `position`."""

    @abstractmethod
    def read(self, positions: Sequence[int]) -> list[Card]:
        """The cards at these positions, whole, in the order asked."""

    def __contains__(self, card_id: object) -> bool:
        return isinstance(card_id, str) and self.position(card_id) is not None

    @staticmethod
    def of(cards: Sequence[Card]) -> Lineup:
        return _InMemory(cards)


class _InMemory(Lineup):
    """A lineup of cards in memory; its index of ids is made when first asked for."""

    def __init__(self, cards: Sequence[Card]) -> None:
        self.cards = cards
        self._positions: dict[str, int] | None = None

    def order(self) -> Iterator[tuple[int, str, Hashable, str]]:
        for k, card in enumerate(self.cards):
            yield k, card.id, card.fact_id, card.style

    def position(self, card_id: str) -> int | None:
        if self._positions is None:
            ids = [card.id for card in self.cards]
            self._positions = dict(zip(ids, range(len(ids)), strict=True))
        return self._positions.get(card_id)

    def fact(self, position: int) -> Hashable:
        return self.cards[position].fact_id

    def read(self, positions: Sequence[int]) -> list[Card]:
        return [self.cards[k] for k in positions]


def new_card_order(cards: Iterable[Card]) -> Iterator[str]:
    """The ids of `cards` in the order they are introduced when new: facts in deck order, and
    each fact's cards in template order, rotated to start from a card of the style that the
    fewest facts before it started with (ties go to basic, then cloze, then choice).

    Without the rotation a fact's first new card is always its kind's first template, and
    cloze or multiple-choice questions never come on a learner's first days. The order is a
    pure function of the cards: the same deck gives the same order, whatever the history.
    A fact's cards are expected side by side, as expansion makes them; the ids come lazily,
    so planning a session looks at the first facts only."""
    cells = ((0, card.id, card.fact_id, card.style) for card in cards)
    return (card_id for _, card_id, _ in _new_card_order(cells))


def _new_card_order(
    cards: Iterable[tuple[int, str, Hashable, str]],
) -> Iterator[tuple[int, str, Hashable]]:
    """`new_card_order` of (position, id, fact, style): (position, id, fact) in that order."""
    started = dict.fromkeys(STYLES, 0)
    for _, same_fact in groupby(cards, key=itemgetter(2)):
        group = list(same_fact)
        styles = {style for _, _, _, style in group}
        style = min((s for s in STYLES if s in styles), key=started.__getitem__)
        started[style] += 1
        first = next(i for i, (_, _, _, s) in enumerate(group) if s == style)
        for position, card_id, fact, _ in group[first:] + group[:first]:
            yield position, card_id, fact


def plan_session(
    store: Store, cards: Sequence[Card] | Lineup, now: datetime, *, new_limit: int, limit: int
) -> Plan:
    """Due cards first (most overdue first), then new cards in `new_card_order`, up to
    `new_limit` new ones a day and `limit` in all. Reads only the store's rows it returns, plus
    one index count, and of a `Lineup` only the cards it returns.

    New cards are at most one per fact, and none of a fact due now or studied today: the
    questions a fact makes give each other away (Anki calls this burying siblings)."""
    lineup = cards if isinstance(cards, Lineup) else Lineup.of(cards)
    today = day_start(now)
    found: dict[str, int] = {}  # where the due cards of the lineup are

    def wanted(card_id: str) -> bool:
        k = lineup.position(card_id)
        if k is not None:
            found[card_id] = k
        return k is not None

    due = store.due(now, wanted, limit)
    due_at = [found[card_id] for card_id, _ in due]
    new_today = store.introduced_since(today)
    room = min(max(0, new_limit - new_today), limit - len(due))
    facts = {lineup.fact(k) for k in due_at}
    if room > 0:
        for card_id in store.reviewed_since(today):
            k = lineup.position(card_id)
            if k is not None:
                facts.add(lineup.fact(k))
    seen: dict[str, tuple[int, Hashable]] = {}  # what the order has shown of each id so far

    def ids() -> Iterator[str]:
        for position, card_id, fact in _new_card_order(lineup.order()):
            seen[card_id] = (position, fact)
            yield card_id

    def first_of_its_fact(card_id: str) -> bool:
        fact = seen[card_id][1]
        if fact in facts:
            return False
        facts.add(fact)
        return True

    fresh = store.unseen(ids(), room, first_of_its_fact)
    positions = due_at + [seen[i][0] for i in fresh]
    entries = [e for _, e in due] + [None] * len(fresh)
    chosen = lineup.read(positions)
    return Plan(
        [Item(c, e) for c, e in zip(chosen, entries, strict=True)], len(due), len(fresh), new_today
    )
