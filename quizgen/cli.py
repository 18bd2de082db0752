"""The command line: parses options, calls the library, prints. Heavy imports stay lazy."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from quizgen import __version__
from quizgen.errors import InputError

PATH_ARG = click.argument(
    "path", required=False, type=click.Path(path_type=Path, file_okay=True, dir_okay=True)
)


def use_color(stream: Any = None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def fail(exc: InputError) -> NoReturn:
    """Print every problem as `path:line: message` on stderr and exit 1."""
    color = use_color(sys.stderr)
    for problem in exc.problems:
        click.secho(str(problem), err=True, fg="red" if color else None)
    if len(exc.problems) > 1:
        click.echo(f"{len(exc.problems)} problems found", err=True)
    sys.exit(1)


def filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--source/--kind/--tag, each repeatable, for commands that choose cards."""
    for name in ("tag", "kind", "source"):
        func = click.option(
            f"--{name}",
            f"{name}s",
            multiple=True,
            metavar=name.upper(),
            help=f"Only cards of this {name} (repeatable).",
        )(func)
    return func


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="quizgen")
def main() -> None:
    """Spaced-repetition quizzes from facts in research-paper abstracts.

    PATH is a project folder (deck.yaml, sources/, templates/). Without it, commands use
    ./cards_src when it exists, else the bundled ten-paper deck.
    """


@main.command()
@PATH_ARG
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def check(path: Path | None, as_json: bool) -> None:
    """Validate sources and templates; report every problem as path:line: message."""
    from quizgen.project import check as run_check

    report = run_check(path)
    project = report.project
    counts = {
        "sources": len(project.sources) if project else 0,
        "facts": project.fact_count if project else 0,
        "cards": len(report.cards),
    }
    if as_json:
        emit_json(
            {
                "ok": not report.problems,
                **counts,
                "problems": [p.to_dict() for p in report.problems],
            }
        )
        sys.exit(1 if report.problems else 0)
    if report.problems:
        fail(InputError(report.problems))
    click.secho(
        f"ok: {counts['sources']} sources, {counts['facts']} facts, {counts['cards']} cards",
        fg="green" if use_color() else None,
    )


@main.command()
@PATH_ARG
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print the cards as JSON.")
def cards(
    path: Path | None,
    sources: tuple[str, ...],
    kinds: tuple[str, ...],
    tags: tuple[str, ...],
    as_json: bool,
) -> None:
    """Print the expanded cards (question, answer, card id) for eyeballing."""
    from quizgen.project import compile_project
    from quizgen.select import select

    try:
        _, all_cards = compile_project(path)
        chosen = select(all_cards, sources, kinds, tags)
    except InputError as exc:
        fail(exc)
    if as_json:
        emit_json([c.to_dict() for c in chosen])
        return
    color = use_color()
    for card in chosen:
        click.secho(card.id, fg="cyan" if color else None, bold=color)
        click.echo(f"  Q: {card.front}")
        for letter, option in zip("abcdefgh", card.choices, strict=False):
            click.echo(f"     {letter}) {option}")
        click.echo(f"  A: {card.back}")
        click.echo()
    click.echo(f"{len(chosen)} cards")


@main.command()
def build() -> None:
    """Build an Anki package (.apkg) from the sources."""
    raise click.UsageError("not yet implemented")


@main.command()
def quiz() -> None:
    """Study due cards in the terminal, scheduled with FSRS."""
    raise click.UsageError("not yet implemented")


@main.command()
def stats() -> None:
    """Show review statistics and a due forecast."""
    raise click.UsageError("not yet implemented")


@main.command()
@PATH_ARG
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "pdf"]),
    help="Output format [default: from the -o file's extension, else pdf].",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File to write [default: handout.<format> here]. Variants and a separate key add "
    "-A, -B, … and -key before the extension.",
)
@filter_options
@click.option(
    "--count",
    type=int,
    help="Ask N questions, balanced across the chosen papers [default: one per fact].",
)
@click.option("--shuffle", is_flag=True, help="Mix the papers' questions instead of grouping.")
@click.option(
    "--answers",
    type=click.Choice(["end", "separate", "none"]),
    default="end",
    show_default=True,
    help="Answer key on its own page at the end, in a second file (NAME-key), or left out.",
)
@click.option(
    "--variants",
    type=int,
    default=1,
    show_default=True,
    help="Write N versions (A, B, …) with their own question and option order.",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed for choosing and ordering; the same seed gives the same files.",
)
@click.option(
    "--paper",
    type=click.Choice(["a4", "letter"]),
    default="a4",
    show_default=True,
    help="Page size for PDF and for printing the HTML.",
)
@click.option("--title", default="", help="Title [default: the deck's title].")
@click.option(
    "--date",
    "on",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Date printed on the handout, YYYY-MM-DD [default: today].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the files written as JSON.")
def handout(
    path: Path | None,
    fmt: str | None,
    output: Path | None,
    sources: tuple[str, ...],
    kinds: tuple[str, ...],
    tags: tuple[str, ...],
    count: int | None,
    shuffle: bool,
    answers: str,
    variants: int,
    seed: int,
    paper: str,
    title: str,
    on: Any,
    as_json: bool,
) -> None:
    """Write a printable handout (Markdown, HTML or PDF) with an answer key."""
    import datetime

    from quizgen.handout import Options, write_handouts

    options = Options(
        date=on.date() if on else datetime.date.today(),
        count=count,
        shuffle=shuffle,
        answers=answers,  # type: ignore[arg-type]
        variants=variants,
        seed=seed,
        title=title,
        paper=paper,  # type: ignore[arg-type]
    )
    try:
        outputs = write_handouts(path, options, fmt, output, sources, kinds, tags)
    except InputError as exc:
        fail(exc)
    if as_json:
        emit_json(
            [
                {
                    "path": str(o.path),
                    "variant": o.document.variant,
                    "questions": [q.card_id for q in o.document.questions],
                    "key": o.document.show_key,
                }
                for o in outputs
            ]
        )
        return
    for o in outputs:
        n = len(o.document.questions)
        what = "answer key" if not o.document.show_questions else f"{n} questions"
        click.echo(f"wrote {o.path} ({what})")
