"""A quiz session: ask each planned card, check the answer, save the rating; and `run_quiz`,
the whole command from loading the deck to the summary.

The session is the edge where quizgen talks to a person, so this module reads and writes the
terminal it is given (never print()); everything it decides is delegated to pure code: which
cards (`quizgen.planning`), how close an answer is (`quizgen.grading`), when a card comes back
(`quizgen.scheduler`). Each answer is saved by `quizgen.store` in its own transaction before the
next question appears. It knows nothing of the command line: `run_quiz` returns what happened,
and the CLI turns that into messages about options and an exit status.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import IO

from quizgen.clock import Clock, system_clock
from quizgen.grading import MARKS, Status, Verdict, choice_index, grade_choice, grade_typed
from quizgen.model import Card, Project
from quizgen.planning import Item, Lineup, Plan, card_hash, plan_session
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
from quizgen.terminal import Terminal, shielded
from quizgen.text import plural

LEARN_AHEAD = timedelta(minutes=20)  # as in Anki: a card due again this soon comes back today
MODES = ("type", "flip")
# Seconds after a one-key step (a pick, "show the answer") during which the rating prompt
# ignores keys: one pressed that soon was meant for the step before (a habitual Enter, a
# double tap), not a rating of an answer not yet read.
READING_PAUSE = 0.4


@dataclass
class Summary:
    """How a session went: what was saved, how long it took, and how it ended."""

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
        citations: Mapping[str, str],
        clock: Clock,
        settings: Settings = DEFAULT_SETTINGS,
        mode: str = "type",
        limit: int = 200,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.store = store
        self.queue = deque(items)
        self.t = terminal
        self.citations = citations  # source id -> citation, shown with each answer
        self.clock = clock
        self.settings = settings
        self.mode = mode
        self.limit = limit
        self.summary = Summary()

    def run(self) -> Summary:
        """Ask until the queue is empty, the limit is reached or the student stops."""
        s = self.summary
        s.started = self.clock()
        try:
            while self.step():
                pass
        except KeyboardInterrupt:
            s.interrupted = True
            self.t.blank_line()
        except StoreError as exc:
            s.error = exc
        s.ended = self.clock()
        return s

    def step(self) -> bool:
        """Ask the next card and save its rating. False when there is none left, the limit
        is reached, or the student stopped (end of input) instead of answering.

        Each card's state is read afresh from the store first: another session on the same
        history may have answered it since this one was planned. Such a card is skipped if
        it is no longer due, and otherwise asked as it now stands."""
        while self.queue and self.summary.reviewed < self.limit:
            item = self._current(self.queue.popleft())
            if item is not None:
                return self._ask(item)
        return False

    def _current(self, item: Item) -> Item | None:
        """`item` as the store has it now; None when another session answered it since and
        it is not due again yet."""
        entry = self.store.get(item.card.id)
        if _last_review(entry) == _last_review(item.entry):
            return item
        if entry is not None and entry.memory.due > self.clock():
            return None
        return Item(item.card, entry)

    # One card: question, answer, reveal, rating, save. False when the student stopped.
    def _ask(self, item: Item) -> bool:
        card, t = item.card, self.t
        shown = self.clock()
        self._header(item)
        pause = 0.0
        if self.mode == "flip":
            self._question(card, choices=True)
            if t.ask_key("Press Enter to show the answer ") is None:
                return False
            verdict, given, pause = None, None, READING_PAUSE
        elif card.style == "choice":
            self._question(card, choices=True)
            picked = self._pick(card)
            if picked is None:
                return False
            verdict, given = grade_choice(card, picked), card.choices[picked]
            pause = READING_PAUSE
        else:
            self._question(card, choices=False)
            given = t.ask_line("Your answer: ")
            if given is None:
                return False
            verdict = grade_typed(card, given)
        self._reveal(card, verdict)
        now = self.clock()
        memory = item.entry.memory if item.entry else None
        rating = self._rate(verdict, preview(memory, now, self.settings), pause=pause)
        if rating is None:
            return False
        with shielded():
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
            if t.keys:  # said only once saved: what the student reads is what was kept
                t.say(rating.label)
        if after.due - now <= LEARN_AHEAD:
            self.queue.append(Item(card, Entry(after, card_hash(card), None)))
        t.blank_line()
        return True

    def _header(self, item: Item) -> None:
        left = min(1 + len(self.queue), self.limit - self.summary.reviewed)
        phase = item.entry.memory.phase if item.entry else Phase.NEW
        # Progress and phase only: the card id names the fact (and often its answer), so it
        # is shown with the answer, in `_reveal`.
        parts: list[str | tuple[str, str]] = [
            (f"[{left} left] ", "muted"),
            (phase.label, "flag" if phase is Phase.NEW else "muted"),
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
        citation = self.citations.get(card.source)
        if citation is not None:
            t.say(("Source: ", "muted"), citation)
        t.say(("Card: ", "muted"), (card.id, "id"))

    def _rate(
        self, verdict: Verdict | None, after: dict[Rating, timedelta], *, pause: float = 0.0
    ) -> Rating | None:
        proposed = verdict.rating if verdict else Rating.GOOD
        judged = verdict is None or verdict.status is not Status.SELF
        rejected = judged and verdict is not None and not verdict.accepted
        options = "  ".join(f"{int(r)} {r.label} ({describe_interval(after[r])})" for r in Rating)
        extra = ", c = I was right" if rejected else ""
        # A sentence answer with no proposal waits for the student's own rating.
        default = "rate it yourself" if proposed is None else f"Enter = {proposed.label}{extra}"
        prompt = f"Rate: {options}  [{default}]: "
        while True:
            key = self.t.ask_key(prompt, ignore_for=pause)
            if key is None:
                return None
            pause = 0.0  # a second try is a fresh decision
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
            return rating


def _last_review(entry: Entry | None) -> tuple[int, datetime | None]:
    """What tells one review of a card from the next (times alone can repeat: a frozen
    clock, two sessions in the same microsecond)."""
    return (entry.memory.reps, entry.memory.last_review) if entry else (0, None)


# -- the whole command -------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizResult:
    """What `run_quiz` did, for its caller to report and to choose an exit status by."""

    plan: Plan
    summary: Summary | None  # None when the plan was empty: nothing was asked or printed
    next_due: datetime | None  # when the first chosen card falls due after the session
    now: datetime  # when the session ended


def describe_due(when: datetime | None, now: datetime) -> str:
    """When a card is next due, as the summary says it: "in 10m (Thu 26 Nov 2026 09:10)"."""
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
    clock: Clock = system_clock,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    color: bool = False,
) -> QuizResult:
    """Plan a session on the chosen cards and run it on the terminal, ending with a summary.

    Raises InputError (a bad project, bad filters, an unusable review store) before anything
    is asked. When there is nothing to ask, prints nothing and returns a result without a
    summary. A store failure during the session ends it after the summary, and is returned in
    `summary.error`, not raised; so is a Ctrl-C, as `summary.interrupted`."""
    from quizgen.history.config import settings as history_settings
    from quizgen.store import default_path

    state_path = state or default_path()
    with (
        _Deck(path, sources, kinds, tags) as deck,
        Store.open(state_path, make_folder=state is None) as store,
    ):
        # the history's saved retention and fitted parameters; --retention overrides
        settings = history_settings(store, retention)
        now = clock()
        session_plan = deck.plan(
            lambda lineup: plan_session(store, lineup, now, new_limit=new_limit, limit=limit)
        )
        if not session_plan.items:
            return QuizResult(session_plan, None, deck.next_due(store, now), now)
        terminal = Terminal(stdin or sys.stdin, stdout or sys.stdout, color=color)
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
            citations=deck.citations,
            clock=clock,
            settings=settings,
            mode=mode,
            limit=limit,
        )
        deck.index_in_background()
        summary = session.run()
        next_due = None if summary.error else deck.next_due(store, clock())
    now = clock()
    _print_summary(terminal, summary, next_due, now)
    return QuizResult(session_plan, summary, next_due, now)


class _Deck:
    """The chosen cards of the project at `path`, for planning: from the deck index
    (`quizgen.deckindex`) when it is there for these files, which reads only the cards the
    session will ask; else compiled (from the compile cache when it can), and indexed for the
    next session: in the background while the student reads the first question
    (`index_in_background`), or else on leaving, which waits for the index either way."""

    def __init__(
        self,
        path: Path | None,
        sources: Sequence[str],
        kinds: Sequence[str],
        tags: Sequence[str],
    ) -> None:
        from quizgen import cache, deckindex
        from quizgen.project import resolve_root

        self.root = resolve_root(path)
        self.filters = (sources, kinds, tags)
        self.digests = cache.input_digests(self.root) if self.root.is_dir() else None
        self.key = deckindex.key(self.root, self.digests)
        self.unindexed: tuple[Project, list[Card]] | None = None
        self.unsaved: Callable[[], None] | None = None  # storing the compilation, if compiled
        self.writer: threading.Thread | None = None
        self.index = deckindex.load(self.root, self.key) if self.key else None
        if self.index is not None:
            try:
                self.lineup = self.index.lineup(*self.filters)
            except BaseException:
                self.index.close()
                raise
            self.citations: Mapping[str, str] = self.index.citations
        else:
            self._compile()

    def _compile(self) -> None:
        from quizgen import deckindex
        from quizgen.filters import filter_cards
        from quizgen.project import compile_cached, compile_project, remember_compiled

        if self.digests is None:  # not a folder: compiling reports why
            project, cards = compile_project(self.root, cached=True)
        else:
            # What compiling stores for next time (a tenth of a second at 30,000 cards) is
            # stored with the index, after the first question (see index_in_background).
            digests = self.digests
            project, cards, store = compile_cached(self.root, digests=digests)
            self.unsaved = partial(remember_compiled, self.root, digests, project, cards, store)
        if self.key is not None:
            self.unindexed = (project, cards)
        self.lineup = Lineup.of(filter_cards(cards, *self.filters))
        self.citations = deckindex.citations(project)

    def plan(self, make: Callable[[Lineup], Plan]) -> Plan:
        """`make`'s plan of the chosen cards. The index is closed after: every card the
        session asks has been read. A card of the index that cannot be read back costs a
        compilation (and a new index), never the session."""
        from quizgen import deckindex

        if self.index is None:
            return make(self.lineup)
        try:
            return make(self.lineup)
        except deckindex.Damaged:
            deckindex.discard(self.root)
            self._compile()
            return make(self.lineup)
        finally:
            self.index.close()
            self.index = None

    def next_due(self, store: Store, after: datetime) -> datetime | None:
        """When the first chosen card falls due after `after`."""
        return store.next_due(after, self.lineup.__contains__)

    def index_in_background(self) -> None:
        """Start writing the index of a deck just compiled, and storing the compilation
        (which take about as long as compiling did), so that they cost the first question
        nothing."""
        if self.writer is None and (self.unindexed is not None or self.unsaved is not None):
            self.writer = threading.Thread(target=self._store, name="quizgen deck index")
            self.writer.start()

    def _store(self) -> None:
        """Write the index, then store the compilation, each once: for the next session, the
        index; for the other commands, the compilation. Never fails (caches are best effort)."""
        from quizgen import deckindex

        unindexed, self.unindexed = self.unindexed, None
        unsaved, self.unsaved = self.unsaved, None
        if unindexed is not None and self.key is not None:
            deckindex.save(self.root, self.key, *unindexed)
        if unsaved is not None:
            unsaved()

    def close(self) -> None:
        """Close the index, and write it and store the compilation if the deck was compiled
        (or wait until they are)."""
        if self.index is not None:
            self.index.close()
            self.index = None
        with shielded():  # a Ctrl-C meanwhile waits for the caches, never leaves half of one
            if self.writer is not None:
                self.writer.join()
            else:
                self._store()

    def __enter__(self) -> _Deck:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _print_summary(t: Terminal, s: Summary, next_due: datetime | None, now: datetime) -> None:
    if s.interrupted:
        t.say(("Stopped.", "flag"), f" {plural(s.reviewed, 'answer')} saved.")
    if s.error is not None:
        t.say(("Stopped: the review store failed; the last answer was not saved.", "wrong"))
    minutes, seconds = divmod(round(s.seconds), 60)
    percent = f" ({100 * s.correct / s.reviewed:.0f}%)" if s.reviewed else ""
    t.say(
        ("Session: ", "question"),
        f"{plural(s.reviewed, 'review')}, {s.correct} correct{percent}, {minutes}m {seconds:02d}s",
    )
    if s.reviewed:
        t.say(("Ratings: ", "muted"), " · ".join(f"{r.label} {s.ratings[r]}" for r in Rating))
    if s.error is None:
        t.say(("Next due: ", "muted"), describe_due(next_due, now))
