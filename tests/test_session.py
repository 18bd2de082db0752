"""The quiz session as a library: `Session` and `run_quiz` on given streams and clocks."""

from __future__ import annotations

import io
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from quizgen import terminal as terminal_module
from quizgen.clock import frozen_clock
from quizgen.deckindex import citations
from quizgen.model import Card, Project
from quizgen.planning import plan_session
from quizgen.project import compile_project
from quizgen.session import READING_PAUSE, Session, run_quiz
from quizgen.store import Store, StoreError
from quizgen.terminal import Terminal

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
SOURCE = (
    "Source: Matteo Hessel, Ivo Danihelka, et al. (2021). Muesli: Combining Improvements in "
    "Policy Optimization. arXiv:2104.06159"
)
NEW_RATES = "Rate: 1 Again (1m)  2 Hard (6m)  3 Good (10m)  4 Easy (8d)"
LEARNING_RATES = "Rate: 1 Again (1m)  2 Hard (10m)  3 Good (2d)  4 Easy (4d)"


@pytest.fixture
def state(tmp_path) -> Path:
    return tmp_path / "state.sqlite3"


@pytest.fixture
def quiz_deck(tmp_path) -> Path:
    """tests/fixtures/quiz: one fact per kind of question (choice, cloze, list)."""
    dest = tmp_path / "deck"
    shutil.copytree(Path(__file__).parent / "fixtures" / "quiz", dest)
    return dest


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
        "Answer: Muesli acts directly with a policy network.\n"
        "Evidence: “it acts directly with a policy network”\n"
        f"{SOURCE}\n"
        "Card: muesli/acts/cloze\n"
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


# -- sessions driven a card at a time ------------------------------------------------------------


def revealed(output: str) -> list[str]:
    return [line[len("Card: ") :] for line in output.splitlines() if line.startswith("Card: ")]


class Scripted:
    """A session on its own store connection, typing `script` one line per prompt."""

    def __init__(self, state: Path, project: Project, cards: list[Card], script: str, clock):
        self.store = Store.open(state)
        self.out = io.StringIO()
        self.plan = plan_session(self.store, cards, clock(), new_limit=9, limit=200)
        terminal = Terminal(io.StringIO(script), self.out, color=False)
        self.session = Session(
            self.store, self.plan.items, terminal, citations=citations(project), clock=clock
        )

    def step(self) -> bool:
        return self.session.step()

    def close(self) -> None:
        self.store.close()


class MovableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_two_sessions_on_one_history_never_ask_what_the_other_just_answered(mini, state):
    project, cards = compile_project(mini)
    clock = MovableClock(NOW)
    a = Scripted(state, project, cards, "Muesli\n4\n" * 3, clock)  # Easy: due in days
    b = Scripted(state, project, cards, "Muesli\n4\n" * 3, clock)
    try:
        planned = [item.card.id for item in a.plan.items]
        assert planned == [item.card.id for item in b.plan.items]
        assert planned == [
            "muesli/matches-muzero/which",
            "muesli/acts/cloze",
            "muesli/other/choice",
        ]
        assert a.step()  # A answers the first card
        assert b.step()  # B skips it (answered, due in 8 days) and answers the second
        assert a.step()  # A skips the second and answers the third
        assert not b.step()  # nothing left for B: the third was answered too
        assert not a.step()
    finally:
        a.close()
        b.close()
    assert revealed(a.out.getvalue()) == ["muesli/matches-muzero/which", "muesli/other/choice"]
    assert revealed(b.out.getvalue()) == ["muesli/acts/cloze"]
    assert [(card, rating) for card, rating, _, _ in history(state)] == [
        ("muesli/matches-muzero/which", 4),
        ("muesli/acts/cloze", 4),
        ("muesli/other/choice", 4),
    ]


def test_a_card_the_other_session_answered_is_asked_as_it_now_stands(mini, state):
    project, cards = compile_project(mini)
    clock = MovableClock(NOW)
    a = Scripted(state, project, cards, "Muesli\n\n" * 4, clock)
    b = Scripted(state, project, cards, "Muesli\n\n" * 4, clock)
    try:
        assert a.step()  # Good: a learning step, due again in 10 minutes
        clock.now = NOW + timedelta(minutes=15)
        assert b.step()  # due again: B asks it, as the learning card it now is
        b_out = b.out.getvalue()
        assert b_out.startswith("[3 left] learning\n")
        assert NEW_RATES not in b_out
        assert f"{LEARNING_RATES}  [Enter = Good]: " in b_out
        with Store.open(state) as store:
            assert store.get("muesli/matches-muzero/which").memory.reps == 2  # built on A's
        # A had queued the card again for its next learning step; B has done that step
        # since, so A skips it.
        while a.step():
            pass
    finally:
        a.close()
        b.close()
    assert revealed(a.out.getvalue()) == [
        "muesli/matches-muzero/which",
        "muesli/acts/cloze",
        "muesli/other/choice",
        "muesli/acts/cloze",  # its own learning step
    ]
    assert [card for card, *_ in history(state)].count("muesli/matches-muzero/which") == 2


# -- single keys -------------------------------------------------------------------------------


@pytest.fixture
def keys(monkeypatch):
    """Sessions whose terminal reads single keys from this list (and typed lines from
    `keys.lines`); `keys.pauses` records how long each key prompt ignored keys for."""

    class Keys(list):
        lines: list[str]
        pauses: list[float]

    pressed = Keys()
    pressed.lines, pressed.pauses = [], []

    def read_key(stream, ignore_for=0.0):
        pressed.pauses.append(ignore_for)
        return pressed.pop(0) if pressed else None

    monkeypatch.setattr(terminal_module, "_read_key", read_key)

    def read_line(prompt: str = "") -> str:
        if not pressed.lines:
            raise EOFError
        return pressed.lines.pop(0)

    monkeypatch.setattr("builtins.input", read_line)
    return pressed


def key_session(deck: Path, state: Path, store: Store) -> tuple[Session, io.StringIO]:
    project, cards = compile_project(deck)
    chosen = [c for c in cards if c.fact in ("matches-muzero", "plans")]
    out = io.StringIO()
    terminal = Terminal(io.StringIO(), out, color=False)
    terminal.keys = True  # as on a terminal
    items = plan_session(store, chosen, NOW, new_limit=9, limit=200).items
    assert [i.card.id for i in items] == ["muesli/matches-muzero/which", "muesli/plans/choice"]
    clock = frozen_clock(NOW)
    return Session(store, items, terminal, citations=citations(project), clock=clock), out


def test_after_a_pick_the_rating_prompt_ignores_keys_for_a_moment(quiz_deck, state, keys):
    keys.lines[:] = ["Muesli"]
    keys[:] = ["", "1", ""]  # Enter (typed card's rating), pick 1, Enter
    with Store.open(state) as store:
        session, out = key_session(quiz_deck, state, store)
        summary = session.run()
    assert summary.reviewed == 2
    assert keys.pauses == [0.0, 0.0, READING_PAUSE]  # typed card's rating, pick, rating
    assert "Your choice (1-2 or a-b): 1) MuZero\n✓ Correct\n" in out.getvalue()


def test_the_rating_is_named_only_once_it_is_saved(quiz_deck, state, keys, monkeypatch):
    keys.lines[:] = ["Muesli"]
    keys[:] = ["3", "1", ""]
    with Store.open(state) as store:
        session, out = key_session(quiz_deck, state, store)
        at_save: list[str] = []
        record = store.record

        def saving(*args, **kwargs):
            at_save.append(out.getvalue())
            return record(*args, **kwargs)

        monkeypatch.setattr(store, "record", saving)
        session.run()
    assert [text.rsplit("\n", 1)[1] for text in at_save] == [
        f"{NEW_RATES}  [Enter = Good]: ",
        f"{NEW_RATES}  [Enter = Good]: ",
    ]
    assert out.getvalue().count("[Enter = Good]: Good\n") == 2


def test_a_rating_that_was_not_saved_is_not_named(quiz_deck, state, keys, monkeypatch):
    keys.lines[:] = ["Muesli"]
    keys[:] = ["4"]
    with Store.open(state) as store:
        session, out = key_session(quiz_deck, state, store)

        def failing(*args, **kwargs):
            raise StoreError.at(state, "disk full")

        monkeypatch.setattr(store, "record", failing)
        summary = session.run()
    assert summary.error is not None and summary.reviewed == 0
    assert out.getvalue().endswith("[Enter = Good]: ")
    assert "Easy\n" not in out.getvalue()
