"""How well a memory model predicts the learner's recall: the figures srs-benchmark reports.

A prediction is made for each review that comes a day or more after the card's previous one
(same-day learning steps are not predictions of memory, and srs-benchmark and Anki's
optimizer leave them out too): the probability of recall that FSRS, with given parameters,
gives from the card's earlier reviews and the days since the last of them. Days are whole
24-hour periods since the previous review, as the fsrs scheduler counts them.

    log loss     mean of -(y log p + (1 - y) log(1 - p)), y = 1 when recalled (not Again)
    RMSE(bins)   srs-benchmark's calibration error: reviews are binned by days since the
                 previous review, review number and lapses so far (each on a log scale, as
                 its `rmse_matrix` does), and the root mean square gap between mean predicted
                 and actual recall per bin is taken weighting each bin by its reviews

Memory states come from fsrs-rs (the implementation Anki and the optimizer use), which agrees
with the fsrs scheduler's own replay; it is imported on first use.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

EPSILON = 1e-6  # predictions are kept inside (0, 1) so a log loss is always finite
CALIBRATION_BINS = 10


@dataclass(frozen=True, slots=True)
class Prediction:
    """One review with what the model predicted for it."""

    card_id: str
    at: datetime
    predicted: float
    recalled: bool
    elapsed_days: int  # whole days since the card's previous review
    number: int  # the review's place in the card's history, from 1
    lapses: int  # earlier reviews rated Again a day or more after the one before


@dataclass(frozen=True, slots=True)
class Step:
    """A review as FSRS items count it: rating and whole days since the previous review."""

    at: datetime
    rating: int
    elapsed_days: int


def steps(log: Sequence[tuple[datetime, int]]) -> list[Step]:
    """A card's log (time, rating), oldest first, with the whole days between reviews."""
    out: list[Step] = []
    previous: datetime | None = None
    for at, rating in log:
        days = 0 if previous is None else max(0, (at - previous).days)
        out.append(Step(at, rating, days))
        previous = at
    return out


def predict(
    logs: dict[str, list[Step]],
    parameters: Sequence[float],
    *,
    since: datetime | None = None,
) -> list[Prediction]:
    """Predictions for every review a day or more after the one before (only those at or
    after `since` when given), in time order."""
    import fsrs_rs_python as rs

    model = rs.FSRS(list(parameters))
    decay = -parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    ids = sorted(logs)
    items = [rs.FSRSItem([rs.FSRSReview(s.rating, s.elapsed_days) for s in logs[i]]) for i in ids]
    states = model.historical_memory_state_batch(items) if items else []
    out: list[Prediction] = []
    for card_id, history in zip(ids, states, strict=True):
        log = logs[card_id]
        lapses = 0
        for k in range(1, len(log)):
            step = log[k]
            if log[k - 1].rating == 1 and log[k - 1].elapsed_days > 0:
                lapses += 1
            if step.elapsed_days == 0 or (since is not None and step.at < since):
                continue
            stability = history[k - 1].stability
            p = (1 + factor * step.elapsed_days / stability) ** decay
            out.append(
                Prediction(card_id, step.at, p, step.rating > 1, step.elapsed_days, k + 1, lapses)
            )
    out.sort(key=lambda p: (p.at, p.card_id))
    return out


def log_loss(predictions: Iterable[Prediction]) -> float:
    total, n = 0.0, 0
    for p in predictions:
        q = min(max(p.predicted, EPSILON), 1 - EPSILON)
        total += -math.log(q if p.recalled else 1 - q)
        n += 1
    return total / n if n else math.nan


def _log_bucket(x: float, base: float, scale: float, digits: int) -> float:
    return round(scale * base ** math.floor(math.log(x) / math.log(base)), digits)


def rmse_bins(predictions: Iterable[Prediction]) -> float:
    """srs-benchmark's RMSE(bins) (see the module docstring), with its bucket constants."""
    bins: dict[tuple[float, float, float], list[float]] = {}
    for p in predictions:
        key = (
            _log_bucket(max(p.elapsed_days, EPSILON), 3.62, 2.48, 2),
            _log_bucket(p.number, 1.89, 1.99, 0),
            _log_bucket(p.lapses, 1.73, 1.65, 0) if p.lapses else 0.0,
        )
        acc = bins.setdefault(key, [0.0, 0.0, 0.0])
        acc[0] += p.predicted
        acc[1] += p.recalled
        acc[2] += 1
    total = sum(n for _, _, n in bins.values())
    if not total:
        return math.nan
    return math.sqrt(sum((pred / n - real / n) ** 2 * n for pred, real, n in bins.values()) / total)


@dataclass(frozen=True)
class CalibrationBin:
    """Reviews whose predicted recall fell in [low, high): how many, and the mean predicted
    against the share actually recalled."""

    low: float
    high: float
    reviews: int
    predicted: float
    actual: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.low,
            "to": self.high,
            "reviews": self.reviews,
            "predicted": round(self.predicted, 4),
            "actual": round(self.actual, 4),
        }


def calibration(
    predictions: Iterable[Prediction], bins: int = CALIBRATION_BINS
) -> list[CalibrationBin]:
    """Predicted recall against actual in `bins` equal bins of prediction; empty bins left out."""
    acc = [[0.0, 0.0, 0] for _ in range(bins)]
    for p in predictions:
        i = min(bins - 1, int(p.predicted * bins))
        acc[i][0] += p.predicted
        acc[i][1] += p.recalled
        acc[i][2] += 1
    return [
        CalibrationBin(round(i / bins, 4), round((i + 1) / bins, 4), int(n), pred / n, real / n)
        for i, (pred, real, n) in enumerate(acc)
        if n
    ]


@dataclass(frozen=True)
class Evaluation:
    reviews: int
    log_loss: float
    rmse_bins: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "reviews": self.reviews,
            "log_loss": round(self.log_loss, 4),
            "rmse_bins": round(self.rmse_bins, 4),
        }


def evaluate(predictions: Sequence[Prediction]) -> Evaluation:
    return Evaluation(len(predictions), log_loss(predictions), rmse_bins(predictions))
