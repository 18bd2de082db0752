"""Review statistics: cards by phase, retention so far, and the due forecast.

`compute` reads the store once and returns plain data; `to_dict` and `render` present it (as
JSON data, or as text lines with a bar chart). Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from quizgen.clock import day_start
from quizgen.model import Card
from quizgen.planning import card_hash
from quizgen.scheduler import Phase
from quizgen.store import Store

FORECAST_DAYS = 30
RECENT_DAYS = 30
BAR_WIDTH = 40
_EIGHTHS = " ▏▎▍▌▋▊▉"


@dataclass(frozen=True)
class Retention:
    """Reviews made in the review phase (not while learning) and how many were recalled."""

    graded: int
    passed: int

    @property
    def rate(self) -> float | None:
        return self.passed / self.graded if self.graded else None

    def to_dict(self) -> dict[str, Any]:
        rate = self.rate
        return {
            "reviews": self.graded,
            "passed": self.passed,
            "rate": None if rate is None else round(rate, 4),
        }


@dataclass(frozen=True)
class Stats:
    state: Path
    now: datetime
    cards: int  # in the selection
    phases: dict[Phase, int]
    changed: int  # studied cards whose text changed since their last review
    hidden: int  # studied cards no longer in the sources
    due_now: int
    due_today: int
    reviews: int
    reviews_today: int
    retention: Retention
    recent: Retention  # over the last RECENT_DAYS days
    forecast: list[tuple[date, int]]  # cards due each day; overdue ones count for today


def compute(
    store: Store | None,
    chosen: Sequence[Card],
    all_ids: Collection[str],
    now: datetime,
    *,
    state: Path,
    days: int = FORECAST_DAYS,
) -> Stats:
    """Statistics over the chosen cards. `store` None means no review yet (no file)."""
    today = day_start(now)
    tomorrow = today + timedelta(days=1)
    by_id = {c.id: c for c in chosen}
    phases = dict.fromkeys(Phase, 0)
    forecast = [0] * days
    changed = hidden = due_now = due_today = 0
    reviews = reviews_today = graded = passed = recent_graded = recent_passed = 0
    if store is not None:
        totals = store.totals(today - timedelta(days=RECENT_DAYS), today)
        for card_id, entry in store.all_entries():
            card = by_id.get(card_id)
            if card is None:
                hidden += card_id not in all_ids
                continue
            memory = entry.memory
            phases[memory.phase] += 1
            changed += bool(entry.text_hash and entry.text_hash != card_hash(card))
            due = memory.due.astimezone(now.tzinfo)
            due_now += due <= now
            due_today += due < tomorrow
            offset = max(0, (due.date() - today.date()).days)
            if offset < days:
                forecast[offset] += 1
            t = totals.get(card_id)
            if t is not None:
                reviews += t.reviews
                reviews_today += t.today
                graded += t.graded
                passed += t.passed
                recent_graded += t.recent_graded
                recent_passed += t.recent_passed
    phases[Phase.NEW] = len(by_id) - sum(phases.values())
    return Stats(
        state=state,
        now=now,
        cards=len(by_id),
        phases=phases,
        changed=changed,
        hidden=hidden,
        due_now=due_now,
        due_today=due_today,
        reviews=reviews,
        reviews_today=reviews_today,
        retention=Retention(graded, passed),
        recent=Retention(recent_graded, recent_passed),
        forecast=[(today.date() + timedelta(days=i), n) for i, n in enumerate(forecast)],
    )


def to_dict(stats: Stats) -> dict[str, Any]:
    return {
        "state": str(stats.state),
        "now": stats.now.isoformat(timespec="seconds"),
        "cards": {
            "total": stats.cards,
            **{phase.label: stats.phases[phase] for phase in Phase},
            "changed": stats.changed,
            "hidden": stats.hidden,
        },
        "due": {"now": stats.due_now, "today": stats.due_today},
        "reviews": {"total": stats.reviews, "today": stats.reviews_today},
        "retention": {
            **stats.retention.to_dict(),
            f"last_{RECENT_DAYS}_days": stats.recent.to_dict(),
        },
        "forecast": [{"date": d.isoformat(), "due": n} for d, n in stats.forecast],
    }


def _percent(r: Retention) -> str:
    return f"{100 * (r.rate or 0):.0f}% of {_plural(r.graded, 'review')}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _retention(stats: Stats) -> str:
    if not stats.retention.graded:
        return "no reviews of learned cards yet"
    return (
        f"{_percent(stats.retention)} recalled (last {RECENT_DAYS} days: {_percent(stats.recent)})"
    )


def bar(value: int, top: int, width: int = BAR_WIDTH, *, fancy: bool = True) -> str:
    """A horizontal bar `value/top` of `width` characters, in eighths of a cell when fancy."""
    if top <= 0 or value <= 0:
        return ""
    cells = value * width / top
    if not fancy:
        return "#" * max(1, round(cells))
    whole, eighths = divmod(max(1, round(cells * 8)), 8)
    return "█" * whole + (_EIGHTHS[eighths] if eighths else "")


def render(
    stats: Stats,
    *,
    fancy: bool = True,
    paint: Callable[[str, str], str] = lambda text, style: text,
) -> list[str]:
    """The statistics as text lines. `paint(text, style)` may colour parts; `fancy` allows
    block characters (else the chart is drawn with '#')."""
    p = stats.phases
    lines = [
        f"{paint('Review history:', 'muted')} {stats.state}",
        f"{paint('Cards:', 'head')} {stats.cards} — {p[Phase.NEW]} new, "
        f"{p[Phase.LEARNING]} learning, {p[Phase.REVIEW]} review, "
        f"{p[Phase.RELEARNING]} relearning",
    ]
    if stats.changed or stats.hidden:
        lines.append(
            f"       {stats.changed} changed since last reviewed, "
            f"{stats.hidden} hidden (no longer in the sources)"
        )
    lines += [
        f"{paint('Due:', 'head')} {stats.due_now} now, {stats.due_today} today",
        f"{paint('Reviews:', 'head')} {stats.reviews} in all, {stats.reviews_today} today",
        f"{paint('Retention:', 'head')} {_retention(stats)}",
        "",
        paint(f"Due in the next {len(stats.forecast)} days", "head")
        + " (today's count includes overdue cards)",
    ]
    top = max((n for _, n in stats.forecast), default=0)
    for i, (day, n) in enumerate(stats.forecast):
        label = "today" if i == 0 else f"{day:%a %d %b}"
        chart = paint(bar(n, top, fancy=fancy), "bar")
        lines.append(f"  {label:<10} {'│' if fancy else '|'}{chart} {n}")
    return lines


def gather(
    path: Path | None,
    *,
    state: Path | None,
    now: datetime,
    sources: Sequence[str] = (),
    kinds: Sequence[str] = (),
    tags: Sequence[str] = (),
) -> Stats:
    """Statistics for a project and review store. Reads only: a missing store is not created."""
    from quizgen.project import compile_project
    from quizgen.select import select
    from quizgen.store import default_path

    _, cards = compile_project(path, cached=True)
    chosen = select(cards, sources, kinds, tags)
    state_path = state or default_path()
    store = Store.open_existing(state_path)
    try:
        return compute(store, chosen, {c.id for c in cards}, now, state=state_path)
    finally:
        if store is not None:
            store.close()
