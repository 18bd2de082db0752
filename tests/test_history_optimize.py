"""`quizgen optimize` and `quizgen settings`: FSRS fitted to a simulated learner whose memory
follows known parameters, kept only when it predicts held-out reviews better, and then used
by the quiz."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from learners import START, TRUE, simulate

from quizgen.cli import main
from quizgen.history import config
from quizgen.history.metrics import evaluate, predict
from quizgen.history.optimize import MIN_ITEMS, card_logs, optimize
from quizgen.scheduler import DEFAULT_SETTINGS, Settings, default_parameters, replay, review
from quizgen.store import Store

NOW = START + timedelta(days=300)


@pytest.fixture(scope="module")
def learner(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A history of a few thousand reviews by the simulated learner (fsrs defaults in use)."""
    state = tmp_path_factory.mktemp("learner") / "state.sqlite3"
    with Store.open(state) as store:
        store.merge_reviews(simulate(), lambda log: replay(log), text_hashes={})
    return state


@pytest.fixture
def state(learner: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "state.sqlite3"
    copy.write_bytes(learner.read_bytes())
    return copy


def test_fitted_parameters_beat_the_defaults_and_come_close_to_the_truth(state: Path) -> None:
    with Store.open(state) as store:
        report = optimize(store, now=NOW)
        true = evaluate(predict(card_logs(store), TRUE, since=report.held_out_since))
        saved = config.load(store)
    assert report.current and report.fitted and report.held_out_since
    assert 4000 < report.reviews < 12000 and report.items >= MIN_ITEMS
    assert report.test == true.reviews > 500
    print(
        f"\nheld-out reviews {report.test}: log loss / RMSE(bins) "
        f"default {report.current.log_loss:.4f} / {report.current.rmse_bins:.4f}, "
        f"fitted {report.fitted.log_loss:.4f} / {report.fitted.rmse_bins:.4f}, "
        f"true {true.log_loss:.4f} / {true.rmse_bins:.4f}"
    )
    assert report.fitted.log_loss < report.current.log_loss - 0.03
    assert report.fitted.rmse_bins < report.current.rmse_bins
    assert abs(report.fitted.log_loss - true.log_loss) < 0.01
    assert report.saved and saved.parameters == report.parameters
    assert saved.fitted and saved.fitted["items"] == report.items
    # saved: the quiz schedules with them from now on
    with Store.open(state) as store:
        assert config.settings(store) == Settings(parameters=report.parameters)
        assert config.settings(store, retention=0.8).desired_retention == 0.8
    # and fitting again on the same history keeps them: they are the ones in use now
    with Store.open(state) as store:
        again = optimize(store, now=NOW)
    assert again.parameters is None and not again.saved
    assert again.default is not None and again.default.log_loss > again.current.log_loss  # type: ignore[union-attr]


def test_saved_parameters_change_the_schedule(state: Path) -> None:
    with Store.open(state) as store:
        optimize(store, now=NOW)
        settings = config.settings(store)
    when = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)
    fitted = review(review(None, 3, when, settings), 3, when + timedelta(minutes=10), settings)
    default = review(review(None, 3, when), 3, when + timedelta(minutes=10))
    assert fitted.due != default.due and fitted.stability != default.stability


def test_the_cli_report(state: Path) -> None:
    result = CliRunner().invoke(main, ["optimize", "--state", str(state), "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Review history: {state}"
    assert lines[2].startswith("Fitted on the earlier ") and "held out the " in lines[2]
    assert lines[3].split() == ["parameters", "log", "loss", "RMSE(bins)"]
    assert lines[4].split()[:3] == ["in", "use", "(defaults)"] and lines[5].startswith("  fitted")
    assert lines[-2].startswith("Would save parameters fitted on all ")
    assert lines[-1] == "Dry run: nothing was saved."
    with Store.open(state) as store:
        assert config.load(store).parameters is None
    data = json.loads(
        CliRunner().invoke(main, ["optimize", "--state", str(state), "--json"]).output
    )
    assert data["saved"] is True and len(data["parameters"]) == 21
    assert data["fitted"]["log_loss"] < data["current"]["log_loss"]
    assert data["min_items"] == MIN_ITEMS == 400


def test_too_few_reviews_keeps_the_parameters(tmp_path: Path) -> None:
    state = tmp_path / "small.sqlite3"
    small = dict(list(simulate(cards=20, days=60).items()))
    with Store.open(state) as store:
        store.merge_reviews(small, lambda log: replay(log), text_hashes={})
        count = len([1 for log in card_logs(store).values() for s in log[1:] if s.elapsed_days > 0])
    assert count < MIN_ITEMS
    result = CliRunner().invoke(main, ["optimize", "--state", str(state)])
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == (
        f"Too few reviews to fit FSRS to: {count} count (a day or more after the card's "
        f"previous review), fitting needs {MIN_ITEMS}; the parameters stay."
    )
    with Store.open(state) as store:
        assert config.load(store).parameters is None


def test_optimize_without_a_history(tmp_path: Path) -> None:
    state = tmp_path / "none.sqlite3"
    result = CliRunner().invoke(main, ["optimize", "--state", str(state)])
    assert result.exit_code == 1
    assert result.output == f"{state}: no review history yet: study or `quizgen import` first\n"
    assert not state.exists()


# -- settings ----------------------------------------------------------------------------------


def settings(*argv: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["settings", *argv])


def test_retention_is_a_saved_setting(tmp_path: Path) -> None:
    state = tmp_path / "s.sqlite3"
    assert settings("--state", str(state)).output.splitlines() == [
        f"Review history: {state}",
        "Desired retention: 0.90 (default)",
        "FSRS parameters: fsrs's defaults (`quizgen optimize` fits them to you)",
    ]
    assert not state.exists()  # showing never creates the history
    result = settings("--state", str(state), "--retention", "0.85")
    assert result.exit_code == 0
    assert result.output.splitlines()[1] == "Desired retention: 0.85 (saved)"
    with Store.open(state) as store:
        assert config.settings(store) == Settings(desired_retention=0.85)
        assert config.settings(store, retention=0.95).desired_retention == 0.95
    data = json.loads(settings("--state", str(state), "--json").output)
    assert data == {
        "state": str(state),
        "desired_retention": 0.85,
        "retention_saved": True,
        "parameters": None,
        "fitted": None,
    }
    assert settings("--state", str(state), "--retention", "0.5").exit_code == 2
    settings("--state", str(state), "--reset")
    with Store.open(state) as store:
        assert config.settings(store) == DEFAULT_SETTINGS


def test_settings_show_fitted_parameters(state: Path) -> None:
    with Store.open(state) as store:
        report = optimize(store, now=NOW)
    lines = settings("--state", str(state)).output.splitlines()
    assert lines[2].startswith("FSRS parameters: fitted 2026-11-01 on ")
    assert f"held-out log loss {report.fitted.log_loss:.4f} against " in lines[2]  # type: ignore[union-attr]
    assert lines[3] == "  " + ", ".join(f"{w:.4f}" for w in report.parameters)  # type: ignore[union-attr]


def test_a_damaged_setting_is_reported_not_ignored(tmp_path: Path) -> None:
    state = tmp_path / "s.sqlite3"
    with Store.open(state) as store:
        store.save_settings({config.PARAMETERS: "[1, 2]"})
    result = CliRunner().invoke(main, ["settings", "--state", str(state)])
    assert result.exit_code == 1
    assert result.output == (
        f"{state}: saved setting fsrs_parameters does not read back ('[1, 2]'); reset it with "
        "`quizgen settings --reset`\n"
    )


def test_the_quiz_schedules_with_the_saved_settings(mini: Path, tmp_path: Path) -> None:
    state = tmp_path / "s.sqlite3"
    fitted = list(default_parameters())
    fitted[2] = 9.0  # a first Good gives nine days, not fsrs's 2.3
    with Store.open(state) as store:
        config.save_parameters(store, fitted, when=NOW, details={})
    when = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)
    argv = ["quiz", str(mini), "--state", str(state), "--now", when.isoformat(), "--limit", "1"]
    result = CliRunner().invoke(main, [*argv, "--mode", "flip"], input="\n3\n")
    assert result.exit_code == 0, result.output
    with Store.open(state) as store:
        (card_id,) = store.reviewed_since(when)
        entry = store.get(card_id)
    assert entry is not None
    assert entry.memory == review(None, 3, when, Settings(parameters=tuple(fitted)))
