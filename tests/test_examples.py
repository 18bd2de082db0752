"""The example projects under examples/: clean under `quizgen check --strict`, with full
multiple-choice cards, and documented."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from quizgen.cli import main
from quizgen.project import compile_project
from quizgen.text import squash

PAPERS2 = Path(__file__).parent.parent / "examples" / "papers2"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_check_strict_is_clean() -> None:
    code, out, err = run("check", "--strict", str(PAPERS2))
    assert (code, out, err) == (0, "ok: 5 sources, 47 facts, 161 cards\n", "")


def test_every_multiple_choice_card_has_four_options() -> None:
    code, out, _ = run("cards", str(PAPERS2), "--json")
    assert code == 0
    cards = json.loads(out)
    choice = [c for c in cards if c["style"] == "choice"]
    short = [c["id"] for c in choice if len(c["choices"]) < 4]
    assert short == []
    # Every kind has one multiple-choice template, so every fact has its card.
    assert len(choice) == 47
    assert all(c["choices"][c["correct_choice"]] == c["answer"] for c in choice)


def test_every_style_is_present() -> None:
    _, cards = compile_project(PAPERS2)
    styles = {c.style for c in cards}
    assert styles == {"basic", "cloze", "choice"}
    assert any(c.typed for c in cards)


def test_every_evidence_quote_is_in_its_abstract() -> None:
    project, _ = compile_project(PAPERS2)
    for source in project.sources:
        text = squash(source.text)
        assert 6 <= len(source.facts) <= 12, source.id
        for fact in source.facts:
            for quote in fact.evidence:
                assert squash(quote) in text, f"{source.id}/{fact.id}: {quote}"


def test_readme_says_where_every_abstract_comes_from() -> None:
    project, _ = compile_project(PAPERS2)
    readme = (PAPERS2 / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Where each abstract comes from", 1)[1]
    for source in project.sources:
        assert f"**{source.id}** ({source.arxiv})" in section, source.id
