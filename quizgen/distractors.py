"""Choosing the wrong options of a multiple-choice card. Pure: the project and a card in,
options out, every draw seeded by the card id.

A student who does not know the paper must not be able to rule an option out by its look, so
every distractor is the same kind of thing as the answer (its *shape*):

- a list has as many items as the answer;
- a number has the answer's unit, comparison and notation (">99%" beside other "over N%"
  values, "128k" beside "200k", a count beside counts);
- a text is of comparable length;
- and every candidate agrees with the answer's fact on the fields the template names in
  `agree` (`agree: [category]`: a model for a model; `agree: [paper]`: the same paper only).

Candidates are, in order: the fact's hand-written `distractors`, then the same answer field of
other facts of the kind (from the same paper first, then papers sharing a tag, then the rest),
then, for an exact number, near-miss values in its own notation that cannot also be true.
A distractor never equals the answer or one of its aliases (after folding), never appears in
the question, and is never what another fact answers to the same question. When too few fit,
the card gets fewer options; it is never padded with one of another shape.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple

from quizgen.model import SOURCE_FIELDS, CardTemplate, Fact, FieldValue, Project, Source
from quizgen.numbers import leading_quantity
from quizgen.text import fold, join_list

MIN_OPTIONS = 3  # fewer options than this is not a multiple-choice question worth asking
_EIGHT_WORDS = struct.Struct(">8I")
_LENGTH_RATIO = 2.0  # a text option may be at most this many times longer (in words) ...
_LENGTH_SLACK = 3  # ... or this many words longer, whichever allows more
_MAGNITUDE_RATIO = 10  # a number may be at most this many times another: 20 beside 57, not 3
# Far enough apart that no value is the answer rounded, near enough to stay plausible (a
# tenfold value reads as absurd beside most figures: "1520 layers").
_NEAR_MISS_FACTORS = ("0.5", "2", "0.25", "4", "1.5", "0.75", "3")


def card_draws(card_id: str, count: int) -> list[int]:
    """`count` stable pseudo-random 32-bit numbers for one card (distractors, option order).

    Derived from a SHA-256 of the card id, so they never change between runs or machines;
    cheaper than seeding a random.Random per card, which matters at tens of thousands of cards.
    """
    out: list[int] = []
    for block in range((count + 7) // 8):
        out.extend(_EIGHT_WORDS.unpack(hashlib.sha256(f"{card_id}#{block}".encode()).digest()))
    return out[:count]


def pick_distinct(n: int, k: int, draws: list[int]) -> list[int]:
    """k distinct indices below n, from k draws (a partial Fisher-Yates over a virtual list)."""
    swapped: dict[int, int] = {}
    picks = []
    for i in range(k):
        j = i + draws[i] % (n - i)
        picks.append(swapped.get(j, j))
        swapped[j] = swapped.get(i, i)
    return picks


# -- shapes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """What kind of thing an option is. Two options of one kind but different `words` counts
    are compatible when their lengths are close (see `compatible`)."""

    kind: str  # "list", "number" or "text"
    detail: tuple[object, ...] = ()
    words: int = 0
    size: float = 0.0  # a number's value: 3 sizes do not stand beside 57


_SHAPES: dict[Shape, Shape] = {}


@cache  # emptied after each compilation: see project._forget_memos
def shape_of(value: FieldValue) -> Shape:
    """The shape of an option. Equal shapes are one object, which `compatible` tells at once
    (most candidates have the answer's very shape)."""
    shape = _shape_of(value)
    return _SHAPES.setdefault(shape, shape)


def _shape_of(value: FieldValue) -> Shape:
    if not isinstance(value, str):
        if len(value) > 1:
            # "100 layers and 1000 layers" is not the same kind of list as "FID and distortion"
            numbers = sum(leading_quantity(v) is not None for v in value)
            return Shape("list", (len(value), numbers), sum(len(v.split()) for v in value))
        value = value[0]
    number = leading_quantity(value)
    if number is not None:
        quantity, unit_words, magnitude = number
        scaled = "scaled" if magnitude else "plain"
        relation = quantity.relation[:1]  # ">" and ">=" read alike to a student
        unit = quantity.unit or _singular(unit_words)
        size = abs(float(quantity.value))
        return Shape("number", (unit, relation, scaled), len(value.split()), size)
    words = len(value.split())
    shape = _TEXT_SHAPES.get(words)
    if shape is None:
        shape = _TEXT_SHAPES[words] = Shape("text", (), words)
    return shape


_TEXT_SHAPES: dict[int, Shape] = {}  # by number of words: most answers are texts


def _singular(words: str) -> str:
    return " ".join(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words.split())


def compatible(a: Shape, b: Shape) -> bool:
    """Whether a student could tell `b` from `a` by its look alone (False) or not (True)."""
    if a is b:
        return True  # equal shapes are one object (see shape_of), and a shape fits itself
    if a.kind != b.kind or a.detail != b.detail:
        return False
    if a.kind == "number":
        small, large = sorted((a.size, b.size))
        return small == 0 or large <= small * _MAGNITUDE_RATIO
    short, long = sorted((max(1, a.words), max(1, b.words)))
    return long <= max(short * _LENGTH_RATIO, short + _LENGTH_SLACK)


# -- candidates --------------------------------------------------------------------------------


def _text(value: FieldValue) -> str:
    return value if isinstance(value, str) else join_list(value)


def _agree_value(source: Source, fact: Fact, name: str) -> FieldValue | None:
    """The value `agree: [name]` compares: the fact's field, else the source's ({paper}...)."""
    if name in fact.values:
        return fact.values[name]
    return source.fields.get(name) if name in SOURCE_FIELDS else None


class Candidate(NamedTuple):
    """Another fact's answer, as a possible distractor (a named tuple: a pool holds one per
    fact, and a frozen dataclass cost more to make than the rest of the pool). Its shape is
    found when first offered (`Pools.shape`)."""

    text: str
    value: FieldValue
    source: str
    fact: str
    agree: frozenset[tuple[str, str]]  # (field, folded value) of the fields templates agree on


Answer = tuple[tuple[str, str], Source, Fact, FieldValue, tuple[tuple[str, str], ...]]


def _answers(project: Project, sources: Iterable[Source] | None = None) -> Iterator[Answer]:
    """What the pools hold, one answer at a time, in pool order: its (kind, answer field),
    source, fact, value and the (field, folded value) pairs templates agree on; of `sources`
    alone when given. `Pools` and `pool_digests` read the project through this alone."""
    agree_fields: dict[str, set[str]] = defaultdict(set)
    wanted: set[tuple[str, str]] = set()
    for kind in project.kinds.values():
        for template in kind.templates:
            if template.choices:
                wanted.add((kind.name, template.answer))
                agree_fields[kind.name].update(template.agree)
    for source in project.sources if sources is None else sources:
        for fact in source.facts:
            agree = tuple(
                (name, fold(_text(value)))
                for name in sorted(agree_fields[fact.kind])
                if (value := _agree_value(source, fact, name)) is not None
            )
            for kind_name, field in wanted:
                if fact.kind == kind_name and field in fact.values:
                    yield (kind_name, field), source, fact, fact.values[field], agree


def _source_tags(project: Project) -> dict[str, frozenset[str]]:
    return {s.id: frozenset(t for f in s.facts for t in f.tags) for s in project.sources}


def source_pool_digests(project: Project, source: Source) -> dict[tuple[str, str], str]:
    """A digest of one paper's answers in each (kind, answer field) pool it has answers in:
    all that a card reads that does not look past its paper (see `draw`). It depends on the
    source (its `paper` too, which `agree` may compare) and on the kinds alone, so a source
    whose draft is reused (quizgen.cache) keeps it (`expand.Draft.pools`)."""
    digests: dict[tuple[str, str], Any] = {}
    for key, _, fact, value, agree in _answers(project, (source,)):
        digest = digests.get(key)
        if digest is None:
            digest = digests[key] = hashlib.sha256()
        digest.update(repr((source.id, fact.id, value, agree)).encode())
    return {key: digest.hexdigest() for key, digest in digests.items()}


def pool_digests(
    project: Project, known: Mapping[str, dict[tuple[str, str], str]] | None = None
) -> dict[tuple[str, ...], str]:
    """A digest of each (kind, answer field) pool and of the papers' tags: what `draw`
    reads of other facts; and under (kind, field, source id), of one paper's answers in it
    (`source_pool_digests`, taken from `known`, by source id, when it has them). Equal
    digests, equal pools: a card whose own fact, question and excluded answers are unchanged
    then gets the same options (see `expand.expand`). A pool's digest is made of its papers'
    digests, in source order: an edit build hashes the answers of the edited paper alone."""
    tags = repr([(source, sorted(t)) for source, t in _source_tags(project).items()]).encode()
    digests: dict[tuple[str, ...], Any] = {}
    for source in project.sources:
        mine = known.get(source.id) if known is not None else None
        if mine is None:
            mine = source_pool_digests(project, source)
        for key, digest in mine.items():
            digests[(*key, source.id)] = digest
            whole = digests.get(key)
            if whole is None:
                whole = digests[key] = hashlib.sha256(tags)
            whole.update(repr((source.id, digest)).encode())
    return {
        key: digest if isinstance(digest, str) else digest.hexdigest()
        for key, digest in digests.items()
    }


class Pools:
    """Every fact's answers, per (kind, answer field), with what choosing among them needs.

    Made once per project, and each part only when first wanted: a card that finds its
    distractors among its own paper's answers (nearly all of them) reads that paper's part
    alone, so the options of one edited paper in a hundred cost that paper's answers, not the
    project's. `draw` then costs about O(options) per card (see `_take_from_pool`)."""

    def __init__(self, project: Project) -> None:
        self._project = project
        self._pools: dict[tuple[str, str], list[Candidate]] | None = None
        self._agrees: dict[tuple[tuple[str, str], ...], frozenset[tuple[str, str]]] = {}
        # One paper's part of each pool, the same candidates in the same order.
        self._own: dict[str, dict[tuple[str, str], list[Candidate]]] = {}
        self._source_tags: dict[str, frozenset[str]] | None = None
        # Each candidate's shape, found when first offered: most cards take their options from
        # a few candidates, and a pool made for a few cards (an incremental build) need not
        # shape every answer.
        self.shapes: dict[tuple[str, str], list[Shape | None]] = {}
        self._own_shapes: dict[tuple[tuple[str, str], str], list[Shape | None]] = {}
        # What each fact answers to each question: a distractor must not be another fact's
        # right answer to the very same question. Filled in by expansion as it goes.
        self.answers_to: dict[str, set[str]] = defaultdict(set)
        self._sources: dict[tuple[str, str], dict[str, list[int]]] = {}
        self._tagged: dict[tuple[tuple[str, str], str], list[int]] = {}

    def _candidates(
        self, sources: Iterable[Source] | None
    ) -> dict[tuple[str, str], list[Candidate]]:
        pools: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
        agrees = self._agrees
        for key, source, fact, value, agree in _answers(self._project, sources):
            agreed = agrees.get(agree)
            if agreed is None:
                agreed = agrees[agree] = frozenset(agree)
            text = value if isinstance(value, str) else join_list(value)
            pools[key].append(Candidate(text, value, source.id, fact.id, agreed))
        return pools

    @property
    def pools(self) -> dict[tuple[str, str], list[Candidate]]:
        """Every (kind, answer field) pool of the project."""
        if self._pools is None:
            self._pools = self._candidates(None)
            self.shapes = {key: [None] * len(pool) for key, pool in self._pools.items()}
        return self._pools

    @property
    def source_tags(self) -> dict[str, frozenset[str]]:
        if self._source_tags is None:
            self._source_tags = _source_tags(self._project)
        return self._source_tags

    def candidates(self, kind: str, field: str) -> list[Candidate]:
        return self.pools.get((kind, field), [])

    def own(
        self, key: tuple[str, str], source: Source
    ) -> tuple[list[Candidate], list[Shape | None]]:
        """One paper's answers in the (kind, field) pool, in pool order (what `of_source`
        indexes), with their shapes as far as found."""
        mine = self._own.get(source.id)
        if mine is None:
            mine = self._own[source.id] = self._candidates((source,))
        candidates = mine.get(key, [])
        shapes = self._own_shapes.get((key, source.id))
        if shapes is None:
            shapes = self._own_shapes[key, source.id] = [None] * len(candidates)
        return candidates, shapes

    def of_source(self, key: tuple[str, str], source: str) -> list[int]:
        """Indices into the (kind, field) pool of one paper's answers."""
        return self._by_source(key).get(source, [])

    def sharing_a_tag(self, key: tuple[str, str], source: str) -> list[int]:
        """Indices of the answers of other papers that share a tag with `source`."""
        cached = self._tagged.get((key, source))
        if cached is None:
            tags = self.source_tags.get(source, frozenset())
            by_source = self._by_source(key)
            cached = [
                i
                for other, indices in by_source.items()
                if other != source and tags & self.source_tags.get(other, frozenset())
                for i in indices
            ]
            self._tagged[key, source] = cached
        return cached

    def _by_source(self, key: tuple[str, str]) -> dict[str, list[int]]:
        groups = self._sources.get(key)
        if groups is None:
            groups = defaultdict(list)
            for i, candidate in enumerate(self.candidates(*key)):
                groups[candidate.source].append(i)
            self._sources[key] = groups
        return groups


def draw(
    pools: Pools,
    source: Source,
    fact: Fact,
    template: CardTemplate,
    card_id: str,
    folded_question: str,
    aliases: Iterable[str] = (),
) -> tuple[tuple[str, ...], bool]:
    """The options of the card `template` makes from `fact`: its answer and up to
    `template.choices - 1` distractors, in an order drawn from the card id; and whether
    drawing them looked past the answers of the card's own paper (to papers sharing a tag, or
    any paper). When it did not, the options depend on no other paper's
    answers: only on this paper's and on what the question excludes (`pools.answers_to`).
    The question is given folded (text.fold), as expansion has it."""
    value = fact.values[template.answer]
    answer = _text(value)
    wanted = template.choices - 1
    shape = shape_of(value)
    excluded = {fold(answer), *(fold(a) for a in aliases)}
    excluded |= pools.answers_to.get(folded_question, set())
    padded = f" {folded_question} "  # text.contains_words(folded_question, key), padded once
    chosen: list[str] = []

    def take(text: str) -> bool:
        key = fold(text)
        if key in excluded or (key and f" {key} " in padded):
            return False
        excluded.add(key)
        chosen.append(text)
        return len(chosen) >= wanted

    done = wide = False
    for hand_written in fact.distractors.get(template.answer, ()):
        if take(_text(hand_written)):
            done = True
            break
    if not done:
        done, wide = _take_from_pool(pools, source, fact, template, card_id, shape, take)
    if not done:
        for near in near_misses(answer, card_id):
            if take(near):
                break
    options = [*chosen, answer]
    draws = card_draws(card_id + "#order", len(options))
    return tuple(options[i] for i in pick_distinct(len(options), len(options), draws)), wide


def lazy_permutation(n: int, seed: str) -> Iterator[int]:
    """The numbers below n in an order drawn from `seed`, produced one at a time: a
    Fisher-Yates shuffle that swaps lazily, so taking k of them costs O(k), not O(n)."""
    swapped: dict[int, int] = {}
    block = 0
    words: list[int] = []
    for i in range(n):
        if not words:
            words = card_draws(f"{seed}#{block}", 8)
            block += 1
        j = i + words.pop() % (n - i)
        yield swapped.get(j, j)
        swapped[j] = swapped.get(i, i)


def _take_from_pool(  # type: ignore[no-untyped-def]
    pools: Pools, source: Source, fact: Fact, template: CardTemplate, card_id, shape, take
) -> tuple[bool, bool]:
    """Whether `take` got enough, and whether it was offered other papers' answers. Offer
    `take` other facts' answers of the same shape and agreement: from the same paper,
    then from papers sharing a tag, then from any paper, each tier in an order drawn from the
    card id. Lazily, so a card that finds its distractors early costs O(options), not O(pool):
    at 30,000 cards of one kind, ranking the whole pool per card was most of `check`'s time."""
    key = (fact.kind, template.answer)
    own, own_shapes = pools.own(key, source)
    if not own and not pools.candidates(*key):
        return False, True  # an empty pool is news about every paper: one may fill it
    agree = (
        {
            (name, fold(_text(value)))
            for name in template.agree
            if (value := _agree_value(source, fact, name)) is not None
        }
        if template.agree
        else set()
    )
    fact_id, source_id = fact.id, source.id

    def offer(
        pool: list[Candidate],
        shapes: list[Shape | None],
        indices: list[int] | range,
        salt: str,
        offered: set[int],
    ) -> bool:
        for n in lazy_permutation(len(indices), f"{card_id}#{salt}"):
            i = indices[n]
            if i in offered:
                continue
            offered.add(i)
            candidate = pool[i]
            if candidate.fact == fact_id and candidate.source == source_id:
                continue  # the card's own fact
            other = shapes[i]
            if other is None:
                other = shapes[i] = shape_of(candidate.value)
            if not compatible(shape, other) or (agree and not agree <= candidate.agree):
                continue
            if take(candidate.text):
                return True
        return False

    # The paper's own answers are a run of the pool (`of_source`): offered from that run
    # alone, by their places in it, the whole pool is made only for a card that looks past.
    offered_own: set[int] = set()
    if offer(own, own_shapes, range(len(own)), "paper", offered_own):
        return True, False
    if "paper" in template.agree:
        return False, False
    pool, shapes = pools.candidates(*key), pools.shapes[key]
    mine = pools.of_source(key, source_id)
    offered = {mine[i] for i in offered_own}
    if offer(pool, shapes, pools.sharing_a_tag(key, source_id), "tag", offered):
        return True, True
    return offer(pool, shapes, range(len(pool)), "any", offered), True


# -- numbers -----------------------------------------------------------------------------------

_NUMBER_TEXT = re.compile(r"\d+(?:[.,]\d+)*")


def near_misses(answer: str, card_id: str) -> list[str]:
    """Wrong values in the answer's own notation ("57" -> "29", "114"; "200k" -> "100k"),
    for exact numbers only: beside ">99%" any "over N%" might also be true, so a comparison
    gets none. The factors are far enough apart that no value is the answer rounded."""
    parsed = leading_quantity(answer)
    if parsed is None or parsed[0].relation:
        return []
    match = _NUMBER_TEXT.search(answer)
    if match is None or "," in match.group():
        return []
    digits = match.group()
    decimals = len(digits.partition(".")[2])
    number = Decimal(digits)
    if number == 0:
        return []
    percent = parsed[0].unit == "%"
    order = pick_distinct(
        len(_NEAR_MISS_FACTORS),
        len(_NEAR_MISS_FACTORS),
        card_draws(card_id + "#near", len(_NEAR_MISS_FACTORS)),
    )
    out: list[str] = []
    seen = {number}
    for i in order:
        value = (number * Decimal(_NEAR_MISS_FACTORS[i])).quantize(Decimal(10) ** -decimals)
        if value <= 0 or value in seen or (percent and value > 100):
            continue
        if decimals == 0 and number >= 1 and value < 1:
            continue
        if parsed[2] and not 1 <= value < 1000:
            continue  # "2000k" is not how anyone writes 2M
        seen.add(value)
        text = f"{value:.{decimals}f}"
        out.append(answer[: match.start()] + text + answer[match.end() :])
    return out
