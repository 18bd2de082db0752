"""The document model the writers print: sections, numbering, variants, the key's parts.
(Which questions are asked is tests/test_handout_selection.py.)"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from quizgen.errors import InputError
from quizgen.filters import filter_cards
from quizgen.handout.files import file_name, output_paths
from quizgen.handout.layout import lay_out, parts
from quizgen.handout.options import Options
from quizgen.project import compile_project

FIXTURE = Path(__file__).parent / "fixtures" / "handout"
DAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def compiled():
    return compile_project(FIXTURE)


@pytest.mark.parametrize(
    ("options", "setting", "message"),
    [
        (Options(date=DAY, count=0), "count", "must be at least 1 (got 0)"),
        (Options(date=DAY, variants=0), "variants", "must be 1 to 26 (got 0)"),
        (Options(date=DAY, variants=27), "variants", "must be 1 to 26 (got 27)"),
        (Options(date=DAY, answers="maybe"), "answers", "must be one of end, separate, none"),
        (Options(date=DAY, paper="a3"), "paper", "must be one of a4, letter"),  # type: ignore[arg-type]
    ],
)
def test_bad_options_are_problems_about_settings_not_options(compiled, options, setting, message):
    """The library names its own settings; only the command line knows them as --count."""
    project, cards = compiled
    with pytest.raises(InputError) as exc:
        lay_out(project, cards, options)
    assert [(p.path, p.setting, p.message) for p in exc.value.problems] == [
        (setting, True, message)
    ]
    assert str(exc.value) == f"{setting}: {message}"


def test_single_handout_groups_questions_by_paper_in_source_order(compiled):
    project, cards = compiled
    (doc,) = lay_out(project, cards, Options(date=DAY, count=6))
    assert [s.paper.id for s in doc.sections] == ["cafe", "second"]
    assert [q.number for q in doc.questions] == [1, 2, 3, 4, 5, 6]
    order = [c.id for c in cards]
    ids = [q.card_id for q in doc.questions]
    assert ids == sorted(ids, key=order.index)
    assert [p.id for p in doc.papers] == ["cafe", "second"]
    assert doc.papers[0].citation == (
        "Zoë Müller, José Álvarez (2023). Café-Net: Learning → Faster. arXiv:2301.00001"
    )
    assert doc.title == "Reading Group"
    assert doc.subtitle == "26 November 2026 · 6 questions"
    assert doc.label == ""


def test_shuffle_mixes_papers_in_one_section(compiled):
    project, cards = compiled
    (doc,) = lay_out(project, cards, Options(date=DAY, count=12, shuffle=True, seed=2))
    assert len(doc.sections) == 1 and doc.sections[0].paper is None
    sources = [q.paper.id for q in doc.questions]
    assert sources != sorted(sources), "papers interleave"


def test_only_the_papers_asked_about_are_listed(compiled):
    project, cards = compiled
    (doc,) = lay_out(project, filter_cards(cards, sources=["second"]), Options(date=DAY))
    assert [p.id for p in doc.papers] == ["second"]
    assert doc.papers[0].link == "https://example.org/second?a=1&b=2"


def test_variants_share_questions_but_differ_in_order_and_options(compiled):
    project, cards = compiled
    docs = lay_out(project, cards, Options(date=DAY, count=6, variants=3, seed=7))
    assert [d.variant for d in docs] == ["A", "B", "C"]
    assert [d.label for d in docs] == ["Version A", "Version B", "Version C"]
    orders = [tuple(q.card_id for q in d.questions) for d in docs]
    assert len(set(orders)) == 3, "every variant has its own order"
    assert len({frozenset(o) for o in orders}) == 1, "the same questions"
    for doc in docs:
        assert [s.paper.id for s in doc.sections] == ["cafe", "second"]
        assert [q.number for q in doc.questions] == [1, 2, 3, 4, 5, 6]
    by_variant = [{q.card_id: q.options for q in d.questions if q.options} for d in docs]
    assert by_variant[0], "the selection holds multiple-choice questions"
    assert any(
        by_variant[0][cid] != other[cid] for other in by_variant[1:] for cid in by_variant[0]
    ), "option order varies by variant"
    for doc in docs:
        for q in doc.questions:
            if q.options:
                assert sorted(q.options) == sorted(
                    next(c.choices for c in cards if c.id == q.card_id)
                )
                assert q.options["ABCD".index(q.answer_letter)] == q.answer
                assert q.key_answer == f"{q.answer_letter}) {q.answer}"


def test_variants_differ_even_when_few_orders_exist(compiled):
    project, cards = compiled
    two = filter_cards(cards, sources=["cafe"], tags=["markup"])[:2]
    docs = lay_out(project, two, Options(date=DAY, count=2, variants=2))
    assert [q.card_id for q in docs[0].questions] != [q.card_id for q in docs[1].questions]


def test_same_seed_same_plan_other_seed_other_plan(compiled):
    project, cards = compiled
    options = Options(date=DAY, count=6, variants=2, seed=11)
    assert lay_out(project, cards, options) == lay_out(project, cards, options)
    assert lay_out(project, cards, options) != lay_out(project, cards, replace(options, seed=12))


def test_questions_carry_what_the_writers_print(compiled):
    project, cards = compiled
    (doc,) = lay_out(project, filter_cards(cards, sources=["cafe"]), Options(date=DAY, count=9))
    by_id = {q.card_id: q for q in doc.questions}
    cloze = by_id["cafe/encoder/cloze"]
    assert cloze.style == "cloze"
    assert cloze.answer == "the “résumé” encoder"
    assert [s.hidden for s in cloze.cloze] == [True, False]
    which = by_id["cafe/accuracy/which"]
    assert which.style == "basic" and which.answer == "Café-Net" and not which.options
    assert which.prompt == "Which model reaches ≥ 90% accuracy — without pretraining?"
    assert which.evidence == (
        "Café-Net, a model that reaches ≥ 90% accuracy — without pretraining",
    )
    choice = by_id["cafe/baseline/choice"]
    assert choice.answer == "<script>alert(1)</script>" and len(choice.options) == 4


def test_parts_split_off_the_key():
    doc_parts = {
        answers: [(suffix, d.show_questions, d.show_key) for suffix, d in parts(_doc(), answers)]
        for answers in ("end", "separate", "none")
    }
    assert doc_parts == {
        "end": [("", True, True)],
        "separate": [("", True, False), ("-key", False, True)],
        "none": [("", True, False)],
    }


def test_file_names_for_variants_and_keys():
    out = Path("out/quiz.pdf")
    assert file_name(out, "", "") == out
    assert file_name(out, "", "-key") == Path("out/quiz-key.pdf")
    assert file_name(out, "B", "") == Path("out/quiz-B.pdf")
    assert file_name(out, "B", "-key") == Path("out/quiz-B-key.pdf")


def test_output_paths_are_the_files_the_plan_makes(compiled):
    """Known before the project is read (to check each one), and the same as rendering makes."""
    from quizgen.handout.files import render_handouts

    project, cards = compiled
    out = Path("out/quiz.md")
    for options in (
        Options(date=DAY),
        Options(date=DAY, answers="separate"),
        Options(date=DAY, answers="none", variants=3),
        Options(date=DAY, answers="separate", variants=2),
    ):
        rendered = [o.path for o in render_handouts(project, cards, options, "md", out)]
        assert output_paths(out, options) == rendered
    two = Options(date=DAY, answers="separate", variants=2)
    assert [p.name for p in output_paths(out, two)] == [
        "quiz-A.md",
        "quiz-A-key.md",
        "quiz-B.md",
        "quiz-B-key.md",
    ]


def _doc():
    project, cards = compile_project(FIXTURE)
    return lay_out(project, cards, Options(date=DAY))[0]
