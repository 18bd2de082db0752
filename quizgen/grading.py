"""Grading a typed answer: a card and what the student typed in, a verdict out. Pure.

Verdicts: *correct* (proposed Good), *close* (accepted, proposed Hard), *partial* (some list
items right), *wrong*, *empty* (nothing typed), and *self* for sentence answers, which no word
matcher can judge: the student compares a word-by-word diff and rates.

Short answers (names, terms, numbers, lists of short items) are compared word by word:

- Case, accents, punctuation, articles, plural and -ing/-ed endings are ignored, and so is
  where the spaces fall ("Mu Zero" is "MuZero"); an acronym stands for its words ("RL").
  Numbers are read by value with their unit and comparison: "10M" = "10 million" =
  "10 000 000", "fifty-seven" = "57", "more than 99%" = ">99%".
- A spelling slip is forgiven within a word, never across words: none in words of up to four
  letters ("BERT" is not "BART", "GPU" is not "TPU"), one edit up to eight letters, then 15%;
  only when the first letter and every digit agree, and never between a word and its antonym
  ("incorrect" is not "correct").
- Polarity is never forgiven: a negation (not, no, never, without, n't, non) or a comparison
  word (more, fewer, at least, up to, over, under, ...) on one side only makes the answer wrong,
  as does any other number, unit or name.
- Words the question already says may be left out ("1.5 Pro" for *Gemini 1.5 Pro* when asked
  about Gemini), and so may a generic last word ("FID" for *FID scores*); a phrase of four or
  more words with three quarters of them there is close. A typed word that the card does not
  imply makes the answer wrong; words of the question, the answer, the evidence and the note
  are implied ("57 games" when the question counts games), and so are words saying what kind of
  thing a name is ("the Muesli algorithm"), but a unit symbol only when the card uses it ("57%"
  is not a count of 57). Another word in place of one left out, or a second answer ("Muesli or
  MuZero"), is wrong.
- The fact's `aliases` give other forms of the answer or of one list item, accepted like it.
- List items may come in any order, separated by commas, ";", "&", "/", "and" or "or".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Any

from quizgen.errors import InputError, Problem
from quizgen.model import Card
from quizgen.numbers import Quantity, find_quantities, leading_quantity, prepare
from quizgen.scheduler import Rating
from quizgen.text import fold, join_list, squash

# An answer of more than this many content words is a sentence, graded by the student. Every
# name, term, number and short phrase of the bundled deck has at most five ("introducing
# auxiliary latent variables in the decoder", "it is usually not sensitive to the reward
# function"); past that, answers are clauses that students paraphrase, and matching words
# cannot tell a rewording from a mistake.
SENTENCE_WORDS = 5
FUZZY_THRESHOLD = 0.85  # similarity a long word needs for a difference to count as a slip
PHRASE_WORDS = 4  # a phrase of this many content words may be given in part ...
PHRASE_COVERAGE = 0.75  # ... with this share of them there (close, not correct)


class Status(Enum):
    CORRECT = "correct"  # the answer, up to case, spacing, notation, order or a spelling slip
    CLOSE = "close"  # nearly: a rounded number, a missing ">", an extra list item
    PARTIAL = "partial"  # some list items right, some missing
    WRONG = "wrong"
    SELF = "self"  # a sentence: the student compares and rates
    EMPTY = "empty"  # no answer given


_RANK = {s: i for i, s in enumerate(Status)}  # best first
_PROPOSAL = {
    Status.CORRECT: Rating.GOOD,
    Status.CLOSE: Rating.HARD,
    Status.PARTIAL: Rating.AGAIN,
    Status.WRONG: Rating.AGAIN,
    Status.EMPTY: Rating.AGAIN,
}

Diff = tuple[tuple[str, str], ...]  # ("same" | "missing" | "extra", words)


@dataclass(frozen=True)
class Verdict:
    """How a typed answer compares with the card's. `note` says what was off ("spelled: …",
    "missing: …"); for a `self` verdict `diff` holds the word-by-word comparison and
    `proposal` the rating quizgen suggests, if any."""

    status: Status
    note: str = ""
    proposal: Rating | None = None
    diff: Diff = ()

    @property
    def name(self) -> str:
        return self.status.value

    @property
    def accepted(self) -> bool:
        return self.status in (Status.CORRECT, Status.CLOSE)

    @property
    def rating(self) -> Rating | None:
        """The rating quizgen proposes (the student may override it); None when it has none
        to offer for a sentence answer."""
        if self.status is Status.SELF:
            return self.proposal
        return _PROPOSAL[self.status]

    def to_dict(self) -> dict[str, Any]:
        rating = self.rating
        return {
            "verdict": self.name,
            "accepted": self.accepted,
            "rating": rating.label if rating is not None else None,
            "note": self.note,
            "diff": [list(pair) for pair in self.diff],
        }


def _better(a: Verdict, b: Verdict) -> bool:
    """Whether `a` is a better outcome for the student than `b`: a better verdict; for an
    accepted one, one with nothing to say (no slip); for a rejected one, one that says why."""
    if a.status is not b.status:
        return _RANK[a.status] < _RANK[b.status]
    return (not a.note and bool(b.note)) if a.accepted else (bool(a.note) and not b.note)


# -- words -------------------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOPWORDS = _words(
    "a an the of to in on at by for from with as and or is are was were be been being it its "
    "they them their there this that these those which who whom whose what when where how why "
    "do does did has have had can could will would may might must should s so such via into "
    "onto than also all many several various multiple numerous because"
)
_NEGATIONS = _words(
    "not no never without none nor neither non un cannot nothing nobody nowhere dont doesnt "
    "isnt arent wasnt werent cant wont didnt hasnt havent hadnt shouldnt couldnt wouldnt"
)
_COMPARISONS = _words(
    "more less fewer few greater higher lower larger smaller over under above below exceeding "
    "exceed exceeds least most up better worse before after"
)
_POLARITY = _NEGATIONS | _COMPARISONS
_FIXED = _STOPWORDS | _POLARITY  # words never stemmed ("this", "less")
_ANTONYM_PREFIXES = ("non", "dis", "un", "in", "im", "il", "ir")
# Words that only say what kind of thing a name is: "the Muesli algorithm" names Muesli.
_KIND_WORDS = _words("algorithm method approach technique framework language")
_ASIDE_WORDS = re.compile(r"\b(?:e\.\s?g|i\.\s?e)\b\.?|\betc\.", re.IGNORECASE)
_QUANTIFIERS = re.compile(
    r"\ba\s+(?:(?:wide|broad|large|small)\s+)?(?:number|variety|range|set)\s+of\b", re.IGNORECASE
)
_NOT = re.compile(r"(?:(?<=\bca)n|(?<=\bwo)n|n)['’]t\b", re.IGNORECASE)
_CANNOT = re.compile(r"\bcannot\b", re.IGNORECASE)
_DESCRIPTIVE = _words("the a an which that who whose its their this these with")


def _singular(word: str) -> str:
    """A plural's singular, roughly: enough for "TPUs" to read as "TPU"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    # "-us" and "-is" are singular ("corpus", "analysis") except after a short acronym ("GPUs").
    if (
        len(word) > 3
        and word.endswith("s")
        and not word.endswith("ss")
        and (len(word) == 4 or not word.endswith(("us", "is")))
    ):
        return word[:-1]
    return word


def _stem(word: str) -> str:
    """What inflections of one word share: "separating", "separated" and "separate" all read
    as "separat", "modelling" as "model"."""
    if word in _FIXED or any(c.isdigit() for c in word):
        return word
    word = _singular(word)
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    if len(word) > 4 and word[-1] == word[-2] and word[-1] != "s":
        word = word[:-1]  # "modell" (British doubling) reads as "model"; "recall" as "recal"
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


# Head nouns that say what kind of thing an item is, not which one: "FID" says what "FID
# scores" says. Only ever left out as the last word of an item of several.
_GENERIC_HEADS = frozenset(
    _stem(w) for w in _words("score metric measure method technique approach task setting")
)
_KIND_KEYS = frozenset(_stem(w) for w in _KIND_WORDS)


@dataclass(frozen=True)
class _Token:
    text: str  # the folded word, or the number as written
    key: str  # what is compared: the word's stem, or "#" and the number's value
    unit: int  # which word of the text, as written between spaces, it belongs to
    quantity: Quantity | None = None
    polar: bool = False  # a negation or a comparison
    exact: bool = False  # a number word read as a word ("three"): never left out or added

    @property
    def stop(self) -> bool:
        return self.quantity is None and self.text in _STOPWORDS


@lru_cache(maxsize=8192)
def _tokens(text: str, number_words: bool = True) -> tuple[_Token, ...]:
    """The words and numbers of `text`, folded for comparison."""
    text = _QUANTIFIERS.sub(" ", _ASIDE_WORDS.sub(" ", text))
    text = _CANNOT.sub("can not", _NOT.sub(" not", text))
    prepared = prepare(text, number_words)
    out: list[_Token] = []
    unit = 0

    def words(chunk: str) -> None:
        nonlocal unit
        for raw in chunk.split():
            folded = fold(raw).replace("%", " ").split()
            for word in folded:
                # "most capable" compares nothing; "at most" does.
                after_at = bool(out) and out[-1].text == "at"
                polar = word in _POLARITY and (word not in ("most", "least") or after_at)
                exact = not number_words and _is_number_word(word)
                out.append(_Token(word, _stem(word), unit, polar=polar, exact=exact))
            unit += bool(folded)

    last = 0
    for start, end, quantity in find_quantities(prepared):
        words(prepared[last:start])
        value = format(quantity.value.normalize(), "f")
        out.append(_Token(squash(prepared[start:end]), f"#{value}", unit, quantity))
        unit += 1
        last = end
    words(prepared[last:])
    return tuple(out)


def _is_number_word(word: str) -> bool:
    return prepare(word) != word


def _drop_parentheticals(text: str) -> str:
    return _PARENTHETICAL.sub("", _OPTIONAL_PREFIX.sub("", text))


def content_words(text: str) -> list[str]:
    """The words of `text` that carry meaning: not articles, prepositions, pronouns or
    auxiliaries, but negations and comparisons always. A hyphenated word counts once; a
    parenthesis does not count."""
    text = _QUANTIFIERS.sub(" ", _ASIDE_WORDS.sub(" ", _drop_parentheticals(text)))
    words = [fold(w) for w in text.split()]
    return [w for w in words if w and w not in _STOPWORDS]


def is_sentence(text: str) -> bool:
    """Whether `text` is too long to grade automatically (more than SENTENCE_WORDS content
    words): a clause, not a name, term or number."""
    return len(content_words(text)) > SENTENCE_WORDS


def _opposite(a: str, b: str) -> bool:
    """Whether one word is the other with an antonym prefix: "incorrect" and "correct"."""
    if len(a) < 4 or len(b) < 4:
        return False
    return any(a == p + b or b == p + a for p in _ANTONYM_PREFIXES)


def _allowed_slip(length: int) -> float:
    """How many edits a word of this length may differ by and still be the same word."""
    if length <= 4:
        return 0
    if length <= 8:
        return 1
    return length * (1 - FUZZY_THRESHOLD)


def _slip(expected: str, typed: str) -> bool:
    """A spelling slip within one word: the same first letter and digits, few edits, and not
    the word's antonym."""
    from rapidfuzz.distance import OSA

    if expected[:1] != typed[:1] or re.findall(r"\d", expected) != re.findall(r"\d", typed):
        return False
    if _opposite(expected, typed):
        return False
    return OSA.distance(expected, typed) <= _allowed_slip(len(expected))


# -- what the card implies -------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What a card says besides its answer, which a typed answer may lean on: the question's
    words may be left out of an answer; words the card implies (question, answer, evidence,
    note) may be added to it; units and numbers it names may be written with the answer."""

    question: frozenset[str] = frozenset()
    implied: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()
    values: frozenset[Decimal] = frozenset()

    @classmethod
    def of(cls, card: Card) -> Context:
        texts = [card.question, card.back, *card.evidence, card.note]
        units: set[str] = set()
        for text in texts:
            units.update(t.quantity.unit for t in _tokens(text) if t.quantity and t.quantity.unit)
            words = set(fold(text).split())
            if "%" in text or words & {"percent", "percentage", "pct"}:
                units.add("%")
            if words & {"times", "fold"}:
                units.add("x")
        return cls(
            question=_keys(card.question),
            implied=frozenset().union(*(_keys(t) for t in texts)),
            units=frozenset(units),
            values=frozenset(t.quantity.value for t in _tokens(card.question) if t.quantity),
        )

    def for_items(self) -> Context:
        """For list items: the answer and evidence name the other items, so only the
        question's words may be added to an item."""
        return Context(self.question, self.question, self.units, self.values)

    def implying(self, text: str) -> Context:
        """This context, with the words of `text` implied too."""
        return Context(self.question, self.implied | _keys(text), self.units, self.values)


def _keys(text: str) -> frozenset[str]:
    return frozenset(t.key for nw in (True, False) for t in _tokens(text, nw) if not t.quantity)


# -- numbers -----------------------------------------------------------------------------------


def _compare_quantity(
    expected: Quantity, typed: Quantity, context: Context, rounding: bool
) -> Status:
    """CORRECT when equal; CLOSE when one is the other rounded, or only the comparison is
    missing or of the same direction; WRONG for another value, unit or direction."""
    if (
        typed.unit
        and typed.unit != expected.unit
        and (expected.unit or typed.unit not in context.units)
    ):
        return Status.WRONG  # "57%" is not a count of 57
    diff = abs(expected.value - typed.value)
    if diff == 0:
        status = Status.CORRECT
    elif rounding and diff * 2 <= max(typed.place, expected.place):
        status = Status.CLOSE
    else:
        return Status.WRONG
    rel_e, rel_t = expected.relation, typed.relation
    if rel_e == rel_t:
        return status
    if not rounding or (rel_e and rel_t and rel_e[0] != rel_t[0]):
        return Status.WRONG  # "more than" is not "less than"; "under 2.0" is no version
    return Status.CLOSE


def _compare_numbers(
    expected: list[_Token], typed: list[_Token], context: Context, rounding: bool
) -> Status:
    """Every expected number against the typed ones; a typed number the question names may
    be repeated ("57 Atari 2600 games"), no other may be added."""
    worst = Status.CORRECT
    unused = sorted(
        typed, key=lambda t: t.quantity is not None and t.quantity.value in context.values
    )
    for e in expected:
        assert e.quantity is not None
        best, pick = Status.WRONG, -1
        for i, t in enumerate(unused):
            assert t.quantity is not None
            status = _compare_quantity(e.quantity, t.quantity, context, rounding)
            if _RANK[status] < _RANK[best]:
                best, pick = status, i
        if pick < 0:
            return Status.WRONG
        del unused[pick]
        worst = max(worst, best, key=_RANK.__getitem__)
    if any(t.quantity and t.quantity.value not in context.values for t in unused):
        return Status.WRONG
    return worst


# -- matching words ----------------------------------------------------------------------------


@dataclass
class _Match:
    """Which expected tokens a typed answer has (`pairs`: expected index, typed index)."""

    expected: Sequence[_Token]
    typed: Sequence[_Token]
    pairs: list[tuple[int, int]] = field(default_factory=list)
    slips: int = 0
    joined: dict[int, int] = field(default_factory=dict)  # expected unit -> the unit it joins

    @property
    def matched(self) -> set[int]:
        return {i for i, _ in self.pairs}

    @property
    def used(self) -> set[int]:
        return {j for _, j in self.pairs}

    @property
    def missing(self) -> list[_Token]:
        matched = self.matched
        return [t for i, t in enumerate(self.expected) if i not in matched and not t.quantity]

    @property
    def extra(self) -> list[_Token]:
        used = self.used
        return [t for j, t in enumerate(self.typed) if j not in used and not t.quantity]


def _runs(tokens: Sequence[_Token], free: set[int], lengths: Iterable[int]) -> Iterable[list[int]]:
    """Runs of neighbouring free word tokens, of the given lengths."""
    for n in lengths:
        for start in range(len(tokens) - n + 1):
            run = list(range(start, start + n))
            if free.issuperset(run) and all(tokens[k].quantity is None for k in run):
                yield run


def _match_words(expected: Sequence[_Token], typed: Sequence[_Token]) -> _Match:
    """Pair expected words with typed ones: equal words first; then one word written as two
    or three ("MuZero", "Mu Zero") or as an acronym ("RL", "reinforcement learning"); "not X"
    for "inX"; and last spelling slips."""
    m = _Match(expected, typed)
    e_free = {i for i, t in enumerate(expected) if t.quantity is None}
    t_free = {j for j, t in enumerate(typed) if t.quantity is None}

    def pair(e_run: list[int], t_run: list[int]) -> None:
        m.pairs.extend((i, j) for i in e_run for j in t_run)
        e_free.difference_update(e_run)
        t_free.difference_update(t_run)
        # Several expected words that one typed word stands for ("tensor processing unit"
        # for "TPU") count as one word of the phrase.
        for i in e_run[1:]:
            m.joined[expected[i].unit] = expected[e_run[0]].unit

    for i in sorted(e_free):
        for j in sorted(t_free):
            if typed[j].key == expected[i].key:
                pair([i], [j])
                break
    for one, many, one_free, many_free, flip in (
        (expected, typed, e_free, t_free, False),
        (typed, expected, t_free, e_free, True),
    ):
        for k in sorted(one_free):
            if k not in one_free or one[k].stop:
                continue
            word = one[k].key if one[k].key.isalpha() else one[k].text  # "tpu" for "TPUs"
            for run in _runs(many, many_free, (2, 3, 4)):
                texts = [many[r].text for r in run]
                joined = _stem("".join(texts)) == one[k].key
                acronym = len(word) == len(run) and all(not many[r].stop for r in run)
                if joined or (acronym and "".join(t[0] for t in texts) == word):
                    if flip:
                        pair(run, [k])
                    else:
                        pair([k], run)
                    break
    # "not sensitive" says what "insensitive" says.
    for one, other, one_free, other_free, flip in (
        (expected, typed, e_free, t_free, False),
        (typed, expected, t_free, e_free, True),
    ):
        for k in sorted(one_free):
            if one[k].text not in ("not", "non") or k + 1 not in one_free:
                continue
            base = one[k + 1].text
            for j in sorted(other_free):
                if any(other[j].text == p + base for p in _ANTONYM_PREFIXES):
                    if flip:
                        pair([j], [k, k + 1])
                    else:
                        pair([k, k + 1], [j])
                    break
    for i in sorted(e_free):
        if expected[i].polar or expected[i].stop:
            continue
        for j in sorted(t_free):
            if not typed[j].polar and _slip(expected[i].text, typed[j].text):
                pair([i], [j])
                m.slips += 1
                break
    return m


# -- phrases -----------------------------------------------------------------------------------

_PARENTHETICAL = re.compile(r"\s*\(([^()]*)\)")
_OPTIONAL_PREFIX = re.compile(r"\((\w+)-\)(?=\w)")  # "(un-)supervised"


def _alternatives(expected: str) -> list[tuple[str, bool]]:
    """The forms an answer may take, each with whether it is only close. A parenthesis is
    optional, or an alias: "the bandwidth-limited channel (BWLC)" may be given without the
    acronym or as the acronym alone, but not as an aside ("e.g. images"). "(un-)supervised"
    means both: either one alone is close."""
    if _OPTIONAL_PREFIX.search(expected):
        with_prefix = _OPTIONAL_PREFIX.sub(lambda m: m[1], expected)
        return [(with_prefix, True), (_OPTIONAL_PREFIX.sub("", expected), True)]
    inner = _PARENTHETICAL.findall(expected)
    if not inner:
        return [(expected, False)]
    alternatives = [(expected, False), (_PARENTHETICAL.sub("", expected), False)]
    for text in inner:
        text = text.strip()
        if 1 <= len(text.split()) <= 3 and not _ASIDE_WORDS.match(text):
            alternatives.append((text, False))
    return alternatives


def _literal(text: str) -> str:
    """`text` with only its letters and numbers, so that where the spaces fall does not
    matter ("Mu Zero", "MuZero"); numbers stay apart ("GPT-3 175B" is not "GPT-3175B")."""
    tokens = [t for t in _tokens(text) if t.text not in ("a", "an", "the")]
    return "".join(f"<{t.quantity}>" if t.quantity else t.text for t in tokens)


def _compare_tokens(
    expected: Sequence[_Token],
    typed: Sequence[_Token],
    pieces: Sequence[int],
    context: Context,
    rounding: bool,
    display: str,
) -> Verdict:
    """One expected form against one typed answer, both tokenised (`pieces` says which list
    piece each typed token came from)."""
    e_nums = [t for t in expected if t.quantity]
    t_nums = [t for t in typed if t.quantity]
    m = _match_words(expected, typed)
    # An answer made of small words only ("A") is compared on them.
    strict = all(t.stop for t in expected)
    missing = [t for t in m.missing if strict or not t.stop]
    extra = [t for t in m.extra if strict or not t.stop]
    if any(t.polar or t.exact for t in missing + extra) or _polarity_moved(m):
        return Verdict(Status.WRONG)
    status = _compare_numbers(e_nums, t_nums, context, rounding)
    if status is Status.WRONG:
        return Verdict(Status.WRONG)
    content = [t for t in expected if strict or not t.stop]
    omitted = False
    if len(missing) < len(content):
        # Words the question supplies may be left out, but never one that may carry an
        # antonym prefix ("incorrect" in "incorrect planning" when asked about incorrect
        # models); and a generic last word may be left out ("FID" for "FID scores").
        kept = [t for t in missing if t.key not in context.question or _prefixed(t.text)]
        last = content[-1]
        if kept == [last] and last.key in _GENERIC_HEADS and len({t.unit for t in content}) > 1:
            kept = []
        omitted, missing = len(kept) < len(missing), kept
    if missing:
        units = {m.joined.get(t.unit, t.unit) for t in content}
        found = {m.joined.get(t.unit, t.unit) for t in content if t not in missing}
        if rounding and e_nums:
            status = Status.CLOSE  # the number right, a unit word left out
        elif (
            len(units) >= PHRASE_WORDS
            and len(found) >= PHRASE_COVERAGE * len(units)
            and not extra  # a word in place of a missing one is another answer
        ):
            status = Status.CLOSE  # a longer phrase, most of it there
        else:
            return Verdict(Status.WRONG)
    if extra:
        if not (rounding and e_nums) and len(set(pieces)) > 1 and _hedges(typed, pieces, m.used):
            return Verdict(Status.WRONG, "more than one answer")
        if omitted or missing:
            # Another word where one was left out is another answer ("model-free learns"
            # for "model-free methods"), even a word the card says.
            return Verdict(Status.WRONG, f"not in the answer: {' '.join(t.text for t in extra)}")
        unimplied = [t.text for t in extra if t.key not in context.implied | _KIND_KEYS]
        if unimplied:
            return Verdict(Status.WRONG, f"not in the answer: {' '.join(unimplied)}")
    if status is Status.CLOSE:
        return Verdict(Status.CLOSE, f"exactly: {squash(display)}")
    if m.slips:
        return Verdict(Status.CORRECT, f"spelled: {squash(display)}")
    return Verdict(Status.CORRECT)


def _prefixed(word: str) -> bool:
    """Whether a word may be an antonym of another ("incorrect", "unbiased"): one that starts
    with an antonym prefix."""
    return any(word.startswith(p) and len(word) - len(p) >= 4 for p in _ANTONYM_PREFIXES)


def _polarity_moved(m: _Match) -> bool:
    """Whether a negation or comparison both answers have applies to different words: "they
    are not confounded" against "they are confounded by what they do not model"."""
    pairs = {i for i, _ in m.pairs}

    def scope(tokens: Sequence[_Token], k: int) -> int | None:
        """The word a negation or comparison applies to: the next content word that is not
        an adverb ("isn't usually sensitive" is "usually not sensitive")."""
        words = range(k + 1, len(tokens))
        adverb = re.compile(r"\w{3,}ly")
        return next(
            (n for n in words if not tokens[n].stop and not adverb.fullmatch(tokens[n].text)), None
        )

    for i, j in m.pairs:
        if not m.expected[i].polar:
            continue
        e_next, t_next = scope(m.expected, i), scope(m.typed, j)
        if e_next is not None and (e_next, j) in m.pairs:
            continue  # "not sensitive" written as one word: "insensitive"
        if e_next is None or t_next is None:
            if (e_next is None) != (t_next is None):
                return True
            continue
        if e_next in pairs and (e_next, t_next) not in m.pairs:
            return True
        if e_next not in pairs and t_next in m.used:
            return True
    return False


def _hedges(typed: Sequence[_Token], pieces: Sequence[int], used: set[int]) -> bool:
    """Whether a typed answer offers another answer beside the right one ("Muesli or
    MuZero"): a piece that uses none of the expected words and does not describe it ("Gemini
    Ultra, the most capable model")."""
    by_piece: dict[int, list[int]] = {}
    for k, p in enumerate(pieces):
        by_piece.setdefault(p, []).append(k)
    for indices in by_piece.values():
        words = [typed[k] for k in indices]
        if words[0].text in _DESCRIPTIVE or used.intersection(indices):
            continue
        if any(not t.stop for t in words):
            return True
    return False


def _tokenise_pieces(typed: str, number_words: bool) -> tuple[list[_Token], list[int]]:
    tokens: list[_Token] = []
    pieces: list[int] = []
    for n, (start, end) in enumerate(_pieces(typed)):
        for token in _tokens(typed[start:end], number_words):
            tokens.append(token)
            pieces.append(n)
    return tokens, pieces


def compare_phrase(expected: str, typed: str, context: Context | None = None) -> Verdict:
    """A typed answer against one short expected answer (no list handling): CORRECT, CLOSE,
    WRONG or EMPTY. `context` is what the card implies (see Context)."""
    context = context or Context()
    if not _tokens(typed):
        return Verdict(Status.EMPTY)
    if fold(expected) == fold(typed) and _literal(expected) == _literal(typed):
        return Verdict(Status.CORRECT)
    best = Verdict(Status.WRONG)
    for form, only_close in _alternatives(expected):
        rounding = leading_quantity(form) is not None
        # Number words may be part of a name ("Mu Zero"): read them as words too.
        for number_words in (True, False):
            e = _tokens(form, number_words)
            t, pieces = _tokenise_pieces(typed, number_words)
            if _literal(form) == _literal(typed):
                verdict = Verdict(Status.CORRECT)
            else:
                verdict = _compare_tokens(e, t, pieces, context, rounding, expected)
            if only_close and verdict.status is Status.CORRECT:
                verdict = Verdict(Status.CLOSE, f"exactly: {squash(expected)}")
            if _better(verdict, best):
                best = verdict
    return best


# -- lists -------------------------------------------------------------------------------------

# Commas followed by a digit group are in a number ("1,000"), so they do not separate items.
_SEPARATORS = re.compile(r"\s*(?:,(?!\d{3})|[;/\n&]|\band\b|\bor\b)\s*", re.IGNORECASE)
_MAX_SPAN = 3  # an item torn apart by splitting on 'and' spans at most this many pieces
_MAX_WORD_SPAN = 6  # the words of one item in a list typed with spaces only
_MAX_WORD_LIST = 12  # ... of at most this many words


def _pieces(text: str, words: bool = False) -> list[tuple[int, int]]:
    """Where each item of a typed list starts and ends (each word, when `words`)."""
    if words:
        return [m.span() for m in re.finditer(r"\S+", text)]
    out: list[tuple[int, int]] = []
    last = 0
    for match in _SEPARATORS.finditer(text):
        out.append((last, match.start()))
        last = match.end()
    out.append((last, len(text)))
    return [(s, e) for s, e in out if text[s:e].strip(" .,;:!?\"'")]


def split_list(text: str) -> list[str]:
    """The items of a typed list: separated by commas, semicolons, slashes, '&', 'and', 'or'."""
    return [text[s:e] for s, e in _pieces(text)]


def _item_verdict(item: str, forms: Sequence[str], typed: str, context: Context) -> Verdict:
    """One expected list item against part of a typed list. An alias is the item itself, and
    the item's own words may come with it ("ResNet-50 for ImageNet" for an item with the alias
    "ResNet-50"). A sentence-long item is matched only by its own words or an alias."""
    best = Verdict(Status.WRONG)
    if is_sentence(item):
        if _literal(item) == _literal(typed):
            return Verdict(Status.CORRECT)
    else:
        best = compare_phrase(item, typed, context)
    with_item = context.implying(item)
    for form in forms:
        verdict = compare_phrase(form, typed, with_item)
        if verdict.status is Status.CORRECT:
            return Verdict(Status.CORRECT)
        if _better(verdict, best):
            best = verdict
    return best


def compare_list(
    items: Sequence[str],
    typed: str,
    context: Context | None = None,
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> Verdict:
    """A typed list against the expected items, in any order; `aliases` maps an item to its
    other forms."""
    context = context or Context()
    aliases = aliases or {}
    if not _tokens(typed):
        return Verdict(Status.EMPTY)
    verdict = _compare_list(items, typed, context, aliases, _pieces(typed), _MAX_SPAN)
    words = _pieces(typed, words=True)
    if not verdict.accepted and len(_pieces(typed)) == 1 and 1 < len(words) <= _MAX_WORD_LIST:
        # "Ultra Pro Nano": a list typed with spaces alone.
        by_words = _compare_list(items, typed, context, aliases, words, _MAX_WORD_SPAN)
        if _better(by_words, verdict) and by_words.status is not Status.SELF:
            verdict = by_words
    return verdict


def _compare_list(
    items: Sequence[str],
    typed: str,
    context: Context,
    aliases: Mapping[str, Sequence[str]],
    spans: list[tuple[int, int]],
    max_span: int,
) -> Verdict:
    candidates: list[tuple[int, int, int, int, Verdict]] = []
    for i, item in enumerate(items):
        for start in range(len(spans)):
            for end in range(start + 1, min(len(spans), start + max_span) + 1):
                text = typed[spans[start][0] : spans[end - 1][1]]
                verdict = _item_verdict(item, aliases.get(item, ()), text, context)
                if verdict.accepted:
                    candidates.append((_RANK[verdict.status], end - start, i, start, verdict))
    candidates.sort(key=lambda c: c[:4])
    assigned: dict[int, Verdict] = {}
    used: set[int] = set()
    for _, length, i, start, verdict in candidates:
        span = set(range(start, start + length))
        if i not in assigned and not used & span:
            assigned[i] = verdict
            used |= span
    missing = [item for i, item in enumerate(items) if i not in assigned]
    extra = [typed[s:e].strip() for n, (s, e) in enumerate(spans) if n not in used]
    if missing and extra and any(is_sentence(item) for item in missing):
        return _self_grade(join_list(list(items)), typed, context)
    if missing:
        if not assigned:
            return Verdict(Status.WRONG)
        return Verdict(Status.PARTIAL, f"missing: {join_list(missing)}")
    if extra:
        polar = any(t.polar for text in extra for t in _tokens(text))
        if polar or len(extra) > len(items) // 2:
            return Verdict(Status.PARTIAL, f"not in the answer: {join_list(extra)}")
        return Verdict(Status.CLOSE, f"not in the answer: {join_list(extra)}")
    if any(v.status is Status.CLOSE for v in assigned.values()):
        return Verdict(Status.CLOSE, f"exactly: {join_list(list(items))}")
    return Verdict(Status.CORRECT)  # the answer shown next spells every item


# -- sentences ---------------------------------------------------------------------------------


def word_diff(expected: str, typed: str) -> Diff:
    """The typed answer against the expected one, word by word: runs of words both have
    ("same"), that only the expected answer has ("missing"), or only the typed one ("extra")."""
    e_words, t_words = expected.split(), typed.split()

    def key(word: str) -> str:
        return " ".join(t.key for t in _tokens(word)) or word

    matcher = difflib.SequenceMatcher(
        None, [key(w) for w in e_words], [key(w) for w in t_words], autojunk=False
    )
    out: list[tuple[str, str]] = []

    def add(op: str, words: list[str]) -> None:
        if words and out and out[-1][0] == op:
            out[-1] = (op, f"{out[-1][1]} {' '.join(words)}")
        elif words:
            out.append((op, " ".join(words)))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("same", e_words[i1:i2])
        else:
            add("missing", e_words[i1:i2])
            add("extra", t_words[j1:j2])
    return tuple(out)


def _self_grade(expected: str, typed: str, context: Context) -> Verdict:
    """A sentence answer, for the student to judge from the diff. quizgen proposes Good only
    when the content words are the same, in the same order (so no polarity word or antonym
    differs); Again when fewer than half are there; otherwise nothing."""
    if not _tokens(typed):
        return Verdict(Status.EMPTY)
    e = _tokens(_drop_parentheticals(expected))
    t = _tokens(typed)
    m = _match_words(e, t)
    missing = [x for x in m.missing if not x.stop]
    extra = [x for x in m.extra if not x.stop]
    polarity = any(x.polar for x in missing + extra) or any(
        _opposite(a.text, b.text) for a in missing for b in extra
    )
    numbers_agree = sorted(x.key for x in e if x.quantity) == sorted(x.key for x in t if x.quantity)
    content = [x for x in e if not x.stop]
    wanted = [x for x in missing if x.key not in context.question]
    found = len(content) - len(wanted)
    order = [j for _, j in sorted(m.pairs)]
    proposal: Rating | None = None
    if polarity or not numbers_agree:
        proposal = None
    elif not missing and not extra and order == sorted(order):
        proposal = Rating.GOOD
    elif found * 2 < len(content):
        proposal = Rating.AGAIN
    notes = []
    if missing:
        notes.append("missing: " + " ".join(x.text for x in missing))
    if extra:
        notes.append("extra: " + " ".join(x.text for x in extra))
    return Verdict(Status.SELF, "; ".join(notes), proposal, word_diff(expected, typed))


# -- cards -------------------------------------------------------------------------------------


def expected_items(card: Card) -> tuple[str, ...]:
    """What the student must produce: the answer's items, or for a cloze with several blanks,
    the text of each blank."""
    if card.cloze:
        blanks = tuple(s.text.strip() for s in card.cloze if s.hidden)
        if len(blanks) > 1:
            return blanks
    return card.answer_items or (card.answer,)


def grade_typed(card: Card, typed: str) -> Verdict:
    """How the typed answer compares with the card's answer."""
    if not _tokens(typed):
        return Verdict(Status.EMPTY)
    context = Context.of(card)
    aliases = card.alias_map
    items = expected_items(card)
    whole = [f for f in aliases.get(card.answer, ()) if f not in items]
    if len(items) > 1:
        verdict = compare_list(items, typed, context.for_items(), aliases)
        for form in whole:
            alias = compare_phrase(form, typed, context)
            if alias.status is Status.CORRECT:
                return Verdict(Status.CORRECT)
        return verdict
    item = items[0]
    forms = list(dict.fromkeys([*aliases.get(item, ()), *whole]))
    best = Verdict(Status.WRONG)
    for form in forms:
        alias = compare_phrase(form, typed, context.implying(item))
        if alias.status is Status.CORRECT:
            return Verdict(Status.CORRECT)  # an alias is the answer itself, not a slip of it
        if _better(alias, best):
            best = alias
    if is_sentence(item):
        return best if best.accepted else _self_grade(item, typed, context)
    verdict = compare_phrase(item, typed, context)
    if _better(best, verdict):
        verdict = best
    if verdict.accepted:
        return verdict
    # A single value that reads as a list ("Muesli and MuZero") may be given in any order.
    parts = split_list(item)
    if len(parts) > 1:
        as_list = compare_list(parts, typed, context.for_items())
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


def grade_choice(card: Card, index: int) -> Verdict:
    """A multiple-choice pick: right or wrong."""
    if index == card.correct_choice:
        return Verdict(Status.CORRECT)
    return Verdict(Status.WRONG)


def grade(card: Card, answer: str) -> Verdict:
    """Any card against what the student gave: for multiple choice the option's number,
    letter or text (other text is graded as typed), else the typed answer."""
    if card.choices:
        index = choice_index(card, answer)
        if index is not None:
            return grade_choice(card, index)
    return grade_typed(card, answer)


# -- trying answers out (`quizgen grade`) --------------------------------------------------------

MARKS = {"same": "{}", "missing": "[-{}-]", "extra": "{{+{}+}}"}  # as GNU wdiff marks them


def render_diff(diff: Diff) -> str:
    """A word diff as one line of plain text: missing words as [-…-], extra ones as {+…+}."""
    return " ".join(MARKS[op].format(words) for op, words in diff)


def find_card(
    cards: Mapping[str, Card], card_id: str, where: str = "CARD_ID", line: int = 0
) -> Card:
    """The card with this id; an unknown id is an InputError naming the nearest ones."""
    card = cards.get(card_id)
    if card is not None:
        return card
    nearest = difflib.get_close_matches(card_id, list(cards), n=3, cutoff=0.0)
    hint = f"; nearest: {', '.join(nearest)}" if nearest else ""
    raise InputError([Problem(where, line, f"unknown card '{card_id}'{hint}")])


def read_answers(
    lines: Iterable[str], cards: Mapping[str, Card], where: str = "<stdin>"
) -> list[tuple[Card, str]]:
    """`card_id<TAB>answer` lines (blank lines skipped) as (card, answer) pairs; every
    malformed line and unknown card is reported at once, as `<stdin>:N: message`."""
    pairs: list[tuple[Card, str]] = []
    problems: list[Problem] = []
    for n, raw in enumerate(lines, 1):
        text = raw.rstrip("\r\n")
        if not text.strip():
            continue
        card_id, tab, answer = text.partition("\t")
        card_id = card_id.strip()
        if not tab:
            problems.append(Problem(where, n, "expected CARD_ID<TAB>ANSWER, found no tab"))
        elif not card_id:
            problems.append(Problem(where, n, "expected CARD_ID<TAB>ANSWER, found no card id"))
        else:
            try:
                pairs.append((find_card(cards, card_id, where, n), answer))
            except InputError as exc:
                problems += exc.problems
    if problems:
        raise InputError(problems)
    return pairs
