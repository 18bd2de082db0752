"""The quiz's index of a compiled deck: what planning needs of every card, and each card whole,
readable on its own.

A quiz asks a few cards of a deck that may hold 30,000; unpickling the whole compilation
(quizgen.cache) to plan a session cost a second on such a deck. The index is written beside
that cache, after a compilation, and read instead of it: its header holds, for every card in
deck order, its id, fact, style and its (source, kind, tags), which filtering and planning need;
each card follows as a pickle of its own, which a session reads only when it plans to ask it.

The index is valid for the fingerprint of the project's files and of quizgen's compiler
(`quizgen.cache.fingerprint`), and of the code that writes and reads it. Like the cache, it
is the user's own, never trusted blindly: a header that does not unpickle to the expected
shape and key is a miss, and a card (or a column) that does not read back as the header says
raises `Damaged`, after which the caller compiles the deck afresh. Writing it is best effort
(a cache folder that cannot be written only costs a compilation next time) and atomic, so
that a reader finds the old index or the new one, never half of one.

File layout: MAGIC, the header's length (8 bytes, little-endian), the header, the cards.
"""

from __future__ import annotations

import hashlib
import pickle
from array import array
from bisect import bisect_left
from collections.abc import Hashable, Iterable, Iterator, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any, BinaryIO

from quizgen.filters import check, matcher, nothing_matches
from quizgen.model import Card, Project
from quizgen.planning import STYLES, Lineup

FORMAT = 1
MAGIC = b"quizgen deck index\n\0"
_LENGTH = 8  # bytes of the header's length


class Damaged(Exception):
    """A card or a column of the index could not be read back: compile the deck instead."""


def key(root: Path, digests: dict[Path, str] | None = None) -> str | None:
    """What an index of `root` must have been written for: the compile cache's fingerprint
    of its files (`digests`, when the caller has them: `cache.input_digests`) and of all of
    quizgen's code (this module and planning, whose STYLES it numbers, among them), and the
    index format. None when `root` is not a folder (compiling it reports why)."""
    if not root.is_dir():
        return None
    from quizgen import cache

    return f"{cache.fingerprint(root, digests)} {FORMAT}"


def _path(root: Path) -> Path:
    from quizgen.cache import cache_dir

    name = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:24]
    return cache_dir() / "deckindex" / f"{name}.index"


class DeckIndex:
    """An open index of a compiled deck. Close it (or use it as a context manager) once the
    session is planned: the cards are read from the file it holds open, so an index replaced
    meanwhile by another quiz is never mixed with this one.

    Its columns are kept as bytes and arrays, not as 30,000 Python objects: a session looks
    at a few hundred cards, and making an object of every id cost more than all the rest."""

    def __init__(self, file: BinaryIO, start: int, header: tuple[Any, ...]) -> None:
        (ids, id_ends, by_id, facts, styles, groups, group_table, ends, citations) = header
        self._file = file
        self._start = start  # where the first card begins
        self._ids: bytes = ids  # every id in deck order, one after another (UTF-8)
        self._id_ends: array[int] = id_ends  # per card: where its id ends in `ids`
        self._by_id: array[int] = by_id  # the cards' positions, in the order of their ids
        self._facts: array[int] = facts  # a number per fact; a fact's cards are side by side
        self._styles: bytes = styles  # per card: its style's place in STYLES
        self._groups: array[int] = groups  # per card: its (source, kind, tags) in group_table
        self._group_table: list[tuple[str, str, tuple[str, ...]]] = group_table
        self._ends: array[int] = ends  # per card: where it ends, counted from `start`
        self.citations: dict[str, str] = citations  # source id -> how the quiz cites it
        if not len(id_ends) == len(by_id) == len(facts) == len(styles) == len(groups) == len(ends):
            raise ValueError("columns of different lengths")

    def __len__(self) -> int:
        return len(self._ends)

    def card_id(self, k: int) -> str:
        """The id of the card at deck position `k`."""
        try:
            return self._id(k).decode()
        except UnicodeDecodeError:
            raise Damaged("the deck index holds an id that is not UTF-8") from None

    def _id(self, k: int) -> bytes:
        return self._ids[self._id_ends[k - 1] if k else 0 : self._id_ends[k]]

    def find(self, card_id: str) -> int | None:
        """The deck position of the card `card_id` (a binary search of the ids), or None."""
        key = card_id.encode()
        by_id = self._by_id
        try:
            at = bisect_left(by_id, key, key=self._id)
            if at < len(by_id) and self._id(by_id[at]) == key:
                return by_id[at]
        except IndexError:
            raise Damaged("the deck index's order of ids is damaged") from None
        return None

    def lineup(
        self, sources: Sequence[str] = (), kinds: Sequence[str] = (), tags: Sequence[str] = ()
    ) -> Lineup:
        """The cards that match the filters (as `quizgen.filters.filter_cards` chooses them,
        with the same errors), for `quizgen.planning.plan_session`."""
        table = self._group_table
        if sources:
            check("source", sources, {source for source, _, _ in table})
        if kinds:
            check("kind", kinds, {kind for _, kind, _ in table})
        if tags:
            check("tag", tags, {t for _, _, group_tags in table for t in group_tags})
        if not (sources or kinds or tags):
            if not len(self):
                raise nothing_matches()
            return _Indexed(self, None)
        match = matcher(sources, kinds, tags)
        wanted = [match(*group) for group in table]
        chosen = array("I", (k for k, group in enumerate(self._groups) if wanted[group]))
        if not chosen:
            raise nothing_matches()
        return _Indexed(self, chosen)

    def read(self, positions: Iterable[int]) -> list[Card]:
        """The cards at these deck positions, whole. Raises Damaged when one does not read
        back as the card the header names."""
        positions = list(positions)
        found: dict[int, Card] = {}
        try:
            for k in sorted(set(positions)):  # in file order
                begin = self._ends[k - 1] if k else 0
                self._file.seek(self._start + begin)
                card = pickle.loads(self._file.read(self._ends[k] - begin))
                if not isinstance(card, Card) or card.id != self.card_id(k):
                    raise Damaged(f"card {k} of the deck index is not {self.card_id(k)}")
                found[k] = card
        except Damaged:
            raise
        except Exception as exc:  # a damaged pickle can raise nearly anything
            raise Damaged(f"the deck index cannot be read: {exc!r}") from None
        return [found[k] for k in positions]

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> DeckIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Indexed(Lineup):
    """The cards of a deck index, all of them or those at the deck positions `chosen`
    (ascending)."""

    def __init__(self, index: DeckIndex, chosen: array[int] | None) -> None:
        self.index = index
        self.chosen = chosen

    def _deck(self, position: int) -> int:
        return position if self.chosen is None else self.chosen[position]

    def order(self) -> Iterator[tuple[int, str, Hashable, str]]:
        index = self.index
        deck = range(len(index)) if self.chosen is None else self.chosen
        for position, k in enumerate(deck):
            try:
                style = STYLES[index._styles[k]]
            except IndexError:
                raise Damaged(f"card {k} of the deck index has no style") from None
            yield position, index.card_id(k), index._facts[k], style

    def position(self, card_id: str) -> int | None:
        k = self.index.find(card_id)
        if k is None or self.chosen is None:
            return k
        at = bisect_left(self.chosen, k)
        return at if at < len(self.chosen) and self.chosen[at] == k else None

    def fact(self, position: int) -> Hashable:
        return self.index._facts[self._deck(position)]

    def read(self, positions: Sequence[int]) -> list[Card]:
        return self.index.read(self._deck(p) for p in positions)


def load(root: Path, key: str) -> DeckIndex | None:
    """The index of `root` written for `key`, opened; None when there is none, or it was
    written for another key, or its header is damaged."""
    try:
        file = _path(root).open("rb")
    except OSError:
        return None
    try:
        head = file.read(len(MAGIC) + _LENGTH)
        if head[: len(MAGIC)] != MAGIC:
            raise ValueError("not a deck index")
        length = int.from_bytes(head[len(MAGIC) :], "little")
        header = pickle.loads(file.read(length))
        if not (isinstance(header, tuple) and len(header) == 2 + len(_SHAPE)):
            raise ValueError("not a deck index header")
        if header[:2] != (FORMAT, key):
            raise ValueError("an index of other files or code")
        if not all(isinstance(v, t) for v, t in zip(header[2:], _SHAPE, strict=True)):
            raise ValueError("not a deck index header")
        return DeckIndex(file, len(MAGIC) + _LENGTH + length, header[2:])
    except Exception:  # a damaged or foreign file is a miss, like a damaged cache entry
        file.close()
        return None


# What the header holds after (FORMAT, key): see DeckIndex.__init__.
_SHAPE = (bytes, array, array, array, bytes, array, list, array, dict)


def save(root: Path, key: str, project: Project, cards: Sequence[Card]) -> None:
    """Write the index of `root`'s compilation for `key`. Never fails: a cache is an
    optimisation."""
    from quizgen.fsutil import atomic_output

    try:
        path = _path(root)
        path.parent.mkdir(parents=True, exist_ok=True)
        blobs = [pickle.dumps(card, protocol=pickle.HIGHEST_PROTOCOL) for card in cards]
        ends = array("Q")
        total = 0
        for blob in blobs:
            total += len(blob)
            ends.append(total)
        header = pickle.dumps(
            (FORMAT, key, *_columns(cards), ends, citations(project)),
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        with atomic_output(path) as out:
            out.write(MAGIC + len(header).to_bytes(_LENGTH, "little"))
            out.write(header)
            out.writelines(blobs)
    except Exception:
        pass


def _columns(cards: Sequence[Card]) -> tuple[object, ...]:
    """The header's columns but the cards' ends (see DeckIndex.__init__). The table of groups
    holds the (source, kind, tags) that facts mostly share, so that filtering looks at each
    only once."""
    encoded = [card.id.encode() for card in cards]
    id_ends = array("I")
    total = 0
    for one in encoded:
        total += len(one)
        id_ends.append(total)
    by_id = array("I", sorted(range(len(cards)), key=encoded.__getitem__))
    facts = array("I")
    groups = array("I")
    fact_numbers: dict[tuple[str, str], int] = {}
    group_numbers: dict[tuple[str, str, tuple[str, ...]], int] = {}
    for card in cards:
        facts.append(fact_numbers.setdefault((card.source, card.fact), len(fact_numbers)))
        group = (card.source, card.kind, card.tags)
        groups.append(group_numbers.setdefault(group, len(group_numbers)))
    styles = bytes(STYLES.index(card.style) for card in cards)
    return b"".join(encoded), id_ends, by_id, facts, styles, groups, list(group_numbers)


def citations(project: Project) -> dict[str, str]:
    """How the quiz cites each source of the project, by id."""
    return {source.id: source.citation for source in project.sources}


def discard(root: Path) -> None:
    """Remove the index of `root` (a damaged one): the next quiz writes it afresh."""
    with suppress(OSError):
        _path(root).unlink(missing_ok=True)
