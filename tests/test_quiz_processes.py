"""The quiz as a real process: a pseudo-terminal session with Ctrl-C and a restart, SIGKILL in
the middle of a session, and two sessions on one review store at once."""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pexpect
import pytest
from pexpect.popen_spawn import PopenSpawn

NOW = "2026-11-26T09:00:00+00:00"


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(XDG_DATA_HOME=str(tmp_path / "xdg"), NO_COLOR="1", TERM="xterm", COLUMNS="200")
    env.pop("QUIZGEN_STATE", None)
    return env


def command(project: Path, state: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "quizgen", "quiz", str(project), "--state", str(state),
            "--now", NOW, *args]  # fmt: skip


def spawn_tty(argv: list[str], env: dict[str, str]) -> pexpect.spawn:
    return pexpect.spawn(argv[0], argv[1:], env=env, encoding="utf-8", timeout=30,
                         dimensions=(40, 200))  # fmt: skip


def reviews(state: Path) -> list[tuple[str, int]]:
    conn = sqlite3.connect(state)
    try:
        return conn.execute("SELECT card_id, rating FROM reviews ORDER BY id").fetchall()
    finally:
        conn.close()


def assert_consistent(state: Path) -> None:
    """The file is sound, and every card's row agrees with its reviews (each review and its
    card update were committed together or not at all)."""
    conn = sqlite3.connect(state)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        mismatched = conn.execute(
            """SELECT cards.id, cards.reps, COUNT(reviews.id) FROM cards
               LEFT JOIN reviews ON reviews.card_id = cards.id
               GROUP BY cards.id HAVING cards.reps != COUNT(reviews.id)"""
        ).fetchall()
        assert mismatched == []
        orphans = conn.execute(
            "SELECT COUNT(*) FROM reviews WHERE card_id NOT IN (SELECT id FROM cards)"
        ).fetchone()[0]
        assert orphans == 0
    finally:
        conn.close()


def test_terminal_session_with_ctrl_c_and_restart(tmp_path, env):
    deck = Path(__file__).parent / "fixtures" / "quiz"
    state = tmp_path / "state.sqlite3"
    child = spawn_tty(command(deck, state, "--new", "3"), env)
    child.expect_exact("0 due, 3 new")
    child.expect_exact("[3 left] new\r\n")  # progress and phase only: no card id
    child.expect_exact("Which method matches MuZero's performance on 57 Atari games?")
    child.expect_exact("Your answer: ")
    child.sendline("MuZero")
    child.expect_exact("✗ Not quite")
    child.expect_exact("Card: muesli/matches-muzero/which")  # with the answer
    child.expect_exact("c = I was right]: ")
    child.send("c")  # the student insists they were right: Good
    child.expect_exact("Good")
    child.expect_exact("[3 left] new")  # the first comes back
    child.expect_exact("Your answer: ")
    child.sendline("1,000 percent")
    child.expect_exact("≈ Close enough (exactly: >1,000%)")
    child.expect_exact("Card: muesli/median-score/cloze")
    child.expect_exact("[Enter = Hard]: ")
    child.send("\r")  # Enter takes the proposal
    child.expect_exact("Hard")
    child.expect_exact("What two things does the policy update combine?")
    child.expect_exact("Your answer: ")
    child.send("model lea")
    child.expect_exact("model lea")  # echoed: the line editor has the keys
    child.sendintr()  # Ctrl-C while typing: that answer is lost, the others are saved
    child.expect_exact("Stopped. 2 answers saved.")
    child.expect_exact("Session: 2 reviews, 2 correct (100%)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in child.before
    assert reviews(state) == [("muesli/matches-muzero/which", 3), ("muesli/median-score/cloze", 2)]

    # Restart: the history is intact. Two of today's five new cards are used, and the facts
    # studied today keep their other cards for another day.
    child = spawn_tty(command(deck, state, "--new", "5"), env)
    child.expect_exact("0 due, 2 new")
    child.expect_exact("[2 left] new")
    child.expect_exact("Your answer: ")
    child.sendline("Regularized policy optimization and model learning")
    child.expect_exact("✓ Correct")
    child.expect_exact("Card: muesli/combines/name")
    child.expect_exact("[Enter = Good]: ")
    child.send("4")
    child.expect_exact("Easy")
    child.expect_exact("[1 left] new")
    child.expect_exact("Which method plans with a learned model?")
    child.expect_exact("Your choice (1-2 or a-b): ")
    child.send("\x1b[A")  # an arrow key is ignored, not read as 'a'
    child.send("b")  # one key press, no Enter...
    child.send("\r")  # ... but Enter out of habit, twice, before the verdict can be read
    child.send("\r")
    child.expect_exact("2) Muesli")
    child.expect_exact("✗ Not quite")
    child.expect_exact("Card: muesli/plans/choice")
    child.expect_exact("[Enter = Again, c = I was right]: ")
    child.expect(pexpect.TIMEOUT, timeout=1.0)  # well past the pause after a pick
    assert child.before == ""  # no rating was taken: nothing more was printed...
    assert len(reviews(state)) == 3  # ... nor saved
    child.send("\r")  # a fresh Enter, once the verdict is shown, takes the proposal
    child.expect_exact("Again")
    child.expect_exact("[1 left] learning")  # due again in a minute: it comes back
    child.expect_exact("Your choice (1-2 or a-b): ")
    child.sendintr()  # Ctrl-C at a one-key prompt
    child.expect_exact("Stopped. 2 answers saved.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert reviews(state)[2:] == [("muesli/combines/name", 4), ("muesli/plans/choice", 1)]
    assert_consistent(state)


def test_terminal_output_is_coloured_unless_no_color(mini, tmp_path, env):
    outputs = {}
    for no_color in ("", "1"):
        env["NO_COLOR"] = no_color
        child = spawn_tty(command(mini, tmp_path / f"s{no_color}.sqlite3", "--new", "1"), env)
        child.expect_exact("Your answer: ")
        outputs[no_color] = child.before
        child.sendeof()
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0
    assert "\x1b[" in outputs[""]
    assert "\x1b[" not in outputs["1"]


def test_sigkill_mid_session_loses_only_the_answer_being_typed(mini, tmp_path, env):
    state = tmp_path / "state.sqlite3"
    child = PopenSpawn(command(mini, state, "--new", "9"), env=env, encoding="utf-8", timeout=30)
    answered = []
    for answer in ("muesli", "Muesli", "MuZero"):
        child.expect(r"\[\d+ left\] new")
        child.expect(r"Your (answer|choice \(1-2 or a-b\)): ")  # a typed line either way
        child.send(answer + "\n")
        child.expect(r"Card: (\S+)")
        answered.append(child.match.group(1))
        child.expect_exact("Rate: ")
        child.send("\n")
    child.expect(r"\[\d+ left\] \w+")  # the next question: the last rating is saved
    child.expect_exact("Your answer: ")
    child.send("half-typed answ")
    child.kill(signal.SIGKILL)
    child.proc.wait()
    assert_consistent(state)
    assert [card for card, _ in reviews(state)] == answered
    assert [rating for _, rating in reviews(state)] == [3, 3, 3]


def test_sigkill_while_answers_stream_in_never_leaves_half_a_review(mini, tmp_path, env):
    state = tmp_path / "state.sqlite3"
    child = PopenSpawn(command(mini, state, "--new", "9", "--limit", "10000"), env=env, timeout=30)
    child.send("1\n1\n" * 3000)  # answers ("1" types or picks) as fast as they are saved
    child.expect_exact(b"[", timeout=30)  # the store is open: its file exists
    deadline = time.monotonic() + 30
    while len(reviews(state)) <= 5 and time.monotonic() < deadline:  # however slow the disk
        time.sleep(0.05)
    child.kill(signal.SIGKILL)
    child.proc.wait()
    assert child.proc.returncode == -signal.SIGKILL
    saved = reviews(state)
    assert len(saved) > 5  # it was really killed mid-stream, not before or after
    assert len(saved) < 3000
    assert_consistent(state)


def test_two_sessions_on_one_store_lose_nothing(mini, tmp_path, env):
    state = tmp_path / "state.sqlite3"
    n = 60
    sessions = [
        PopenSpawn(command(mini, state, "--new", "9", "--limit", str(n)), env=env, timeout=60)
        for _ in range(2)
    ]
    for session in sessions:  # both have planned their session (the same three new cards)
        session.expect_exact(b"Your answer: ")
    for session in sessions:
        session.send("1\n1\n" * n)  # both answer (Again) as fast as they can
    counts = []
    for session in sessions:
        # Each skips the cards the other has just answered (due again in a minute), so
        # neither knows beforehand how many it will ask.
        session.expect(rb"Session: (\d+) reviews?, 0 correct")
        counts.append(int(session.match.group(1)))
        session.expect(pexpect.EOF)
        assert session.wait() == 0
    saved = reviews(state)
    assert len(saved) == sum(counts) and min(counts) > 0
    assert_consistent(state)
    # Every review built on the one before it, whichever session made it.
    conn = sqlite3.connect(state)
    reps = dict(conn.execute("SELECT id, reps FROM cards"))
    assert sum(reps.values()) == len(saved)
