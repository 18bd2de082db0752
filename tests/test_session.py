"""The quiz session as a library: `Session` and `run_quiz` on given streams and clocks."""

from __future__ import annotations

import io
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from quizgen.clock import frozen_clock
from quizgen.session import run_quiz

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
SOURCE = (
    "Source: Matteo Hessel, Ivo Danihelka, et al. (2021). Muesli: Combining Improvements in "
    "Policy Optimization. arXiv:2104.06159"
)
NEW_RATES = "Rate: 1 Again (1m)  2 Hard (6m)  3 Good (10m)  4 Easy (8d)"


@pytest.fixture
def state(tmp_path) -> Path:
    return tmp_path / "state.sqlite3"


def history(state: Path) -> list[tuple[str, int, int, str | None]]:
    conn = sqlite3.connect(state)
    try:
        return conn.execute(
            "SELECT card_id, rating, phase, answer FROM reviews ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


class Interrupting(io.StringIO):
    """Typed input that is cut by Ctrl-C after `lines` lines."""

    def __init__(self, text: str, lines: int) -> None:
        super().__init__(text)
        self.left = lines

    def readline(self, *args) -> str:  # type: ignore[override]
        if self.left == 0:
            raise KeyboardInterrupt
        self.left -= 1
        return super().readline(*args)


def test_ctrl_c_ends_the_session_cleanly_with_what_was_saved(mini, state):
    out = io.StringIO()
    result = run_quiz(
        mini,
        state=state,
        new_limit=3,
        clock=frozen_clock(NOW),
        stdin=Interrupting("muesli\n\nMuesli\n", lines=3),
        stdout=out,
    )
    assert result.summary is not None and result.summary.interrupted
    assert result.summary.reviewed == 1
    assert out.getvalue().endswith(
        "Your answer: Muesli\n"
        "✓ Correct\n"
        "Answer: Muesli\n"
        "Evidence: “it acts directly with a policy network”\n"
        f"{SOURCE}\n"
        f"{NEW_RATES}  [Enter = Good]: \n"
        "Stopped. 1 answer saved.\n"
        "Session: 1 review, 1 correct (100%), 0m 00s\n"
        "Ratings: Again 0 · Hard 0 · Good 1 · Easy 0\n"
        "Next due: in 10m (Thu 26 Nov 2026 09:10)\n"
    )
    assert history(state) == [("muesli/matches-muzero/which", 3, 0, "muesli")]


def test_colour_only_when_asked(mini, state):
    def run(color: bool) -> str:
        out = io.StringIO()
        run_quiz(
            mini, state=state.with_name(f"{color}.sqlite3"), new_limit=1, clock=frozen_clock(NOW),
            stdin=io.StringIO("muesli\n\n"), stdout=out, color=color,
        )  # fmt: skip
        return out.getvalue()

    assert "\x1b[" not in run(False)
    assert "\x1b[" in run(True)
