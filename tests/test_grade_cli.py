"""`quizgen grade`: one answer or a batch from stdin, graded without touching the history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import main

DECK = str(Path(__file__).parent / "fixtures" / "grading")
GAMES = "hindsight-modelling/count-atari-games/ask"
RATE = "gemini-1.5/retrieval-rate-10m/ask"
LONG = "planning-in-mbrl/generalization/ask"
CHOICE = "muesli/matches-muzero/choice"  # options: Muesli, Gemini 1.5 Pro, TF-Replicator, ...


@pytest.fixture(autouse=True)
def private_folders(tmp_path, monkeypatch):
    """Point the history and the compile cache into tmp, to see that nothing is written."""
    monkeypatch.setenv("QUIZGEN_STATE", str(tmp_path / "state" / "reviews.sqlite3"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    yield
    written = [tmp_path / name for name in ("state", "data", "cache")]
    assert not any(p.exists() for p in written), sorted(tmp_path.rglob("*"))


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["grade", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_one_answer():
    assert run(GAMES, "fifty-seven games", DECK) == (0, "correct (proposed: Good)\n", "")
    assert run(GAMES, "57%", DECK) == (0, "wrong (proposed: Again)\n", "")
    assert run(RATE, "99%", DECK) == (0, "close (proposed: Hard): exactly: >99%\n", "")


def test_a_sentence_answer_prints_its_word_diff():
    code, out, err = run(LONG, "planning alone is sufficient to drive strong generalization", DECK)
    assert (code, err) == (0, "")
    assert out == (
        "self (no proposal: rate it yourself): missing: results suggest insufficient; "
        "extra: sufficient\n"
        "compared: [-the results suggest that-] planning alone is [-insufficient-] "
        "{+sufficient+} to drive strong generalization\n"
    )


def test_one_answer_as_json():
    code, out, _ = run(RATE, "more than 99 percent", DECK, "--json")
    assert code == 0
    assert json.loads(out) == {
        "card": RATE, "answer": "more than 99 percent", "verdict": "correct", "accepted": True,
        "rating": "Good", "note": "", "diff": [],
    }  # fmt: skip


@pytest.mark.parametrize(("answer", "verdict"), [("a", "correct"), ("1", "correct"),
                         ("Muesli", "correct"), ("b", "wrong"), ("Muesly", "correct")])  # fmt: skip
def test_multiple_choice_by_letter_number_or_text(answer, verdict):
    code, out, _ = run(CHOICE, answer, DECK, "--json")
    assert code == 0 and json.loads(out)["verdict"] == verdict


def test_a_batch_from_stdin():
    stdin = f"{GAMES}\tfifty-seven\n\n{RATE}\t99%\n{GAMES}\t\n"
    code, out, err = run("-", DECK, stdin=stdin)
    assert (code, err) == (0, "")
    assert out == (
        f"{GAMES}\tcorrect (proposed: Good)\n"
        f"{RATE}\tclose (proposed: Hard): exactly: >99%\n"
        f"{GAMES}\tempty (proposed: Again)\n"
    )


def test_a_batch_as_json_lines():
    stdin = f"{GAMES}\t57 games\n{LONG}\tplanning alone is insufficient\n"
    code, out, _ = run("-", DECK, "--json", stdin=stdin)
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["card"], r["verdict"], r["accepted"], r["rating"]) for r in rows] == [
        (GAMES, "correct", True, "Good"),
        (LONG, "self", False, None),
    ]
    assert set(rows[0]) == {"card", "answer", "verdict", "accepted", "rating", "note", "diff"}
    assert ["missing", "the results suggest that"] in rows[1]["diff"]


def test_an_unknown_card_names_the_nearest():
    code, out, err = run("muesli/matches-muzero/whch", "Muesli", DECK)
    assert (code, out) == (1, "")
    assert err == (
        "CARD_ID: unknown card 'muesli/matches-muzero/whch'; nearest: "
        "muesli/matches-muzero/which, muesli/matches-muzero/choice, muesli/matches-muzero/cloze\n"
    )


def test_bad_stdin_lines_are_reported_before_grading():
    stdin = f"{GAMES}\t57\nno tab here\n\tno card\nmuesli/matches-muzero/whch\tMuesli\n"
    code, out, err = run("-", DECK, stdin=stdin)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "<stdin>:2: expected CARD_ID<TAB>ANSWER, found no tab",
        "<stdin>:3: expected CARD_ID<TAB>ANSWER, found no card id",
        "<stdin>:4: unknown card 'muesli/matches-muzero/whch'; nearest: "
        "muesli/matches-muzero/which, muesli/matches-muzero/choice, muesli/matches-muzero/cloze",
        "3 problems found",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((GAMES,), "expected CARD_ID ANSWER [PATH]"),
        ((GAMES, "57", DECK, "extra"), "expected CARD_ID ANSWER [PATH]"),
        (("-", DECK, "extra"), "expected - [PATH]"),
    ],
)
def test_usage_errors(args, message):
    code, _, err = run(*args)
    assert code == 2
    assert f"Error: {message}" in err


def test_an_invalid_deck_is_reported(tmp_path):
    deck = tmp_path / "deck"
    (deck / "sources").mkdir(parents=True)
    code, out, err = run(GAMES, "57", str(deck))
    assert (code, out) == (1, "")
    assert err == f"{deck}: no sources found: expected sources/*.yaml in this folder\n"


def test_help():
    result = CliRunner().invoke(main, ["grade", "--help"])
    assert result.exit_code == 0
    assert "Usage: quizgen grade [OPTIONS] CARD_ID ANSWER [PATH]" in result.output
    assert "CARD_ID<TAB>ANSWER" in result.output
