"""`quizgen check` and `quizgen cards` through the CLI: exact messages and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import main

BAD = Path(__file__).parent / "fixtures" / "bad"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


# One fixture folder per kind of bad input, and every line `check` must print for it.
EXPECTED = {
    "alias-bomb": ["sources/muesli.yaml:1: YAML anchors and aliases are not supported"],
    "attribute-placeholder": [
        "templates/result.yaml:9: front of template 'result/which': placeholder "
        "{subject.__class__} is not a field name; placeholders name a field, like {subject}, "
        "and cannot reach attributes, indexes or code"
    ],
    "binary-file": ["sources/muesli.yaml: binary file, not YAML text"],
    "cloze-hides-nothing": [
        "sources/muesli.yaml:20: card muesli/acts/cloze is a cloze that hides nothing",
        "sources/muesli.yaml:26: card muesli/other/cloze is a cloze that hides nothing",
    ],
    "impossible-date": [
        "sources/muesli.yaml:4: '2021-02-30' reads as a date but is not a valid one (day is out "
        "of range for month); quote it to keep it as text"
    ],
    "duplicate-id": ["sources/muesli.yaml:26: duplicate fact id 'acts' (first at line 20)"],
    "duplicate-question": [
        "sources/muesli.yaml:26: card muesli/other/choice asks the same question as "
        'muesli/acts/choice: "Which policy update acts directly with a policy network?"',
        "sources/muesli.yaml:26: card muesli/other/cloze asks the same question as "
        'muesli/acts/cloze: "[...] acts directly with a policy network."',
        "sources/muesli.yaml:26: card muesli/other/which asks the same question as "
        'muesli/acts/which: "Which policy update acts directly with a policy network?"',
    ],
    "empty-file": ["sources/muesli.yaml: file is empty"],
    "evidence-not-found": [
        "sources/muesli.yaml:25: evidence of fact 'muesli/acts' is not in the source text; "
        'closest passage: "it acts directly with a policy network"'
    ],
    "fact-no-card": [
        "sources/muesli.yaml:20: fact 'muesli/acts' yields no card: no template of kind "
        "'result' applies to the fields it has",
        "sources/muesli.yaml:26: fact 'muesli/other' yields no card: no template of kind "
        "'result' applies to the fields it has",
    ],
    "missing-field": [
        "sources/muesli.yaml:20: fact 'muesli/acts' is missing field 'claim' of kind 'result'"
    ],
    "no-sources": [": no sources found: expected sources/*.yaml in this folder"],
    "not-utf8": ["sources/muesli.yaml:3: not UTF-8 text (byte 0xff); save it as UTF-8"],
    "template-unused": ["templates/result.yaml:18: template 'result/why' applies to no fact"],
    "too-few-distractors": [
        f"sources/muesli.yaml:{line}: card muesli/{fact}/choice can offer 2 options, too few "
        "for multiple choice (template 'result/choice'): only 1 other 'subject' answer fits "
        "(same shape, not in the question); add 'distractors:' to the fact"
        for line, fact in ((12, "matches-muzero"), (20, "acts"), (26, "other"))
    ],
    "unknown-key": [
        "sources/muesli.yaml:25: unknown key 'evidnce' in fact 'muesli/acts'; "
        "did you mean 'evidence'?"
    ],
    "unknown-kind": ["sources/muesli.yaml:27: unknown kind 'reslt'; did you mean 'result'?"],
    "unknown-kind-key": [
        "templates/result.yaml:2: unknown key 'feilds' in a kind file; did you mean 'fields'?",
        "templates/result.yaml:4: kind 'result' has no templates",
    ],
    "unknown-placeholder": [
        "templates/result.yaml:9: front of template 'result/which' names unknown field "
        "{categroy}; did you mean 'category'?"
    ],
    "wrong-type": [
        "sources/muesli.yaml:4: 'year' of the source must be a whole number like 2021",
        "sources/muesli.yaml:29: 'subject' of fact 'muesli/other' must be text or a number",
    ],
    "yaml-syntax": ["sources/muesli.yaml:5: YAML syntax error: did not find expected ',' or ']'"],
}


def test_every_bad_fixture_is_covered() -> None:
    from test_loader_input import EXPECTED as INPUT  # hostile-input cases, checked there

    assert sorted(p.name for p in BAD.iterdir()) == sorted({*EXPECTED, *INPUT})


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_check_reports_every_problem(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD / name)
    code, out, err = run("check", ".")
    lines = err.splitlines()
    expected = [line if not line.startswith(":") else "." + line for line in EXPECTED[name]]
    if len(expected) > 1:
        expected.append(f"{len(expected)} problems found")
    assert lines == expected
    assert out == ""
    assert code == 1
    assert "Traceback" not in err


def test_check_json_lists_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD / "wrong-type")
    code, out, _ = run("check", ".", "--json")
    data = json.loads(out)
    assert code == 1
    assert data["ok"] is False
    assert data["problems"][0] == {
        "path": "sources/muesli.yaml",
        "line": 4,
        "severity": "error",
        "message": "'year' of the source must be a whole number like 2021",
    }


def test_file_over_the_size_bound(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = mini / "sources" / "big.yaml"
    big.write_text("text: '" + "x" * (5 * 1024 * 1024) + "'\n")
    monkeypatch.chdir(mini)
    code, _, err = run("check", ".")
    assert code == 1
    assert err == "sources/big.yaml: file is 5.2 MB; the limit is 5 MB\n"


def test_missing_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run("check", "nowhere")
    assert (code, err) == (1, "nowhere: no such folder\n")


def test_check_ok_summary(mini: Path) -> None:
    code, out, err = run("check", str(mini))
    assert (code, out, err) == (0, "ok: 1 sources, 3 facts, 9 cards\n", "")


def test_check_ok_json(mini: Path) -> None:
    code, out, _ = run("check", str(mini), "--json")
    assert code == 0
    assert json.loads(out) == {
        "ok": True,
        "sources": 1,
        "facts": 3,
        "cards": 9,
        "errors": 0,
        "warnings": 0,
        "problems": [],
    }


def test_cards_prints_questions_answers_and_ids(mini: Path) -> None:
    code, out, _ = run("cards", str(mini), "--kind", "result")
    assert code == 0
    assert out.startswith(
        "muesli/matches-muzero/which\n"
        "  Q: Which method matches MuZero's state-of-the-art performance on Atari without "
        "using deep search?\n"
        "  A: Muesli\n\n"
    )
    assert out.endswith("9 cards\n")


def test_cards_json_is_the_expansion(mini: Path) -> None:
    code, out, _ = run("cards", str(mini), "--json")
    cards = json.loads(out)
    assert code == 0
    assert [c["id"] for c in cards][:3] == [
        "muesli/matches-muzero/which",
        "muesli/matches-muzero/cloze",
        "muesli/matches-muzero/choice",
    ]
    choice = cards[2]
    assert choice["style"] == "choice"
    assert choice["choices"][choice["correct_choice"]] == "Muesli"


def test_cards_unknown_filter_lists_valid_values(mini: Path) -> None:
    code, _, err = run("cards", str(mini), "--source", "nope")
    assert (code, err) == (1, "--source: unknown source 'nope'; valid: muesli\n")


def test_cards_on_invalid_sources_prints_check_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD / "unknown-kind")
    code, out, err = run("cards", ".")
    assert code == 1
    assert out == ""
    assert err == "sources/muesli.yaml:27: unknown kind 'reslt'; did you mean 'result'?\n"


def test_usage_error_exits_2() -> None:
    code, _, err = run("check", "--bogus")
    assert code == 2
    assert err.endswith("Error: No such option '--bogus'.\n")


def test_version() -> None:
    from quizgen import __version__

    code, out, _ = run("--version")
    assert (code, out) == (0, f"quizgen, version {__version__}\n")


def test_every_command_has_help() -> None:
    for name, command in main.commands.items():
        assert command.help, name
        code, out, _ = run(name, "--help")
        assert code == 0
        assert out.startswith(f"Usage: quizgen {name} [OPTIONS]")


def test_default_path_prefers_local_cards_src(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (mini.parent / "cards_src").symlink_to(mini)
    monkeypatch.chdir(mini.parent)
    code, out, _ = run("check")
    assert (code, out) == (0, "ok: 1 sources, 3 facts, 9 cards\n")


def test_default_path_falls_back_to_the_bundled_deck(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("check")
    assert code == 0
    assert out.startswith("ok: 10 sources, ")


def test_a_one_shot_command_runs_without_the_cyclic_collector(monkeypatch, bundled):
    """`check` (like `build`, `handout`, ...) makes a deck of objects that live until it
    exits: collecting them only costs time. The collector comes back on after the command,
    for a caller that runs the CLI in its own process; `quiz`, which can run for an hour,
    keeps it (see the next test)."""
    import gc

    from quizgen import project

    seen: list[bool] = []
    original = project.validate

    def validate(*args, **kwargs):
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(project, "validate", validate)
    assert gc.isenabled()
    code, _, _ = run("check", str(bundled))
    assert code == 0 and seen == [False]
    assert gc.isenabled()


def test_the_quiz_keeps_the_collector_at_a_high_threshold(monkeypatch, bundled, tmp_path):
    import gc

    from quizgen import session

    seen: list[tuple[bool, tuple[int, ...]]] = []

    def run_quiz(*args, **kwargs):
        seen.append((gc.isenabled(), gc.get_threshold()))
        raise SystemExit(0)

    monkeypatch.setattr(session, "run_quiz", run_quiz)
    before = gc.get_threshold()
    run("quiz", str(bundled), "--state", str(tmp_path / "state.sqlite3"))
    assert seen == [(True, (100_000, 50, 100))]
    assert gc.isenabled() and gc.get_threshold() == before
