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
def handout() -> None:
    """Write a printable handout (Markdown, HTML or PDF) with an answer key."""
    raise click.UsageError("not yet implemented")
