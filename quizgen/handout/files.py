"""The files of a handout: their names, their bytes, and writing them.

`layout` decides everything about content; one writer module per format turns a
`layout.Document` into bytes; this module names the files, checks that every one may be
written (`quizgen.outputs`), renders them all, and only then writes them, each atomically.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from quizgen.errors import InputError
from quizgen.fsutil import atomic_write
from quizgen.handout.layout import Document, file_suffixes, lay_out, parts
from quizgen.handout.options import DEFAULT_FORMAT, FORMATS, LETTERS, Options
from quizgen.model import Card, Project
from quizgen.outputs import check_output

__all__ = [
    "Output",
    "choose_format",
    "default_output",
    "file_name",
    "output_paths",
    "render_handouts",
    "write_handouts",
]

_BY_SUFFIX = {suffix: f.name for f in FORMATS.values() for suffix in f.suffixes}


@dataclass(frozen=True)
class Output:
    """One file to write: where, what it shows, and its bytes."""

    path: Path
    document: Document
    data: bytes


def choose_format(fmt: str | None, out: Path | None) -> str:
    """The format asked for; else the one the output file's extension names; else PDF."""
    if fmt:
        return fmt
    if out is None:
        return DEFAULT_FORMAT
    return _BY_SUFFIX.get(out.suffix.lower(), DEFAULT_FORMAT)


def default_output(fmt: str) -> Path:
    """handout.md, handout.html or handout.pdf in the working folder."""
    return Path("handout" + FORMATS[fmt].extension)


def file_name(out: Path, variant: str, suffix: str) -> Path:
    """quiz.pdf → quiz.pdf, quiz-key.pdf, quiz-A.pdf, quiz-A-key.pdf."""
    tail = (f"-{variant}" if variant else "") + suffix
    return out.with_name(f"{out.stem}{tail}{out.suffix}") if tail else out


def output_paths(out: Path, options: Options) -> list[Path]:
    """Every file the options make, in the order they are written: known before any card is
    looked at, so that each can be checked first."""
    variants = LETTERS[: options.variants] if options.variants > 1 else [""]
    suffixes = file_suffixes(options.answers)
    return [file_name(out, variant, suffix) for variant in variants for suffix in suffixes]


def render(doc: Document, fmt: str) -> bytes:
    """One document in one format."""
    writer = importlib.import_module(FORMATS[fmt].writer)
    data: bytes = writer.render(doc)
    return data


Progress = Callable[[int, int], None]


def render_handouts(
    project: Project,
    cards: Sequence[Card],
    options: Options,
    fmt: str,
    out: Path,
    progress: Progress | None = None,
) -> list[Output]:
    """Every file the options ask for, rendered in memory; nothing is written.

    `progress(done, total)` is called as each file is rendered."""
    todo = [
        (file_name(out, doc.variant, suffix), part)
        for doc in lay_out(project, cards, options)
        for suffix, part in parts(doc, options.answers)
    ]
    outputs = []
    for path, part in todo:
        outputs.append(Output(path, part, render(part, fmt)))
        if progress is not None:
            progress(len(outputs), len(todo))
    return outputs


def write_handouts(
    path: Path | None,
    options: Options,
    fmt: str | None = None,
    out: Path | None = None,
    sources: Sequence[str] = (),
    kinds: Sequence[str] = (),
    tags: Sequence[str] = (),
    progress: Progress | None = None,
    pick: Callable[[list[Card]], list[Card]] | None = None,
) -> list[Output]:
    """Load the project at `path`, choose cards, render every file, then write them all.

    `fmt` None: see `choose_format`; `out` None: `default_output`; `progress` as for
    `render_handouts`; `pick`, when given, narrows the selected cards further (for example
    `weakest.Weakest`, the facts a group remembers worst).

    Checks the options and every file it would write (`quizgen.outputs.check_output`: never
    the project's own files, never a file that is not an earlier handout) before loading
    anything, so bad input writes nothing. Raises InputError listing the problems."""
    from quizgen.filters import filter_cards
    from quizgen.project import compile_project, resolve_root

    fmt = choose_format(fmt, out)
    out = out if out is not None else default_output(fmt)
    problems = options.problems()
    root = resolve_root(path)
    for target in output_paths(out, options):
        try:
            check_output(target, "handout", root)
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    project, all_cards = compile_project(root, cached=True)
    chosen = filter_cards(all_cards, sources, kinds, tags)
    if pick is not None:
        chosen = pick(chosen)
    outputs = render_handouts(project, chosen, options, fmt, out, progress)
    for output in outputs:
        check_output(output.path, "handout", root)
    for output in outputs:
        atomic_write(output.path, output.data)
    return outputs
