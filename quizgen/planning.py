"""Planning a quiz session: which cards to ask today, and in what order. Pure but for the
store's reads.

Due cards come first, most overdue first; then new cards, at most one per fact and none of a
fact that is due or was studied today (the questions a fact makes give each other away). Facts
are introduced in deck order, but each one's cards in an order of their own (`new_card_order`),
so that the first days bring questions of every style, not only each kind's first template.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

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


def new_card_order(cards: Iterable[Card]) -> Iterator[str]:
    """The ids of `cards` in the order they are introduced when new: facts in deck order, and
    each fact's cards in template order, rotated to start from a card of the style that the
    fewest facts before it started with (ties go to basic, then cloze, then choice).

    Without the rotation a fact's first new card is always its kind's first template, and
    cloze or multiple-choice questions never come on a learner's first days. The order is a
    pure function of the cards: the same deck gives the same order, whatever the history.
    A fact's cards are expected side by side, as expansion makes them; the ids come lazily,
    so planning a session looks at the first facts only."""
    started = dict.fromkeys(STYLES, 0)
    for _, same_fact in groupby(cards, key=lambda card: (card.source, card.fact)):
        group = list(same_fact)
        styles = {card.style for card in group}
        style = min((s for s in STYLES if s in styles), key=started.__getitem__)
        started[style] += 1
        first = next(i for i, card in enumerate(group) if card.style == style)
        for card in group[first:] + group[:first]:
            yield card.id


def plan_session(
    store: Store, cards: Sequence[Card], now: datetime, *, new_limit: int, limit: int
) -> Plan:
    """Due cards first (most overdue first), then new cards in `new_card_order`, up to
    `new_limit` new ones a day and `limit` in all. Reads only the rows it returns, plus one
    index count.

    New cards are at most one per fact, and none of a fact due now or studied today: the
    questions a fact makes give each other away (Anki calls this burying siblings)."""
    by_id = {c.id: c for c in cards}
    today = day_start(now)
    due = store.due(now, by_id.__contains__, limit)
    new_today = store.introduced_since(today)
    room = min(max(0, new_limit - new_today), limit - len(due))
    facts = {by_id[card_id].fact_id for card_id, _ in due}
    if room > 0:
        facts.update(by_id[i].fact_id for i in store.reviewed_since(today) if i in by_id)

    def first_of_its_fact(card_id: str) -> bool:
        fact = by_id[card_id].fact_id
        if fact in facts:
            return False
        facts.add(fact)
        return True

    fresh = store.unseen(new_card_order(cards), room, first_of_its_fact)
    items = [Item(by_id[i], e) for i, e in due] + [Item(by_id[i], None) for i in fresh]
    return Plan(items, len(due), len(fresh), new_today)
