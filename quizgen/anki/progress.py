"""The terminal's progress, for Anki: each studied card's scheduling and its review log, as the
rows of Anki's `cards` and `revlog` tables (`quizgen build --with-progress`).

Anki reads a package's scheduling only when the learner imports it with "Import any learning
progress", and only for cards it does not have yet (docs/build.md says what to do otherwise).
What it reads, as Anki 23.10 and later store it:

- `cards`: type and queue (learning, review, relearning; retired cards stay suspended), due
  (a Unix time for cards in (re)learning steps; for review cards the day number counted from
  the collection's creation day, which Anki shifts into the learner's collection on import),
  interval, ease, reps, lapses, the learning steps left, and in `data` the FSRS memory state
  `{"s": stability, "d": difficulty, "dr": desired retention, "decay": ..., "lrt": last review}`;
- `revlog`: one row per terminal review, its id the review's time in milliseconds. Anki skips
  a log entry whose id it already has, so the same history gives the same ids and importing a
  package twice adds nothing twice.

Pure except `read_history`, which reads the review store; days are counted in the machine's
time zone with Anki's default day start (4 am), as the learner's Anki counts them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from quizgen.anki.lock import Entry
from quizgen.scheduler import (
    DEFAULT_SETTINGS,
    Memory,
    Phase,
    Settings,
    interval_days,
    memory_decay,
    review,
)

ROLLOVER_HOUR = 4  # Anki's default "next day starts at"
# genanki's collection is created at crt 1411124400 (11:00 UTC on this day); the package says
# its creation offset is UTC, so Anki counts its days from this date.
CREATED = date(2014, 9, 19)
# Collection settings that make Anki count the package's days as `anki_day` does: the v2
# scheduler's day start and creation offset (minutes west of UTC), not v1's 24-hour blocks.
COLLECTION_CONF = {"schedVer": 2, "rollover": ROLLOVER_HOUR, "creationOffset": 0}
MAX_ANSWER_MS = 60_000  # Anki's default cap on the time an answer took ("maximum answer seconds")
START_EASE = 2500  # Anki's starting SM-2 ease (250%), which it keeps beside FSRS
LAPSE_EASE = 200  # ... less 20% per lapse
MIN_EASE = 1300
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS = timedelta(milliseconds=1)


@dataclass(frozen=True)
class Review:
    """One review in the terminal history."""

    card_id: str
    at: datetime
    rating: int
    phase: Phase  # before the review
    duration_ms: int | None


@dataclass(frozen=True)
class History:
    """A review store, read once: each studied card's memory, and every review, oldest first."""

    memories: dict[str, Memory]
    reviews: list[Review]
    settings: Settings = DEFAULT_SETTINGS  # the history's saved retention and FSRS parameters


def read_history(path: Path) -> History:
    """The history in the review store at `path`. Raises StoreError when there is none (a
    missing file is not created) or it cannot be read."""
    from quizgen.store import Store, StoreError

    store = Store.open_existing(path)
    if store is None:
        raise StoreError.at(
            path, "no review history here (quizgen quiz --state FILE starts one); nothing written"
        )
    from quizgen.history.config import settings

    with store:
        memories = {card_id: entry.memory for card_id, entry in store.all_entries()}
        reviews = [Review(*row) for row in store.review_log()]
        saved = settings(store)
    return History(memories, reviews, saved)


@dataclass(frozen=True)
class Scheduling:
    """A studied card's columns in Anki's `cards` table (the rest are as for a new card)."""

    type: int
    queue: int
    due: int
    ivl: int
    factor: int
    reps: int
    lapses: int
    left: int
    data: str


@dataclass(frozen=True)
class RevlogRow:
    """One row of Anki's `revlog` table (its usn is -1: not yet synced)."""

    id: int
    cid: int
    ease: int
    ivl: int
    last_ivl: int
    factor: int
    time: int
    type: int


@dataclass(frozen=True)
class Progress:
    """What a package carries of the terminal's work."""

    cards: dict[str, Scheduling]  # by quizgen card id
    revlog: list[RevlogRow]  # by id


def anki_day(when: datetime) -> int:
    """The day Anki files `when` under, counted from the package's creation day: in the
    machine's time zone, with days starting at 4 am."""
    local = when.astimezone()
    return (local - timedelta(hours=ROLLOVER_HOUR)).date().toordinal() - CREATED.toordinal()


def millis(when: datetime) -> int:
    """Milliseconds since 1970, exactly (no float rounding)."""
    return (when - _EPOCH) // _MS


def progress_for(
    entries: Sequence[Entry], history: History, settings: Settings = DEFAULT_SETTINGS
) -> Progress:
    """The scheduling of every entry the history has studied, and the review log of those
    cards. Cards of the history that the package does not hold are left out."""
    positions = {e.note.card_id: (i, e) for i, e in enumerate(entries, 1)}
    cards = {}
    for card_id, memory in history.memories.items():
        if card_id in positions:
            position, entry = positions[card_id]
            cards[card_id] = _scheduling(memory, position, entry.note.retired, settings)
    revlog: list[RevlogRow] = []
    taken: set[int] = set()
    before: dict[str, Memory] = {}
    last_ivl: dict[str, int] = {}
    for r in history.reviews:
        if r.card_id not in positions:
            continue
        after = review(before.get(r.card_id), r.rating, r.at, settings)
        before[r.card_id] = after
        ivl = _revlog_interval(after, r.at)
        # Two reviews in the same millisecond would share an id and Anki would keep one: the
        # later moves on by a millisecond, the same way on every build of the same history.
        rid = millis(r.at)
        while rid in taken:
            rid += 1
        taken.add(rid)
        revlog.append(
            RevlogRow(
                id=rid,
                cid=positions[r.card_id][1].id,
                ease=r.rating,
                ivl=ivl,
                last_ivl=last_ivl.get(r.card_id, 0),
                factor=_difficulty_factor(after),
                time=min(max(r.duration_ms or 0, 0), MAX_ANSWER_MS),
                type=_REVLOG_TYPE[r.phase],
            )
        )
        last_ivl[r.card_id] = ivl
    revlog.sort(key=lambda row: row.id)
    return Progress(cards, revlog)


# Anki's review kinds: 0 learning, 1 review, 2 relearning; a new card's first answer is learning.
_REVLOG_TYPE = {Phase.NEW: 0, Phase.LEARNING: 0, Phase.REVIEW: 1, Phase.RELEARNING: 2}


def _revlog_interval(after: Memory, at: datetime) -> int:
    """Anki's log interval: whole days for a review card, negative seconds for a step."""
    if after.phase is Phase.REVIEW:
        return max(1, anki_day(after.due) - anki_day(at))
    return -round((after.due - at).total_seconds())


def _difficulty_factor(after: Memory) -> int:
    """With FSRS, Anki logs the difficulty (x100) of a card out of its learning steps."""
    if after.phase is Phase.LEARNING or after.difficulty is None:
        return 0
    return round(after.difficulty * 100)


def _scheduling(memory: Memory, position: int, retired: bool, settings: Settings) -> Scheduling:
    ease = max(MIN_EASE, START_EASE - LAPSE_EASE * memory.lapses)
    if memory.phase is Phase.REVIEW:
        due_day = anki_day(memory.due)
        last = memory.last_review or memory.due
        card_type, queue, due = 2, 2, due_day
        ivl, left = max(1, due_day - anki_day(last)), 0
    elif memory.phase is Phase.RELEARNING:
        card_type, queue, due = 3, 1, int(memory.due.timestamp())
        ivl = interval_days(memory.stability, settings) if memory.stability else 1
        left = max(1, len(settings.relearning_steps) - (memory.step or 0))
    else:  # learning: no ease yet, as in Anki
        card_type, queue, due, ivl, ease = 1, 1, int(memory.due.timestamp()), 0, 0
        left = max(1, len(settings.learning_steps) - (memory.step or 0))
    data: dict[str, object] = {"pos": position}
    if memory.stability is not None and memory.difficulty is not None:
        data |= {
            "s": memory.stability,
            "d": memory.difficulty,
            "dr": settings.desired_retention,
            "decay": memory_decay(settings),
        }
    if memory.last_review is not None:
        data["lrt"] = int(memory.last_review.timestamp())
    return Scheduling(
        type=card_type,
        queue=-1 if retired else queue,  # a retired card stays suspended, as in a plain build
        due=due,
        ivl=ivl,
        factor=ease,
        reps=memory.reps,
        lapses=memory.lapses,
        left=left,
        data=json.dumps(data, separators=(",", ":")),
    )
