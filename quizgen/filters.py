"""Choosing cards by source, kind and tag (shared by the quiz, handouts and `cards`)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence

from quizgen.errors import InputError
from quizgen.model import Card


def check(name: str, wanted: Iterable[str], valid: Collection[str]) -> None:
    """Refuse a filter value that names nothing: an error about the setting `name` that
    lists the valid values."""
    unknown = sorted(set(wanted) - set(valid))
    if unknown:
        raise InputError.about(
            name, f"unknown {name} '{unknown[0]}'; valid: {', '.join(sorted(valid))}"
        )


def matcher(
    sources: Sequence[str] = (), kinds: Sequence[str] = (), tags: Sequence[str] = ()
) -> Callable[[str, str, Iterable[str]], bool]:
    """Whether a card of (source, kind, tags) matches every filter given (any of the values
    within one filter)."""
    wanted_tags = set(tags)

    def match(source: str, kind: str, card_tags: Iterable[str]) -> bool:
        return (
            (not sources or source in sources)
            and (not kinds or kind in kinds)
            and (not wanted_tags or not wanted_tags.isdisjoint(card_tags))
        )

    return match


def nothing_matches() -> InputError:
    return InputError.about("selection", "no card matches these filters")


def filter_cards(
    cards: Sequence[Card],
    sources: Sequence[str] = (),
    kinds: Sequence[str] = (),
    tags: Sequence[str] = (),
) -> list[Card]:
    """The cards matching every filter given (any of the values within one filter).

    Unknown filter values are an error that lists the valid ones; so is an empty result.
    The errors are about the settings `source`, `kind`, `tag` and `selection`. The valid
    values are gathered only for the filters given: with none, the cards are not looked at."""
    if sources:
        check("source", sources, {c.source for c in cards})
    if kinds:
        check("kind", kinds, {c.kind for c in cards})
    if tags:
        check("tag", tags, {t for c in cards for t in c.tags})
    if sources or kinds or tags:
        match = matcher(sources, kinds, tags)
        chosen = [c for c in cards if match(c.source, c.kind, c.tags)]
    else:
        chosen = list(cards)
    if not chosen:
        raise nothing_matches()
    return chosen
