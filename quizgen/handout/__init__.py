"""Printable study-group handouts: Markdown, HTML and PDF, with answer keys and variants.

`layout` decides everything about content (which questions, their order, the key); one writer
module per format turns a `layout.Document` into bytes; this module names the files and writes
them, atomically and only once every file has rendered. Writers are imported when used, so
fpdf loads only for PDFs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from quizgen.errors import InputError
from quizgen.fsutil import atomic_write, check_output_path
from quizgen.handout.layout import Document, Options, parts, plan
from quizgen.model import Card, Project

EXTENSIONS = {"md": ".md", "html": ".html", "pdf": ".pdf"}
_WRITERS = {
    "md": "quizgen.handout.markdown",
    "html": "quizgen.handout.html",
    "pdf": "quizgen.handout.pdf",
}

__all__ = ["EXTENSIONS", "Options", "Output", "default_output", "render_handouts", "write_handouts"]


@dataclass(frozen=True)
class Output:
    """One file to write: where, what it shows, and its bytes."""

    path: Path
    document: Document
    data: bytes


_SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf"}


def choose_format(fmt: str | None, out: Path | None) -> str:
    """The format asked for; else the one the output file's extension names; else PDF."""
    if fmt:
        return fmt
    return _SUFFIXES.get(out.suffix.lower(), "pdf") if out is not None else "pdf"


def default_output(fmt: str) -> Path:
    """handout.md, handout.html or handout.pdf in the working folder."""
    return Path("handout" + EXTENSIONS[fmt])


def file_name(out: Path, variant: str, suffix: str) -> Path:
    """quiz.pdf → quiz.pdf, quiz-key.pdf, quiz-A.pdf, quiz-A-key.pdf."""
    tail = (f"-{variant}" if variant else "") + suffix
    return out.with_name(f"{out.stem}{tail}{out.suffix}") if tail else out


def render(doc: Document, fmt: str) -> bytes:
    """One document in one format."""
    writer = importlib.import_module(_WRITERS[fmt])
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
        for doc in plan(project, cards, options)
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

    Checks the options and the output folder before loading anything and every file before
    writing any, so bad input writes nothing. Raises InputError listing the problems."""
    from quizgen.project import compile_project
    from quizgen.select import select

    fmt = choose_format(fmt, out)
    out = out if out is not None else default_output(fmt)
    problems = options.problems()
    try:
        check_output_path(out)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    project, all_cards = compile_project(path)
    chosen = select(all_cards, sources, kinds, tags)
    if pick is not None:
        chosen = pick(chosen)
    outputs = render_handouts(project, chosen, options, fmt, out, progress)
    for output in outputs:
        check_output_path(output.path)
    for output in outputs:
        atomic_write(output.path, output.data)
    return outputs
