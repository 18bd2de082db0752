"""Review histories written through the store, with quizgen's own FSRS scheduler, at set times."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from quizgen.scheduler import Memory, review
from quizgen.store import Store


def rate(store: Store, card_id: str, rating: int, at: datetime, ms: int = 4000) -> Memory:
    """Record one answer to `card_id` at `at`, as a quiz session does."""
    return store.record(
        card_id,
        text_hash="h-" + card_id,
        rating=rating,
        now=at,
        schedule=lambda before: review(before, rating, at),
        duration_ms=ms,
        answer="x",
    )


def write_history(path: Path, answers: Iterable[tuple[str, int, datetime]]) -> dict[str, Memory]:
    """A history file holding these (card id, rating, time) answers; each card's last memory."""
    memories = {}
    with Store.open(path) as store:
        for card_id, rating, at in answers:
            memories[card_id] = rate(store, card_id, rating, at)
    return memories


def review_count(store: Store) -> int:
    """How many reviews the history holds, read through the store (so a damaged file raises)."""
    return sum(1 for _ in store.all_reviews())
