"""Numbers as people write them: "10M", "10 million", ">99%", "fifty-seven", "10 000 000".

Pure functions of strings, shared by answer grading (is "57 games" the answer "57"?) and by
multiple-choice distractors (is "128k" the same kind of number as "200k"?).

Number words ("fifty-seven", "ten million", "two hundred thousand") are read by the maintained
`text2num` package, imported on first use; this module only decides which runs of words to hand
it, so that "millions of tokens" stays words and "10 million" stays a magnitude.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

_MAGNITUDES = {
    "k": 3, "thousand": 3,
    "m": 6, "mn": 6, "mio": 6, "million": 6, "millions": 6,
    "b": 9, "bn": 9, "billion": 9, "billions": 9,
    "t": 12, "tn": 12, "trillion": 12, "trillions": 12,
}  # fmt: skip
_RELATIONS = {
    ">": ">", "over": ">", "above": ">", "more than": ">", "greater than": ">",
    "higher than": ">", "exceeding": ">", "better than": ">",
    "<": "<", "under": "<", "below": "<", "less than": "<", "fewer than": "<",
    "lower than": "<",
    ">=": ">=", "≥": ">=", "at least": ">=",
    "<=": "<=", "≤": "<=", "at most": "<=", "up to": "<=",
    "~": "", "≈": "", "about": "", "around": "", "approximately": "", "approx": "",
    "roughly": "", "nearly": "", "almost": "", "circa": "", "ca": "",
}  # fmt: skip
# "99% or more" says what ">=99%" says, after the number.
_AFTER_RELATIONS = {
    "or more": ">=", "or greater": ">=", "or higher": ">=", "or above": ">=", "and above": ">=",
    "or over": ">=", "or less": "<=", "or fewer": "<=", "or lower": "<=", "or below": "<=",
    "and below": "<=", "or under": "<=",
}  # fmt: skip
_UNITS = {"%": "%", "percent": "%", "per cent": "%", "pct": "%",
          "x": "x", "×": "x", "times": "x", "fold": "x"}  # fmt: skip
_SCALE_WORDS = frozenset(("hundred", "hundreds", "thousand", "thousands", "million", "millions",
                          "billion", "billions", "trillion", "trillions"))  # fmt: skip

# Thin and no-break spaces group digits ("10 000"). Plain spaces do too, but only between a
# number that starts on its own and groups of exactly three digits that end on their own:
# "10 000 000" is ten million, while "GPT-3 175B" stays GPT-3 and 175B.
_THIN_GROUP = re.compile(r"(?<=\d)[\u2009\u202f\u00a0](?=\d{3}(?!\d))")
_PLAIN_GROUPS = re.compile(r"(?<![\w.,\-−])\d{1,3}(?: \d{3})+(?!\w|[.,]\d)")


def _alternation(words: Iterable[str]) -> str:
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)
    )


_QUANTITY = re.compile(
    r"(?:(?<!\w)(?P<rel>" + _alternation(_RELATIONS) + r")\.?\s*)?"
    # A minus sign only where it cannot be a hyphen ("GPT-4" is GPT and 4).
    r"(?:(?<![\w.])(?P<sign>[-−]))?"
    # Digits, optionally grouped in thousands by ',' or '_' (or spaces, see _PLAIN_GROUPS), and
    # a decimal part; never the middle of a longer number or of a version string like 1.2.3.
    r"(?<![\d.,])(?P<num>\d{1,3}(?:[,_]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?!\.?\d)"
    r"(?:\s*(?P<mag>" + _alternation(_MAGNITUDES) + r")(?![a-z]))?"
    r"(?:\s*-?(?P<unit>%|" + _alternation([u for u in _UNITS if u != "%"]) + r")(?![a-z]))?"
    r"(?:\s+(?P<after>" + _alternation(_AFTER_RELATIONS) + r")(?![a-z]))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Quantity:
    """A number as written: its value, unit, comparison, and the place of its last digit
    (10.25 → 0.01; 10M → 1e6), which says how much rounding it may hide."""

    value: Decimal
    unit: str = ""  # "", "%" or "x"
    relation: str = ""  # "", ">", "<", ">=", "<="
    place: Decimal = Decimal(1)

    def __str__(self) -> str:
        text = format(self.value.normalize(), "f")
        return f"{self.relation}{text}{self.unit}"


def _quantity(match: re.Match[str]) -> Quantity:
    digits = re.sub(r"[,_]", "", match["num"])
    decimals = len(digits.partition(".")[2])
    scale = Decimal(10) ** _MAGNITUDES.get((match["mag"] or "").lower(), 0)
    value = Decimal(digits) * scale
    if match["sign"]:
        value = -value
    relation = _RELATIONS.get(re.sub(r"\s+", " ", (match["rel"] or "").lower()), "")
    if match["after"] and not relation:
        relation = _AFTER_RELATIONS[re.sub(r"\s+", " ", match["after"].lower())]
    unit = _UNITS.get(re.sub(r"\s+", " ", (match["unit"] or "").lower()), "")
    return Quantity(value, unit, relation, Decimal(10) ** -decimals * scale)


# -- number words ------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")


@lru_cache(maxsize=4096)
def _word_value(word: str) -> int | None:
    """The value of one number word ("seven", "fifty-seven", "million"), else None."""
    from text_to_num import text2num

    try:
        return int(text2num(word, "en"))
    except (ValueError, TypeError):
        return None


@lru_cache(maxsize=4096)
def _run_value(words: str) -> int | None:
    from text_to_num import text2num

    try:
        return int(text2num(words, "en"))
    except (ValueError, TypeError):
        return None


def _spell_out(text: str) -> str:
    """`text` with each run of number words replaced by its digits: "fifty-seven games" →
    "57 games", "two hundred and fifty" → "250", "ten million" → "10 million" (a trailing
    magnitude stays a word, so it rounds like "10M"). A run starts with a word that is a
    number by itself (so "millions of tokens" and the "million" of "10 million" stay as
    written) and joins "and" only after a scale word, so "two and three" stays two numbers."""
    words = list(_WORD.finditer(text))
    out: list[str] = []
    last = 0
    i = 0
    while i < len(words):
        first = words[i]
        if first[0] in _SCALE_WORDS or _word_value(first[0]) is None:
            i += 1
            continue
        j = i + 1  # the run is words[i:j], each joined to the next by spaces or a hyphen
        while j < len(words) and re.fullmatch(
            r"[ \-]+", text[words[j - 1].end() : words[j].start()]
        ):
            word = words[j][0]
            if (
                word == "and"
                and words[j - 1][0] in _SCALE_WORDS
                and j + 1 < len(words)
                and _word_value(words[j + 1][0]) is not None
            ):
                j += 1
                continue
            if word == "and" or _word_value(word) is None:
                break
            j += 1
        # The longest prefix of the run that reads as one number; the rest is read again.
        while j > i:
            k = j - 1 if j - i > 1 and words[j - 1][0] in _MAGNITUDES else j
            start, end = first.start(), words[k - 1].end()
            value = _run_value(text[start:end].replace("-", " "))
            if value is not None:
                out += [text[last:start], str(value)]
                last = end
                break
            j -= 1
        i = max(j, i + 1)
    out.append(text[last:])
    return "".join(out)


# -- reading -----------------------------------------------------------------------------------


def prepare(text: str, number_words: bool = True) -> str:
    """Lower case and compatibility-normalised (full-width digits read as plain ones, narrow
    spaces as spaces, digit groups joined), with number words as digits when `number_words`."""
    text = unicodedata.normalize("NFKC", _THIN_GROUP.sub("_", text)).lower()
    text = _PLAIN_GROUPS.sub(lambda m: m[0].replace(" ", "_"), text)
    return _spell_out(text) if number_words else text


def find_quantities(prepared: str) -> Iterator[tuple[int, int, Quantity]]:
    """Where each quantity of an already `prepare`d text starts and ends, and its value."""
    for match in _QUANTITY.finditer(prepared):
        try:
            yield match.start(), match.end(), _quantity(match)
        except InvalidOperation:
            continue


# What a quantity that starts with a letter can start with: a relation's first word ("over",
# "at least", "ca."), as a prefix, since the regex lets digits follow a relation at once.
_RELATION_STARTS = tuple(sorted({rel.split()[0] for rel in _RELATIONS if rel[0].isalpha()}))


def _plainly_words(text: str) -> bool:
    """Whether `text` (stripped) surely starts with no quantity, told without `prepare`, which
    normalises and spells out all of it: plain ASCII that starts with a letter starts with a
    quantity only by a relation word or a number word ("fifty-seven"), which `prepare` spells
    out only when it is a number by itself and not a scale word (see _spell_out)."""
    if not (text[:1].isalpha() and text.isascii()):
        return False
    lowered = text.lower()
    if lowered.startswith(_RELATION_STARTS):
        return False
    word = _WORD.match(lowered)
    return word is None or word[0] in _SCALE_WORDS or _word_value(word[0]) is None


@lru_cache(maxsize=1 << 16)
def leading_quantity(text: str) -> tuple[Quantity, str, str] | None:
    """When `text` is a number with at most a few words of unit after it ("57", ">99%",
    "at least 10M tokens"): the quantity, those unit words, and the magnitude suffix as
    written ("k", "M", or ""). None for anything else."""
    if _plainly_words(text.lstrip()):
        return None  # most answers are names and phrases: the cheap test first
    return _leading(prepare(text).strip())


def _leading(prepared: str) -> tuple[Quantity, str, str] | None:
    """`leading_quantity` of a `prepare`d, stripped text."""
    match = _QUANTITY.match(prepared)
    if match is None or match.start() != 0:
        return None
    if match.end() < len(prepared) and prepared[match.end()].isalnum():
        return None  # "3D", "9x9": a word that starts with a digit, not a number
    rest = prepared[match.end() :].strip(" .")
    if len(rest.split()) > 2 or re.search(r"\d", rest):
        return None
    try:
        quantity = _quantity(match)
    except InvalidOperation:
        return None
    return quantity, rest, (match["mag"] or "").lower()
