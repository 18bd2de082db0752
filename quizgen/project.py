"""The whole pipeline up to cards: find the project, load it, expand it, collect problems."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from quizgen.errors import InputError, Problem

if TYPE_CHECKING:  # the pipeline's modules load when a project is compiled, not before
    from quizgen.cache import Sources
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
    return _validate(resolve_root(path), quality=quality)


def _validate(root: Path, *, quality: bool = False, store: Sources | None = None) -> Report:
    from quizgen import checks
    from quizgen.loader import load_project

    try:
        project, problems = load_project(root, store.read if store is not None else None)
    except InputError as exc:
        return Report(None, [], exc.problems)
    complete = not any(not p.warning for p in problems)
    if store is None:
        cards, more = cards_of(project, complete=complete)
    else:
        from quizgen.expand import draft, expand

        drafts = store.drafts(project)
        reused = set(drafts)
        for source in project.sources:
            if source.id not in drafts:
                drafts[source.id] = draft(project, source)
        expanded = expand(project, drafts)
        # An unchanged paper whose cards had no problem and kept their options is checked
        # only against the others' questions.
        settled = {
            source_id: drafts[source_id].keys
            for source_id in reused
            if drafts[source_id].fit and not drafts[source_id].redrawn
        }
        cards, more = checks.structural(project, expanded, complete=complete, settled=settled)
        with_problems = {problem.path for problem in more}
        for source in project.sources:
            made = drafts[source.id]
            fit = source.path not in with_problems
            if made.fit is not fit:
                made.fit = fit
                made.redrawn = True  # (so that it is stored)
        store.drafted(drafts)
    if quality and not any(not p.warning for p in problems + more):
        more += checks.quality(project, cards)
    _forget_memos()
    return Report(project, cards, sorted(set(problems + more)))


def _forget_memos() -> None:
    """Empty the memos a compilation fills (text folded, shapes of values): full at 100k
    facts, they hold 20 MB that nothing reads again, while a build's peak of memory is still
    to come (its notes, the lock, the package's rows)."""
    from quizgen.distractors import shape_of
    from quizgen.text import fold

    fold.cache_clear()
    shape_of.cache_clear()


def cards_of(project: Project, *, complete: bool = True) -> tuple[list[Card], list[Problem]]:
    """The usable cards of a loaded project and the problems that keep others out (see
    `checks.structural`)."""
    from quizgen import checks
    from quizgen.expand import expand

    return checks.structural(project, expand(project), complete=complete)


def compile_project(
    path: Path | None = None, *, cached: bool = False, remember: bool = True
) -> tuple[Project, list[Card]]:
    """The project and its cards; raises InputError listing every problem if there are any.

    cached=True reuses what unchanged files compiled to (see quizgen.cache): the last
    compilation of the whole project when no file changed, else each unchanged source's
    loading and drafts. For the commands run daily on the same deck; `quizgen check` always
    starts afresh. A project with problems is never cached. remember=False stores only the
    per-source entries, not the whole compilation, whose writing costs a build more than it
    saves it (the next quiz stores it)."""
    root = resolve_root(path)
    if not (cached and root.is_dir()):
        return _compiled(_validate(root))
    from quizgen import cache

    digests = cache.input_digests(root)
    project, cards, store = compile_cached(root, digests=digests)
    if remember:
        remember_compiled(root, digests, project, cards, store)
    elif store is not None:
        store.save(project)
    return project, cards


def remember_compiled(
    root: Path,
    digests: dict[Path, str],
    project: Project,
    cards: list[Card],
    store: Sources | None,
) -> None:
    """Store what `compile_cached(root, digests=digests)` returned: the whole compilation,
    unless a file changed since `digests` were taken (what was compiled is then not what
    their key says), and the per-source entries. `compile_project(root, cached=True)` does it
    at once; the quiz, once its first question is out. Never fails."""
    from quizgen import cache

    if store is None:  # (the compilation came from the cache)
        return
    if cache.input_digests(root) == digests:
        cache.save(root, cache.fingerprint(root, digests), project, cards)
    store.save(project)


def compile_cached(
    root: Path, *, digests: dict[Path, str] | None = None
) -> tuple[Project, list[Card], Sources | None]:
    """`compile_project(root, cached=True)`, but nothing is stored: the caller stores the
    per-source entries (`store.save`: a build keeps the notes it makes beside them) and the
    whole compilation if it wants it (`remember_compiled`; a build does not, its writing costs
    a build more than it saves it). The store is None when the whole compilation came from
    the cache. `digests`: the input files' digests (`cache.input_digests`), when the caller
    has them already."""
    from quizgen import cache

    digests = cache.input_digests(root) if digests is None else digests
    key = cache.fingerprint(root, digests)
    hit = cache.load(root, key)
    if hit is not None:
        return hit[0], hit[1], None
    store = cache.Sources(root, digests)
    project, cards = _compiled(_validate(root, store=store))
    return project, cards, store


def _compiled(report: Report) -> tuple[Project, list[Card]]:
    errors = [p for p in report.problems if not p.warning]
    if errors or report.project is None:
        raise InputError(errors)
    return report.project, report.cards
