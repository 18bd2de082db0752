"""The bundled deck: valid, big enough, and true to ../shared/papers/abstracts.yaml."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from quizgen.project import bundled_root, compile_project
from quizgen.text import squash

REPO = Path(__file__).parent.parent
GROUND_TRUTH = REPO.parent / "shared" / "papers" / "abstracts.yaml"


@pytest.fixture(scope="module")
def deck():  # type: ignore[no-untyped-def]
    return compile_project(REPO / "cards_src")


def test_bundled_root_is_the_repository_deck() -> None:
    assert bundled_root().resolve() == (REPO / "cards_src").resolve()


def test_sizes(deck) -> None:  # type: ignore[no-untyped-def]
    project, cards = deck
    assert len(project.sources) == 10
    assert all(len(s.facts) >= 6 for s in project.sources)
    assert len(cards) >= 250
    assert len(project.kinds) >= 4
    for kind in project.kinds.values():
        assert len(kind.templates) >= 3
        assert any(t.cloze for t in kind.templates), kind.name
        # A bound (">99%", "fewer than 200") has no safely wrong option of its own shape:
        # "fewer than 2,000" is as true as "fewer than 200". Every other kind asks by choice.
        assert any(t.choices for t in kind.templates) != (kind.name == "bound"), kind.name


def test_every_choice_card_has_four_options(deck) -> None:  # type: ignore[no-untyped-def]
    project, cards = deck
    choice = [c for c in cards if c.choices]
    assert choice
    assert all(len(c.choices) == 4 for c in choice)
    # Every fact that gets a multiple-choice card says which wrong options to offer: drawn
    # ones (other facts' answers) read as answers to other questions and are ruled out.
    facts = {f"{s.id}/{f.id}": f for s in project.sources for f in s.facts}
    assert all(facts[c.fact_id].distractors for c in choice)


def test_every_kind_and_template_is_used(deck) -> None:  # type: ignore[no-untyped-def]
    project, cards = deck
    used = Counter((c.kind, c.template) for c in cards)
    for kind in project.kinds.values():
        for template in kind.templates:
            assert used[kind.name, template.id] > 0


def test_the_two_examples_from_the_brief(deck) -> None:  # type: ignore[no-untyped-def]
    _, cards = deck
    by_id = {c.id: c for c in cards}
    muesli = by_id["muesli/matches-muzero/which"]
    assert muesli.answer == "Muesli"
    assert "MuZero" in muesli.front and "without using deep search" in muesli.front
    gemini = [c for c in cards if c.source == "gemini-1.5" and c.answer == ">99%"]
    assert gemini, "the >99% retrieval fact is missing"
    assert any("10M tokens" in c.front for c in gemini)


@pytest.mark.skipif(not GROUND_TRUTH.exists(), reason="needs ../shared/papers/abstracts.yaml")
def test_sources_match_the_ground_truth(deck) -> None:  # type: ignore[no-untyped-def]
    project, _ = deck
    papers = {p["id"]: p for p in yaml.safe_load(GROUND_TRUTH.read_text(encoding="utf-8"))}
    assert {s.id for s in project.sources} == set(papers)
    for source in project.sources:
        paper = papers[source.id]
        assert source.title == paper["title"]
        assert source.authors == paper["authors"]
        assert source.year == paper["year"]
        assert source.arxiv == str(paper["arxiv"])
        assert squash(source.text) == squash(paper["abstract"])
        for fact in source.facts:
            for quote in fact.evidence:
                assert quote in squash(paper["abstract"]), f"{source.id}/{fact.id}"


def test_no_unrendered_markup(deck) -> None:  # type: ignore[no-untyped-def]
    _, cards = deck
    for card in cards:
        for text in (card.front, card.back, *card.choices):
            assert text and "{" not in text and "}" not in text, card.id


def test_committed_lock_matches_the_sources(tmp_path: Path) -> None:
    """cards_src/quizgen.lock records every bundled card: editing the deck without running
    `quizgen build` (and committing the lock) would stamp students' notes with new times."""
    import shutil

    from quizgen.anki import build

    copy = tmp_path / "cards_src"
    shutil.copytree(REPO / "cards_src", copy)
    project, cards = compile_project(copy)
    result = build(project, cards, tmp_path / "deck.apkg", now=0.0)
    # Notes of removed cards stay in the lock as retired; none may be newly retired here.
    assert (result.new, result.changed, result.newly_retired) == (0, 0, 0)
    assert result.unchanged == len(cards)
    assert not result.lock_written
