"""Scheduling with explicit clocks: FSRS via the fsrs package, as pure functions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from quizgen.scheduler import (
    DEFAULT_SETTINGS,
    Memory,
    Phase,
    Rating,
    Settings,
    describe_interval,
    preview,
    retrievability,
    review,
)

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)


def graduate(now: datetime = T0, settings: Settings = DEFAULT_SETTINGS) -> Memory:
    """A new card answered Good twice: through the learning steps into review."""
    first = review(None, Rating.GOOD, now, settings)
    return review(first, Rating.GOOD, first.due, settings)


def test_new_card_follows_the_learning_steps():
    again = review(None, Rating.AGAIN, T0)
    good = review(None, Rating.GOOD, T0)
    assert again.phase is Phase.LEARNING and again.due == T0 + timedelta(minutes=1)
    assert good.phase is Phase.LEARNING and good.due == T0 + timedelta(minutes=10)
    assert good.step == 1 and good.reps == 1 and good.lapses == 0
    assert good.last_review == T0


def test_second_good_graduates_to_review_days_later():
    card = graduate()
    assert card.phase is Phase.REVIEW
    assert card.due - card.last_review >= timedelta(days=1)
    assert card.reps == 2


def test_good_pushes_the_due_date_out():
    card = graduate()
    intervals = []
    for _ in range(4):
        now = card.due  # answered exactly when due
        card = review(card, Rating.GOOD, now)
        intervals.append(card.due - now)
    assert intervals == sorted(intervals)
    assert intervals[-1] > intervals[0] * 2
    assert card.phase is Phase.REVIEW and card.lapses == 0


def test_again_brings_a_review_card_back_within_minutes():
    card = review(graduate(), Rating.GOOD, graduate().due)
    now = card.due + timedelta(days=3)  # answered late, and forgotten
    lapsed = review(card, Rating.AGAIN, now)
    assert lapsed.phase is Phase.RELEARNING
    assert lapsed.due == now + timedelta(minutes=10)
    assert lapsed.lapses == 1
    assert lapsed.stability < card.stability
    relearned = review(lapsed, Rating.GOOD, lapsed.due)
    assert relearned.phase is Phase.REVIEW
    assert relearned.due - lapsed.due < card.due - card.last_review


def test_ratings_order_the_next_interval():
    card = graduate()
    after = preview(card, card.due)
    assert after[Rating.AGAIN] < after[Rating.HARD] < after[Rating.GOOD] < after[Rating.EASY]


def test_scheduling_is_a_pure_function_of_its_inputs():
    # No fuzz and no clock reads: the same inputs give the same card, in any year.
    for year in (2001, 2026, 2090):
        now = T0.replace(year=year)
        a, b = graduate(now), graduate(now)
        assert a == b
        assert review(a, Rating.GOOD, a.due).due - a.due == review(b, 3, b.due).due - b.due


def test_other_time_zones_are_the_same_instant():
    paris = timezone(timedelta(hours=1))
    assert review(None, Rating.GOOD, T0.astimezone(paris)) == review(None, Rating.GOOD, T0)


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        review(None, Rating.GOOD, datetime(2026, 11, 26, 9, 0))


def test_higher_desired_retention_means_shorter_intervals():
    strict, lax = Settings(desired_retention=0.97), Settings(desired_retention=0.8)
    a, b = graduate(settings=strict), graduate(settings=lax)
    assert review(a, 3, a.due, strict).due - a.due < review(b, 3, b.due, lax).due - b.due


def test_desired_retention_must_be_a_probability():
    with pytest.raises(ValueError, match="between 0 and 1"):
        Settings(desired_retention=1.5)


def test_preview_matches_review():
    card = graduate()
    now = card.due + timedelta(hours=5)
    for rating, delta in preview(card, now).items():
        assert review(card, rating, now).due == now + delta


def test_retrievability_falls_with_time():
    card = graduate()
    soon = retrievability(card, card.last_review + timedelta(days=1))
    later = retrievability(card, card.last_review + timedelta(days=30))
    assert 1 >= soon > later > 0
    assert retrievability(Memory(Phase.NEW, T0), T0) == 0


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=30), "30s"),
        (timedelta(minutes=10), "10m"),
        (timedelta(hours=3), "3h"),
        (timedelta(days=8), "8d"),
        (timedelta(days=45), "1.5mo"),
        (timedelta(days=730), "2.0y"),
        (timedelta(seconds=-5), "0s"),
    ],
)
def test_describe_interval(delta, text):
    assert describe_interval(delta) == text


def test_replay_is_review_after_review() -> None:
    from quizgen.scheduler import replay

    start = datetime(2026, 5, 1, 9, tzinfo=timezone.utc)
    log = [(start, 3), (start + timedelta(minutes=10), 3), (start + timedelta(days=3), 1)]
    memory = None
    expected = []
    for when, rating in log:
        memory = review(memory, rating, when)
        expected.append(memory)
    assert replay(log) == expected
    assert replay([]) == []


def test_parameters_are_fsrs6s_twenty_one_and_change_the_schedule() -> None:
    from quizgen.scheduler import check_parameters, default_parameters

    defaults = default_parameters()
    assert len(defaults) == 21 and check_parameters(defaults) is None
    with pytest.raises(ValueError, match="21 numbers, not 19"):
        Settings(parameters=defaults[:19])
    slower = Settings(parameters=(0.5, 1.0, 1.0, 4.0, *defaults[4:]))  # a first Good: S = 1.0
    start = datetime(2026, 5, 1, 9, tzinfo=timezone.utc)
    assert review(None, 3, start, slower).stability == pytest.approx(1.0)
    assert review(None, 3, start).stability == pytest.approx(defaults[2])
    assert check_parameters((*defaults[:20], 5.0)) is not None  # a decay fsrs refuses
