"""`quizgen optimize`: FSRS parameters fitted to the learner's own history, kept only when they
predict the learner's recall better than the ones in use.

The optimizer is fsrs-rs (through fsrs-rs-python), the one Anki runs from its deck options. It
learns from FSRS items: each review a day or more after the card's previous one, with the
card's reviews before it (the same items Anki builds, rslib/src/scheduler/fsrs/params.rs).

    1. Below MIN_ITEMS items there is too little to learn from: the parameters stay.
    2. The items are split by time: fsrs-rs fits on the earlier TRAIN_SHARE and both the
       parameters in use and the fitted ones predict the later reviews, which neither has
       seen: log loss and RMSE(bins), as srs-benchmark defines them (quizgen.history.metrics).
    3. Only when the fitted parameters have the lower held-out log loss are parameters saved:
       fitted again on the whole history, which is what the next session schedules with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from quizgen.history import config
from quizgen.history.metrics import Evaluation, Step, evaluate, predict, steps
from quizgen.store import Store

# Anki's deck options warn that the optimizer needs about this many FSRS items, and
# Collection::compute_params documents that it does not stop below 400 (the caller checks);
# fsrs-rs itself returns the defaults below 8 items and only initial stabilities below 64.
MIN_ITEMS = 400
TRAIN_SHARE = 0.8


@dataclass(frozen=True)
class OptimizeReport:
    state: Path
    reviews: int  # every review in the history
    cards: int
    items: int  # reviews FSRS can learn from (a day or more after the previous one)
    train: int
    test: int
    held_out_since: datetime | None
    current: Evaluation | None  # the parameters in use, on the held-out reviews
    fitted: Evaluation | None  # the ones fitted on the earlier part
    default: Evaluation | None  # fsrs's defaults, when they are not the ones in use
    saved: bool
    dry_run: bool
    reason: str  # why the parameters were (or were not) saved
    current_parameters: tuple[float, ...]
    parameters: tuple[float, ...] | None  # what was (or on a dry run would be) saved
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": str(self.state),
            "reviews": self.reviews,
            "cards": self.cards,
            "items": self.items,
            "min_items": MIN_ITEMS,
            "train": self.train,
            "test": self.test,
            "held_out_since": (
                self.held_out_since.isoformat(timespec="seconds") if self.held_out_since else None
            ),
            "current": self.current.to_dict() if self.current else None,
            "fitted": self.fitted.to_dict() if self.fitted else None,
            "default": self.default.to_dict() if self.default else None,
            "saved": self.saved,
            "dry_run": self.dry_run,
            "reason": self.reason,
            "current_parameters": [round(w, 4) for w in self.current_parameters],
            "parameters": [round(w, 4) for w in self.parameters] if self.parameters else None,
        }


def card_logs(store: Store) -> dict[str, list[Step]]:
    """Every card's reviews, as FSRS items count them."""
    logs: dict[str, list[tuple[datetime, int]]] = {}
    for card_id, at, rating in store.all_reviews():
        logs.setdefault(card_id, []).append((at, rating))
    return {card_id: steps(log) for card_id, log in logs.items()}


def items_of(logs: dict[str, list[Step]]) -> list[tuple[datetime, str, int]]:
    """(time, card, index) of each review FSRS learns from, in time order."""
    found = [
        (log[k].at, card_id, k)
        for card_id, log in logs.items()
        for k in range(1, len(log))
        if log[k].elapsed_days > 0
    ]
    found.sort()
    return found


def fit(logs: dict[str, list[Step]], items: Sequence[tuple[datetime, str, int]]) -> list[float]:
    """fsrs-rs's parameters for these items (each: the card's reviews up to that one)."""
    import fsrs_rs_python as rs

    batch = [
        rs.FSRSItem([rs.FSRSReview(s.rating, s.elapsed_days) for s in logs[card_id][: k + 1]])
        for _, card_id, k in items
    ]
    return [float(w) for w in rs.FSRS(list(rs.DEFAULT_PARAMETERS)).compute_parameters(batch)]


def optimize(store: Store, *, now: datetime, dry_run: bool = False) -> OptimizeReport:
    """Fit, evaluate on held-out reviews, and save the fit when it predicts better."""
    from quizgen.scheduler import check_parameters, default_parameters

    saved = config.load(store)
    defaults = default_parameters()
    current = saved.parameters or defaults
    logs = card_logs(store)
    items = items_of(logs)
    base: dict[str, Any] = {
        "state": store.path,
        "reviews": sum(len(log) for log in logs.values()),
        "cards": len(logs),
        "items": len(items),
        "dry_run": dry_run,
        "current_parameters": current,
    }
    if len(items) < MIN_ITEMS:
        return OptimizeReport(
            **base, train=0, test=0, held_out_since=None, current=None, fitted=None,
            default=None, saved=False, parameters=None,
            reason=f"too few reviews to fit FSRS to: {len(items)} count (a day or more after "
            f"the card's previous review), fitting needs {MIN_ITEMS}; the parameters stay",
        )  # fmt: skip
    cut = int(len(items) * TRAIN_SHARE)
    since = items[cut][0]
    train = [i for i in items if i[0] < since]
    trained = fit(logs, train)
    held_out = {
        name: evaluate(predict(logs, params, since=since))
        for name, params in (("current", current), ("fitted", trained), ("default", defaults))
    }
    better = held_out["fitted"].log_loss < held_out["current"].log_loss
    parameters: tuple[float, ...] | None = None
    if better:
        parameters = tuple(fit(logs, items))
        problem = check_parameters(parameters)
        if problem is not None:  # never seen: fsrs-rs clips to the same bounds fsrs checks
            better, parameters = False, None
            reason = f"the fitted parameters are outside what the scheduler accepts ({problem})"
        else:
            reason = "the fitted parameters predict the held-out reviews better"
    else:
        reason = "the parameters in use predict the held-out reviews as well or better"
    report = OptimizeReport(
        **base,
        train=len(train),
        test=held_out["current"].reviews,
        held_out_since=since,
        current=held_out["current"],
        fitted=held_out["fitted"],
        default=held_out["default"] if saved.parameters else None,
        saved=better and not dry_run,
        parameters=parameters,
        reason=reason,
    )
    if report.saved and parameters is not None:
        config.save_parameters(
            store,
            parameters,
            when=now,
            details={
                "items": len(items),
                "held_out": {
                    "reviews": report.test,
                    "previous": held_out["current"].to_dict(),
                    "fitted": held_out["fitted"].to_dict(),
                },
            },
        )
    return report


def render(report: OptimizeReport) -> list[str]:
    lines = [
        f"Review history: {report.state}",
        f"{report.reviews} reviews of {report.cards} cards; {report.items} count for fitting "
        "(a day or more after the card's previous review)",
    ]
    if report.current is None or report.fitted is None:
        return [*lines, report.reason[0].upper() + report.reason[1:] + "."]
    assert report.held_out_since is not None
    lines += [
        f"Fitted on the earlier {report.train}; held out the {report.test} since "
        f"{report.held_out_since:%Y-%m-%d %H:%M}:",
        f"  {'parameters':<24} {'log loss':>9} {'RMSE(bins)':>11}",
    ]
    rows = [("in use" + ("" if report.default else " (defaults)"), report.current)]
    rows.append(("fitted", report.fitted))
    if report.default:
        rows.append(("defaults", report.default))
    lines += [f"  {name:<24} {e.log_loss:>9.4f} {e.rmse_bins:>11.4f}" for name, e in rows]
    if report.parameters is None:
        lines.append(f"Kept the parameters in use: {report.reason}.")
    elif report.dry_run:
        lines.append(f"Would save parameters fitted on all {report.items}: {report.reason}.")
        lines.append("Dry run: nothing was saved.")
    else:
        lines.append(f"Saved parameters fitted on all {report.items}: {report.reason}.")
        lines.append("The quiz schedules with them from now on (`quizgen settings` shows them).")
    return lines
