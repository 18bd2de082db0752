"""Review statistics: cards by phase, retention so far, the due forecast, desired against
actual retention, how well FSRS's predictions of recall held (calibration), and retention per
paper.

`compute` reads the store once and returns plain data; `to_dict` and `render` present it (as
JSON data, or as text lines with a bar chart). Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from quizgen.clock import day_start
from quizgen.history.metrics import CalibrationBin, Evaluation
from quizgen.model import Card
from quizgen.planning import card_hash
from quizgen.scheduler import Phase
from quizgen.store import Store
from quizgen.text import plural

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
    desired_retention: float = 0.9  # the history's saved setting
    calibration: list[CalibrationBin] = field(default_factory=list)
    predicted: Evaluation | None = None  # how well the parameters in use predicted recall
    papers: list[tuple[str, str, Retention]] = field(default_factory=list)  # id, name, rate


def compute(
    store: Store | None,
    chosen: Sequence[Card],
    all_ids: Collection[str],
    now: datetime,
    *,
    state: Path,
    days: int = FORECAST_DAYS,
    papers: dict[str, str] | None = None,
) -> Stats:
    """Statistics over the chosen cards. `store` None means no review yet (no file).
    `papers` names each source (by id) for retention per paper."""
    from quizgen.history import config

    today = day_start(now)
    tomorrow = today + timedelta(days=1)
    by_id = {c.id: c for c in chosen}
    phases = dict.fromkeys(Phase, 0)
    forecast = [0] * days
    changed = hidden = due_now = due_today = 0
    reviews = reviews_today = graded = passed = recent_graded = recent_passed = 0
    per_paper: dict[str, list[int]] = {}
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
                acc = per_paper.setdefault(card.source, [0, 0])
                acc[0] += t.graded
                acc[1] += t.passed
    phases[Phase.NEW] = len(by_id) - sum(phases.values())
    names = papers or {}
    calibration, predicted = _calibration(store, by_id)
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
        desired_retention=config.load(store).desired_retention,
        calibration=calibration,
        predicted=predicted,
        papers=[
            (source, names.get(source, source), Retention(g, p))
            for source, (g, p) in sorted(per_paper.items())
        ],
    )


def _calibration(
    store: Store | None, by_id: dict[str, Card]
) -> tuple[list[CalibrationBin], Evaluation | None]:
    """Predicted recall against actual over the chosen cards' reviews, with the parameters in
    use (each review predicted from the card's reviews before it)."""
    if store is None:
        return [], None
    from quizgen.history import config
    from quizgen.history.metrics import calibration, evaluate, predict, steps
    from quizgen.scheduler import default_parameters

    logs: dict[str, list[tuple[datetime, int]]] = {}
    for card_id, at, rating in store.all_reviews():
        if card_id in by_id:
            logs.setdefault(card_id, []).append((at, rating))
    if not any(len(log) > 1 for log in logs.values()):
        return [], None
    parameters = config.load(store).parameters or default_parameters()
    predictions = predict({i: steps(log) for i, log in logs.items()}, parameters)
    if not predictions:
        return [], None
    return calibration(predictions), evaluate(predictions)


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
        "desired_retention": stats.desired_retention,
        "calibration": {
            **(stats.predicted.to_dict() if stats.predicted else {"reviews": 0}),
            "bins": [b.to_dict() for b in stats.calibration],
        },
        "papers": [
            {"source": source, "name": name, **r.to_dict()} for source, name, r in stats.papers
        ],
    }


def _percent(r: Retention) -> str:
    return f"{100 * (r.rate or 0):.0f}% of {plural(r.graded, 'review')}"


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
    return lines + _memory(stats, fancy=fancy, paint=paint)


def _memory(stats: Stats, *, fancy: bool, paint: Callable[[str, str], str]) -> list[str]:
    """Desired against actual retention, the calibration chart, retention per paper."""
    side = "│" if fancy else "|"
    dash = "–" if fancy else "-"
    actual = (
        f"actual {_percent(stats.retention)} recalled"
        if stats.retention.graded
        else "no reviews of learned cards yet"
    )
    lines = [
        "",
        f"{paint('Retention:', 'head')} desired {100 * stats.desired_retention:.0f}%, {actual}",
    ]
    if stats.predicted is not None:
        e = stats.predicted
        lines += [
            "",
            paint("Predicted recall against actual", "head")
            + f" ({plural(e.reviews, 'review')} a day or more after the one before; "
            f"log loss {e.log_loss:.3f}, RMSE(bins) {e.rmse_bins:.3f})",
        ]
        for b in stats.calibration:
            label = f"{100 * b.low:.0f}{dash}{100 * b.high:.0f}%"
            chart = paint(bar(round(b.actual * 1000), 1000, fancy=fancy), "bar")
            lines.append(
                f"  {label:<8} {side}{chart} {100 * b.actual:.0f}% recalled, "
                f"{100 * b.predicted:.0f}% predicted ({b.reviews})"
            )
    if stats.papers:
        lines += ["", paint("Retention by paper", "head") + " (reviews of learned cards)"]
        width = max(len(name) for _, name, _ in stats.papers)
        for _, name, r in stats.papers:
            rate = _percent(r) if r.graded else "no reviews of learned cards yet"
            lines.append(f"  {name:<{width}}  {rate}")
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
    from quizgen.filters import filter_cards
    from quizgen.project import compile_project
    from quizgen.store import default_path

    project, cards = compile_project(path, cached=True)
    chosen = filter_cards(cards, sources, kinds, tags)
    state_path = state or default_path()
    store = Store.open_existing(state_path)
    names = {s.id: s.short for s in project.sources}
    try:
        return compute(store, chosen, {c.id for c in cards}, now, state=state_path, papers=names)
    finally:
        if store is not None:
            store.close()
