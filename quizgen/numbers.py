"""Numbers as people write them: "10M", "10 million", ">99%", "fifty-seven", "1,000".

Pure functions of strings, shared by answer grading (is "57 games" the answer "57"?) and by
multiple-choice distractors (is "128k" the same kind of number as "200k"?).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# -----------------------------------------------------------------------------------

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
_UNITS = {"%": "%", "percent": "%", "per cent": "%", "pct": "%",
          "x": "x", "×": "x", "times": "x", "fold": "x"}  # fmt: skip
_WORD_NUMBERS = {
    word: str(value)
    for value, word in enumerate((
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen", "twenty",
    ))
} | {"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70",
     "eighty": "80", "ninety": "90"}  # fmt: skip


# Thin and no-break spaces group digits ("10 000"); plain spaces do not ("GPT-3 175B").
_THIN_GROUP = re.compile(r"(?<=\d)[\u2009\u202f\u00a0](?=\d{3}(?!\d))")


def _alternation(words: Iterable[str]) -> str:
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)
    )


_NUMBER_WORD = re.compile(r"\b(" + "|".join(_WORD_NUMBERS) + r")\b")
_QUANTITY = re.compile(
    r"(?:(?<!\w)(?P<rel>" + _alternation(_RELATIONS) + r")\.?\s*)?"
    # A minus sign only where it cannot be a hyphen ("GPT-4" is GPT and 4).
    r"(?:(?<![\w.])(?P<sign>[-−]))?"
    # Digits, optionally grouped in thousands by ',' or '_' (or thin spaces, see _THIN_GROUP),
    # and a decimal part; never the middle of a longer number or of a version string like 1.2.3.
    r"(?<![\d.,])(?P<num>\d{1,3}(?:[,_]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?!\.?\d)"
    r"(?:\s*(?P<mag>" + _alternation(_MAGNITUDES) + r")(?![a-z]))?"
    r"(?:\s*-?(?P<unit>%|" + _alternation([u for u in _UNITS if u != "%"]) + r")(?![a-z]))?",
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
    unit = _UNITS.get(re.sub(r"\s+", " ", (match["unit"] or "").lower()), "")
    return Quantity(value, unit, relation, Decimal(10) ** -decimals * scale)


def _prepare(text: str, number_words: bool = True) -> str:
    """Lower case and compatibility-normalised (full-width digits read as plain ones, narrow
    spaces as spaces), with number words as digits when `number_words`."""
    text = unicodedata.normalize("NFKC", _THIN_GROUP.sub("_", text)).lower()
    return _NUMBER_WORD.sub(lambda m: _WORD_NUMBERS[m[1]], text) if number_words else text


def parse_quantity(text: str) -> Quantity | None:
    """The quantity `text` consists of, or None if it is not (only) a number."""
    text = _prepare(text).strip()
    match = _QUANTITY.fullmatch(text)
    if match is None:
        return None
    try:
        return _quantity(match)
    except InvalidOperation:
        return None


def leading_quantity(text: str) -> tuple[Quantity, str, str] | None:
    """When `text` is a number with at most a few words of unit after it ("57", ">99%",
    "at least 10M tokens"): the quantity, those unit words, and the magnitude suffix as
    written ("k", "M", or ""). None for anything else."""
    prepared = _prepare(text).strip()
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
