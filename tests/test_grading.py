"""Grading typed answers: one test per rule, the earlier lenient checks kept, and properties."""

from __future__ import annotations

import itertools
import string
import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quizgen.grading import (
    SENTENCE_WORDS,
    Status,
    Verdict,
    choice_index,
    compare_list,
    compare_phrase,
    grade,
    grade_choice,
    grade_typed,
    is_sentence,
    split_list,
    word_diff,
)
from quizgen.model import Card
from quizgen.scheduler import Rating
from quizgen.template import Segment
from quizgen.text import fold

CORRECT, CLOSE, PARTIAL, WRONG, SELF, EMPTY = (
    Status.CORRECT, Status.CLOSE, Status.PARTIAL, Status.WRONG, Status.SELF, Status.EMPTY,
)  # fmt: skip


def card(
    answer: str,
    items: tuple[str, ...] = (),
    *,
    front: str = "Q?",
    evidence: tuple[str, ...] = ("quote",),
    **extra,
) -> Card:
    return Card(
        id="s/f/t", source="s", fact="f", template="t", kind="result",
        front=front, back=answer, answer=answer, answer_items=items or (answer,),
        evidence=evidence, **extra,
    )  # fmt: skip


def status(expected: str, typed: str, **extra) -> Status:
    return grade_typed(card(expected, **extra), typed).status


@pytest.mark.parametrize(
    ("expected", "typed", "status"),
    [
        # case, spacing, punctuation, accents, articles
        ("Muesli", "muesli", CORRECT),
        ("Muesli", "  MUESLI. ", CORRECT),
        ("state-of-the-art", "State of the Art", CORRECT),
        ("the Atari benchmark", "atari benchmark", CORRECT),
        ("Müller", "muller", CORRECT),
        ("MuZero", "Mu Zero", CORRECT),
        # spelling slips, never on short names or digits (see test_spelling_slips_*)
        ("Muesli", "Muesly", CORRECT),
        ("Muesli", "Meusli", CORRECT),
        ("regularized policy optimization", "regularised policy optimisation", CORRECT),
        ("BERT", "BART", WRONG),
        ("Muesli", "MuZero", WRONG),
        ("ResNet50", "ResNet56", WRONG),
        # numbers and magnitudes by value
        ("10M", "10 million", CORRECT),
        ("10M", "10,000,000", CORRECT),
        ("10 million", "10000000", CORRECT),
        ("1.5B parameters", "1,500,000,000 parameters", CORRECT),
        ("3k", "3000", CORRECT),
        ("3", "three", CORRECT),
        ("99 percent", "99%", CORRECT),
        ("99%", "99", CORRECT),
        ("5x", "5 times", CORRECT),
        ("GPT-4", "gpt4", CORRECT),
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
        (">99%", "more than 99%", CORRECT),
        (">99%", "over 99 percent", CORRECT),
        ("at least 90%", ">=90%", CORRECT),
        (">99%", "<99%", WRONG),
        ("~10M", "about 10 million", CORRECT),
        ("approx. 10M", "10M", CORRECT),
        # parentheses are optional, or an alias
        ("the bandwidth-limited channel (BWLC)", "BWLC", CORRECT),
        ("the bandwidth-limited channel (BWLC)", "bandwidth limited channel", CORRECT),
        ("compression (source coding)", "source coding", CORRECT),
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
        ("fewer than 200", "<200", CORRECT),
        # nothing typed
        ("Muesli", "", EMPTY),
        ("Muesli", " ?! ", EMPTY),
    ],
)
def test_the_earlier_lenient_checks_still_hold(expected, typed, status):
    assert grade_typed(card(expected), typed).status is status


def test_close_answers_say_what_was_exact():
    verdict = grade_typed(card(">99%"), "99%")
    assert verdict.note == "exactly: >99%"
    assert verdict.accepted and verdict.rating is Rating.HARD


@pytest.mark.parametrize(
    ("verdict", "name", "rating", "accepted"),
    [
        (Verdict(CORRECT), "correct", Rating.GOOD, True),
        (Verdict(CLOSE), "close", Rating.HARD, True),
        (Verdict(PARTIAL), "partial", Rating.AGAIN, False),
        (Verdict(WRONG), "wrong", Rating.AGAIN, False),
        (Verdict(EMPTY), "empty", Rating.AGAIN, False),
        (Verdict(SELF, proposal=Rating.GOOD), "self", Rating.GOOD, False),
        (Verdict(SELF), "self", None, False),
    ],
)
def test_proposed_ratings(verdict, name, rating, accepted):
    assert verdict.name == name
    assert verdict.rating is rating
    assert verdict.accepted is accepted


def test_verdict_as_plain_data():
    assert Verdict(CLOSE, "exactly: >99%").to_dict() == {
        "verdict": "close", "accepted": True, "rating": "Hard", "note": "exactly: >99%",
        "diff": [],
    }  # fmt: skip
    sentence = Verdict(SELF, "", None, (("same", "a b"), ("missing", "c")))
    assert sentence.to_dict()["rating"] is None
    assert sentence.to_dict()["diff"] == [["same", "a b"], ["missing", "c"]]


# -- spelling ----------------------------------------------------------------------------------


def test_spelling_slips_are_forgiven_within_a_word_and_spelled_out():
    verdict = grade_typed(card("Muesli"), "Muesly")
    assert verdict.status is CORRECT and verdict.note == "spelled: Muesli"
    assert status("regularized policy optimization", "regularised polcy optimisation") is CORRECT
    assert status("TF-Replicator", "TF-Replicater") is CORRECT


def test_spelling_slips_never_span_words():
    assert status("source coding", "sourcecodin") is WRONG  # one edit, but across the space
    assert status("TPU Pod", "GPU Pod") is WRONG
    assert status("incorrect planning", "correct planning") is WRONG  # two edits in 18 letters
    assert status("source coding", "sourcecoding") is CORRECT  # where the space falls is free


def test_spelling_slips_keep_the_first_letter_and_the_digits():
    assert status("Muesli", "Nuesli") is WRONG
    assert status("decoder", "encoder") is WRONG
    assert status("D4PG", "D5PG") is WRONG
    assert status("ResNet-50", "ResNet-56") is WRONG


def test_short_names_allow_no_slip():
    for expected, typed in [("BERT", "BART"), ("TPU", "GPU"), ("Pro", "Pod"), ("JAX", "JAR")]:
        assert status(expected, typed) is WRONG


# -- polarity ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "typed"),
    [
        (
            "it is usually not sensitive to the reward function",
            "it is usually sensitive to the reward function",
        ),
        ("not requiring a model", "requiring a model"),
        ("no deep search", "deep search"),
        ("never converges", "converges"),
        ("without using deep search", "using deep search"),
        ("it doesn't model rewards", "it does model rewards"),
        ("non-linear coding", "linear coding"),
        ("learns", "never learns"),
    ],
)
def test_negations_are_never_forgiven(expected, typed):
    assert status(expected, typed) is WRONG


@pytest.mark.parametrize(
    ("expected", "typed"),
    [
        ("incorrect planning", "correct planning"),
        ("unbiasedness", "biasedness"),
        ("insufficient data", "sufficient data"),
        ("irreproducible results", "reproducible results"),
        ("dissimilar tasks", "similar tasks"),
        ("impossible goals", "possible goals"),
        ("illegal moves", "legal moves"),
        ("correct planning", "incorrect planning"),
    ],
)
def test_antonym_prefixes_are_never_forgiven(expected, typed):
    assert status(expected, typed) is WRONG


def test_not_x_says_what_an_antonym_prefix_says():
    assert status("incorrect planning", "not correct planning") is CORRECT
    assert status("it is usually not sensitive to the reward function",
                  "it is usually insensitive to the reward function") is CORRECT  # fmt: skip


@pytest.mark.parametrize(
    ("expected", "typed"),
    [
        ("at least 10M tokens", "at most 10M tokens"),
        ("at least 10M tokens", "up to 10M tokens"),
        ("fewer than 200", "more than 200"),
        ("over 99%", "under 99%"),
        ("more complex methods", "less complex methods"),
        ("higher variance", "lower variance"),
        ("complex methods", "more complex methods"),
    ],
)
def test_comparison_direction_is_never_forgiven(expected, typed):
    assert status(expected, typed) is WRONG


def test_the_same_direction_is_close():
    assert status(">99%", "at least 99%") is CLOSE
    assert status("fewer than 200", "at most 200") is CLOSE
    assert status("fewer than 200", "less than two hundred") is CORRECT


# -- names, numbers, units ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "typed"),
    [
        ("Claude 2.1", "Claude 2"),
        ("GPT-4 Turbo", "GPT-3 Turbo"),
        ("Gemini 1.5 Pro", "Gemini Pro"),
        ("Gemini Ultra", "Gemini Nano"),
        ("BERT", "BART"),
    ],
)
def test_another_name_or_number_is_wrong(expected, typed):
    assert status(expected, typed) is WRONG


def test_numbers_compare_by_value_and_unit():
    count = {"front": "How many Atari games was it tested on?"}
    assert status("57", "57 games", **count) is CORRECT  # the question counts games
    assert status("57", "57%", **count) is WRONG  # a percentage is not a count
    assert status("57", "57 apples", **count) is WRONG  # nor are apples games
    assert status("57", "fifty-seven", **count) is CORRECT
    assert status("57%", "57 percent") is CORRECT
    assert status("99%", "99") is CORRECT  # leaving the unit out claims no other unit
    rate = {"front": "What share of needles (in %) is found?"}
    assert status("99", "99%", **rate) is CORRECT  # a unit the card uses may be written


def test_digit_groups_and_number_words():
    assert status("10M", "10 000 000") is CORRECT
    assert status("10M", "ten million") is CORRECT
    assert status("200k", "two hundred thousand") is CORRECT
    assert status("GPT-3 175B", "GPT-3175B") is WRONG


def test_a_number_the_question_names_may_be_repeated():
    q = {"front": "On how many Atari 2600 games is it tested?"}
    assert status("57", "57 Atari 2600 games", **q) is CORRECT
    assert status("57", "57 Atari 2601 games", **q) is WRONG


def test_rounding_is_close_only_for_numbers_themselves():
    assert status("10.2M", "10M") is CLOSE
    assert status("Claude 2.1", "Claude 2") is WRONG  # a version, not a measurement


# -- words that may be added or left out ---------------------------------------------------------


def test_words_the_question_says_may_be_left_out():
    q = {"front": "Which Gemini model matches Gemini 1.0 Ultra?"}
    assert status("Gemini 1.5 Pro", "1.5 Pro", **q) is CORRECT
    assert status("Gemini 1.5 Pro", "Gemini", **q) is WRONG  # something must be said
    assert status("Gemini 1.5 Pro", "Pro", **q) is WRONG  # numbers are never supplied


def test_a_generic_last_word_may_be_left_out():
    assert status("FID scores", "FID") is CORRECT
    assert status("model-free methods", "model-free") is CORRECT
    assert status("Gemini Ultra", "Gemini") is WRONG  # 'Ultra' is not generic
    assert status("scores", "") is EMPTY


def test_a_word_saying_what_kind_of_thing_it_is_may_be_added():
    assert status("Muesli", "the Muesli algorithm") is CORRECT
    assert status("Kalamang", "the Kalamang language") is CORRECT
    assert status("model-free methods", "model-free approach") is WRONG  # in place of a word


def test_words_the_card_implies_may_be_added():
    q = {"front": "Which method matches MuZero without deep search?"}
    assert status("Muesli", "the Muesli method", **q) is CORRECT
    assert status("Muesli", "Muesli matches MuZero", **q) is CORRECT  # restating the question
    ev = {"evidence": ("our most-capable Gemini Ultra model",)}
    assert status("Gemini Ultra", "the most capable Gemini Ultra model", **ev) is CORRECT


def test_words_the_card_does_not_imply_are_wrong():
    verdict = grade_typed(card("model learning"), "model-free learning")
    assert verdict.status is WRONG and verdict.note == "not in the answer: free"
    assert status("source compression", "lossless source compression") is WRONG


def test_two_answers_for_one_are_wrong():
    q = {"front": "Which method matches MuZero's performance?"}
    verdict = grade_typed(card("Muesli", **q), "Muesli or MuZero")
    assert verdict.status is WRONG and verdict.note == "more than one answer"
    assert status("Muesli", "MuZero and Muesli", **q) is WRONG
    ev = {"evidence": ("our most-capable Gemini Ultra model",)}
    assert status("Gemini Ultra", "Gemini Ultra, the most capable model", **ev) is CORRECT


def test_a_longer_phrase_may_be_given_in_part():
    expected = "introducing auxiliary latent variables in the decoder"
    assert status(expected, "auxiliary latent variables in the decoder") is CLOSE
    assert status(expected, "latent variables in the decoder") is WRONG  # three of five


def test_plurals_and_inflections_read_alike():
    assert status("TPUs", "TPU") is CORRECT
    assert status("future observations", "future observation") is CORRECT
    assert status("separating skill from luck", "separate skill from luck") is CORRECT
    assert status("model missing information", "modelling missing information") is CORRECT
    assert status("a number of illustrative problems", "illustrative problems") is CORRECT


def test_an_acronym_stands_for_its_words():
    assert (
        status("credit assignment in reinforcement learning", "credit assignment in RL") is CORRECT
    )
    assert status("TPUs", "tensor processing units") is CORRECT
    assert status("long-video QA", "long-video question answering") is CORRECT
    assert status("RL agents", "ML agents") is WRONG


def test_parentheses_are_optional_or_an_alias():
    assert status("(un-)supervised learning", "supervised learning") is CLOSE  # half of it
    assert status("(un-)supervised learning", "unsupervised learning") is CLOSE
    assert status("(un-)supervised learning", "(un-)supervised learning") is CORRECT


# -- aliases -----------------------------------------------------------------------------------


def test_an_alias_is_accepted_like_the_value():
    aliases = (("Gemini Ultra", ("Gemini 1.0 Ultra",)),)
    c = card("Gemini Ultra", front="Which model was first on MMLU?", aliases=aliases)
    assert grade_typed(c, "Gemini 1.0 Ultra") == Verdict(CORRECT)
    assert grade_typed(c, "gemini 1.0 ultra model").status is CORRECT  # the question says 'model'
    assert grade_typed(c, "Gemini 1.0 Ultra chip").status is WRONG  # 'chip' is not implied
    assert grade_typed(c, "Gemini 1.5 Ultra").status is WRONG


def test_an_alias_may_stand_for_one_list_item():
    items = ("a ResNet-50 for ImageNet classification", "a D4PG agent for continuous control")
    aliases = ((items[0], ("ResNet-50",)), (items[1], ("D4PG",)))
    c = card(" and ".join(items), items, aliases=aliases)
    assert grade_typed(c, "D4PG and ResNet-50").status is CORRECT
    assert (
        grade_typed(c, "ResNet-50 for ImageNet and D4PG for continuous control").status is CORRECT
    )
    assert grade_typed(c, "ResNet-50 for continuous control and D4PG").status is PARTIAL
    assert grade_typed(c, "ResNet-50") == Verdict(PARTIAL, f"missing: {items[1]}")


def test_an_alias_of_the_whole_list():
    c = card("Ultra, Pro and Nano", ("Ultra", "Pro", "Nano"),
             aliases=(("Ultra, Pro and Nano", ("the three Gemini sizes",)),))  # fmt: skip
    assert grade_typed(c, "the three Gemini sizes").status is CORRECT
    assert grade_typed(c, "Nano, Ultra, Pro").status is CORRECT


# -- lists -------------------------------------------------------------------------------------


def test_list_answers_in_any_order():
    items = ("Atari", "Go", "chess")
    c = card("Atari, Go and chess", items)
    assert grade_typed(c, "chess, atari and go").status is CORRECT
    assert grade_typed(c, "Go; Chess; Atari").status is CORRECT
    assert grade_typed(c, "go, atari, chess, shogi").status is CLOSE
    assert grade_typed(c, "go, atari, chess, shogi").note == "not in the answer: shogi"
    partial = grade_typed(c, "atari and go")
    assert partial.status is PARTIAL and partial.note == "missing: chess"
    assert grade_typed(c, "shogi").status is WRONG
    assert grade_typed(c, "Atary, Go, chess") == Verdict(CORRECT)


@pytest.mark.parametrize("typed", ["TPUs and GPUs", "GPUs, TPUs", "GPU & TPU", "TPU; GPU",
                                   "TPUs/GPUs", "TPUs or GPUs", "TPUs GPUs"])  # fmt: skip
def test_list_separators(typed):
    assert grade_typed(card("TPUs and GPUs", ("TPUs", "GPUs")), typed).status is CORRECT


def test_too_many_extra_items_are_not_accepted():
    c = card("TPUs and GPUs", ("TPUs", "GPUs"))
    assert grade_typed(c, "TPUs, GPUs and CPUs").status is CLOSE
    assert grade_typed(c, "TPUs, GPUs, CPUs and FPGAs").status is PARTIAL
    assert grade_typed(c, "TPUs, GPUs and not CPUs").status is PARTIAL


def test_list_items_may_contain_and():
    c = card("x", ("research and development", "sales"))
    assert grade_typed(c, "sales and research and development").status is CORRECT


def test_list_items_keep_thousands_separators():
    assert split_list("1,000 and 2,000, 3") == ["1,000", "2,000", "3"]
    assert compare_list(["1000", "2000"], "2,000, 1,000").status is CORRECT


def test_a_single_value_that_reads_as_a_list_may_be_reordered():
    assert grade_typed(card("Muesli and MuZero"), "MuZero, Muesli").status is CORRECT
    assert grade_typed(card("Muesli and MuZero"), "Muesli").status is WRONG


def test_cloze_with_several_blanks_expects_each_blank():
    segments = (Segment("A"), Segment("Muesli", True), Segment(" beats "), Segment("PPO", True))
    c = card("Muesli", cloze=segments)
    assert grade_typed(c, "PPO, Muesli").status is CORRECT
    assert grade_typed(c, "Muesli").status is PARTIAL


# -- sentences ---------------------------------------------------------------------------------

LONG = "the results suggest that planning alone is insufficient to drive strong generalization"


def test_more_than_five_content_words_make_a_sentence():
    assert SENTENCE_WORDS == 5
    assert not is_sentence("introducing auxiliary latent variables in the decoder")  # five
    assert is_sentence("keep their causally correct partial models fast")  # six
    assert not is_sentence("the bandwidth-limited channel (BWLC)")


def test_sentence_answers_are_never_graded_correct():
    verdict = grade_typed(card(LONG), LONG)
    assert verdict.status is SELF and not verdict.accepted
    assert verdict.rating is Rating.GOOD  # every word there: proposed, not decided
    assert verdict.diff == (("same", LONG),)


def test_sentence_answers_come_with_a_word_diff():
    verdict = grade_typed(card(LONG), "planning alone is sufficient to drive strong generalization")
    assert verdict.status is SELF
    assert verdict.diff == (
        ("missing", "the results suggest that"),
        ("same", "planning alone is"),
        ("missing", "insufficient"),
        ("extra", "sufficient"),
        ("same", "to drive strong generalization"),
    )
    assert verdict.note == "missing: results suggest insufficient; extra: sufficient"


@pytest.mark.parametrize(
    "typed",
    [
        "the results suggest that planning alone is sufficient to drive strong generalization",
        "the results suggest planning alone is not insufficient to drive strong generalization",
        "the results suggest that planning alone is insufficient to drive weak generalization",
        "the results suggest that planning is insufficient to drive more generalization",
    ],
)
def test_a_sentence_is_never_proposed_good_when_its_polarity_differs(typed):
    verdict = grade_typed(card(LONG), typed)
    assert verdict.status is SELF and verdict.rating is not Rating.GOOD


def test_sentence_proposals():
    definition = "the problem of measuring an action's influence on future rewards"
    c = card(definition)
    assert grade_typed(c, definition).rating is Rating.GOOD
    # the same words in another order say something else
    assert (
        grade_typed(c, "the problem of measuring a reward's influence on future actions").rating
        is None
    )
    assert grade_typed(c, "a way to pick hyperparameters").rating is Rating.AGAIN
    assert grade_typed(c, "").status is EMPTY


def test_word_diff_marks_missing_and_extra_words():
    assert word_diff("a b c d", "a x c d e") == (
        ("same", "a"), ("missing", "b"), ("extra", "x"), ("same", "c d"), ("extra", "e"),
    )  # fmt: skip
    assert word_diff("ten TPUs", "10 TPU") == (("same", "ten TPUs"),)


def test_a_list_with_sentence_items_is_for_the_student_when_unsure():
    items = ("a ResNet-50 for ImageNet classification",
             "a D4PG reinforcement learning agent for continuous control")  # fmt: skip
    c = card(" and ".join(items), items)
    assert grade_typed(c, "ResNet-50 for ImageNet classification and D4PG").status is SELF
    assert grade_typed(c, "a ResNet-50 for ImageNet classification").status is PARTIAL


# -- multiple choice ---------------------------------------------------------------------------


def test_multiple_choice_by_number_letter_or_text():
    c = card("Muesli", choices=("MuZero", "Muesli", "PPO", "IMPALA"))
    assert [choice_index(c, k) for k in ("2", "b", "B", " muesli ", "4", "d")] == [1, 1, 1, 1, 3, 3]
    assert [choice_index(c, k) for k in ("0", "5", "e", "", "chess")] == [None] * 5
    assert grade_choice(c, 1).status is CORRECT
    assert grade_choice(c, 0).status is WRONG
    assert grade(c, "b").status is CORRECT
    assert grade(c, "a").status is WRONG
    assert grade(c, "Muesly").status is CORRECT  # not an option: graded as typed


def test_nothing_typed_is_empty():
    for typed in ("", "   ", " ?! ", "..."):
        assert status("Muesli", typed) is EMPTY
        assert grade_typed(card("a", ("a", "b")), typed).status is EMPTY


# -- properties --------------------------------------------------------------------------------

words = st.text(alphabet=string.ascii_letters + "éüñ", min_size=1, max_size=12)
phrases = st.lists(words, min_size=1, max_size=5).map(" ".join)
sentences = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=4, max_size=9),
                     min_size=7, max_size=12).map(" ".join)  # fmt: skip


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
    assert compare_phrase(text, text).status is CORRECT


@given(st.one_of(phrases, sentences))
def test_every_card_accepts_its_own_answer(text):
    verdict = grade_typed(card(text), text)
    assert verdict.status is CORRECT or (verdict.status is SELF and verdict.rating is Rating.GOOD)


@given(phrases, st.data())
def test_case_spacing_and_punctuation_are_ignored(text, data):
    assert compare_phrase(text, noisy(text, data)).status is CORRECT


@given(phrases)
def test_accents_are_ignored(text):
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    assert compare_phrase(text, bare).status is CORRECT


@given(st.one_of(phrases, sentences), st.data())
def test_inserting_not_is_never_accepted(text, data):
    tokens = text.split()
    assume("not" not in (t.lower() for t in tokens))
    at = data.draw(st.integers(min_value=0, max_value=len(tokens)))
    typed = " ".join([*tokens[:at], "not", *tokens[at:]])
    verdict = grade_typed(card(text), typed)
    assert not verdict.accepted
    assert verdict.rating is not Rating.GOOD


@given(st.one_of(phrases, sentences), st.data(), st.sampled_from(["in", "un", "non", "dis", "ir"]))
def test_an_antonym_prefix_is_never_accepted(text, data, prefix):
    tokens = text.split()
    long_words = [i for i, t in enumerate(tokens) if len(t) >= 4]
    assume(long_words)
    at = data.draw(st.sampled_from(long_words))
    typed = " ".join(prefix + t if i == at else t for i, t in enumerate(tokens))
    verdict = grade_typed(card(text), typed)
    assert not verdict.accepted
    assert verdict.rating is not Rating.GOOD


@given(st.integers(min_value=0, max_value=100), st.sampled_from([">", "<", ">=", "<="]))
def test_a_comparison_is_close_to_the_bare_number(n, relation):
    assert compare_phrase(f"{relation}{n}%", f"{n}%").status is CLOSE
    assert compare_phrase(f"{relation}{n}%", f"{relation} {n} percent").status is CORRECT
    opposite = {">": "<", "<": ">", ">=": "<=", "<=": ">="}[relation]
    assert compare_phrase(f"{relation}{n}%", f"{opposite}{n}%").status is WRONG


@given(st.integers(min_value=1, max_value=999), st.sampled_from(
    [("k", "thousand", 3), ("M", "million", 6), ("B", "billion", 9), ("T", "trillion", 12)]
))  # fmt: skip
def test_magnitudes_compare_by_value(n, magnitude):
    short, word, power = magnitude
    full = n * 10**power
    assert compare_phrase(f"{n}{short}", f"{full:,}").status is CORRECT
    assert compare_phrase(f"{n}{short}", f"{n + 1} {word}").status is WRONG


@given(st.integers(min_value=0, max_value=999), st.integers(min_value=0, max_value=999))
def test_another_number_in_a_name_is_wrong(a, b):
    assume(a != b)
    assert compare_phrase(f"ResNet-{a}", f"ResNet-{b}").status is WRONG


@settings(deadline=None)  # up to 24 orders of a list
@given(st.lists(words, min_size=2, max_size=4, unique_by=lambda w: w.lower()))
def test_list_items_in_any_order(items):
    assume(not {w.lower() for w in items} & {"and", "or"})  # separators, not items
    # Two items that read the same ('ü' and 'u', 'TPU' and 'TPUs') are not distinct items.
    assume(len({grade_typed(card(w), w).note or fold(w) for w in items}) == len(items))
    assume(all(compare_phrase(a, b).status is WRONG for a, b in itertools.permutations(items, 2)))
    c = card(", ".join(items), tuple(items))
    for order in itertools.permutations(items):
        assert grade_typed(c, ", ".join(order)).status is CORRECT
