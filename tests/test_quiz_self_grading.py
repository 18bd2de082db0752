"""Sentence answers in the terminal quiz: the word diff is shown and the student rates."""

from __future__ import annotations

import io
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import main
from quizgen.clock import frozen_clock
from quizgen.session import run_quiz

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
QUESTION = "In Hamrick et al. (2020), to what extent does planning improve generalization?"
ANSWER = "planning alone is insufficient to drive strong generalization"
SOURCE = (
    "Source: Jessica B. Hamrick, et al. (2020). On the role of planning in model-based deep "
    "reinforcement learning. arXiv:2011.04021"
)


@pytest.fixture
def deck(tmp_path) -> Path:
    dest = tmp_path / "deck"
    shutil.copytree(Path(__file__).parent / "fixtures" / "quiz-sentence", dest)
    return dest


def test_a_sentence_answer_shows_the_diff_and_waits_for_a_rating(deck, tmp_path):
    state = tmp_path / "state.sqlite3"
    script = "planning alone is sufficient to drive strong generalization\n\n1\n"
    argv = ["quiz", str(deck), "--now", NOW.isoformat(), "--state", str(state)]
    result = CliRunner().invoke(main, argv, input=script)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    start = lines.index(QUESTION)
    assert lines[start : start + 11] == [
        QUESTION,
        "Your answer: planning alone is sufficient to drive strong generalization",
        "? Compare your answer with the expected one",
        "Compared: planning alone is [-insufficient-] {+sufficient+} to drive strong "
        "generalization",
        f"Answer: {ANSWER}",
        "Evidence: “Planning alone is insufficient to drive strong generalization.”",
        SOURCE,
        "Card: planning/generalization/ask",  # after the answer: it may name it
        "Rate: 1 Again (1m)  2 Hard (6m)  3 Good (10m)  4 Easy (8d)  [rate it yourself]: ",
        "Press 1-4.",  # Enter alone proposes nothing: the student decides
        "Rate: 1 Again (1m)  2 Hard (6m)  3 Good (10m)  4 Easy (8d)  [rate it yourself]: 1",
    ]
    assert "Session: 1 review, 0 correct (0%)" in result.output


def test_a_sentence_typed_word_for_word_is_proposed_good(deck, tmp_path):
    state = tmp_path / "state.sqlite3"
    argv = ["quiz", str(deck), "--now", NOW.isoformat(), "--state", str(state), "--limit", "1"]
    result = CliRunner().invoke(main, argv, input=f"{ANSWER}\n\n")
    assert result.exit_code == 0, result.output
    assert f"Compared: {ANSWER}\n" in result.output
    assert "4 Easy (8d)  [Enter = Good]: \n" in result.output
    assert "Session: 1 review, 1 correct (100%)" in result.output


def test_missing_and_extra_words_are_highlighted_in_colour(deck, tmp_path):
    out = io.StringIO()
    result = run_quiz(
        deck,
        state=tmp_path / "state.sqlite3",
        limit=1,
        clock=frozen_clock(NOW),
        stdin=io.StringIO("planning alone is sufficient to drive strong generalization\n1\n"),
        stdout=out,
        color=True,
    )
    assert result.summary is not None and not result.summary.interrupted
    assert result.summary.error is None
    text = out.getvalue()
    assert "\x1b[1;33m[-insufficient-]\x1b[0m" in text  # the 'close' style: bold yellow
    assert "\x1b[1;31m{+sufficient+}\x1b[0m" in text  # the 'wrong' style: bold red
