"""Which questions a handout asks: one per fact or a balanced count, seeded; and never two of
which one gives the other's answer away."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import pytest

from quizgen.errors import InputError
from quizgen.handout.selection import answers_of, choose, gives_away, order, shown_by
from quizgen.model import Card
from quizgen.project import compile_project
from quizgen.template import Segment

FIXTURE = Path(__file__).parent / "fixtures" / "handout"


@pytest.fixture(scope="module")
def compiled():
    return compile_project(FIXTURE)


@pytest.fixture(scope="module")
def bundled_cards():
    return compile_project(Path(__file__).parent.parent / "cards_src")[1]


def card(
    source: str,
    fact: str,
    template: str,
    front: str,
    answer: str,
    *,
    cloze: tuple[Segment, ...] = (),
    aliases: tuple[tuple[str, tuple[str, ...]], ...] = (),
) -> Card:
    return Card(
        id=f"{source}/{fact}/{template}",
        source=source,
        fact=fact,
        template=template,
        kind="result",
        front=front,
        back=answer,
        answer=answer,
        answer_items=(answer,),
        evidence=(),
        cloze=cloze,
        aliases=aliases,
    )


def test_default_asks_one_question_per_fact(compiled):
    _, cards = compiled
    chosen = choose(cards, None, seed=0)
    assert len(chosen) == 6
    assert len({c.fact_id for c in chosen}) == 6
    # The cards keep the project's order.
    assert chosen == [c for c in cards if c in chosen]


def test_count_is_balanced_across_papers(compiled):
    _, cards = compiled
    for count, want in [(2, [1, 1]), (4, [2, 2]), (6, [3, 3])]:
        chosen = choose(cards, count, seed=3)
        assert sorted(Counter(c.source for c in chosen).values()) == want
        assert len({c.fact_id for c in chosen}) == count, "distinct facts come first"
    odd = Counter(c.source for c in choose(cards, 5, seed=3))
    assert sorted(odd.values()) == [2, 3]


def test_count_reuses_a_fact_only_when_a_paper_runs_out_of_facts(compiled):
    _, cards = compiled
    chosen = choose(cards, 8, seed=1)
    assert len({c.id for c in chosen}) == 8
    assert len({c.fact_id for c in chosen}) == 6
    assert Counter(c.source for c in chosen) == {"cafe": 4, "second": 4}


def test_a_small_paper_gives_its_share_to_the_others(compiled):
    _, cards = compiled
    lopsided = [c for c in cards if c.source == "cafe" or c.fact == "throughput"]
    chosen = choose(lopsided, 10, seed=0)
    assert Counter(c.source for c in chosen) == {"cafe": 7, "second": 3}


def test_count_larger_than_the_selection_is_an_error(compiled):
    _, cards = compiled
    with pytest.raises(InputError) as exc:
        choose(cards, 19, seed=0)
    assert str(exc.value) == "count: asks for 19 questions but only 18 match the filters"
    assert exc.value.problems[0].setting


def test_choice_depends_on_the_seed_and_only_on_it(compiled):
    _, cards = compiled
    runs = {tuple(c.id for c in choose(cards, 5, seed=s)) for s in range(8)}
    assert len(runs) > 1
    assert choose(cards, 5, seed=4) == choose(cards, 5, seed=4)


# -- no question gives another away ---------------------------------------------------------

CLOZE = card(
    "muesli",
    "score",
    "cloze",
    "Muesli reaches [...] on Atari.",
    "562%",
    cloze=(Segment("Muesli reaches ", False), Segment("562%", True), Segment(" on Atari.", False)),
)
WHICH = card("muesli", "score", "which", "Which agent reaches 562% on Atari?", "Muesli")
HOW_MUCH = card("muesli", "score", "much", "What does the agent of Hessel et al. reach?", "562%")


def test_what_a_question_shows_and_what_it_hides():
    assert shown_by(CLOZE) == ("muesli reaches", "on atari")  # no phrase across the blank
    assert answers_of(CLOZE) == {"562%"}
    assert shown_by(WHICH) == ("which agent reaches 562% on atari",)
    aliases = (("Gemini 1.5 Pro", ("Gemini",)),)
    named = card("a", "f", "t", "Who?", "Gemini 1.5 Pro", aliases=aliases)
    assert answers_of(named) == {"gemini 1 5 pro", "gemini"}


def test_gives_away_compares_folded_whole_words():
    assert gives_away(CLOZE, WHICH)  # the cloze shows "Muesli"
    assert gives_away(WHICH, CLOZE)  # "562%" is in the question
    assert not gives_away(HOW_MUCH, WHICH)
    assert gives_away(WHICH, HOW_MUCH)
    muzero = card("b", "f", "t", "Which agent did MuZero inspire?", "a planner")
    assert not gives_away(muzero, card("c", "f", "t", "Who?", "Mu")), "not inside a word"
    shouted = card("b", "g", "t", "Is MUESLI's score ≥ 500%?", "yes")
    assert gives_away(shouted, WHICH), "case and punctuation do not hide it"
    assert not gives_away(WHICH, WHICH._replace(answer=""))


def test_a_fact_is_asked_another_way_when_its_first_way_gives_something_away():
    other = card("other", "agent", "which", "Which agent is Muesli compared with?", "MuZero")
    # Papers take turns in source order, so `other` is chosen first; it names Muesli, so the
    # Muesli fact is never asked as "which agent": whatever the seed, it is asked one of the
    # two other ways.
    ways = set()
    for seed in range(20):
        chosen = choose([other, CLOZE, WHICH, HOW_MUCH], None, seed)
        assert len(chosen) == 2 and other in chosen, seed
        ways |= {c.id for c in chosen if c is not other}
    assert ways == {CLOZE.id, HOW_MUCH.id}


def test_a_count_that_only_give_aways_could_fill_is_an_error():
    with pytest.raises(InputError) as exc:
        choose([CLOZE, WHICH], 2, seed=0)
    assert str(exc.value) == (
        "count: asks for 2 questions but only 1 can be asked without one giving away "
        "another's answer"
    )
    assert exc.value.problems[0].setting


def test_a_paper_short_of_clash_free_questions_leaves_its_share_to_the_others():
    others = [card("other", f"f{i}", "t", f"Question {i}?", f"answer {i}") for i in range(4)]
    chosen = choose([CLOZE, WHICH, *others], 4, seed=0)
    # Two papers, four questions: two each, but the Muesli paper's two give each other away.
    assert Counter(c.source for c in chosen) == {"muesli": 1, "other": 3}


@pytest.fixture(scope="module")
def folded(bundled_cards):
    """`gives_away` with each card's text folded once (21 seeds x 150² pairs to check)."""
    shown = {c.id: [f" {text} " for text in shown_by(c)] for c in bundled_cards}
    answers = {c.id: [f" {a} " for a in answers_of(c)] for c in bundled_cards}
    return lambda a, b: any(x in text for x in answers[b.id] for text in shown[a.id])


def test_the_bundled_deck_holds_give_aways_to_avoid(bundled_cards, folded):
    pairs = [(a, b) for a, b in itertools.permutations(bundled_cards, 2) if folded(a, b)]
    assert len(pairs) > 100  # 123 in the 251-card deck: the avoidance is exercised
    assert all(gives_away(a, b) for a, b in pairs[:50])


@pytest.mark.parametrize("count", [None, 5, 20, 60, 93, 150])
def test_no_question_of_the_bundled_deck_gives_another_away(bundled_cards, folded, count):
    for seed in range(21):
        chosen = choose(bundled_cards, count, seed)
        if count is not None:
            assert len(chosen) == count
        else:
            facts = Counter(c.fact_id for c in chosen)
            assert max(facts.values()) == 1
            assert len(facts) >= 0.8 * len({c.fact_id for c in bundled_cards})
        for a, b in itertools.permutations(chosen, 2):
            assert not folded(a, b), f"seed {seed}: {a.id} shows the answer of {b.id}"
        if seed < 3:
            assert choose(bundled_cards, count, seed) == chosen, "the same seed, the same cards"


def test_a_count_the_bundled_deck_cannot_ask_without_give_aways_is_refused(bundled_cards):
    with pytest.raises(InputError, match="without one giving away another's answer"):
        choose(bundled_cards, len(bundled_cards), seed=0)


# -- order ----------------------------------------------------------------------------------


def test_order_keeps_a_single_handout_in_source_order_and_shuffles_variants(compiled):
    _, cards = compiled
    chosen = choose(cards, 6, seed=0)
    single = order(chosen, shuffle=False, seed=0, variant="", earlier=[])
    assert [c for g in single for c in g] == chosen
    assert [g[0].source for g in single] == ["cafe", "second"]
    a = order(chosen, shuffle=False, seed=0, variant="A", earlier=[])
    flat = tuple(c.id for g in a for c in g)
    b = order(chosen, shuffle=False, seed=0, variant="B", earlier=[flat])
    assert tuple(c.id for g in b for c in g) != flat
    assert sorted(flat) == sorted(c.id for c in chosen)
    (mixed,) = order(chosen, shuffle=True, seed=0, variant="", earlier=[])
    assert sorted(c.id for c in mixed) == sorted(c.id for c in chosen)
