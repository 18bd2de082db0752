"""Clocks and day boundaries."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from quizgen.clock import day_start, frozen_clock, system_clock


def test_a_frozen_clock_always_says_the_same_time():
    when = datetime(2026, 11, 26, 9, 30, tzinfo=timezone.utc)
    clock = frozen_clock(when)
    assert clock() == when and clock() == when


def test_a_naive_time_is_taken_as_local_time():
    clock = frozen_clock(datetime(2026, 11, 26, 9, 30))
    assert clock().tzinfo is not None
    assert clock().replace(tzinfo=None) == datetime(2026, 11, 26, 9, 30)


def test_the_system_clock_is_timezone_aware_and_current():
    now = system_clock()
    assert now.tzinfo is not None
    assert abs(now - datetime.now(timezone.utc)) < timedelta(seconds=5)


def test_a_day_starts_at_midnight_in_the_times_own_zone():
    plus_nine = timezone(timedelta(hours=9))
    when = datetime(2026, 11, 26, 1, 15, 42, 7, tzinfo=plus_nine)
    assert day_start(when) == datetime(2026, 11, 26, tzinfo=plus_nine)
    utc = day_start(when).astimezone(timezone.utc)
    assert utc == datetime(2026, 11, 25, 15, tzinfo=timezone.utc)
