"""The whole pipeline up to cards: find the project, load it, expand it, collect problems."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from quizgen.errors import InputError, Problem
from quizgen.expand import expand
from quizgen.loader import load_project
from quizgen.model import Card, Project


@dataclass(frozen=True)
class Report:
    project: Project | None
    cards: list[Card]
    problems: list[Problem]


def bundled_root() -> Path:
    """The deck that ships with quizgen: cards_src/ of the repository, installed as
    quizgen/bundled/ by a wheel (see pyproject.toml)."""
    here = Path(__file__).resolve().parent
    installed = here / "bundled"
    return installed if installed.is_dir() else here.parent / "cards_src"


def resolve_root(path: Path | None) -> Path:
    """PATH when given; else ./cards_src when it exists; else the bundled deck."""
    if path is not None:
        return path
    local = Path("cards_src")
    return local if local.is_dir() else bundled_root()


def check(path: Path | None = None) -> Report:
    """Load and expand a project, gathering every problem instead of stopping at the first."""
    root = resolve_root(path)
    try:
        project, problems = load_project(root)
    except InputError as exc:
        return Report(None, [], exc.problems)
    cards, more = expand(project)
    return Report(project, cards, sorted(set(problems + more)))


def compile_project(path: Path | None = None) -> tuple[Project, list[Card]]:
    """The project and its cards; raises InputError listing every problem if there are any."""
    report = check(path)
    if report.problems or report.project is None:
        raise InputError(report.problems)
    return report.project, report.cards
