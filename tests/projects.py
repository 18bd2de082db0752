"""Small projects written on the fly, for tests of one rule each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from quizgen.loader import load_project
from quizgen.model import Card, Project
from quizgen.project import cards_of

ITEM_KIND = {
    "kind": "item",
    "fields": {"category": "text", "thing": "text", "answer": "text", "items": "list?"},
    "templates": [
        {
            "id": "choice",
            "front": "In {paper}, which {category} is {thing}?",
            "answer": "answer",
            "choices": 4,
        }
    ],
}


def write_project(
    root: Path, sources: list[dict[str, Any]], kinds: list[dict[str, Any]] | None = None
) -> Path:
    """A project folder with these sources (each a dict as its YAML would read) and kinds.

    A source's `text` defaults to the concatenation of its facts' evidence; a fact's evidence
    defaults to 'e-<fact id>'."""
    (root / "sources").mkdir(parents=True)
    (root / "templates").mkdir()
    (root / "deck.yaml").write_text("title: T\n")
    for kind in kinds or [ITEM_KIND]:
        (root / "templates" / f"{kind['kind']}.yaml").write_text(yaml.safe_dump(kind))
    for i, source in enumerate(sources):
        source = {
            "id": f"p{i}",
            "title": f"Paper {i}",
            "authors": f"Ann Author{i}, Bo Cee, Cy Dee",
            "year": 2000 + i,
            "arxiv": f"{i}",
            **source,
        }
        for fact in source["facts"]:
            fact.setdefault("evidence", f"e-{fact['id']}")
        source.setdefault("text", " ".join(str(f["evidence"]) for f in source["facts"]))
        (root / "sources" / f"{source['id']}.yaml").write_text(yaml.safe_dump(source))
    return root


def item(fid: str, answer: str, category: str = "model", **extra: Any) -> dict[str, Any]:
    return {"id": fid, "kind": "item", "category": category, "thing": f"thing {fid}",
            "answer": answer, **extra}  # fmt: skip


def compile_(root: Path) -> tuple[Project, list[Card], list[str]]:
    project, problems = load_project(root)
    cards, more = cards_of(project)
    return project, cards, [str(p).split(": ", 1)[1] for p in problems + more]


def card(cards: list[Card], card_id: str) -> Card:
    return next(c for c in cards if c.id == card_id)
