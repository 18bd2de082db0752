"""`quizgen handout --weakest N`: the facts a learner or a study group recalls worst, ranked from
histories written through the store with quizgen's FSRS scheduler."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from histories import write_history

from quizgen.cli import main
from quizgen.errors import InputError
from quizgen.handout.weakest import Weakest, rank
from quizgen.model import Card
from quizgen.project import compile_project
from quizgen.scheduler import Memory, Phase, retrievability

FIXTURE = Path(__file__).parent / "fixtures" / "handout"
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
DAY, MINUTE = timedelta(days=1), timedelta(minutes=1)
FIXED = ["--date", "2026-11-26", "--now", "2026-11-26T09:00+00:00"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Two papers, six facts, three cards each."""
    dest = tmp_path / "project"
    shutil.copytree(FIXTURE, dest)
    return dest


@pytest.fixture
def group(tmp_path: Path) -> tuple[Path, Path]:
    """Ann and Bo. Both learnt cafe/accuracy two months ago and not since; only Ann has studied
    cafe/baseline; Ann lapsed on second/memory; everything else both reviewed yesterday."""
    ann, bo = tmp_path / "ann.sqlite3", tmp_path / "bo.sqlite3"
    write_history(
        ann,
        [
            ("cafe/accuracy/which", 3, NOW - 60 * DAY),
            ("cafe/accuracy/which", 3, NOW - 60 * DAY + 10 * MINUTE),
            ("cafe/encoder/which", 4, NOW - DAY),
            ("cafe/baseline/which", 4, NOW - 2 * DAY),
            ("second/throughput/cloze", 4, NOW - DAY),
            ("second/memory/which", 4, NOW - 20 * DAY),
            ("second/memory/which", 1, NOW - 10 * DAY),
            ("second/memory/which", 3, NOW - 10 * DAY + 10 * MINUTE),
            ("second/accuracy/choice", 4, NOW - DAY),
        ],
    )
    write_history(
        bo,
        [
            ("cafe/accuracy/cloze", 1, NOW - 60 * DAY),
            ("cafe/accuracy/cloze", 3, NOW - 60 * DAY + MINUTE),
            ("cafe/accuracy/cloze", 3, NOW - 60 * DAY + 11 * MINUTE),
            ("cafe/encoder/choice", 4, NOW - DAY),
            ("second/throughput/which", 4, NOW - DAY),
            ("second/memory/cloze", 4, NOW - DAY),
            ("second/accuracy/which", 4, NOW - DAY),
        ],
    )
    return ann, bo


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["handout", *map(str, args)])


def group_recall(project: Path, *histories: Path) -> dict[str, float]:
    """Each fact's mean predicted recall over the members, read straight from the stores."""
    from quizgen.store import Store

    _, cards = compile_project(project)
    members = []
    for path in histories:
        with Store.open(path) as store:
            members.append({c: e.memory for c, e in store.all_entries()})
    recall: dict[str, float] = {}
    for fact in dict.fromkeys(f"{c.source}/{c.fact}" for c in cards):
        total = 0.0
        for member in members:
            studied = [m for c, m in member.items() if c.rsplit("/", 1)[0] == fact]
            if studied:
                total += sum(retrievability(m, NOW) for m in studied) / len(studied)
        recall[fact] = total / len(members)
    return recall


def test_a_group_handout_asks_the_facts_the_group_recalls_worst(project, group, tmp_path):
    ann, bo = group
    out = tmp_path / "w.md"

    result = run(project, "--weakest", "3", "--state", ann, "--state", bo, "-o", out, *FIXED)

    assert result.exit_code == 0, result.output
    recall = group_recall(project, ann, bo)
    worst = sorted(recall, key=recall.__getitem__)
    assert worst[:3] == ["cafe/baseline", "cafe/accuracy", "second/memory"]
    assert result.stdout == (
        "the 3 facts 2 histories recall worst now:\n"
        f"  cafe/baseline: {recall['cafe/baseline']:.0%} recall, 0 lapses, studied by 1 of 2\n"
        f"  cafe/accuracy: {recall['cafe/accuracy']:.0%} recall, 0 lapses, studied by 2 of 2\n"
        f"  second/memory: {recall['second/memory']:.0%} recall, 1 lapse, studied by 2 of 2\n"
        f"wrote {out} (3 questions)\n"
    )
    # One question per chosen fact, grouped by paper as in any handout.
    as_json = run(
        project, "--weakest", "3", "--state", ann, "--state", bo, "-o", out, "--json", *FIXED
    )
    questions = json.loads(as_json.stdout)[0]["questions"]
    assert [q.rsplit("/", 1)[0] for q in questions] == [
        "cafe/accuracy",
        "cafe/baseline",
        "second/memory",
    ]


def test_one_learner(project, group, tmp_path):
    ann, bo = group

    result = run(project, "--weakest", "2", "--state", ann, "-o", tmp_path / "a.md", *FIXED)

    assert result.exit_code == 0, result.output
    recall = group_recall(project, ann)
    assert result.stdout == (
        "the 2 facts the history recalls worst now:\n"
        f"  cafe/accuracy: {recall['cafe/accuracy']:.0%} recall, 0 lapses\n"
        f"  second/memory: {recall['second/memory']:.0%} recall, 1 lapse\n"
        f"wrote {tmp_path / 'a.md'} (2 questions)\n"
    )
    # Bo never studied cafe/baseline: for him it is the weakest of all.
    bo_only = run(project, "--weakest", "1", "--state", bo, "-o", tmp_path / "b.md", *FIXED)
    assert bo_only.stdout.splitlines()[1] == "  cafe/baseline: never studied"


def test_filters_narrow_the_facts_ranked(project, group, tmp_path):
    ann, bo = group
    args = ["--weakest", "1", "--state", ann, "--state", bo, "--source", "second", "--json"]

    result = run(project, *args, "-o", tmp_path / "w.md", *FIXED)

    assert result.exit_code == 0, result.output
    [question] = json.loads(result.stdout)[0]["questions"]
    assert question.startswith("second/memory/")


def test_the_same_histories_and_seed_give_the_same_files(project, group, tmp_path):
    ann, bo = group
    common = ["--weakest", "3", "--state", ann, "--state", bo, *FIXED]
    first, second, other = tmp_path / "1.md", tmp_path / "2.md", tmp_path / "3.md"

    assert run(project, *common, "-o", first).exit_code == 0
    assert run(project, *common, "-o", second).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    # another seed may ask a fact another way, but asks about the same facts
    results = [
        json.loads(run(project, *common, "--seed", str(seed), "-o", other, "--json").stdout)
        for seed in range(6)
    ]
    facts = {tuple(q.rsplit("/", 1)[0] for q in r[0]["questions"]) for r in results}
    cards = {tuple(r[0]["questions"]) for r in results}
    assert len(facts) == 1 and len(cards) > 1


def test_a_missing_history_is_an_error_and_is_not_created(project, group, tmp_path):
    ann, _ = group
    missing = tmp_path / "cy.sqlite3"

    result = run(
        project,
        "--weakest",
        "2",
        "--state",
        ann,
        "--state",
        missing,
        "-o",
        tmp_path / "w.md",
        *FIXED,
    )

    assert result.exit_code == 1
    assert result.stderr == f"{missing}: no review history here\n"
    assert not missing.exists() and not (tmp_path / "w.md").exists()


def test_every_unreadable_history_is_reported(project, tmp_path):
    foreign, missing = tmp_path / "notes.txt", tmp_path / "nope.sqlite3"
    foreign.write_text("not a database\n")

    result = run(
        project,
        "--weakest",
        "2",
        "--state",
        foreign,
        "--state",
        missing,
        "-o",
        tmp_path / "w.md",
        *FIXED,
    )

    assert result.exit_code == 1
    assert result.stderr == (
        f"{missing}: no review history here\n"
        f"{foreign}: not a quizgen review store (not an SQLite database); quizgen has not "
        "changed it\n"
        "2 problems found\n"
    )
    assert foreign.read_text() == "not a database\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--weakest", "2", "--count", "4"],
            "--weakest and --count both say how many questions; give one",
        ),
        (["--count", "4"], "--state is read only with --weakest"),
        (["--weakest", "0"], "Invalid value for '--weakest': 0 is not in the range x>=1."),
    ],
)
def test_usage_errors(project, group, tmp_path, args, message):
    ann, _ = group

    result = run(project, *args, "--state", ann, "-o", tmp_path / "w.md", *FIXED)

    assert result.exit_code == 2
    assert result.stderr.endswith(f"Error: {message}\n")
    assert not (tmp_path / "w.md").exists()


def test_more_facts_than_the_filters_match(project, group, tmp_path):
    ann, _ = group

    result = run(project, "--weakest", "7", "--state", ann, "-o", tmp_path / "w.md", *FIXED)

    assert result.exit_code == 1
    assert result.stderr == "--weakest: asks for 7 facts but only 6 match the filters\n"


# -- ranking rules ---------------------------------------------------------------------------


def reviewed(stability: float, days_ago: float, lapses: int = 0) -> Memory:
    last = NOW - timedelta(days=days_ago)
    return Memory(
        phase=Phase.REVIEW,
        due=last + timedelta(days=stability),
        stability=stability,
        difficulty=5.0,
        last_review=last,
        reps=3 + lapses,
        lapses=lapses,
    )


@pytest.fixture
def cards(project) -> list[Card]:
    return compile_project(project)[1]


def test_ties_in_recall_go_to_the_fact_with_more_lapses_then_to_source_order(cards):
    same = reviewed(10, 5)
    member = {
        "cafe/encoder/which": same,
        "cafe/baseline/which": reviewed(10, 5, lapses=2),
        "cafe/accuracy/which": same,
        "second/throughput/which": reviewed(100, 1),
        "second/memory/which": reviewed(100, 1),
        "second/accuracy/which": reviewed(100, 1),
    }

    ranked = rank(cards, [member], NOW)

    assert [f.id for f in ranked[:3]] == ["cafe/baseline", "cafe/accuracy", "cafe/encoder"]
    assert ranked[0].lapses == 2 and ranked[0].recall == ranked[1].recall


def test_a_members_recall_of_a_fact_is_the_mean_of_the_cards_they_studied(cards):
    weak, strong = reviewed(1, 30), reviewed(100, 1)
    member = {"cafe/accuracy/which": weak, "cafe/accuracy/cloze": strong}

    [fact] = [f for f in rank(cards, [member, {}], NOW) if f.id == "cafe/accuracy"]

    mean = (retrievability(weak, NOW) + retrievability(strong, NOW)) / 2
    assert fact.recall == pytest.approx(mean / 2)  # the second member never studied it: 0
    assert fact.studied_by == 1


def test_unseen_facts_rank_first_in_source_order(cards):
    ranked = rank(cards, [{"cafe/accuracy/which": reviewed(1, 60)}], NOW)

    assert [f.id for f in ranked] == [
        "cafe/encoder",
        "cafe/baseline",
        "second/throughput",
        "second/memory",
        "second/accuracy",
        "cafe/accuracy",
    ]
    assert [f.recall for f in ranked[:5]] == [0.0] * 5


def test_weakest_keeps_every_card_of_the_chosen_facts(cards):
    pick = Weakest([{}], 2, NOW)

    kept = pick(cards)

    assert [c.id for c in kept] == [
        "cafe/accuracy/which", "cafe/accuracy/cloze", "cafe/accuracy/choice",
        "cafe/encoder/which", "cafe/encoder/cloze", "cafe/encoder/choice",
    ]  # fmt: skip
    assert [f.id for f in pick.chosen] == ["cafe/accuracy", "cafe/encoder"]
    with pytest.raises(InputError, match="must be at least 1"):
        Weakest([{}], 0, NOW)(cards)
