"""The grader against a corpus of typed answers graded by a careful human (grading_corpus.yaml),
on a frozen copy of the bundled deck (fixtures/grading/) so that rewording the deck does not move
the figures.

What must hold: no wrong answer is accepted (a case the human marks wrong, partial or empty is
never graded correct or close, nor `self` with Good proposed), and at most one right answer in
ten is rejected. The figures are printed (run with -rA or -s to see them)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from quizgen.grading import Status, Verdict, expected_items, grade, is_sentence
from quizgen.model import Card
from quizgen.project import compile_project
from quizgen.scheduler import Rating

HERE = Path(__file__).parent
HUMAN_VERDICTS = ("correct", "close", "partial", "wrong", "empty")
MAX_RIGHT_REJECTED = 0.10


@dataclass(frozen=True)
class Case:
    card: str
    answer: str
    human: str
    topic: str


@dataclass(frozen=True)
class Graded:
    case: Case
    verdict: Verdict

    @property
    def wrong_accepted(self) -> bool:
        if self.case.human not in ("wrong", "partial", "empty"):
            return False
        v = self.verdict
        return v.accepted or (v.status is Status.SELF and v.rating is Rating.GOOD)

    @property
    def right_rejected(self) -> bool:
        rejected = (Status.WRONG, Status.PARTIAL, Status.EMPTY)
        return self.case.human in ("correct", "close") and self.verdict.status in rejected

    def __str__(self) -> str:
        v = self.verdict
        rating = v.rating.label if v.rating else "-"
        return (
            f"{self.case.card}: {self.case.answer!r} is {self.case.human} ({self.case.topic}),"
            f" graded {v.name} ({rating}) {v.note}".rstrip()
        )


def load_corpus() -> list[Case]:
    data = yaml.safe_load((HERE / "grading_corpus.yaml").read_text(encoding="utf-8"))
    cases = []
    for card_id, entries in data.items():
        for answer, human, topic in entries:
            assert human in HUMAN_VERDICTS, (card_id, answer, human)
            cases.append(Case(card_id, str(answer), human, topic))
    return cases


@pytest.fixture(scope="module")
def cards() -> dict[str, Card]:
    _, all_cards = compile_project(HERE / "fixtures" / "grading")
    return {c.id: c for c in all_cards}


@pytest.fixture(scope="module")
def graded(cards) -> list[Graded]:
    cases = load_corpus()
    unknown = sorted({c.card for c in cases} - set(cards))
    assert not unknown, f"the corpus names cards the fixture deck lacks: {unknown}"
    return [Graded(case, grade(cards[case.card], case.answer)) for case in cases]


def summary(graded: list[Graded]) -> str:
    total = len(graded)
    right = [g for g in graded if g.case.human in ("correct", "close")]
    rejected = [g for g in graded if g.right_rejected]
    selfs = [g for g in graded if g.verdict.status is Status.SELF]
    agree = [g for g in graded if g.verdict.name == g.case.human]
    auto = [g for g in graded if g.verdict.status is not Status.SELF]
    lines = [
        f"grading corpus: {total} cases on {len({g.case.card for g in graded})} cards",
        f"  wrong answers accepted: {sum(g.wrong_accepted for g in graded)}",
        f"  right answers rejected: {len(rejected)} of {len(right)}"
        f" ({100 * len(rejected) / len(right):.1f}%)",
        f"  graded self: {len(selfs)} ({100 * len(selfs) / total:.1f}%),"
        f" of which {sum(g.case.human in ('correct', 'close') for g in selfs)} right answers;"
        " proposed: "
        + ", ".join(
            f"{label} {n}"
            for label, n in sorted(
                Counter(
                    g.verdict.rating.label if g.verdict.rating else "none" for g in selfs
                ).items()
            )
        ),
        f"  same verdict as the human: {len(agree)} of {len(auto)} graded automatically",
        "  by human verdict: "
        + ", ".join(
            f"{human} {n}" for human, n in sorted(Counter(g.case.human for g in graded).items())
        ),
    ]
    lines += ["  right answers rejected:"] + [f"    {g}" for g in rejected]
    return "\n".join(lines)


def test_the_corpus_is_large_and_varied():
    cases = load_corpus()
    assert len(cases) >= 300
    topics = Counter(c.topic for c in cases)
    for topic in ("reversal", "antonym", "comparison", "name", "unit", "number-word",
                  "grouping", "list-order", "list-alias", "list-missing", "list-extra", "alias",
                  "typo", "typo-across", "sentence"):  # fmt: skip
        assert topics[topic] >= 3, topic


def test_no_wrong_answer_is_accepted(graded):
    print("\n" + summary(graded))
    accepted = [str(g) for g in graded if g.wrong_accepted]
    assert not accepted, "wrong answers accepted:\n" + "\n".join(accepted)


def test_few_right_answers_are_rejected(graded):
    right = [g for g in graded if g.case.human in ("correct", "close")]
    rejected = [g for g in right if g.right_rejected]
    share = len(rejected) / len(right)
    assert share <= MAX_RIGHT_REJECTED, summary(graded)


def test_sentence_answers_are_left_to_the_student(graded, cards):
    """Every answer the grader leaves to the student is for a card whose answer is a sentence
    (or a list with a sentence-long item), and comes with its word diff."""
    for g in graded:
        if g.verdict.status is Status.SELF:
            assert any(is_sentence(item) for item in expected_items(cards[g.case.card])), str(g)
            assert g.verdict.diff, str(g)
