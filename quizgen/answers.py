"""Checking typed answers leniently, and proposing a rating from how close they came.

Pure functions of strings. What is ignored: case, accents, punctuation, spacing, articles and
the order of list items. What is compared by value: numbers with their magnitudes and units
("10M" = "10 million" = "10,000,000", "99 percent" = "99%"), with comparisons (">99%") and
rounding ("10M" for 10.2 million) counted as close but not exact. Spelling slips pass through a
fuzzy match (rapidfuzz) whose tolerance grows with the answer's length and never covers digits,
so "ResNet-50" is not "ResNet-56" and "BERT" is not "BART".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from quizgen.model import Card
from quizgen.numbers import _QUANTITY, Quantity, _prepare, _quantity, parse_quantity
from quizgen.scheduler import Rating
from quizgen.text import fold, join_list, squash

FUZZY_THRESHOLD = 0.85  # normalised similarity a long answer needs to count as a spelling slip


class Status(Enum):
    EXACT = "exact"  # the same answer, up to case, accents, punctuation, order, notation
    TYPO = "typo"  # the same answer with a spelling slip
    CLOSE = "close"  # nearly: a rounded number, a missing ">", an extra list item
    PARTIAL = "partial"  # some list items right, some missing
    WRONG = "wrong"
    EMPTY = "empty"  # no answer given


_PROPOSAL = {
    Status.EXACT: Rating.GOOD,
    Status.TYPO: Rating.GOOD,
    Status.CLOSE: Rating.HARD,
    Status.PARTIAL: Rating.AGAIN,
    Status.WRONG: Rating.AGAIN,
    Status.EMPTY: Rating.AGAIN,
}
_RANK = list(Status)  # best first


@dataclass(frozen=True)
class Verdict:
    """How an answer compares with the expected one; `note` says what was off, if anything."""

    status: Status
    note: str = ""

    @property
    def accepted(self) -> bool:
        return self.status in (Status.EXACT, Status.TYPO, Status.CLOSE)

    @property
    def rating(self) -> Rating:
        """The rating quizgen proposes; the student may accept or override it."""
        return _PROPOSAL[self.status]


# -- numbers ---------------------------------------------------------------------------------


def compare_quantities(expected: Quantity, given: Quantity) -> Verdict:
    """EXACT when equal; CLOSE when one is the other rounded, or only the comparison differs."""
    if expected.unit and given.unit and expected.unit != given.unit:
        return Verdict(Status.WRONG)
    diff = abs(expected.value - given.value)
    if diff == 0:
        same_value = Status.EXACT
    elif diff * 2 <= max(given.place, expected.place):
        same_value = Status.CLOSE
    else:
        return Verdict(Status.WRONG)
    rel_e, rel_g = expected.relation, given.relation
    if rel_e == rel_g:
        return Verdict(same_value)
    if rel_e and rel_g and rel_e[0] != rel_g[0]:
        return Verdict(Status.WRONG)  # "more than" is not "less than"
    return Verdict(Status.CLOSE)


# -- text --------------------------------------------------------------------------------------

PHRASE_WORDS = 4  # an answer of this many words may be given in part ...
PHRASE_COVERAGE = 0.75  # ... if this share of its words is there (counted CLOSE, not exact)
_PARENTHETICAL = re.compile(r"\s*\(([^()]*)\)")
_ASIDE = re.compile(r"(?:e\.\s?g|i\.\s?e|see|cf)\b", re.IGNORECASE)
_ARTICLES = re.compile(r"\b(?:the|a|an)\s+(?=[^\W\d])")
# Commas followed by a digit group a number ("1,000"), so they do not separate items.
_SEPARATORS = re.compile(r"\s*(?:,(?!\d)|[;/\n&]|\band\b)\s*", re.IGNORECASE)
_MAX_SPAN = 3  # an item torn apart by splitting on 'and' spans at most this many pieces


@dataclass(frozen=True)
class Normal:
    """An answer reduced for comparison: folded words, each number replaced by '#',
    and the numbers themselves."""

    words: str
    quantities: tuple[Quantity, ...]


def normalize(text: str, number_words: bool = True) -> Normal:
    """Fold case, accents and punctuation, drop articles, and read numbers by value (number
    words too, unless `number_words` is false)."""
    text = _prepare(text, number_words)
    chunks: list[str] = []
    quantities: list[Quantity] = []
    last = 0
    for match in _QUANTITY.finditer(text):
        chunks += [_words(text[last : match.start()]), "#"]
        quantities.append(_quantity(match))
        last = match.end()
    chunks.append(_words(text[last:]))
    return Normal(" ".join(c for c in chunks if c), tuple(quantities))


def _words(text: str) -> str:
    folded = fold(text)
    return squash(_ARTICLES.sub("", folded)) or folded


def _allowed_slip(length: int) -> float:
    """How far apart two spellings may be: none for short names, where one letter makes
    another name (BERT, BART), one edit up to 8 letters, then the similarity threshold."""
    if length <= 4:
        return 0
    if length <= 8:
        return 1
    return length * (1 - FUZZY_THRESHOLD)


def _spelling_slip(expected: str, given: str) -> bool:
    from rapidfuzz.distance import OSA

    if re.findall(r"\d+", expected) != re.findall(r"\d+", given):
        return False
    a, b = expected.replace(" ", ""), given.replace(" ", "")
    return OSA.distance(a, b) <= _allowed_slip(len(a))


def compare_text(expected: str, given: str) -> Verdict:
    """Compare one answer with one expected value (no list handling)."""
    best = Verdict(Status.WRONG)
    for alternative in _alternatives(expected):
        # Number words may be part of a name ("Mu Zero"): try them as words too.
        for number_words in (True, False):
            e, g = normalize(alternative, number_words), normalize(given, number_words)
            verdict = _compare(e, g, expected)
            if verdict.status is Status.EMPTY:
                return verdict
            if _RANK.index(verdict.status) < _RANK.index(best.status):
                best = verdict
    return best


def _alternatives(expected: str) -> list[str]:
    """The answer, and what a parenthesis makes optional: "the bandwidth-limited channel
    (BWLC)" may be given without the acronym, or as the acronym alone."""
    inner = _PARENTHETICAL.findall(expected)
    if not inner:
        return [expected]
    alternatives = [expected, _PARENTHETICAL.sub("", expected)]
    for text in inner:
        text = text.strip()
        if 1 <= len(text.split()) <= 3 and not text.endswith("-") and not _ASIDE.match(text):
            alternatives.append(text)
    return alternatives


def _compare(e: Normal, g: Normal, expected: str) -> Verdict:
    if not g.words:
        return Verdict(Status.EMPTY)
    if len(e.quantities) != len(g.quantities):
        return Verdict(Status.WRONG)
    numbers = [compare_quantities(x, y) for x, y in zip(e.quantities, g.quantities, strict=True)]
    if any(v.status is Status.WRONG for v in numbers):
        return Verdict(Status.WRONG)
    if e.words == g.words or e.words.replace(" ", "") == g.words.replace(" ", ""):
        words = Status.EXACT
    elif _spelling_slip(e.words, g.words):
        words = Status.TYPO
    elif _covers(e.words, g.words) or (
        e.quantities and set(g.words.split()) <= set(e.words.split())
    ):  # the right numbers, with a unit word left out ("10M" for "10M tokens")
        words = Status.CLOSE
    else:
        return Verdict(Status.WRONG)
    if words is Status.CLOSE or any(v.status is Status.CLOSE for v in numbers):
        return Verdict(Status.CLOSE, f"exactly: {squash(expected)}")
    return Verdict(words, f"spelled: {squash(expected)}" if words is Status.TYPO else "")


def _covers(expected: str, given: str) -> bool:
    """A long answer given in its own words: most of its words there, few others added."""
    from rapidfuzz.distance import OSA

    wanted, typed = expected.split(), given.split()
    if len(wanted) < PHRASE_WORDS:
        return False
    unused = list(typed)
    found = 0
    for word in wanted:
        for i, candidate in enumerate(unused):
            if OSA.distance(word, candidate) <= _allowed_slip(len(word)):
                found += 1
                del unused[i]
                break
    return found >= PHRASE_COVERAGE * len(wanted) and len(unused) <= len(typed) / 4


def split_list(text: str) -> list[str]:
    """The items of a typed list: separated by commas, semicolons, slashes, 'and', 'or'."""
    return [part for part in _SEPARATORS.split(text) if part.strip()]


def _best(expected: str, pieces: list[str], used: set[int]) -> tuple[Verdict, list[int]]:
    """The best match for `expected` among unused pieces, or runs of neighbouring pieces (an
    item may itself contain 'and', which splitting tore apart)."""
    best: tuple[Verdict, list[int]] = (Verdict(Status.WRONG), [])
    for start in range(len(pieces)):
        for end in range(start + 1, len(pieces) + 1):
            span = list(range(start, end))
            if used.intersection(span) or len(span) > _MAX_SPAN:
                break
            verdict = compare_text(expected, " and ".join(pieces[start:end]))
            if _RANK.index(verdict.status) < _RANK.index(best[0].status):
                best = (verdict, span)
    return best


def compare_list(expected: Sequence[str], given: str) -> Verdict:
    """Compare a typed list with expected items, in any order."""
    pieces = split_list(given)
    if not pieces:
        return Verdict(Status.EMPTY)
    used: set[int] = set()
    missing: list[str] = []
    worst = Status.EXACT
    for item in expected:
        verdict, span = _best(item, pieces, used)
        if verdict.accepted:
            used.update(span)
            worst = max(worst, verdict.status, key=_RANK.index)
        else:
            missing.append(item)
    extra = [p.strip() for i, p in enumerate(pieces) if i not in used]
    if missing:
        if len(missing) == len(expected):
            return Verdict(Status.WRONG)
        return Verdict(Status.PARTIAL, f"missing: {join_list(missing)}")
    if extra:
        return Verdict(Status.CLOSE, f"not in the answer: {join_list(extra)}")
    return Verdict(worst, "")


def expected_items(card: Card) -> tuple[str, ...]:
    """What the student must produce: the answer's items, or for a cloze with several blanks,
    the text of each blank."""
    if card.cloze:
        blanks = tuple(s.text.strip() for s in card.cloze if s.hidden)
        if len(blanks) > 1:
            return blanks
    return card.answer_items or (card.answer,)


def check(card: Card, given: str) -> Verdict:
    """How the typed answer `given` compares with the card's answer."""
    items = expected_items(card)
    if not fold(given) and parse_quantity(given) is None:
        return Verdict(Status.EMPTY)
    if len(items) > 1:
        return compare_list(items, given)
    verdict = compare_text(items[0], given)
    if verdict.accepted or verdict.status is Status.EMPTY:
        return verdict
    # A single value that reads as a list ("Muesli and MuZero") may be given in any order.
    parts = split_list(items[0])
    if len(parts) > 1:
        as_list = compare_list(parts, given)
        if as_list.accepted:
            return as_list
    return verdict


def choice_index(card: Card, key: str) -> int | None:
    """The option picked by `key`: a number from 1, a letter from a, or the option's text."""
    key = key.strip()
    n = len(card.choices)
    if key.isdigit() and 1 <= int(key) <= n:
        return int(key) - 1
    if len(key) == 1 and "a" <= key.lower() < chr(ord("a") + n):
        return ord(key.lower()) - ord("a")
    folded = fold(key)
    for i, option in enumerate(card.choices):
        if folded and fold(option) == folded:
            return i
    return None


def check_choice(card: Card, index: int) -> Verdict:
    if index == card.correct_choice:
        return Verdict(Status.EXACT)
    return Verdict(Status.WRONG)
