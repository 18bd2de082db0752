"""quizgen.anki.progress: terminal memories and reviews as Anki's card and review-log rows.
(tests/test_build_progress.py imports them into real Anki.)"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from quizgen.anki import lock
from quizgen.anki.notes import notes_for
from quizgen.anki.progress import (
    History,
    Review,
    anki_day,
    millis,
    progress_for,
)
from quizgen.project import compile_project
from quizgen.scheduler import Phase, memory_decay, review

T0 = datetime(2026, 11, 2, 12, 0, tzinfo=timezone.utc)
WHICH, CLOZE = "muesli/acts/which", "muesli/acts/cloze"


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run in a given time zone (Anki counts days in the machine's zone)."""

    def use(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


def entries_of(mini: Path, retire: str = "") -> list[lock.Entry]:
    project, cards = compile_project(mini)
    notes = notes_for(project, cards)
    first = lock.reconcile(notes, {}, 1_800_000_000, lambda _: "Mini Deck")
    if not retire:
        return first
    previous = {e.note.card_id: e.record for e in first}
    kept = [n for n in notes if n.card_id != retire]
    return lock.reconcile(kept, previous, 1_800_000_100, lambda _: "Mini Deck")


def history(*answers: tuple[str, int, datetime, int | None]) -> History:
    """The history a store would hold after these answers, in this order."""
    memories: dict = {}
    reviews = []
    for card_id, rating, at, ms in answers:
        before = memories.get(card_id)
        reviews.append(Review(card_id, at, rating, before.phase if before else Phase.NEW, ms))
        memories[card_id] = review(before, rating, at)
    reviews.sort(key=lambda r: r.at)
    return History(memories, reviews)


def test_anki_days_start_at_4am_in_the_local_zone(zone) -> None:  # type: ignore[no-untyped-def]
    zone("America/New_York")  # UTC-5 in November
    day = anki_day(datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc))  # 04:00 there
    assert anki_day(datetime(2026, 11, 26, 8, 59, tzinfo=timezone.utc)) == day - 1
    assert anki_day(datetime(2026, 11, 27, 8, 59, tzinfo=timezone.utc)) == day
    # counted from the day of genanki's collection creation time, 2014-09-19
    assert day == (datetime(2026, 11, 26).date() - datetime(2014, 9, 19).date()).days
    zone("UTC")
    assert anki_day(datetime(2026, 11, 26, 8, 59, tzinfo=timezone.utc)) == day


def test_review_log_rows(mini: Path, zone) -> None:  # type: ignore[no-untyped-def]
    zone("UTC")
    h = history(
        (WHICH, 3, T0, 4000),
        (WHICH, 3, T0 + timedelta(minutes=10), None),
        (WHICH, 1, T0 + timedelta(days=5), 70_000),
        (CLOZE, 3, T0, 1000),  # the same millisecond as the first answer
        ("gone/from/sources", 3, T0, 1000),
    )
    entries = entries_of(mini)
    cid = {e.note.card_id: e.id for e in entries}

    progress = progress_for(entries, h)

    rows = [(r.id, r.cid, r.ease, r.ivl, r.last_ivl, r.time, r.type) for r in progress.revlog]
    start = millis(T0)
    assert rows == [
        (start, cid[WHICH], 3, -600, 0, 4000, 0),  # a learning step: -seconds
        (start + 1, cid[CLOZE], 3, -600, 0, 1000, 0),
        (start + 600_000, cid[WHICH], 3, 2, -600, 0, 0),  # graduated: days
        (start + 5 * 86_400_000, cid[WHICH], 1, -600, 2, 60_000, 1),  # a lapse, time capped
    ]
    assert [r.factor > 0 for r in progress.revlog] == [False, False, True, True]
    assert sorted(progress.cards) == [CLOZE, WHICH]  # the card the package lacks is left out


def test_card_rows_by_phase(mini: Path, zone) -> None:  # type: ignore[no-untyped-def]
    zone("UTC")
    later = T0 + timedelta(days=1)
    h = history(
        (WHICH, 4, T0, 1000),  # Easy: straight to review
        (CLOZE, 1, later, 1000),  # Again: first learning step
        ("muesli/other/which", 4, T0, 1000),
        ("muesli/other/which", 1, later, 1000),  # a lapse: relearning
    )
    progress = progress_for(entries_of(mini), h)

    which, cloze, other = (progress.cards[c] for c in (WHICH, CLOZE, "muesli/other/which"))
    memory = h.memories[WHICH]
    assert (which.type, which.queue, which.due, which.ivl, which.left) == (
        2, 2, anki_day(memory.due), anki_day(memory.due) - anki_day(T0), 0
    )  # fmt: skip
    assert (which.factor, which.reps, which.lapses) == (2500, 1, 0)
    assert json.loads(which.data) == {
        "pos": 4,  # its place among the new cards, which Anki restores on "Forget"
        "s": memory.stability,
        "d": memory.difficulty,
        "dr": 0.9,
        "decay": memory_decay(),
        "lrt": int(T0.timestamp()),
    }
    due = int(h.memories[CLOZE].due.timestamp())
    assert (cloze.type, cloze.queue, cloze.due, cloze.ivl, cloze.factor, cloze.left) == (
        1, 1, due, 0, 0, 2
    )  # fmt: skip
    assert (other.type, other.queue, other.left, other.lapses, other.factor) == (3, 1, 1, 1, 2300)
    assert other.ivl >= 1


def test_a_retired_card_keeps_its_progress_suspended(mini: Path, zone) -> None:  # type: ignore[no-untyped-def]
    zone("UTC")
    entries = entries_of(mini, retire=WHICH)
    progress = progress_for(entries, history((WHICH, 4, T0, 1000)))

    assert (progress.cards[WHICH].type, progress.cards[WHICH].queue) == (2, -1)
    assert len(progress.revlog) == 1


def test_the_historys_saved_retention_goes_into_the_package(tmp_path: Path) -> None:
    from quizgen.anki.progress import read_history
    from quizgen.history.config import save_retention
    from quizgen.store import Store

    path = tmp_path / "reviews.sqlite3"
    with Store.open(path) as store:
        save_retention(store, 0.85)
    assert read_history(path).settings.desired_retention == 0.85
