"""`quizgen quiz` driven through CliRunner: scripted answers in, exact transcript out."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import main
from quizgen.scheduler import Phase
from quizgen.store import Store

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
SOURCE = (
    "Source: Matteo Hessel, Ivo Danihelka, et al. (2021). Muesli: Combining Improvements in "
    "Policy Optimization. arXiv:2104.06159"
)
NEW_RATES = "Rate: 1 Again (1m)  2 Hard (6m)  3 Good (10m)  4 Easy (8d)"


@pytest.fixture(autouse=True)
def private_state(tmp_path, monkeypatch):
    """Never the real user folder: both the env var and the platform folder point into tmp."""
    monkeypatch.setenv("QUIZGEN_STATE", str(tmp_path / "env-state.sqlite3"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def state(tmp_path) -> Path:
    return tmp_path / "state.sqlite3"


def quiz(project: Path, state: Path | None, text: str, *args: str, now: datetime = NOW):
    argv = ["quiz", str(project), "--now", now.isoformat(), *args]
    if state is not None:
        argv += ["--state", str(state)]
    return CliRunner().invoke(main, argv, input=text)


def history(state: Path) -> list[tuple[str, int, int, str | None]]:
    conn = sqlite3.connect(state)
    return conn.execute("SELECT card_id, rating, phase, answer FROM reviews ORDER BY id").fetchall()


@pytest.fixture
def deck(tmp_path) -> Path:
    """tests/fixtures/quiz: one fact per kind of question (choice, cloze, list)."""
    dest = tmp_path / "deck"
    shutil.copytree(Path(__file__).parent / "fixtures" / "quiz", dest)
    return dest


def test_a_scripted_session_transcript(deck, state):
    script = (
        "MuZero\nc\n1000%\n\nmodel learning, regularised policy optimisation\n\nb\n1\nMuesli\n\n"
    )
    result = quiz(deck, state, script, "--new", "4")
    assert result.exit_code == 0, result.output
    expected = f"""\
0 due, 4 new · history: {state}
Stop any time with Ctrl-C or Ctrl-D: every answer is saved at once.

[4 left] new
Which method matches MuZero's performance on 57 Atari games?
Your answer: MuZero
✗ Not quite
Answer: Muesli
Evidence: “Muesli matches MuZero's performance on 57 Atari games”
{SOURCE}
Card: muesli/matches-muzero/which
{NEW_RATES}  [Enter = Again, c = I was right]: c

[4 left] new
Muesli reaches a median human-normalized score of [...].
Your answer: 1000%
≈ Close enough (exactly: >1,000%)
Answer: Muesli reaches a median human-normalized score of >1,000%.
Evidence: “reaches a median human-normalized score of more than 1,000%”
{SOURCE}
Card: muesli/median-score/cloze
{NEW_RATES}  [Enter = Hard]:␣

[4 left] new
What two things does the policy update combine?
Your answer: model learning, regularised policy optimisation
✓ Correct
Answer: regularized policy optimization and model learning
Evidence: “a novel policy update that combines regularized policy optimization with model learning”
{SOURCE}
Card: muesli/combines/name
{NEW_RATES}  [Enter = Good]:␣

[4 left] new
Which method plans with a learned model?
  1) MuZero
  2) Muesli
Your choice (1-2 or a-b): b
✗ Not quite
Answer: MuZero
Note: MuZero is the baseline Muesli is compared with.
Evidence: “MuZero plans with a learned model”
{SOURCE}
Card: muesli/plans/choice
{NEW_RATES}  [Enter = Again, c = I was right]: 1

[4 left] learning
Which method matches MuZero's performance on 57 Atari games?
Your answer: Muesli
✓ Correct
Answer: Muesli
Evidence: “Muesli matches MuZero's performance on 57 Atari games”
{SOURCE}
Card: muesli/matches-muzero/which
Rate: 1 Again (1m)  2 Hard (10m)  3 Good (2d)  4 Easy (4d)  [Enter = Good]:␣

[3 left] learning
Muesli reaches a median human-normalized score of [...].
Your answer:␣
Session: 5 reviews, 4 correct (80%), 0m 00s
Ratings: Again 1 · Hard 1 · Good 3 · Easy 0
Next due: in 1m (Thu 26 Nov 2026 09:01)
""".replace("␣", " ")  # ␣: a prompt answered with an empty line
    assert result.output == expected
    assert history(state) == [
        ("muesli/matches-muzero/which", 3, 0, "MuZero"),
        ("muesli/median-score/cloze", 2, 0, "1000%"),
        ("muesli/combines/name", 3, 0, "model learning, regularised policy optimisation"),
        ("muesli/plans/choice", 1, 0, "Muesli"),
        ("muesli/matches-muzero/which", 3, 1, "Muesli"),
    ]


def test_nothing_before_the_answer_names_the_card(deck, state):
    # The card id names the fact, and often the answer ("matches-muzero", "plans"): it comes
    # with the answer, never above the question.
    result = quiz(deck, state, "Muesli\n\n" * 4, "--new", "4")
    for block in result.output.split("\n\n")[1:-1]:
        question, _, answer = block.partition("Your ")
        assert "muesli/" not in question
        assert answer.count("Card: muesli/") == 1


def revealed(output: str) -> list[str]:
    """The card ids a transcript showed, in order (each after its answer)."""
    return [line[len("Card: ") :] for line in output.splitlines() if line.startswith("Card: ")]


def headers(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("[")]


def test_new_cards_are_one_per_fact(mini, state):
    # mini makes three cards (which, cloze, choice) from each of three facts
    result = quiz(mini, state, "", "--new", "9")
    assert result.output.startswith("0 due, 3 new")
    quiz(mini, state, "Muesli\n\n", "--new", "9", "--limit", "1")
    later = quiz(mini, state, "Muesli\n\n", "--new", "9", now=NOW + timedelta(minutes=10))
    assert later.output.startswith("1 due, 2 new")  # not the due card's siblings
    assert headers(later.output)[0] == "[3 left] learning"
    assert revealed(later.output) == ["muesli/matches-muzero/which"]


def test_a_facts_cards_take_turns_at_coming_first(mini, state):
    # Facts in deck order; each fact starts with a card of another style, so the first day
    # has a typed question, a cloze and a multiple choice.
    result = quiz(mini, state, "Muesli\n4\n" * 3, "--new", "9")  # each rated Easy: 8 days
    assert revealed(result.output) == [
        "muesli/matches-muzero/which",
        "muesli/acts/cloze",
        "muesli/other/choice",
    ]
    # The next day, each fact's next card in turn.
    result = quiz(
        mini, state, "\n\n" * 3, "--new", "9", "--mode", "flip", now=NOW + timedelta(days=1)
    )
    assert result.output.startswith("0 due, 3 new")
    assert revealed(result.output) == [
        "muesli/matches-muzero/cloze",
        "muesli/acts/choice",
        "muesli/other/which",
    ]


def test_due_cards_come_first_then_new_ones_within_the_daily_limit(mini, state):
    quiz(mini, state, "muesli\n\n", "--new", "2", "--limit", "1")
    # Ten minutes later the first card is due again; one new card is left for today.
    later = quiz(mini, state, "muesli\n\n", "--new", "2", now=NOW + timedelta(minutes=15))
    assert later.output.startswith("1 due, 1 new")
    assert headers(later.output)[0] == "[2 left] learning"
    assert revealed(later.output)[0] == "muesli/matches-muzero/which"
    # The second new card is learnt...
    result = quiz(mini, state, "muesli\n\n", "--new", "2", now=NOW + timedelta(hours=1))
    assert result.output.startswith("0 due, 1 new")
    # ... and the day's two new cards are used up: only the due one.
    done = quiz(mini, state, "", "--new", "2", now=NOW + timedelta(hours=2))
    assert done.output.startswith("1 due, 0 new")
    # Tomorrow, new cards again.
    tomorrow = quiz(mini, state, "", "--new", "2", now=NOW + timedelta(days=1))
    assert ", 2 new" in tomorrow.output.splitlines()[0]


def test_nothing_to_study(mini, state):
    quiz(mini, state, "muesli\n\n", "--new", "1", "--limit", "1")
    result = quiz(mini, state, "", "--new", "1")
    assert result.exit_code == 0
    assert result.output == (
        "Nothing to study now: no card is due and today's 1 new cards are done.\n"
        "Next due: in 10m (Thu 26 Nov 2026 09:10)\n"
    )
    off = quiz(mini, state, "", "--new", "0")
    assert off.output.startswith("Nothing to study now: no card is due (new cards are off")


def test_limit_stops_after_that_many_answers(mini, state):
    result = quiz(mini, state, "x\n\n" * 5, "--limit", "2")
    assert result.exit_code == 0
    assert "Session: 2 reviews, 0 correct (0%)" in result.output
    assert len(history(state)) == 2


def test_filters_choose_the_cards(mini, state):
    result = quiz(mini, state, "", "--tag", "nope")
    assert result.exit_code == 1
    assert result.output.startswith("--tag: unknown tag 'nope'; valid: ")
    assert not state.exists()
    result = quiz(mini, state, "Muesli\n\n", "--new", "1", "--kind", "result", "--source", "muesli")
    assert result.exit_code == 0 and len(history(state)) == 1


def test_choice_card_keys(mini, state):
    cards_file = mini / "templates" / "result.yaml"
    # Keep only the choice template so the first card asks for a choice.
    text = cards_file.read_text()
    cards_file.write_text(
        text[: text.index("  - id: which")] + text[text.index("  - id: choice") :]
    )
    result = quiz(mini, state, "z\n9\nA\n\n2\n3\n", "--new", "2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[lines.index("  2) Agent57") + 1 :][:4] == [
        "Your choice (1-2 or a-b): z",
        "Please answer with a number from 1 to 2 or a letter.",
        "Your choice (1-2 or a-b): 9",
        "Please answer with a number from 1 to 2 or a letter.",
    ]
    assert history(state) == [
        ("muesli/matches-muzero/choice", 3, 0, "Muesli"),
        ("muesli/acts/choice", 3, 0, "Muesli"),
    ]


def test_rating_overrides_and_bad_keys(mini, state):
    result = quiz(mini, state, "MuZero\n5\n2\nMuesli\nh\n", "--new", "2")
    assert "Press Enter, or 1-4, or c." in result.output
    assert [r[1] for r in history(state)] == [2, 2]


def test_end_of_input_at_the_rating_saves_nothing_for_that_card(mini, state):
    result = quiz(mini, state, "muesli\n", "--new", "1")
    assert result.exit_code == 0
    assert "Session: 0 reviews, 0 correct, 0m 00s" in result.output
    assert history(state) == []


def test_flip_mode_shows_the_answer_for_self_rating(mini, state):
    result = quiz(mini, state, "\n\n\n1\n", "--new", "2", "--limit", "2", "--mode", "flip")
    assert result.exit_code == 0
    out = result.output
    assert "Your answer" not in out and "Correct" not in out
    assert out.count("Press Enter to show the answer ") == 2
    assert "Answer: Muesli\n" in out
    assert f"{NEW_RATES}  [Enter = Good]: 1" in out
    assert history(state) == [
        ("muesli/matches-muzero/which", 3, 0, None),
        ("muesli/acts/cloze", 1, 0, None),
    ]


def test_a_card_whose_text_changed_is_flagged(mini, state):
    quiz(mini, state, "muesli\n\n", "--new", "1", "--limit", "1")
    source = mini / "sources" / "muesli.yaml"
    source.write_text(source.read_text().replace("category: method", "category: algorithm"))
    result = quiz(mini, state, "muesli\n\n", "--new", "0", now=NOW + timedelta(minutes=10))
    assert "[1 left] learning · changed since you last saw it" in result.output
    assert revealed(result.output) == ["muesli/matches-muzero/which"]
    assert "Which algorithm matches" in result.output
    # Reviewed at the new text: no longer flagged.
    again = quiz(mini, state, "", "--new", "0", now=NOW + timedelta(days=30))
    assert "changed since" not in again.output


def test_cards_of_removed_facts_are_hidden_but_kept(mini, state):
    quiz(mini, state, "MuZero\n\n", "--new", "9", "--limit", "1", "--source", "muesli")
    source = mini / "sources" / "muesli.yaml"
    text = source.read_text()
    source.write_text(
        text[: text.index("  - id: matches-muzero")] + text[text.index("  - id: acts") :]
    )
    result = quiz(mini, state, "", "--new", "0", now=NOW + timedelta(minutes=5))
    assert "matches-muzero" not in result.output
    assert history(state) == [("muesli/matches-muzero/which", 1, 0, "MuZero")]
    with Store.open(state) as store:
        assert store.get("muesli/matches-muzero/which").memory.phase is Phase.LEARNING


def test_a_foreign_state_file_is_refused_untouched(mini, state):
    state.write_text("shopping list\n")
    before = hashlib.sha256(state.read_bytes()).hexdigest()
    result = quiz(mini, state, "muesli\n\n")
    assert result.exit_code == 1
    assert result.output == (
        f"{state}: not a quizgen review store (not an SQLite database); "
        "quizgen has not changed it\n"
    )
    assert hashlib.sha256(state.read_bytes()).hexdigest() == before


def test_a_bad_project_is_reported_before_the_store_is_touched(tmp_path, state):
    (tmp_path / "empty").mkdir()
    result = quiz(tmp_path / "empty", state, "")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert not state.exists()


def test_state_comes_from_the_env_var_then_the_user_data_folder(mini, tmp_path, monkeypatch):
    quiz(mini, None, "muesli\n\n", "--new", "1")
    assert len(history(tmp_path / "env-state.sqlite3")) == 1
    monkeypatch.delenv("QUIZGEN_STATE")
    quiz(mini, None, "muesli\n\n", "--new", "1")
    assert len(history(tmp_path / "xdg" / "quizgen" / "reviews.sqlite3")) == 1


def test_bad_options_are_usage_errors(mini, state):
    assert quiz(mini, state, "", "--retention", "1.5").exit_code == 2
    assert quiz(mini, state, "", "--mode", "shout").exit_code == 2
    assert quiz(mini, state, "", "--limit", "0").exit_code == 2
    result = CliRunner().invoke(main, ["quiz", str(mini), "--now", "yesterday"])
    assert result.exit_code == 2 and "expected an ISO time" in result.output


def test_help_lists_the_options():
    result = CliRunner().invoke(main, ["quiz", "--help"])
    assert result.exit_code == 0
    for option in ("--new", "--limit", "--mode", "--retention", "--state", "--source", "--tag"):
        assert option in result.output
    assert "--now" not in result.output
