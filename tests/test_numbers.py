"""Numbers as people write them: magnitudes, units, comparisons, number words, digit groups."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizgen.numbers import Quantity, _leading, _plainly_words, leading_quantity, prepare


def quantity(text: str) -> Quantity | None:
    """What grading reads a whole answer as: a number with nothing after it but its unit."""
    read = leading_quantity(text)
    return read[0] if read is not None and not read[1] else None


@pytest.mark.parametrize(
    ("text", "value", "unit", "relation"),
    [
        ("1,000,000", "1000000", "", ""),
        ("10M", "10000000", "", ""),
        ("1.5 billion", "1500000000", "", ""),
        ("2.5k", "2500", "", ""),
        (">99.5%", "99.5", "%", ">"),
        ("at most 3x", "3", "x", "<="),
        ("−4", "-4", "", ""),
        ("１２", "12", "", ""),  # full-width digits
        ("10 000 000", "10000000", "", ""),  # plain spaces group thousands
        ("99% or more", "99", "%", ">="),
    ],
)
def test_parse_quantity(text, value, unit, relation):
    q = quantity(text)
    assert q is not None
    assert (q.value, q.unit, q.relation) == (Decimal(value), unit, relation)


@pytest.mark.parametrize("text", ["abc", "10 apples", "1.2.3", "", "v2", "GPT-3 175B"])
def test_parse_quantity_refuses_non_numbers(text):
    assert quantity(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("fifty-seven", 57),
        ("fifty seven", 57),
        ("ten million", 10_000_000),
        ("two hundred thousand", 200_000),
        ("two hundred and fifty", 250),
        ("two thousand five hundred", 2500),
        ("three", 3),
        ("more than ninety-nine percent", 99),
    ],
)
def test_number_words_read_by_text2num(text, value):
    q = quantity(text)
    assert q is not None and q.value == value


def test_number_words_keep_their_rounding():
    """'ten million' is rounded like '10M', not exact to the unit like '10,000,000'."""
    assert quantity("ten million").place == quantity("10M").place == Decimal(10) ** 6
    assert quantity("10,000,000").place == 1


@pytest.mark.parametrize(
    ("text", "prepared"),
    [
        ("millions of tokens", "millions of tokens"),  # a magnitude alone is a word
        ("10 million tokens", "10 million tokens"),  # after digits it is a magnitude
        ("two and three", "2 and 3"),  # 'and' joins numbers only after hundred, thousand, ...
        ("one-shot learning", "one-shot learning"),
        ("fifty-seven Atari games", "57 atari games"),
        ("GPT-3 175B", "gpt-3 175b"),  # never 3175
        ("in 2019 300 models", "in 2019 300 models"),  # a year is not a thousands group
        ("1 000, 2 000", "1_000, 2_000"),
    ],
)
def test_prepare(text, prepared):
    assert prepare(text) == prepared


def test_prepare_can_leave_number_words_alone():
    assert prepare("Mu Zero", number_words=False) == "mu zero"
    assert prepare("Mu Zero") == "mu 0"


@pytest.mark.parametrize(
    ("text", "value", "rest", "magnitude"),
    [
        ("57", 57, "", ""),
        ("at least 10M tokens", 10_000_000, "tokens", "m"),
        ("fifty-seven games", 57, "games", ""),
        ("128k", 128_000, "", "k"),
        # starting with a letter: a relation word, glued to the digits or not, or number words
        ("over 5%", 5, "", ""),
        ("Ca. 3x", 3, "", ""),
        ("over5", 5, "", ""),
        ("approx 3 layers", 3, "layers", ""),
        ("Ten million tokens", 10_000_000, "tokens", "million"),
        ("seven", 7, "", ""),
    ],
)
def test_leading_quantity(text, value, rest, magnitude):
    found = leading_quantity(text)
    assert found is not None
    quantity, unit_words, mag = found
    assert (quantity.value, unit_words, mag) == (value, rest, magnitude)


@pytest.mark.parametrize(
    "text", ["Gemini 1.5 Pro", "57 Atari 2600 games", "a number", "Method5", "millions of tokens"]
)
def test_leading_quantity_refuses_other_text(text):
    assert leading_quantity(text) is None


@given(st.integers(min_value=0, max_value=10**15))
def test_integers_read_the_same_however_grouped(n):
    forms = [
        str(n),
        f"{n:,}",
        f"{n:_}",
        f"{n:,}".replace(",", "\u202f"),
        f"{n:,}".replace(",", " "),
    ]
    assert {quantity(f).value for f in forms} == {Decimal(n)}


@given(st.integers(min_value=1, max_value=999), st.sampled_from(
    [("k", "thousand", 3), ("M", "million", 6), ("B", "billion", 9), ("T", "trillion", 12)]
))  # fmt: skip
def test_magnitudes_read_by_value(n, magnitude):
    short, word, power = magnitude
    full = n * 10**power
    forms = [f"{n}{short}", f"{n} {short}", f"{n} {word}", f"{full:,}", str(full)]
    assert {quantity(f).value for f in forms} == {Decimal(full)}


@given(st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False))
def test_decimals_round_trip(value):
    q = quantity(str(value))
    assert q is not None and q.value == value
    assert quantity(str(q)).value == value


_STARTS = ["over", "Over", "at least", "ca", "circa", "approx.", "about", "fifty-seven", "Ten",
           "million", "hundreds", "a", "one", "Method", "more than", "Up to", "nearly"]  # fmt: skip


@given(
    st.sampled_from(_STARTS),
    st.sampled_from(["", " ", "-", "."]),
    st.sampled_from(["", "5", "10%", "3x", "games", "million", "and three", "2 tokens", "B"]),
)
def test_the_cheap_test_for_words_never_hides_a_quantity(start, glue, rest):
    """leading_quantity skips `prepare` for text `_plainly_words` rules out: none of it reads
    as a quantity when fully prepared."""
    text = start + glue + rest
    if _plainly_words(text):
        assert _leading(prepare(text).strip()) is None
