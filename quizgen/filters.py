"""Choosing cards by source, kind and tag (shared by the quiz, handouts and `cards`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from quizgen.errors import InputError
from quizgen.model import Card


def _check(name: str, wanted: Iterable[str], valid: set[str]) -> None:
    unknown = sorted(set(wanted) - valid)
    if unknown:
        raise InputError.about(
            name, f"unknown {name} '{unknown[0]}'; valid: {', '.join(sorted(valid))}"
        )


def filter_cards(
    cards: Sequence[Card],
    sources: Sequence[str] = (),
    kinds: Sequence[str] = (),
    tags: Sequence[str] = (),
) -> list[Card]:
    """The cards matching every filter given (any of the values within one filter).

    Unknown filter values are an error that lists the valid ones; so is an empty result.
    The errors are about the settings `source`, `kind`, `tag` and `selection`."""
    _check("source", sources, {c.source for c in cards})
    _check("kind", kinds, {c.kind for c in cards})
    _check("tag", tags, {t for c in cards for t in c.tags})
    chosen = [
        c
        for c in cards
        if (not sources or c.source in sources)
        and (not kinds or c.kind in kinds)
        and (not tags or set(tags) & set(c.tags))
    ]
    if not chosen:
        raise InputError.about("selection", "no card matches these filters")
    return chosen
