"""Expansion: (fact, template) pairs to cards, stable ids, distractors, determinism."""

from __future__ import annotations

import pickle
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen.distractors import pick_distinct
from quizgen.loader import load_project
from quizgen.model import Card, CardTemplate, Fact, FieldSpec, Kind, Project, Source
from quizgen.project import cards_of, compile_project
from quizgen.template import parse
from quizgen.text import fold

FIXTURES = Path(__file__).parent / "fixtures"


def test_mini_project_cards(mini: Path) -> None:
    _, cards = compile_project(mini)
    assert [c.id for c in cards] == [
        f"muesli/{fact}/{template}"
        for fact in ("matches-muzero", "acts", "other")
        for template in ("which", "cloze", "choice")
    ]
    cloze = cards[1]
    assert cloze.style == "cloze"
    assert cloze.front == (
        "[...] matches MuZero's state-of-the-art performance on Atari without using deep search."
    )
    assert cloze.back == (
        "Muesli matches MuZero's state-of-the-art performance on Atari without using deep search."
    )
    assert [s.text for s in cloze.cloze if s.hidden] == ["Muesli"]
    assert cloze.answer == "Muesli"
    assert cloze.tags == ("muesli", "result")


def test_cards_and_facts_built_fast_are_as_their_constructors_make_them(mini: Path) -> None:
    # Expansion makes cards with Card.built and the loader facts with Fact.built (both
    # tuple.__new__): equal, and pickling back equal, to what the constructors make.
    project, cards = compile_project(mini)
    facts = [fact for source in project.sources for fact in source.facts]
    for fact in facts:
        made = Fact(**fact._asdict())
        assert type(fact) is Fact and fact == made
        assert type(pickle.loads(pickle.dumps(fact))) is Fact
        assert pickle.loads(pickle.dumps(fact)) == made
    for card in cards:
        again = Card(**card._asdict())
        assert type(card) is Card and card == again and hash(card) == hash(again)
        assert type(pickle.loads(pickle.dumps(card))) is Card
        assert pickle.loads(pickle.dumps(card)) == again


def test_editing_wording_keeps_card_ids(mini: Path) -> None:
    _, before = compile_project(mini)
    path = mini / "sources" / "muesli.yaml"
    path.write_text(
        path.read_text().replace(
            "acts directly with a policy network\n",
            "acts directly with a policy network, fast\n",
            1,
        )
    )
    _, after = compile_project(mini)
    assert [c.id for c in before] == [c.id for c in after]
    assert before[3].front != after[3].front


def test_same_input_same_cards(mini: Path) -> None:
    assert compile_project(mini)[1] == compile_project(mini)[1]


def test_pick_distinct_is_a_permutation_prefix() -> None:
    draws = [7, 3, 11, 2, 9]
    assert sorted(pick_distinct(5, 5, draws)) == [0, 1, 2, 3, 4]
    assert len(set(pick_distinct(100, 5, draws))) == 5


# Property tests on generated projects -----------------------------------------------------

words = st.text(alphabet="abcdefghij XYZ-é", min_size=1, max_size=12).map(str.strip).filter(bool)
# One word: subjects of two words each are always of one shape, so every choice card finds its
# options (a subject of six words beside ones of two would rightly find none).
names = st.text(alphabet="abcdefghijXYZ-é", min_size=1, max_size=12)


@st.composite
def projects(draw: st.DrawFn) -> Project:
    kind = Kind(
        name="result",
        fields={
            "subject": FieldSpec("subject", "text", False),
            "claim": FieldSpec("claim", "text", False),
            "condition": FieldSpec("condition", "text", True),
        },
        templates=(
            CardTemplate(
                "which", "subject", parse("Which one {claim}[ {condition}]?"), parse("{subject}")
            ),
            CardTemplate(
                "cloze",
                "subject",
                cloze=parse("{subject} {claim}[ {condition}]."),
                hide=("subject",),
            ),
            CardTemplate(
                "choice",
                "subject",
                parse("Pick: {claim}[ {condition}]"),
                parse("{subject}"),
                choices=3,
            ),
        ),
    )
    facts = []
    n = draw(st.integers(min_value=3, max_value=12))
    for i in range(n):
        values = {"subject": f"S{i} " + draw(names), "claim": f"c{i} " + draw(words)}
        if draw(st.booleans()):
            values["condition"] = draw(words)
        facts.append(Fact(f"f{i}", "result", values, ()))
    source = Source("p", "Paper", "Paper", "A. B.", 2020, "text", tuple(facts), arxiv="1")
    return Project(Path("."), "T", (source,), {"result": kind})


@settings(max_examples=60, deadline=None)
@given(projects())
def test_expansion_is_deterministic_with_unique_ids(project: Project) -> None:
    cards, problems = cards_of(project)
    again, _ = cards_of(project)
    assert problems == []
    assert cards == again
    ids = [c.id for c in cards]
    assert len(ids) == len(set(ids)) == 3 * len(project.sources[0].facts)


@settings(max_examples=60, deadline=None)
@given(projects())
def test_distractors_are_wrong_distinct_and_from_the_same_field(project: Project) -> None:
    cards, _ = cards_of(project)
    answers = {f.values["subject"] for f in project.sources[0].facts}
    for card in cards:
        if card.style != "choice":
            continue
        assert len(card.choices) == 3
        assert card.choices.count(card.answer) == 1
        assert len({fold(c) for c in card.choices}) == 3
        assert set(card.choices) <= answers


def test_closest_passage_is_bounded() -> None:
    from quizgen.loader import MAX_SUGGEST_WORDS, closest_passage

    text = "Muesli acts directly with a policy network and is fast."
    assert closest_passage("acts directly with a value network", text) == (
        "acts directly with a policy network"
    )
    huge = " ".join(f"w{i}" for i in range(MAX_SUGGEST_WORDS + 1))
    assert closest_passage("w1 w2 w3", huge) == ""


def test_distractors_never_repeat_the_answer_in_other_spelling(mini: Path) -> None:
    path = mini / "sources" / "muesli.yaml"
    text = path.read_text().replace("subject: MuZero", "subject: muesli.", 1)
    path.write_text(text)
    project, problems = load_project(mini)
    cards, more = cards_of(project)
    # "muesli." folds to the same answer as "Muesli": no distractor is left for 2 choices
    # (matches-muzero keeps its hand-written one).
    assert [p.message for p in more] == [
        f"card muesli/{fact}/choice can offer 1 option, too few for multiple choice (template "
        "'result/choice'): no other 'subject' answer fits (same shape, not in the question); "
        "add 'distractors:' to the fact"
        for fact in ("acts", "other")
    ]
    assert [c.choices for c in cards if c.style == "choice"] == [("Muesli", "Agent57")]


def test_a_compilation_leaves_its_memos_empty(bundled):
    """What the memos of folded text and value shapes hold is read only while compiling;
    a build still has its peak of memory to come."""
    from quizgen.distractors import shape_of
    from quizgen.project import compile_project
    from quizgen.text import fold

    fold("Warm"), shape_of("warm")
    _, cards = compile_project(bundled)
    assert cards
    assert fold.cache_info().currsize == shape_of.cache_info().currsize == 0


def test_pool_digests_made_of_known_source_digests_are_the_same(tmp_path: Path) -> None:
    """Drafts keep each source's pool digests (Draft.pools): a pool's digest made from them
    is the one made by hashing every answer, and they are what it is made of."""
    import dataclasses
    import shutil

    from quizgen.distractors import pool_digests, source_pool_digests
    from quizgen.expand import draft, expand

    deck = tmp_path / "deck"
    shutil.copytree(Path(__file__).parent.parent / "cards_src", deck)
    project, _ = load_project(deck)
    known = {s.id: source_pool_digests(project, s) for s in project.sources}
    whole = pool_digests(project)
    assert pool_digests(project, known) == whole
    assert any(len(key) == 2 for key in whole) and any(len(key) == 3 for key in whole)
    first = project.sources[0]
    stale = {key: "stale" for key in known[first.id]}
    assert stale and pool_digests(project, {**known, first.id: stale}) != whole  # read, not redone

    # an expansion finds the digests of the drafts it is given, once, and changes no card
    drafts = {s.id: draft(project, s) for s in project.sources}
    cards = expand(project, drafts)
    assert cards == expand(project)
    assert {s.id: drafts[s.id].pools for s in project.sources} == known
    assert all(d.redrawn for d in drafts.values())
    kept = {sid: dataclasses.replace(d, redrawn=False) for sid, d in drafts.items()}
    assert expand(project, kept) == cards
    assert not any(d.redrawn for d in kept.values())  # nothing drawn or found anew


def test_options_drawn_from_a_papers_part_of_a_pool_are_those_of_the_whole_pool(
    bundled: Path, tmp_path: Path
) -> None:
    """`Pools` makes one paper's part of a pool for a card that finds its options there, and
    the whole pool only for a card that looks past: the options are those drawn with every
    pool made up front, card by card."""
    from projects import item, write_project

    from quizgen.distractors import Pools, draw
    from quizgen.expand import expand

    # Papers of two facts look past themselves: to a paper sharing a tag, then to any.
    small = write_project(
        tmp_path / "small",
        [
            {"facts": [item(f"a{i}", f"Alpha{i}") for i in range(2)], "tags": ["t"]},
            {"facts": [item(f"b{i}", f"Beta{i}") for i in range(2)], "tags": ["t"]},
            {"facts": [item(f"c{i}", f"Gamma{i}") for i in range(5)]},
        ],
    )
    wide = narrow = 0
    for root in (bundled, small):
        project, _ = load_project(root)
        lazy, eager = Pools(project), Pools(project)
        assert eager.pools  # every pool, made now
        facts = {(s.id, f.id): (s, f) for s in project.sources for f in s.facts}
        templates = {(k.name, t.id): t for k in project.kinds.values() for t in k.templates}
        for card in expand(project):
            template = templates[card.kind, card.template]
            if template.choices:
                source, fact = facts[card.source, card.fact]
                question = fold(card.front)
                got = draw(lazy, source, fact, template, card.id, question)
                assert got == draw(eager, source, fact, template, card.id, question)
                wide += got[1]
                narrow += not got[1]
    assert wide >= 4 and narrow > 50  # both ways of drawing were taken
