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

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C

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


@click.group(name="quizgen", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="quizgen")
def main() -> None:
    """Spaced-repetition quizzes from facts in research-paper abstracts.

    PATH is a project folder (deck.yaml, sources/, templates/). Without it, commands use
    ./cards_src when it exists, else the bundled ten-paper deck.
    """


@main.command()
@PATH_ARG
@click.option("--strict", is_flag=True, help="Treat warnings (card quality) as errors: exit 1.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def check(path: Path | None, strict: bool, as_json: bool) -> None:
    """Validate sources and templates, and the quality of every card.

    Errors (the input is wrong) and warnings (a card that teaches poorly: it gives its answer
    away, its options differ in shape, it does not say which paper it is about, ...) are
    printed as path:line: message. Exit 1 on errors, or on warnings with --strict.
    """
    from quizgen.errors import split_problems
    from quizgen.project import check as run_check

    report = run_check(path, quality=True)
    project = report.project
    errors, warnings = split_problems(report.problems)
    failed = bool(errors or (strict and warnings))
    counts = {
        "sources": len(project.sources) if project else 0,
        "facts": project.fact_count if project else 0,
        "cards": len(report.cards),
    }
    if as_json:
        emit_json(
            {
                "ok": not failed,
                **counts,
                "errors": len(errors),
                "warnings": len(warnings),
                "problems": [p.to_dict() for p in report.problems],
            }
        )
        sys.exit(1 if failed else 0)
    if errors and not warnings:
        fail(InputError(errors))
    color = use_color(sys.stderr)
    for problem in report.problems:
        click.secho(
            str(problem), err=True, fg=(("yellow" if problem.warning else "red") if color else None)
        )
    summary = f"{counts['sources']} sources, {counts['facts']} facts, {counts['cards']} cards"
    if errors:
        click.echo(f"{plural(len(errors), 'error')}, {plural(len(warnings), 'warning')}", err=True)
        sys.exit(1)
    if warnings:
        click.echo(f"{plural(len(warnings), 'warning')} ({summary})", err=True)
        if strict:
            sys.exit(1)
        return
    click.secho(f"ok: {summary}", fg="green" if use_color() else None)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


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
@PATH_ARG
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write the package here (default: dist/<deck>.apkg, creating dist/).",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
def build(path: Path | None, output: Path | None, as_json: bool) -> None:
    """Build an Anki package (.apkg) from the sources.

    Also records the build in quizgen.lock next to the sources: commit it. Re-importing a
    later build updates changed notes in place and keeps their review history; cards removed
    from the sources stay in the package, tagged quizgen::retired.
    """
    import contextlib
    import time

    from quizgen.anki import build as build_package
    from quizgen.errors import display_path
    from quizgen.project import compile_project

    status: Any = contextlib.nullcontext()
    if sys.stderr.isatty():
        from rich.console import Console

        status = Console(stderr=True).status("Building the Anki package...")
    try:
        with status:
            project, all_cards = compile_project(path)
            result = build_package(project, all_cards, output, now=time.time())
    except InputError as exc:
        fail(exc)
    if result.warning:
        click.echo(f"warning: {result.warning}", err=True)
    if as_json:
        emit_json(result.to_dict())
        return
    click.secho(
        f"wrote {display_path(result.output)}: {result.notes} notes, {result.cards} cards",
        fg="green" if use_color() else None,
    )
    click.echo(
        f"since the last build: {result.new} new, {result.changed} changed, "
        f"{result.unchanged} unchanged, {result.retired} retired"
    )
    if result.retired:
        click.echo("retired notes are tagged quizgen::retired: search for that tag in Anki")
    if result.lock_written:
        click.echo(f"recorded in {display_path(result.lock)}: commit it with the sources")


def _state_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--state",
        type=click.Path(path_type=Path, dir_okay=False),
        envvar="QUIZGEN_STATE",
        help="Review history file (default: reviews.sqlite3 in the user data folder; "
        "env QUIZGEN_STATE).",
    )(func)


def _now_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--now ISO-TIME freezes the clock: for tests and reproducible demos."""

    def parse(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
        from datetime import datetime

        if value is None:
            return None
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            raise click.BadParameter("expected an ISO time like 2026-11-26T09:00+00:00") from None
        return when if when.tzinfo else when.astimezone()

    return click.option("--now", hidden=True, callback=parse)(func)


@main.command()
@PATH_ARG
@filter_options
@click.option(
    "--new", "new_limit", type=click.IntRange(min=0), default=20, show_default=True,
    help="New cards to introduce per day.",
)  # fmt: skip
@click.option(
    "--limit", type=click.IntRange(min=1), default=200, show_default=True,
    help="Stop after this many answers.",
)  # fmt: skip
@click.option(
    "--mode", type=click.Choice(["type", "flip"]), default="type", show_default=True,
    help="type: type the answer (or pick a choice); flip: recall it, show it, rate yourself.",
)  # fmt: skip
@click.option(
    "--retention", type=click.FloatRange(0.7, 0.99), default=0.9, show_default=True,
    help="Desired retention: the chance of recall FSRS schedules each review for.",
)  # fmt: skip
@_state_option
@_now_option
def quiz(
    path: Path | None,
    sources: tuple[str, ...],
    kinds: tuple[str, ...],
    tags: tuple[str, ...],
    new_limit: int,
    limit: int,
    mode: str,
    retention: float,
    state: Path | None,
    now: Any,
) -> None:
    """Study due cards in the terminal, scheduled with FSRS.

    Due cards come first, then new ones. Type the answer (checked leniently), pick a choice
    with 1-4 or a-d, then rate yourself 1-4 (Again, Hard, Good, Easy) or press Enter to take
    the proposed rating. Every answer is saved at once; stop with Ctrl-C or Ctrl-D. When stdin
    is not a terminal, answers are read one per line. See docs/quiz.md.
    """
    from quizgen.clock import frozen_clock, system_clock
    from quizgen.session import describe_due, run_quiz

    try:
        result = run_quiz(
            path,
            state=state,
            sources=sources,
            kinds=kinds,
            tags=tags,
            new_limit=new_limit,
            limit=limit,
            mode=mode,
            retention=retention,
            clock=frozen_clock(now) if now else system_clock,
            color=use_color(),
        )
    except InputError as exc:
        fail(exc)
    summary = result.summary
    if summary is None:
        if new_limit == 0:
            why = " (new cards are off: --new 0)."
        elif result.plan.new_today >= new_limit:
            why = f" and today's {new_limit} new cards are done."
        else:
            why = " and there are no new cards."
        click.echo(f"Nothing to study now: no card is due{why}")
        click.echo(f"Next due: {describe_due(result.next_due, result.now)}")
        return
    if summary.error is not None:
        fail(summary.error)
    sys.exit(EXIT_INTERRUPTED if summary.interrupted else 0)


@main.command()
@PATH_ARG
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@_state_option
@_now_option
def stats(
    path: Path | None,
    sources: tuple[str, ...],
    kinds: tuple[str, ...],
    tags: tuple[str, ...],
    as_json: bool,
    state: Path | None,
    now: Any,
) -> None:
    """Show review statistics and a due forecast.

    Cards by phase (new, learning, review, relearning), retention so far, and the cards due
    each day for the next 30 days, drawn as a chart. Reads the review history; never creates it.
    """
    from quizgen.clock import system_clock
    from quizgen.stats import gather, render, to_dict

    try:
        report = gather(
            path, state=state, now=now or system_clock(), sources=sources, kinds=kinds, tags=tags
        )
    except InputError as exc:
        fail(exc)
    if as_json:
        emit_json(to_dict(report))
        return
    color = use_color()
    colors = {"head": {"bold": True}, "muted": {"dim": True}, "bar": {"fg": "cyan"}}

    def paint(text: str, style: str) -> str:
        return click.style(text, **colors[style]) if color else text  # type: ignore[arg-type]

    fancy = (sys.stdout.encoding or "").lower().replace("-", "") == "utf8"
    for line in render(report, fancy=fancy, paint=paint):
        click.echo(line)


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
    import contextlib
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
    bar = None
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import Progress

        bar = Progress(console=Console(stderr=True), transient=True)
    try:
        with bar or contextlib.nullcontext():
            task = bar.add_task("Rendering handouts", total=None) if bar else None

            def tick(done: int, total: int) -> None:
                if bar is not None and task is not None:
                    bar.update(task, completed=done, total=total)

            outputs = write_handouts(path, options, fmt, output, sources, kinds, tags, tick)
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
