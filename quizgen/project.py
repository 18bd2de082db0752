"""The whole pipeline up to cards: find the project, load it, expand it, collect problems."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from quizgen import checks
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


def validate(path: Path | None = None, *, quality: bool = False) -> Report:
    """Load and expand a project, gathering every problem instead of stopping at the first.

    quality=True adds the card-quality warnings of `quizgen.checks` (what `quizgen check`
    reports); warnings never stop the other commands."""
    root = resolve_root(path)
    try:
        project, problems = load_project(root)
    except InputError as exc:
        return Report(None, [], exc.problems)
    cards, more = cards_of(project, complete=not any(not p.warning for p in problems))
    if quality and not any(not p.warning for p in problems + more):
        more += checks.quality(project, cards)
    return Report(project, cards, sorted(set(problems + more)))


def cards_of(project: Project, *, complete: bool = True) -> tuple[list[Card], list[Problem]]:
    """The usable cards of a loaded project and the problems that keep others out (see
    `checks.structural`)."""
    return checks.structural(project, expand(project), complete=complete)


def compile_project(
    path: Path | None = None, *, cached: bool = False
) -> tuple[Project, list[Card]]:
    """The project and its cards; raises InputError listing every problem if there are any.

    cached=True reuses the last compilation of unchanged files (see quizgen.cache): for the
    commands run daily on the same deck. A project with problems is never cached."""
    root = resolve_root(path)
    key = None
    if cached and root.is_dir():
        from quizgen import cache

        key = cache.fingerprint(root)
        hit = cache.load(root, key)
        if hit is not None:
            return hit
    report = validate(root)
    errors = [p for p in report.problems if not p.warning]
    if errors or report.project is None:
        raise InputError(errors)
    if key is not None:
        cache.save(root, key, report.project, report.cards)
    return report.project, report.cards
