"""The quiz's index of a compiled deck: what planning needs of every card, and each card whole,
readable on its own.

A quiz asks a few cards of a deck that may hold 30,000; unpickling the whole compilation
(quizgen.cache) to plan a session cost a second on such a deck. The index is written beside
that cache, after a compilation, and read instead of it: its header holds, for every card in
deck order, its id, fact, style and its (source, kind, tags), which filtering and planning need;
each card follows as a pickle of its own, which a session reads only when it plans to ask it.

The index is valid for the fingerprint of the project's files and of quizgen's compiler
(`quizgen.cache.fingerprint`), and of this module's own code. Like the cache, it is the user's
own, never trusted blindly: a header that does not unpickle to the expected shape and key is a
miss, and a card that does not unpickle to a card of the expected id raises `Damaged`, after
which the caller compiles the deck afresh. Writing it is best effort (a cache folder that
cannot be written only costs a compilation next time) and atomic, so that a reader finds the
old index or the new one, never half of one.

File layout: MAGIC, the header's length (8 bytes, little-endian), the header, the cards.
"""

from __future__ import annotations

import hashlib
import pickle
from array import array
from collections.abc import Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO

from quizgen.filters import check, matcher, nothing_matches
from quizgen.model import Card, Project
from quizgen.planning import Lineup

FORMAT = 1
MAGIC = b"quizgen deck index\n\0"
_LENGTH = 8  # bytes of the header's length


class Damaged(Exception):
    """A card of the index could not be read back: compile the deck instead."""


def key(root: Path) -> str | None:
    """What an index of `root` must have been written for: the compile cache's fingerprint
    of its files and quizgen's compiler, and this module's code. None when `root` is not a
    folder (compiling it reports why)."""
    if not root.is_dir():
        return None
    from quizgen import cache

    own = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return f"{cache.fingerprint(root)} {own} {FORMAT}"


def _path(root: Path) -> Path:
    from quizgen.cache import cache_dir

    name = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:24]
    return cache_dir() / "deckindex" / f"{name}.index"


class DeckIndex:
    """An open index of a compiled deck. Close it (or use it as a context manager) once the
    session is planned: the cards are read from the file it holds open, so an index replaced
    meanwhile by another quiz is never mixed with this one."""

    def __init__(
        self,
        file: BinaryIO,
        start: int,
        ids: list[str],
        facts: array[int],
        styles: list[str],
        groups: array[int],
        group_table: list[tuple[str, str, tuple[str, ...]]],
        ends: array[int],
        citations: dict[str, str],
    ) -> None:
        self._file = file
        self._start = start  # where the first card begins
        self.ids = ids
        self._facts = facts  # a number per fact; a fact's cards are side by side
        self._styles = styles
        self._groups = groups  # per card: its (source, kind, tags) in group_table
        self._group_table = group_table
        self._ends = ends  # per card: where it ends, counted from `start`
        self.citations = citations  # source id -> how the quiz cites it

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
            if not self.ids:
                raise nothing_matches()
            return Lineup(self.ids, self._facts, self._styles, self._read)
        match = matcher(sources, kinds, tags)
        wanted = [match(*group) for group in table]
        chosen = [k for k, group in enumerate(self._groups) if wanted[group]]
        if not chosen:
            raise nothing_matches()
        return Lineup(
            [self.ids[k] for k in chosen],
            [self._facts[k] for k in chosen],
            [self._styles[k] for k in chosen],
            lambda positions: self._read([chosen[p] for p in positions]),
        )

    def _read(self, positions: Sequence[int]) -> list[Card]:
        """The cards at these positions of the deck, whole. Raises Damaged when one does not
        read back as the card the header names."""
        found: dict[int, Card] = {}
        try:
            for k in sorted(set(positions)):  # in file order
                begin = self._ends[k - 1] if k else 0
                self._file.seek(self._start + begin)
                data = self._file.read(self._ends[k] - begin)
                card = pickle.loads(data)
                if not isinstance(card, Card) or card.id != self.ids[k]:
                    raise Damaged(f"card {k} of the deck index is not {self.ids[k]}")
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
        fmt, found, ids, facts, styles, groups, group_table, ends, citations = header
        if (
            fmt != FORMAT
            or found != key
            or not all(isinstance(v, list) for v in (ids, styles, group_table))
            or not all(isinstance(v, array) for v in (facts, groups, ends))
            or not isinstance(citations, dict)
            or not len(ids) == len(facts) == len(styles) == len(groups) == len(ends)
        ):
            raise ValueError("not the index wanted")
        return DeckIndex(
            file,
            len(MAGIC) + _LENGTH + length,
            ids,
            facts,
            styles,
            groups,
            group_table,
            ends,
            citations,
        )
    except Exception:  # a damaged or foreign file is a miss, like a damaged cache entry
        file.close()
        return None


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


def _columns(
    cards: Iterable[Card],
) -> tuple[list[str], array[int], list[str], array[int], list[tuple[str, str, tuple[str, ...]]]]:
    """ids, fact numbers, styles, group numbers, and the table of groups: (source, kind,
    tags), which facts mostly share, so that filtering looks at each only once."""
    ids: list[str] = []
    facts = array("L")  # arrays of numbers unpickle at once, lists one number at a time
    styles: list[str] = []
    groups = array("L")
    fact_numbers: dict[tuple[str, str], int] = {}
    group_numbers: dict[tuple[str, str, tuple[str, ...]], int] = {}
    for card in cards:
        ids.append(card.id)
        facts.append(fact_numbers.setdefault((card.source, card.fact), len(fact_numbers)))
        styles.append(card.style)
        group = (card.source, card.kind, card.tags)
        groups.append(group_numbers.setdefault(group, len(group_numbers)))
    return ids, facts, styles, groups, list(group_numbers)


def citations(project: Project) -> dict[str, str]:
    """How the quiz cites each source of the project, by id."""
    return {source.id: source.citation for source in project.sources}


def discard(root: Path) -> None:
    """Remove the index of `root` (a damaged one): the next quiz writes it afresh."""
    with suppress(OSError):
        _path(root).unlink(missing_ok=True)
