"""Time for the quiz and the statistics: the clocks a session can run on, and day boundaries.

Everything else takes `now` as an argument; only `system_clock` reads the real time, so a
session can be replayed at a fixed instant (`frozen_clock`, the hidden `--now` option).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time in the local time zone."""
    return datetime.now().astimezone()


def frozen_clock(when: datetime) -> Clock:
    """A clock that always says `when` (for tests and reproducible demos); a naive `when` is
    taken as local time."""
    if when.tzinfo is None:
        when = when.astimezone()
    return lambda: when


def day_start(now: datetime) -> datetime:
    """Midnight at the start of `now`'s day, in `now`'s time zone."""
    return now.replace(hour=0, minute=0, second=0, microsecond=0)
