"""`quiz` and `stats` with a history they cannot use: one line, exit 1, the file untouched.
(The store's own rules are tests/test_store.py.)"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import main
from quizgen.scheduler import review
from quizgen.store import Store

NOW = "2026-11-26T09:00+00:00"
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def private_state(tmp_path, monkeypatch):
    monkeypatch.delenv("QUIZGEN_STATE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


def run(command: str, project: Path, state: Path, stdin: str = ""):
    argv = [command, str(project), "--state", str(state), "--now", NOW]
    return CliRunner().invoke(main, argv, input=stdin)


def files(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "<folder>"
        for p in sorted(folder.iterdir())
    }


def history(path: Path) -> Path:
    with Store.open(path) as store:
        for i in range(300):
            store.record(
                f"muesli/fact-{i:03d}/which",
                text_hash="h",
                rating=3,
                now=T0,
                schedule=lambda before: review(before, 3, T0),
                answer="x" * 40,
            )
    return path


@pytest.mark.parametrize("command", ["quiz", "stats"])
def test_a_folder_is_one_line_and_exit_1_not_a_usage_error(mini, tmp_path, command):
    result = run(command, mini, tmp_path)
    assert (result.exit_code, result.output) == (
        1,
        f"{tmp_path}: is a folder; give a file for the review store\n",
    )


def test_quiz_names_a_missing_folder(mini, tmp_path):
    result = run("quiz", mini, tmp_path / "nope" / "h.sqlite3")
    assert (result.exit_code, result.output) == (
        1,
        f"{tmp_path / 'nope'}: folder for the review store does not exist\n",
    )


def test_quiz_names_the_read_only_file(mini, tmp_path, read_only):
    state = read_only(history(tmp_path / "h.sqlite3"))
    before = files(tmp_path)
    result = run("quiz", mini, state, "Muesli\n\n")
    assert (result.exit_code, result.output) == (
        1,
        f"{state}: review store is read-only; quizgen needs to write to it\n",
    )
    assert files(tmp_path) == before


def test_quiz_names_the_read_only_folder(mini, tmp_path, read_only):
    folder = tmp_path / "ro"
    folder.mkdir()
    state = history(folder / "h.sqlite3")
    read_only(folder)
    result = run("quiz", mini, state, "Muesli\n\n")
    assert (result.exit_code, result.output) == (
        1,
        f"{folder}: folder of the review store is not writable; quizgen writes its journal "
        "(h.sqlite3-wal) beside the history as it saves each answer\n",
    )


@pytest.mark.parametrize("command", ["quiz", "stats"])
def test_a_history_with_a_damaged_page_is_refused_untouched(mini, tmp_path, command):
    state = history(tmp_path / "h.sqlite3")
    data = bytearray(state.read_bytes())
    middle = len(data) // 4096 // 2 * 4096
    data[middle : middle + 8] = b"\xa5" * 8
    state.write_bytes(bytes(data))
    before, mtime = files(tmp_path), state.stat().st_mtime_ns
    result = run(command, mini, state, "Muesli\n\n")
    assert result.exit_code == 1
    assert result.output.startswith(f"{state}: review store is damaged (SQLite's quick_check: ")
    assert result.output.endswith(
        "); quizgen has not changed it: restore a backup, or move it away to start afresh\n"
    )
    assert result.output.count("\n") == 1
    assert files(tmp_path) == before and state.stat().st_mtime_ns == mtime
