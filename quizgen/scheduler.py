"""FSRS scheduling: a pure function of (memory, rating, now), over the maintained `fsrs` package.

The algorithm is fsrs's, not ours; this module only converts between quizgen's plain data and
fsrs objects. Time is always passed in (timezone-aware), nothing is read from the clock, and
interval fuzzing is off: fsrs draws its fuzz from the global random generator, which would make
scheduling impure and tests flaky. `fsrs` itself is imported lazily, on first use, so that
`quizgen --help` never loads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import IntEnum
from functools import lru_cache
from typing import Any


class Rating(IntEnum):
    """How well the student recalled a card, as in Anki (the same values as fsrs.Rating)."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()


class Phase(IntEnum):
    """Where a card is in its life. NEW is quizgen's (no review yet); the rest are fsrs.State."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Memory:
    """What the scheduler knows about one card after its reviews so far."""

    phase: Phase
    due: datetime
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0


PARAMETER_COUNT = 21  # FSRS-6, as fsrs 6.x and fsrs-rs 0.9 (Anki's optimizer) both use


@dataclass(frozen=True)
class Settings:
    """Scheduler options. Steps are Anki's defaults; retention is the FSRS default.

    `parameters` are the 21 FSRS-6 weights (None: fsrs's defaults), e.g. fitted to the
    learner by `quizgen optimize`."""

    desired_retention: float = 0.9
    learning_steps: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=10))
    relearning_steps: tuple[timedelta, ...] = (timedelta(minutes=10),)
    maximum_interval: int = 36500
    parameters: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if not 0 < self.desired_retention < 1:
            raise ValueError(
                f"desired retention must be between 0 and 1, not {self.desired_retention}"
            )
        if self.parameters is not None and len(self.parameters) != PARAMETER_COUNT:
            raise ValueError(
                f"FSRS parameters must be {PARAMETER_COUNT} numbers, not {len(self.parameters)}"
            )


DEFAULT_SETTINGS = Settings()


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return when.astimezone(timezone.utc)


@lru_cache(maxsize=8)
def _scheduler(settings: Settings) -> Any:
    import fsrs

    extra = {} if settings.parameters is None else {"parameters": settings.parameters}
    return fsrs.Scheduler(
        **extra,
        desired_retention=settings.desired_retention,
        learning_steps=settings.learning_steps,
        relearning_steps=settings.relearning_steps,
        maximum_interval=settings.maximum_interval,
        enable_fuzzing=False,
    )


def _to_fsrs(memory: Memory | None, now: datetime) -> Any:
    import fsrs

    if memory is None or memory.phase is Phase.NEW:
        # card_id is fsrs's own bookkeeping; passing one also avoids its 1 ms sleep.
        return fsrs.Card(card_id=1, state=fsrs.State.Learning, step=0, due=now)
    return fsrs.Card(
        card_id=1,
        state=fsrs.State(int(memory.phase)),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=_utc(memory.due),
        last_review=_utc(memory.last_review) if memory.last_review else None,
    )


def review(
    memory: Memory | None,
    rating: Rating | int,
    now: datetime,
    settings: Settings = DEFAULT_SETTINGS,
) -> Memory:
    """The card's memory after being rated `rating` at `now`. `None` is a card never seen."""
    import fsrs

    rating = Rating(rating)
    now = _utc(now)
    before = memory.phase if memory else Phase.NEW
    card, _ = _scheduler(settings).review_card(
        _to_fsrs(memory, now), fsrs.Rating(int(rating)), review_datetime=now
    )
    lapsed = before is Phase.REVIEW and rating is Rating.AGAIN
    return Memory(
        phase=Phase(int(card.state)),
        due=card.due,
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        last_review=card.last_review,
        reps=(memory.reps if memory else 0) + 1,
        lapses=(memory.lapses if memory else 0) + int(lapsed),
    )


def replay(
    log: Iterable[tuple[datetime, Rating | int]], settings: Settings = DEFAULT_SETTINGS
) -> list[Memory]:
    """The memory after each review of a card's whole log (time, rating), in time order, from
    new: what the card's state is when its history is read afresh (e.g. merged with Anki's)."""
    memories: list[Memory] = []
    memory: Memory | None = None
    for when, rating in log:
        memory = review(memory, rating, when, settings)
        memories.append(memory)
    return memories


def default_parameters() -> tuple[float, ...]:
    """fsrs's default FSRS-6 parameters (what `Settings(parameters=None)` schedules with)."""
    import fsrs

    return tuple(float(w) for w in fsrs.Scheduler().parameters)


def check_parameters(parameters: Sequence[float]) -> str | None:
    """Why fsrs would refuse these parameters (wrong count, out of its bounds), or None."""
    import fsrs

    try:
        fsrs.Scheduler(parameters=tuple(parameters))
    except ValueError as exc:
        return " ".join(str(exc).split())
    return None


def preview(
    memory: Memory | None, now: datetime, settings: Settings = DEFAULT_SETTINGS
) -> dict[Rating, timedelta]:
    """How long until the card is due again under each rating (for labelling the choices)."""
    now = _utc(now)
    return {r: review(memory, r, now, settings).due - now for r in Rating}


def retrievability(memory: Memory, now: datetime, settings: Settings = DEFAULT_SETTINGS) -> float:
    """The predicted probability of recalling the card at `now` (0 for a new card)."""
    if memory.phase is Phase.NEW:
        return 0.0
    now = _utc(now)
    return float(_scheduler(settings).get_card_retrievability(_to_fsrs(memory, now), now))


def interval_days(stability: float, settings: Settings = DEFAULT_SETTINGS) -> int:
    """The whole-day interval FSRS gives a card of this stability (what Anki shows as ivl)."""
    # fsrs has no public name for it; this is the function its scheduler uses for reviews.
    return int(_scheduler(settings)._next_interval(stability=stability))


def memory_decay(settings: Settings = DEFAULT_SETTINGS) -> float:
    """The decay of the forgetting curve (FSRS-6's last parameter), which Anki stores per card."""
    return float(_scheduler(settings).parameters[-1])


def describe_interval(delta: timedelta) -> str:
    """A short human interval, as Anki writes it on its buttons: 1m, 10m, 3h, 4d, 2.1mo, 1.5y."""
    seconds = max(0.0, delta.total_seconds())
    if seconds < 60:
        return f"{round(seconds)}s"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo"
    return f"{days / 365:.1f}y"
