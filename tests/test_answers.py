"""Lenient answer checking: normalisation, numbers by value, spelling slips, lists in any order."""

from __future__ import annotations

import itertools
import string
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from quizgen.answers import (
    Status,
    check,
    check_choice,
    choice_index,
    compare_list,
    compare_text,
    normalize,
    parse_quantity,
    split_list,
)
from quizgen.model import Card
from quizgen.scheduler import Rating
from quizgen.template import Segment

EXACT, TYPO, CLOSE, PARTIAL, WRONG, EMPTY = (
    Status.EXACT, Status.TYPO, Status.CLOSE, Status.PARTIAL, Status.WRONG, Status.EMPTY,
)  # fmt: skip


def card(answer: str, items: tuple[str, ...] = (), **extra) -> Card:
    return Card(
        id="s/f/t", source="s", fact="f", template="t", kind="result",
        front="Q?", back=answer, answer=answer, answer_items=items or (answer,),
        evidence=("quote",), **extra,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("expected", "typed", "status"),
    [
        # case, spacing, punctuation, accents, articles
        ("Muesli", "muesli", EXACT),
        ("Muesli", "  MUESLI. ", EXACT),
        ("state-of-the-art", "State of the Art", EXACT),
        ("the Atari benchmark", "atari benchmark", EXACT),
        ("Müller", "muller", EXACT),
        ("MuZero", "Mu Zero", EXACT),
        # spelling slips, never on short names or digits
        ("Muesli", "Muesly", TYPO),
        ("Muesli", "Meusli", TYPO),
        ("regularized policy optimization", "regularised policy optimisation", TYPO),
        ("BERT", "BART", WRONG),
        ("Muesli", "MuZero", WRONG),
        ("ResNet50", "ResNet56", WRONG),
        # numbers and magnitudes by value
        ("10M", "10 million", EXACT),
        ("10M", "10,000,000", EXACT),
        ("10 million", "10000000", EXACT),
        ("1.5B parameters", "1,500,000,000 parameters", EXACT),
        ("3k", "3000", EXACT),
        ("3", "three", EXACT),
        ("99 percent", "99%", EXACT),
        ("99%", "99", EXACT),
        ("5x", "5 times", EXACT),
        ("GPT-4", "gpt4", EXACT),
        ("GPT-4", "GPT-3", WRONG),
        ("ResNet-50", "resnet 56", WRONG),
        ("10M", "10B", WRONG),
        ("99%", "99x", WRONG),
        # rounding and comparisons: close, not exact
        ("10.2M", "10M", CLOSE),
        ("10M", "10.4 million", CLOSE),
        ("10.2M", "10,000,000", WRONG),  # written to the unit, and off by 200,000
        ("99.5%", "99%", CLOSE),
        (">99%", "99%", CLOSE),
        ("99%", ">99%", CLOSE),
        (">99%", "more than 99%", EXACT),
        (">99%", "over 99 percent", EXACT),
        ("at least 90%", ">=90%", EXACT),
        (">99%", "<99%", WRONG),
        ("~10M", "about 10 million", EXACT),
        ("approx. 10M", "10M", EXACT),
        # parentheses are optional, or an alias
        ("the bandwidth-limited channel (BWLC)", "BWLC", EXACT),
        ("the bandwidth-limited channel (BWLC)", "bandwidth limited channel", EXACT),
        ("compression (source coding)", "source coding", EXACT),
        ("(un-)supervised learning", "un", WRONG),
        ("high-dimensional observations (e.g. images)", "images", WRONG),
        # long answers in the student's own words: close when most words are there
        (
            "introducing auxiliary latent variables in the decoder",
            "auxiliary latent variables in the decoder",
            CLOSE,
        ),
        ("introducing auxiliary latent variables in the decoder", "latent variables", WRONG),
        (
            "introducing auxiliary latent variables in the decoder",
            "introducing auxiliary latent variables in the encoder and the prior",
            WRONG,
        ),
        # the right number without its unit word
        ("at least 10M tokens", "10 million", CLOSE),
        ("at least 10M tokens", "10 million words", WRONG),
        ("fewer than 200", "<200", EXACT),
        # nothing typed
        ("Muesli", "", EMPTY),
        ("Muesli", " ?! ", EMPTY),
    ],
)
def test_compare_text(expected, typed, status):
    assert check(card(expected), typed).status is status


def test_close_answers_say_what_was_exact():
    verdict = check(card(">99%"), "99%")
    assert verdict.note == "exactly: >99%"
    assert verdict.accepted and verdict.rating is Rating.HARD


@pytest.mark.parametrize(
    ("status", "rating", "accepted"),
    [
        (EXACT, Rating.GOOD, True),
        (TYPO, Rating.GOOD, True),
        (CLOSE, Rating.HARD, True),
        (PARTIAL, Rating.AGAIN, False),
        (WRONG, Rating.AGAIN, False),
        (EMPTY, Rating.AGAIN, False),
    ],
)
def test_proposed_ratings(status, rating, accepted):
    from quizgen.answers import Verdict

    assert Verdict(status).rating is rating
    assert Verdict(status).accepted is accepted


def test_list_answers_in_any_order():
    items = ("Atari", "Go", "chess")
    c = card("Atari, Go and chess", items)
    assert check(c, "chess, atari and go").status is EXACT
    assert check(c, "Go; Chess; Atari").status is EXACT
    assert check(c, "go, atari, chess, shogi").status is CLOSE
    assert check(c, "go, atari, chess, shogi").note == "not in the answer: shogi"
    partial = check(c, "atari and go")
    assert partial.status is PARTIAL and partial.note == "missing: chess"
    assert check(c, "shogi").status is WRONG
    assert check(c, "Atary, Go, chess").status is TYPO


def test_list_items_may_contain_and():
    c = card("x", ("research and development", "sales"))
    assert check(c, "sales and research and development").status is EXACT


def test_list_items_keep_thousands_separators():
    assert split_list("1,000 and 2,000, 3") == ["1,000", "2,000", "3"]
    assert compare_list(["1000", "2000"], "2,000, 1,000").status is EXACT


def test_a_single_value_that_reads_as_a_list_may_be_reordered():
    assert check(card("Muesli and MuZero"), "MuZero, Muesli").status is EXACT
    assert check(card("Muesli and MuZero"), "Muesli").status is WRONG


def test_cloze_with_several_blanks_expects_each_blank():
    segments = (Segment("A"), Segment("Muesli", True), Segment(" beats "), Segment("PPO", True))
    c = card("Muesli", cloze=segments)
    assert check(c, "PPO, Muesli").status is EXACT
    assert check(c, "Muesli").status is PARTIAL


def test_multiple_choice_by_number_letter_or_text():
    c = card("Muesli", choices=("MuZero", "Muesli", "PPO", "IMPALA"))
    assert [choice_index(c, k) for k in ("2", "b", "B", " muesli ", "4", "d")] == [1, 1, 1, 1, 3, 3]
    assert [choice_index(c, k) for k in ("0", "5", "e", "", "chess")] == [None] * 5
    assert check_choice(c, 1).status is EXACT
    assert check_choice(c, 0).status is WRONG


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
    ],
)
def test_parse_quantity(text, value, unit, relation):
    q = parse_quantity(text)
    assert q is not None
    assert (q.value, q.unit, q.relation) == (Decimal(value), unit, relation)


@pytest.mark.parametrize("text", ["abc", "10 apples", "1.2.3", "", "v2"])
def test_parse_quantity_refuses_non_numbers(text):
    assert parse_quantity(text) is None


# -- properties --------------------------------------------------------------------------------

words = st.text(alphabet=string.ascii_letters + "éüñ", min_size=1, max_size=12)
phrases = st.lists(words, min_size=1, max_size=5).map(" ".join)


def noisy(text: str, data: st.DataObject) -> str:
    """The same answer typed carelessly: other case, extra spaces and punctuation."""
    out = []
    for ch in text:
        ch = ch.upper() if data.draw(st.booleans()) else ch.lower()
        out.append(ch)
        if ch == " ":
            out.append(data.draw(st.sampled_from(["", " ", "  ", "- ", ", "])))
    return (
        data.draw(st.sampled_from(["", " ", '"']))
        + "".join(out)
        + data.draw(st.sampled_from(["", ".", "!", " "]))
    )


@given(phrases)
def test_every_answer_matches_itself(text):
    assert compare_text(text, text).status is EXACT


@given(phrases, st.data())
def test_case_spacing_and_punctuation_are_ignored(text, data):
    assert compare_text(text, noisy(text, data)).status is EXACT


@given(phrases)
def test_accents_are_ignored(text):
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    assert compare_text(text, bare).status is EXACT


@given(phrases)
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assume(not once.quantities)  # 'one' reads as 1, and '#' stands for it
    assert normalize(once.words) == once
    assert once.words == once.words.lower().strip()


@given(st.integers(min_value=0, max_value=10**15))
def test_integers_read_the_same_however_grouped(n):
    forms = [str(n), f"{n:,}", f"{n:_}", f"{n:,}".replace(",", "\u202f")]
    assert {parse_quantity(f).value for f in forms} == {Decimal(n)}


@given(st.integers(min_value=1, max_value=999), st.sampled_from(
    [("k", "thousand", 3), ("M", "million", 6), ("B", "billion", 9), ("T", "trillion", 12)]
))  # fmt: skip
def test_magnitudes_read_by_value(n, magnitude):
    short, word, power = magnitude
    full = n * 10**power
    forms = [f"{n}{short}", f"{n} {short}", f"{n} {word}", f"{full:,}", str(full)]
    assert {parse_quantity(f).value for f in forms} == {Decimal(full)}
    assert compare_text(f"{n}{short}", f"{full:,}").status is EXACT
    assert compare_text(f"{n}{short}", f"{n + 1} {word}").status is WRONG


@given(st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False))
def test_decimals_round_trip(value):
    q = parse_quantity(str(value))
    assert q is not None and q.value == value
    assert parse_quantity(str(q)).value == value


@given(st.integers(min_value=0, max_value=100), st.sampled_from([">", "<", ">=", "<="]))
def test_a_comparison_is_close_to_the_bare_number(n, relation):
    assert compare_text(f"{relation}{n}%", f"{n}%").status is CLOSE
    assert compare_text(f"{relation}{n}%", f"{relation} {n} percent").status is EXACT


@given(st.lists(words, min_size=2, max_size=4, unique_by=lambda w: w.lower()))
def test_list_items_in_any_order(items):
    if len({normalize(w).words for w in items}) < len(items):
        return  # two items that read the same (e.g. 'ü' and 'u') are not a list of distinct items
    c = card(", ".join(items), tuple(items))
    for order in itertools.permutations(items):
        assert check(c, ", ".join(order)).status in (EXACT, TYPO)
