"""The terminal quiz: plan a session, ask each card, check the answer, save the rating.

The session is the edge where quizgen talks to a person, so this module reads and writes the
streams it is given (never print()); everything it decides is delegated to pure code: which
cards (`plan`), how close an answer is (`quizgen.answers`), when a card comes back
(`quizgen.scheduler`). Each answer is saved by `quizgen.store` in its own transaction before the
next question appears.

On a terminal, choices and ratings take a single key press; when stdin is not a terminal every
answer is one line, so a session can be scripted.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from quizgen.grading import MARKS, Status, Verdict, check, check_choice, choice_index
from quizgen.model import Card, Source
from quizgen.scheduler import (
    DEFAULT_SETTINGS,
    Phase,
    Rating,
    Settings,
    describe_interval,
    preview,
    review,
)
from quizgen.store import Entry, Store, StoreError

LEARN_AHEAD = timedelta(minutes=20)  # as in Anki: a card due again this soon comes back today
MODES = ("type", "flip")
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C


def card_hash(card: Card) -> str:
    """A fingerprint of what the student sees, to tell when a card was edited since."""
    text = "\x1f".join((card.front, card.back, *card.choices))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def day_start(now: datetime) -> datetime:
    """Midnight at the start of `now`'s day, in `now`'s time zone."""
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Item:
    """A card to ask, with what the store knew about it when the session began."""

    card: Card
    entry: Entry | None

    @property
    def is_new(self) -> bool:
        return self.entry is None

    @property
    def changed(self) -> bool:
        return bool(
            self.entry and self.entry.text_hash and self.entry.text_hash != card_hash(self.card)
        )


@dataclass(frozen=True)
class Plan:
    items: list[Item]
    due: int
    new: int
    new_today: int  # cards already introduced today, before this session


def plan(store: Store, cards: Sequence[Card], now: datetime, *, new_limit: int, limit: int) -> Plan:
    """Due cards first (most overdue first), then new cards in deck order, up to `new_limit`
    new ones a day and `limit` in all. Reads only the rows it returns, plus one index count.

    New cards are at most one per fact, and none of a fact due now or studied today: the
    questions a fact makes give each other away (Anki calls this burying siblings)."""
    by_id = {c.id: c for c in cards}
    today = day_start(now)
    due = store.due(now, by_id.__contains__, limit)
    new_today = store.introduced_since(today)
    room = min(max(0, new_limit - new_today), limit - len(due))
    facts = {by_id[card_id].fact_id for card_id, _ in due}
    if room > 0:
        facts.update(by_id[i].fact_id for i in store.reviewed_since(today) if i in by_id)

    def first_of_its_fact(card_id: str) -> bool:
        fact = by_id[card_id].fact_id
        if fact in facts:
            return False
        facts.add(fact)
        return True

    fresh = store.unseen(by_id, room, first_of_its_fact)
    items = [Item(by_id[i], e) for i, e in due] + [Item(by_id[i], None) for i in fresh]
    return Plan(items, len(due), len(fresh), new_today)


@dataclass
class Summary:
    reviewed: int = 0
    correct: int = 0
    ratings: Counter[Rating] = field(default_factory=Counter)
    started: datetime | None = None
    ended: datetime | None = None
    interrupted: bool = False
    error: StoreError | None = None

    @property
    def seconds(self) -> float:
        if self.started is None or self.ended is None:
            return 0.0
        return (self.ended - self.started).total_seconds()


# -- the terminal ------------------------------------------------------------------------------

STYLES = {
    "muted": "dim",
    "id": "cyan",
    "flag": "yellow",
    "question": "bold",
    "blank": "bold yellow",
    "right": "bold green",
    "wrong": "bold red",
    "close": "bold yellow",
    "answer": "bold",
    "quote": "italic",
}


class Terminal:
    """Output through rich (colour only when wanted), input a line or a key at a time."""

    def __init__(self, stdin: IO[str], stdout: IO[str], *, color: bool) -> None:
        from rich.console import Console

        self.stdin = stdin
        self.keys = _isatty(stdin) and _isatty(stdout) and sys.platform != "win32"
        self.console = Console(
            file=stdout,
            color_system="auto" if color else None,
            force_terminal=color or None,  # the caller has decided (NO_COLOR, a tty)
            no_color=not color,
            highlight=False,
            markup=False,
            emoji=False,
            soft_wrap=not _isatty(stdout),
        )
        encoding = (getattr(stdout, "encoding", None) or "utf-8").lower()
        self.fancy = encoding.replace("-", "") in ("utf8", "utf16", "utf32")

    def symbol(self, fancy: str, plain: str) -> str:
        return fancy if self.fancy else plain

    def say(self, *parts: str | tuple[str, str]) -> None:
        """One line made of plain strings and (text, style name) pairs."""
        from rich.text import Text

        line = Text()
        for part in parts:
            if isinstance(part, tuple):
                line.append(part[0], style=STYLES[part[1]])
            else:
                line.append(part)
        self.console.print(line)

    def blank_line(self) -> None:
        self.console.print()

    def ask_line(self, prompt: str) -> str | None:
        """A line of input (None at end of input). Piped input is echoed to keep the
        transcript readable."""
        if self.keys:
            _enable_line_editing()
            self.console.file.flush()
            try:
                return input(prompt)
            except EOFError:
                self.console.print()
                return None
        self.console.print(prompt, end="")
        self.console.file.flush()
        line = self.stdin.readline()
        if not line:
            self.console.print()
            return None
        line = line.rstrip("\r\n")
        self.console.print(line)
        return line

    def ask_key(self, prompt: str) -> str | None:
        """One key press on a terminal (Enter reads as ""), else one line."""
        if not self.keys:
            return self.ask_line(prompt)
        self.console.print(prompt, end="")
        self.console.file.flush()
        key = _read_key(self.stdin)
        if key is None:
            self.console.print()
        return key


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _enable_line_editing() -> None:
    with suppress(ImportError):  # not on every platform
        import readline  # noqa: F401  (importing it is what gives input() history and editing)


_ESCAPE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|O.|.)?", re.DOTALL)


def _read_key(stream: IO[str]) -> str | None:
    """One key in cbreak mode (Ctrl-C still interrupts). Escape sequences such as arrow keys
    are dropped whole, so their letters are never taken as answers."""
    import select
    import termios
    import tty

    fd = stream.fileno()
    old = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        while True:
            data = os.read(fd, 64)
            if data == b"\x1b":  # the rest of a sequence may follow a moment later
                while select.select([fd], [], [], 0.05)[0]:
                    data += os.read(fd, 64)
            if not data or data.startswith(b"\x04"):  # end of input, or Ctrl-D
                return None
            text = _ESCAPE.sub("", data.decode("utf-8", "replace"))
            if text:
                return "" if text[0] in "\r\n" else text[0]
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)


@contextmanager
def _shielded() -> Iterator[None]:
    """Hold Ctrl-C while a review is saved, so the summary counts exactly what was saved."""
    if os.name != "posix" or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


# -- the session -------------------------------------------------------------------------------

_RATING_WORDS = {str(int(r)): r for r in Rating} | {r.name.lower(): r for r in Rating}
_RATING_WORDS.update({r.name.lower()[0]: r for r in Rating})


class Session:
    """Asks the planned cards in order, saving each rating before the next question."""

    def __init__(
        self,
        store: Store,
        items: Sequence[Item],
        terminal: Terminal,
        *,
        sources: dict[str, Source],
        clock: Callable[[], datetime],
        settings: Settings = DEFAULT_SETTINGS,
        mode: str = "type",
        limit: int = 200,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.store = store
        self.queue = deque(items)
        self.t = terminal
        self.sources = sources
        self.clock = clock
        self.settings = settings
        self.mode = mode
        self.limit = limit
        self.summary = Summary()

    def run(self) -> Summary:
        s = self.summary
        s.started = self.clock()
        try:
            while self.queue and s.reviewed < self.limit:
                if not self._ask(self.queue.popleft()):
                    break
        except KeyboardInterrupt:
            s.interrupted = True
            self.t.blank_line()
        except StoreError as exc:
            s.error = exc
        s.ended = self.clock()
        return s

    # One card: question, answer, reveal, rating, save. False when the student stopped.
    def _ask(self, item: Item) -> bool:
        card, t = item.card, self.t
        shown = self.clock()
        self._header(item)
        if self.mode == "flip":
            self._question(card, choices=True)
            if t.ask_key("Press Enter to show the answer ") is None:
                return False
            verdict, given = None, None
        elif card.style == "choice":
            self._question(card, choices=True)
            picked = self._pick(card)
            if picked is None:
                return False
            verdict, given = check_choice(card, picked), card.choices[picked]
        else:
            self._question(card, choices=False)
            given = t.ask_line("Your answer: ")
            if given is None:
                return False
            verdict = check(card, given)
        self._reveal(card, verdict)
        now = self.clock()
        memory = item.entry.memory if item.entry else None
        rating = self._rate(verdict, preview(memory, now, self.settings))
        if rating is None:
            return False
        with _shielded():
            after = self.store.record(
                card.id,
                text_hash=card_hash(card),
                rating=rating,
                now=now,
                schedule=lambda before: review(before, rating, now, self.settings),
                duration_ms=max(0, int((now - shown).total_seconds() * 1000)),
                answer=given,
            )
            self.summary.reviewed += 1
            self.summary.correct += rating > Rating.AGAIN
            self.summary.ratings[rating] += 1
        if after.due - now <= LEARN_AHEAD:
            self.queue.append(Item(card, Entry(after, card_hash(card), None)))
        t.blank_line()
        return True

    def _header(self, item: Item) -> None:
        left = min(1 + len(self.queue), self.limit - self.summary.reviewed)
        phase = item.entry.memory.phase if item.entry else Phase.NEW
        parts: list[str | tuple[str, str]] = [
            (f"[{left} left] ", "muted"),
            (phase.label, "flag" if phase is Phase.NEW else "muted"),
            (" · ", "muted"),
            (item.card.id, "id"),
        ]
        if item.changed:
            parts += [(" · ", "muted"), ("changed since you last saw it", "flag")]
        self.t.say(*parts)

    def _question(self, card: Card, *, choices: bool) -> None:
        if card.style == "cloze":
            parts: list[str | tuple[str, str]] = [
                ("[...]", "blank") if seg.hidden else (seg.text, "question") for seg in card.cloze
            ]
            self.t.say(*parts)
        else:
            self.t.say((card.front, "question"))
        if choices and card.choices:
            for n, option in enumerate(card.choices, 1):
                self.t.say(f"  {n}) {option}")

    def _pick(self, card: Card) -> int | None:
        n = len(card.choices)
        prompt = f"Your choice (1-{n} or a-{chr(ord('a') + n - 1)}): "
        while True:
            key = self.t.ask_key(prompt)
            if key is None:
                return None
            index = choice_index(card, key)
            if index is not None:
                if self.t.keys:
                    self.t.say(f"{index + 1}) {card.choices[index]}")
                return index
            self.t.say((f"Please answer with a number from 1 to {n} or a letter.", "muted"))

    def _reveal(self, card: Card, verdict: Verdict | None) -> None:
        t = self.t
        if verdict is not None and verdict.status is Status.SELF:
            # A sentence: no verdict, but the typed words against the expected ones, marked
            # as wdiff does ([-missing-] {+extra+}) so they show without colour too.
            t.say((t.symbol("? ", "") + "Compare your answer with the expected one", "flag"))
            diff: list[str | tuple[str, str]] = [("Compared: ", "muted")]
            styles = {"missing": "close", "extra": "wrong"}
            for n, (op, words) in enumerate(verdict.diff):
                marked = MARKS[op].format(words)
                diff += [" " if n else "", (marked, styles[op]) if op in styles else marked]
            t.say(*diff)
        elif verdict is not None:
            if verdict.status is Status.CORRECT:
                line: list[str | tuple[str, str]] = [(t.symbol("✓ ", "") + "Correct", "right")]
            elif verdict.status is Status.CLOSE:
                line = [(t.symbol("≈ ", "") + "Close enough", "close")]
            elif verdict.status is Status.PARTIAL:
                line = [(t.symbol("½ ", "") + "Partly right", "close")]
            elif verdict.status is Status.EMPTY:
                line = [(t.symbol("✗ ", "") + "No answer", "wrong")]
            else:
                line = [(t.symbol("✗ ", "") + "Not quite", "wrong")]
            if verdict.note:
                line.append((f" ({verdict.note})", "muted"))
            t.say(*line)
        if card.style == "cloze":
            parts: list[str | tuple[str, str]] = [("Answer: ", "muted")]
            parts += [(seg.text, "answer") if seg.hidden else seg.text for seg in card.cloze]
            t.say(*parts)
        else:
            t.say(("Answer: ", "muted"), (card.back, "answer"))
        if card.note:
            t.say(("Note: ", "muted"), card.note)
        for quote in card.evidence:
            t.say(("Evidence: ", "muted"), (t.symbol(f"“{quote}”", f'"{quote}"'), "quote"))
        source = self.sources.get(card.source)
        if source is not None:
            t.say(("Source: ", "muted"), source.citation)

    def _rate(self, verdict: Verdict | None, after: dict[Rating, timedelta]) -> Rating | None:
        proposed = verdict.rating if verdict else Rating.GOOD
        judged = verdict is None or verdict.status is not Status.SELF
        rejected = judged and verdict is not None and not verdict.accepted
        options = "  ".join(f"{int(r)} {r.label} ({describe_interval(after[r])})" for r in Rating)
        extra = ", c = I was right" if rejected else ""
        # A sentence answer with no proposal waits for the student's own rating.
        default = "rate it yourself" if proposed is None else f"Enter = {proposed.label}{extra}"
        prompt = f"Rate: {options}  [{default}]: "
        while True:
            key = self.t.ask_key(prompt)
            if key is None:
                return None
            key = key.strip().lower()
            if key == "" and proposed is not None:
                rating = proposed
            elif rejected and key in ("c", "y"):
                rating = Rating.GOOD
            elif key in _RATING_WORDS:
                rating = _RATING_WORDS[key]
            else:
                hint = "Press Enter, or 1-4" + (", or c" if rejected else "") + "."
                self.t.say(("Press 1-4." if proposed is None else hint, "muted"))
                continue
            if self.t.keys:
                self.t.say(rating.label)
            return rating


# -- the whole command -------------------------------------------------------------------------


def system_clock() -> datetime:
    """The current time in the local time zone."""
    return datetime.now().astimezone()


def frozen_clock(when: datetime) -> Callable[[], datetime]:
    """A clock that always says `when` (for tests and reproducible demos)."""
    if when.tzinfo is None:
        when = when.astimezone()
    return lambda: when


def describe_due(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "nothing is scheduled"
    when = when.astimezone(now.tzinfo)
    if when <= now:
        return "now"
    return f"in {describe_interval(when - now)} ({when:%a %d %b %Y %H:%M})"


def run_quiz(
    path: Path | None,
    *,
    state: Path | None,
    sources: Sequence[str] = (),
    kinds: Sequence[str] = (),
    tags: Sequence[str] = (),
    new_limit: int = 20,
    limit: int = 200,
    mode: str = "type",
    retention: float | None = None,
    clock: Callable[[], datetime] = system_clock,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    color: bool = False,
) -> int:
    """Run a quiz session from the command line; returns the exit status.

    Raises InputError (a bad project, bad filters, an unusable review store) before anything
    is asked; a store failure during the session ends it after the summary instead."""
    from quizgen.history.config import settings as history_settings
    from quizgen.project import compile_project
    from quizgen.select import select
    from quizgen.store import default_path

    project, cards = compile_project(path, cached=True)
    chosen = select(cards, sources, kinds, tags)
    state_path = state or default_path()
    if state is None:
        state_path.parent.mkdir(parents=True, exist_ok=True)
    terminal = Terminal(stdin or sys.stdin, stdout or sys.stdout, color=color)
    with Store.open(state_path) as store:
        # the history's saved retention and fitted parameters; --retention overrides
        settings = history_settings(store, retention)
        now = clock()
        session_plan = plan(store, chosen, now, new_limit=new_limit, limit=limit)
        wanted = {c.id for c in chosen}
        if not session_plan.items:
            terminal.say(
                "Nothing to study now: no card is due", _new_cards_note(session_plan, new_limit)
            )
            terminal.say("Next due: ", describe_due(store.next_due(now, wanted.__contains__), now))
            return 0
        terminal.say(
            (f"{session_plan.due} due, {session_plan.new} new", "question"),
            (f" · history: {state_path}", "muted"),
        )
        terminal.say(
            ("Stop any time with Ctrl-C or Ctrl-D: every answer is saved at once.", "muted")
        )
        terminal.blank_line()
        session = Session(
            store,
            session_plan.items,
            terminal,
            sources=project.sources_by_id,
            clock=clock,
            settings=settings,
            mode=mode,
            limit=limit,
        )
        summary = session.run()
        next_due = None if summary.error else store.next_due(clock(), wanted.__contains__)
    _print_summary(terminal, summary, next_due, clock())
    if summary.error is not None:
        raise summary.error
    return EXIT_INTERRUPTED if summary.interrupted else 0


def _new_cards_note(p: Plan, new_limit: int) -> str:
    if new_limit == 0:
        return " (new cards are off: --new 0)."
    if p.new_today >= new_limit:
        return f" and today's {new_limit} new cards are done."
    return " and there are no new cards."


def _print_summary(t: Terminal, s: Summary, next_due: datetime | None, now: datetime) -> None:
    if s.interrupted:
        t.say(("Stopped.", "flag"), f" {_plural(s.reviewed, 'answer')} saved.")
    if s.error is not None:
        t.say(("Stopped: the review store failed; the last answer was not saved.", "wrong"))
    minutes, seconds = divmod(round(s.seconds), 60)
    percent = f" ({100 * s.correct / s.reviewed:.0f}%)" if s.reviewed else ""
    t.say(
        ("Session: ", "question"),
        f"{_plural(s.reviewed, 'review')}, {s.correct} correct{percent}, {minutes}m {seconds:02d}s",
    )
    if s.reviewed:
        t.say(("Ratings: ", "muted"), " · ".join(f"{r.label} {s.ratings[r]}" for r in Rating))
    if s.error is None:
        t.say(("Next due: ", "muted"), describe_due(next_due, now))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
