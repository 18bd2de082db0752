"""The command line: parses options, calls the library, prints. Heavy imports stay lazy."""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from quizgen import __version__
from quizgen.errors import InputError
from quizgen.handout.options import ANSWERS, FORMATS, PAPER_SIZES
from quizgen.text import plural

# The library names the settings it checks (`count`, `source`); here each is worded as the
# option that sets it. A setting with no option here (`selection`) keeps its own name.
OPTION_NAMES = {
    name: f"--{name}" for name in ("source", "kind", "tag", "count", "variants", "answers", "paper")
}

if TYPE_CHECKING:
    from collections.abc import Sequence

    from quizgen.handout.weakest import FactRecall

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
    exc = exc.worded(OPTION_NAMES)
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
    # Process-wide policy, set once here and nowhere in the library: a compiled deck is
    # hundreds of thousands of small objects with no reference cycles, alive until the
    # command ends. The cyclic collector rescans them and frees nothing: at the default
    # threshold (700), ~15% of `check` at 10k facts; even at 100,000 young objects, a tenth
    # of a build at 100k facts (each pass touches a heap ten times larger), the same peak
    # memory either way. So a command that does a fixed piece of work and exits runs
    # without it. `quiz` can run for an hour of answers, so the collector stays on, rarely.
    ctx = click.get_current_context()
    if ctx.invoked_subcommand == "quiz":
        gc.set_threshold(100_000, 50, 100)
        ctx.call_on_close(lambda: gc.set_threshold(*_GC_THRESHOLDS))
    elif gc.isenabled():
        gc.disable()
        ctx.call_on_close(gc.enable)  # (for a caller that invokes the CLI in its process)


_GC_THRESHOLDS = gc.get_threshold()


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
    from quizgen.project import validate

    report = validate(path, quality=True)
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
    from quizgen.filters import filter_cards
    from quizgen.project import compile_project

    try:
        _, all_cards = compile_project(path)
        chosen = filter_cards(all_cards, sources, kinds, tags)
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


@main.command(
    epilog="Examples:\n\n\b\n"
    "  quizgen grade hindsight-modelling/count-atari-games/ask 'fifty-seven games'\n"
    "  printf 'muesli/matches-muzero/which\\tMuesly\\n' | quizgen grade - cards_src --json",
)
@click.argument("card_id", metavar="CARD_ID")
@click.argument("rest", nargs=-1, metavar="ANSWER [PATH]")
@click.option("--json", "as_json", is_flag=True, help="Print each result as JSON.")
def grade(card_id: str, rest: tuple[str, ...], as_json: bool) -> None:
    """Grade a typed answer against a card, as the quiz would.

    For authors trying out aliases and answers.

    Prints the verdict (correct, close, partial, wrong, self or empty), the rating the quiz
    would propose and a note; for a sentence answer (self) also the word diff, missing words
    as [-...-] and extra ones as {+...+}. Multiple-choice cards take the option's text,
    number or letter. The review history is never read or written.

    With - in place of CARD_ID ANSWER, reads CARD_ID<TAB>ANSWER lines from stdin and prints
    one result a line (with --json, one JSON object a line). A malformed line or an unknown
    card id is an error (exit 1) before anything is graded.
    """
    from quizgen.grading import find_card, read_answers
    from quizgen.grading import grade as grade_answer
    from quizgen.project import compile_project

    batch = card_id == "-"
    if len(rest) > (1 if batch else 2) or (not batch and not rest):
        usage = "- [PATH]" if batch else "CARD_ID ANSWER [PATH]"
        raise click.UsageError(f"expected {usage}")
    path_arg = rest[0] if batch and rest else (rest[1] if not batch and len(rest) == 2 else None)
    path = Path(path_arg) if path_arg is not None else None
    try:
        _, all_cards = compile_project(path)
        by_id = {c.id: c for c in all_cards}
        # Every line is read and checked before the first is graded.
        pairs = read_answers(sys.stdin, by_id) if batch else [(find_card(by_id, card_id), rest[0])]
    except InputError as exc:
        fail(exc)
    for card, answer in pairs:
        verdict = grade_answer(card, answer)
        result = {"card": card.id, "answer": answer, **verdict.to_dict()}
        if as_json and batch:
            click.echo(json.dumps(result, ensure_ascii=False))
        elif as_json:
            emit_json(result)
        else:
            click.echo(
                f"{card.id}\t{describe_verdict(verdict)}" if batch else describe_verdict(verdict)
            )
            if verdict.diff and not batch:
                from quizgen.grading import render_diff

                click.echo(f"compared: {render_diff(verdict.diff)}")


def describe_verdict(verdict: Any) -> str:
    """One line: `close (proposed: Hard): exactly: >99%`."""
    rating = verdict.rating
    proposed = (
        f"proposed: {rating.label}" if rating is not None else "no proposal: rate it yourself"
    )
    return f"{verdict.name} ({proposed})" + (f": {verdict.note}" if verdict.note else "")


@main.command()
@PATH_ARG
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write the package here (default: dist/<deck>.apkg, creating dist/).",
)
@click.option(
    "--with-progress",
    is_flag=True,
    help="Also write the terminal's scheduling and review log (from --state), for Anki's "
    '"Import any learning progress". See docs/build.md.',
)
@click.option(
    "--state",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="QUIZGEN_STATE",
    help="Review history for --with-progress (default: reviews.sqlite3 in the user data "
    "folder; env QUIZGEN_STATE). It must exist.",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@click.pass_context
def build(
    ctx: click.Context,
    path: Path | None,
    output: Path | None,
    with_progress: bool,
    state: Path | None,
    as_json: bool,
) -> None:
    """Build an Anki package (.apkg) from the sources.

    Also records the build in quizgen.lock next to the sources: commit it. Re-importing a
    later build updates changed notes in place and keeps their review history; cards removed
    from the sources stay in the package, tagged quizgen::retired.
    """
    import contextlib
    import time

    from quizgen.anki import build_project
    from quizgen.errors import display_path

    if state is not None and not with_progress:
        if ctx.get_parameter_source("state") is click.core.ParameterSource.COMMANDLINE:
            raise click.UsageError("--state is read only with --with-progress")
        state = None  # QUIZGEN_STATE is for the commands that read the history
    if with_progress and state is None:
        from quizgen.store import default_path

        state = default_path()
    status: Any = contextlib.nullcontext()
    if sys.stderr.isatty():
        from rich.console import Console

        status = Console(stderr=True).status("Building the Anki package...")
    try:
        with status:
            result = build_project(path, output, now=time.time(), progress_from=state)
    except InputError as exc:
        fail(exc)
    if result.warning:
        click.echo(f"warning: {result.warning}", err=True)
    if as_json:
        emit_json(result.to_dict())
        return
    done = "{} is up to date" if result.up_to_date else "wrote {}"
    click.secho(
        f"{done.format(display_path(result.output))}: {result.notes} notes, {result.cards} cards",
        fg="green" if use_color() else None,
    )
    click.echo(
        f"since the last build: {result.new} new, {result.changed} changed, "
        f"{result.unchanged} unchanged, {result.retired} retired"
    )
    if result.retired:
        click.echo("retired notes are tagged quizgen::retired: search for that tag in Anki")
    if result.progress is not None:
        p = result.progress
        click.echo(
            f"with the progress in {display_path(p.state)}: {plural(p.cards, 'card')} "
            f"scheduled, {plural(p.reviews, 'review')} logged"
        )
        click.echo(
            'import it with "Import any learning progress"; Anki takes the progress only for '
            "cards it does not have yet (see docs/build.md)"
        )
    if result.lock_written:
        click.echo(f"recorded in {display_path(result.lock)}: commit it with the sources")


def _state_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--state",
        # Not dir_okay=False: a folder is the store's to refuse, in one line with exit 1.
        type=click.Path(path_type=Path),
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
    "--retention", type=click.FloatRange(0.7, 0.99),
    help="Desired retention for this session: the chance of recall FSRS schedules each "
    "review for [default: the history's saved one (`quizgen settings`), else 0.9].",
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
    retention: float | None,
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


@main.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@PATH_ARG
@_state_option
@click.option("--dry-run", is_flag=True, help="Compute everything, write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def import_(
    file: Path, path: Path | None, state: Path | None, dry_run: bool, as_json: bool
) -> None:
    """Import Anki's reviews of this deck's cards into the review history.

    FILE is what Anki writes: a collection package (.colpkg), a deck package exported with
    "Include scheduling information" (.apkg), or a profile's collection.anki2. It is only
    read. Reviews are merged with the terminal's in time order and each card's schedule is
    replayed from both; importing the same file again adds nothing. See docs/history.md.
    """
    from quizgen.history.importer import import_file, render

    try:
        report = import_file(file, state=state, project=path, dry_run=dry_run)
    except InputError as exc:
        fail(exc)
    if as_json:
        emit_json(report.to_dict())
        return
    for line in render(report):
        click.echo(line)


@main.command()
@_state_option
@click.option("--dry-run", is_flag=True, help="Fit and compare, save nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@_now_option
def optimize(state: Path | None, dry_run: bool, as_json: bool, now: Any) -> None:
    """Fit FSRS to your own review history, and use the fit if it predicts you better.

    Fits on the earlier reviews, compares the fit with the parameters in use on the later
    ones (log loss and RMSE(bins)), and saves parameters fitted on the whole history only
    when the fit predicts better. Needs 400 reviews made a day or more after the card's
    previous one; below that the parameters stay. See docs/history.md.
    """
    from quizgen.clock import system_clock
    from quizgen.history.optimize import optimize as run
    from quizgen.history.optimize import render
    from quizgen.store import Store, StoreError, default_path

    path = state or default_path()
    try:
        store = Store.open_existing(path)
        if store is None:
            raise StoreError.at(path, "no review history yet: study or `quizgen import` first")
        with store:
            report = run(store, now=now or system_clock(), dry_run=dry_run)
    except InputError as exc:
        fail(exc)
    if as_json:
        emit_json(report.to_dict())
        return
    for line in render(report):
        click.echo(line)


@main.command()
@_state_option
@click.option(
    "--retention", type=click.FloatRange(0.7, 0.99),
    help="Save the desired retention: the chance of recall each review is scheduled for.",
)  # fmt: skip
@click.option("--reset", is_flag=True, help="Back to the defaults (retention and parameters).")
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON.")
def settings(state: Path | None, retention: float | None, reset: bool, as_json: bool) -> None:
    """Show or change the review history's saved settings.

    Desired retention (default 0.9; `quiz --retention` overrides it for one session) and the
    FSRS parameters the quiz schedules with (fsrs's defaults until `quizgen optimize` saves
    fitted ones). They are saved in the history file itself.
    """
    from quizgen.history import config
    from quizgen.store import Store, default_path

    path = state or default_path()
    changing = retention is not None or reset
    try:
        if changing and state is None:
            path.parent.mkdir(parents=True, exist_ok=True)
        store = Store.open(path) if changing else Store.open_existing(path)
        try:
            if store is not None and reset:
                config.reset(store)
            if store is not None and retention is not None:
                config.save_retention(store, retention)
            saved = config.load(store)
        finally:
            if store is not None:
                store.close()
    except InputError as exc:
        fail(exc)
    if as_json:
        emit_json({"state": str(path), **saved.to_dict()})
        return
    for line in config.render(saved, path):
        click.echo(line)


@main.command()
@PATH_ARG
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    help="Output format [default: from the -o file's extension, else pdf].",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),  # a folder is refused by the library, with exit 1
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
    type=click.Choice(ANSWERS),
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
    type=click.Choice(PAPER_SIZES),
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
@click.option(
    "--weakest",
    type=click.IntRange(min=1),
    metavar="N",
    help="Ask about the N facts the --state histories recall worst now, one question each.",
)
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="QUIZGEN_STATE",
    help="A review history for --weakest; repeat it for each member of a study group "
    "(default: reviews.sqlite3 in the user data folder; env QUIZGEN_STATE).",
)
@_now_option
@click.option("--json", "as_json", is_flag=True, help="Print the files written as JSON.")
@click.pass_context
def handout(
    ctx: click.Context,
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
    weakest: int | None,
    states: tuple[Path, ...],
    now: Any,
    as_json: bool,
) -> None:
    """Write a printable handout (Markdown, HTML or PDF) with an answer key.

    With --weakest N, the handout drills the N facts the learner, or a study group given each
    member's history, remembers worst now (see docs/handout.md).
    """
    import contextlib
    import datetime

    from quizgen.handout.files import write_handouts
    from quizgen.handout.options import Options

    pick = None
    from_command_line = ctx.get_parameter_source("states") is click.core.ParameterSource.COMMANDLINE
    if weakest is None and states and from_command_line:
        raise click.UsageError("--state is read only with --weakest")
    if weakest is not None:
        if count is not None:
            raise click.UsageError("--weakest and --count both say how many questions; give one")
        from quizgen.clock import system_clock
        from quizgen.handout.weakest import Weakest, read_members
        from quizgen.store import default_path

        try:
            members = read_members(states or (default_path(),))
        except InputError as exc:
            fail(exc)
        pick = Weakest(members, weakest, now or system_clock())

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

            outputs = write_handouts(
                path, options, fmt, output, sources, kinds, tags, tick, pick=pick
            )
    except InputError as exc:
        fail(exc)
    if pick is not None and not as_json:
        for line in _weakest_report(pick.chosen, len(pick.members)):
            click.echo(line)
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


def _weakest_report(chosen: Sequence[FactRecall], members: int) -> list[str]:
    """The facts --weakest chose, with the recall and lapses that ranked them."""
    whose = "the history recalls" if members == 1 else f"{members} histories recall"
    lines = [f"the {plural(len(chosen), 'fact')} {whose} worst now:"]
    for fact in chosen:
        if not fact.studied_by:
            lines.append(f"  {fact.id}: never studied")
            continue
        text = f"  {fact.id}: {fact.recall:.0%} recall, {plural(fact.lapses, 'lapse')}"
        if members > 1:
            text += f", studied by {fact.studied_by} of {members}"
        lines.append(text)
    return lines
