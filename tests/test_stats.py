"""`quizgen stats`: counts by phase, retention, and the 30-day due forecast, as text and JSON."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import main
from quizgen.planning import card_hash
from quizgen.project import compile_project
from quizgen.scheduler import Rating, review
from quizgen.stats import bar, compute
from quizgen.store import Store

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def private_state(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZGEN_STATE", str(tmp_path / "env-state.sqlite3"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def state(tmp_path) -> Path:
    return tmp_path / "state.sqlite3"


def study(store: Store, card_id: str, ratings: list[int], start: datetime, text_hash: str) -> None:
    """Review a card with `ratings`, each one exactly when the card falls due."""
    when = start
    for rating in ratings:
        memory = store.record(
            card_id,
            text_hash=text_hash,
            rating=rating,
            now=when,
            schedule=lambda before, r=rating, w=when: review(before, r, w),
        )
        when = memory.due


@pytest.fixture
def history(mini, state) -> Path:
    """A month of study on the mini deck, plus a card whose fact has since been removed."""
    _, cards = compile_project(mini)
    ids = {c.id: c for c in cards}
    with Store.open(state) as store:
        which = ids["muesli/matches-muzero/which"]
        # learning, review, review (passed), review (forgotten): relearning, overdue
        study(store, which.id, [3, 3, 3, 1], NOW - timedelta(days=20), card_hash(which))
        cloze = ids["muesli/matches-muzero/cloze"]
        study(store, cloze.id, [3, 3, 3], NOW - timedelta(days=3), card_hash(cloze))
        acts = ids["muesli/acts/which"]
        study(store, acts.id, [3], NOW - timedelta(minutes=30), "an-older-text")  # changed, due
        study(store, "muesli/gone/which", [3, 3], NOW - timedelta(days=2), "x")  # removed fact
    return state


def stats(project: Path, state: Path | None, *args: str, now: datetime = NOW):
    argv = ["stats", str(project), "--now", now.isoformat(), *args]
    if state is not None:
        argv += ["--state", str(state)]
    return CliRunner().invoke(main, argv)


def test_stats_json(mini, history):
    result = stats(mini, history, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    forecast = data.pop("forecast")
    calibration, papers = data.pop("calibration"), data.pop("papers")
    assert data.pop("desired_retention") == 0.9
    assert papers == [
        {"source": "muesli", "name": "Hessel et al.", "reviews": 3, "passed": 2, "rate": 0.6667}
    ]
    assert calibration["reviews"] == 3 and calibration["bins"] == [
        {"from": 0.8, "to": 0.9, "reviews": 1, "predicted": 0.8998, "actual": 0.0},
        {"from": 0.9, "to": 1.0, "reviews": 2, "predicted": 0.9095, "actual": 1.0},
    ]
    assert data == {
        "state": str(history),
        "now": "2026-11-26T09:00:00+00:00",
        "cards": {
            "total": 9,
            "new": 6,
            "learning": 1,
            "review": 1,
            "relearning": 1,
            "changed": 1,
            "hidden": 1,
        },
        "due": {"now": 2, "today": 2},
        "reviews": {"total": 8, "today": 1},
        "retention": {
            "reviews": 3,
            "passed": 2,
            "rate": 0.6667,
            "last_30_days": {"reviews": 3, "passed": 2, "rate": 0.6667},
        },
    }
    assert len(forecast) == 30
    assert forecast[0] == {"date": "2026-11-26", "due": 2}
    assert forecast[-1]["date"] == "2026-12-25"
    assert sum(day["due"] for day in forecast) == 3  # the review card falls due within 30 days


def test_stats_text_with_the_forecast_chart(mini, history):
    result = stats(mini, history)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[:8] == [
        f"Review history: {history}",
        "Cards: 9 — 6 new, 1 learning, 1 review, 1 relearning",
        "       1 changed since last reviewed, 1 hidden (no longer in the sources)",
        "Due: 2 now, 2 today",
        "Reviews: 8 in all, 1 today",
        "Retention: 67% of 3 reviews recalled (last 30 days: 67% of 3 reviews)",
        "",
        "Due in the next 30 days (today's count includes overdue cards)",
    ]
    chart = lines[8:38]
    assert len(chart) == 30
    assert chart[0] == "  today      │" + "█" * 40 + " 2"
    assert chart[1] == "  Fri 27 Nov │ 0"
    due_day = [line for line in chart[1:] if not line.endswith("│ 0")]
    assert len(due_day) == 1 and due_day[0].endswith("│" + "█" * 20 + " 1")
    assert lines[38:] == [
        "",
        "Retention: desired 90%, actual 67% of 3 reviews recalled",
        "",
        "Predicted recall against actual (3 reviews a day or more after the one before; "
        "log loss 0.830, RMSE(bins) 0.525)",
        "  80–90%   │ 0% recalled, 90% predicted (1)",
        "  90–100%  │" + "█" * 40 + " 100% recalled, 91% predicted (2)",
        "",
        "Retention by paper (reviews of learned cards)",
        "  Hessel et al.  67% of 3 reviews",
    ]


def test_calibration_predictions_are_the_schedulers(mini, history):
    """Each review a day or more after the card's previous one is predicted with the recall
    probability the scheduler itself gives the card's memory just before it."""
    from quizgen.history.metrics import CALIBRATION_BINS
    from quizgen.scheduler import replay, retrievability

    _, cards = compile_project(mini)
    expected: dict[int, list[float]] = {}
    with Store.open(history) as store:
        for card in cards:
            log = [(when, rating) for when, rating, _, _ in store.reviews(card.id)]
            for (before, (at, _)), memory in zip(
                zip(log, log[1:], strict=False), replay(log), strict=False
            ):
                if (at - before[0]).days >= 1:
                    p = retrievability(memory, at)
                    expected.setdefault(int(p * CALIBRATION_BINS), []).append(p)
    bins = json.loads(stats(mini, history, "--json").output)["calibration"]["bins"]
    assert [b["reviews"] for b in bins] == [len(v) for _, v in sorted(expected.items())]
    for b, (_, ps) in zip(bins, sorted(expected.items()), strict=True):
        assert b["predicted"] == pytest.approx(sum(ps) / len(ps), abs=1e-4)


def test_filters_narrow_the_counts(mini, history):
    data = json.loads(stats(mini, history, "--json", "--tag", "muesli").output)
    assert data["cards"]["total"] == 9
    result = stats(mini, history, "--json", "--tag", "nope")
    assert result.exit_code == 1 and result.output.startswith("--tag: unknown tag 'nope'")


def test_without_a_history_everything_is_new_and_no_file_is_made(mini, state):
    result = stats(mini, state, "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["cards"]["new"] == 9 and data["reviews"]["total"] == 0
    assert data["retention"]["rate"] is None
    assert data["calibration"] == {"reviews": 0, "bins": []} and data["papers"] == []
    assert not state.exists()
    text = stats(mini, state).output
    assert "Retention: no reviews of learned cards yet" in text
    assert text.splitlines()[-1] == "Retention: desired 90%, no reviews of learned cards yet"


def test_stats_reads_the_env_var_state(mini, history, tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZGEN_STATE", str(history))
    assert json.loads(stats(mini, None, "--json").output)["reviews"]["total"] == 8


def test_a_foreign_state_file_is_an_error(mini, state):
    state.write_text("not a database")
    result = stats(mini, state)
    assert result.exit_code == 1
    assert result.output == (
        f"{state}: not a quizgen review store (not an SQLite database); "
        "quizgen has not changed it\n"
    )


def test_compute_counts_overdue_cards_as_due_today(mini, state):
    _, cards = compile_project(mini)
    with Store.open(state) as store:
        study(store, cards[0].id, [Rating.GOOD], NOW - timedelta(days=9), card_hash(cards[0]))
        result = compute(store, cards, {c.id for c in cards}, NOW, state=state)
    assert result.due_now == 1 and result.forecast[0][1] == 1


@pytest.mark.parametrize(
    ("value", "top", "fancy", "expected"),
    [
        (0, 10, True, ""),
        (10, 10, True, "█" * 40),
        (5, 10, True, "█" * 20),
        (1, 64, True, "▋"),  # 40/64 of a cell, in eighths
        (1, 1000, True, "▏"),  # never less than an eighth
        (3, 10, False, "#" * 12),
        (1, 1000, False, "#"),
    ],
)
def test_bar(value, top, fancy, expected):
    assert bar(value, top, fancy=fancy) == expected


def test_help():
    result = CliRunner().invoke(main, ["stats", "--help"])
    assert result.exit_code == 0
    assert "--json" in result.output and "--state" in result.output


def test_a_read_only_history_is_read_and_left_as_it_was(mini, history, read_only):
    want = json.loads(stats(mini, history, "--json").output)
    before = history.read_bytes(), history.stat().st_mtime_ns
    for target in (history, history.parent):  # the file, then (also) its folder
        read_only(target)
        result = stats(mini, history, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == want
        assert (history.read_bytes(), history.stat().st_mtime_ns) == before
        assert not Path(f"{history}-wal").exists() and not Path(f"{history}-shm").exists()


def test_the_saved_desired_retention_is_shown(mini, history):
    assert CliRunner().invoke(main, ["settings", "--state", str(history), "--retention", "0.85"])
    data = json.loads(stats(mini, history, "--json").output)
    assert data["desired_retention"] == 0.85
    assert "Retention: desired 85%, actual 67% of 3 reviews recalled" in stats(mini, history).output
