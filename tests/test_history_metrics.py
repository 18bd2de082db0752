"""The figures srs-benchmark reports, on predictions small enough to work out by hand."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest

from quizgen.history.metrics import (
    Prediction,
    Step,
    calibration,
    log_loss,
    predict,
    rmse_bins,
    steps,
)
from quizgen.scheduler import default_parameters, replay, retrievability

T = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)


def p(predicted: float, recalled: bool, days: int = 3, number: int = 2, lapses: int = 0):  # type: ignore[no-untyped-def]
    return Prediction("c", T, predicted, recalled, days, number, lapses)


def test_log_loss() -> None:
    assert log_loss([p(0.9, True), p(0.9, False)]) == pytest.approx(
        (-math.log(0.9) - math.log(0.1)) / 2
    )
    assert math.isfinite(log_loss([p(1.0, False)]))  # kept inside (0, 1)
    assert math.isnan(log_loss([]))


def test_rmse_bins_weights_each_bin_by_its_reviews() -> None:
    # one bin (same days, number and lapses buckets): mean 0.8 predicted, 0.5 recalled
    same = [p(0.7, True), p(0.9, False)]
    assert rmse_bins(same) == pytest.approx(0.3)
    # days 3 and 40 fall in different buckets (2.48 * 3.62^k): each bin is exact here
    apart = [p(1.0, True, days=3), p(0.0, False, days=40)]
    assert rmse_bins(apart) == pytest.approx(0.0, abs=1e-12)
    # two bins of 3 and 1 reviews, gaps 0.1 and 0.5: sqrt((3 * 0.01 + 1 * 0.25) / 4)
    mixed = [p(0.9, True, days=5)] * 2 + [p(0.7, True, days=5)] + [p(0.5, False, days=100)]
    assert rmse_bins(mixed) == pytest.approx(math.sqrt((3 * (0.8333 - 1.0) ** 2 + 0.25) / 4), 1e-3)


def test_rmse_bins_buckets_are_srs_benchmarks() -> None:
    """Two reviews predicted 1.0, one recalled: 0.5 in one bin, sqrt(1/2) in two."""

    def pair(**a: int) -> float:
        first, second = ({k: v[0] for k, v in a.items()}, {k: v[1] for k, v in a.items()})
        return rmse_bins([p(1.0, True, **first), p(1.0, False, **second)])

    one, two = pytest.approx(0.5), pytest.approx(math.sqrt(0.5))
    # review numbers 2 and 3 share srs-benchmark's bucket (1.99 * 1.89^k rounds to 4); 4 not
    assert pair(number=(2, 3)) == one and pair(number=(3, 4)) == two
    # no lapse is a bucket of its own; 3 and 4 lapses share one (1.65 * 1.73^2 rounds to 5)
    assert pair(lapses=(3, 4)) == one and pair(lapses=(0, 1)) == two
    # days since the previous review: 1 to 3 share a bucket (2.48 * 3.62^0), 4 is the next
    assert pair(days=(1, 3)) == one and pair(days=(3, 4)) == two


def test_calibration_bins() -> None:
    bins = calibration([p(0.95, True), p(0.91, False), p(0.42, True), p(1.0, True)])
    assert [(b.low, b.high, b.reviews) for b in bins] == [(0.4, 0.5, 1), (0.9, 1.0, 3)]
    assert bins[1].predicted == pytest.approx((0.95 + 0.91 + 1.0) / 3)
    assert bins[1].actual == pytest.approx(2 / 3)


def test_steps_count_whole_days_since_the_previous_review() -> None:
    log = [(T, 3), (T + timedelta(minutes=10), 3), (T + timedelta(days=2, hours=23), 1)]
    assert steps(log) == [
        Step(T, 3, 0),
        Step(T + timedelta(minutes=10), 3, 0),
        Step(T + timedelta(days=2, hours=23), 1, 2),
    ]


def test_predictions_are_what_the_scheduler_says_before_each_review() -> None:
    log = [
        (T, 3),
        (T + timedelta(minutes=10), 3),
        (T + timedelta(days=3), 1),
        (T + timedelta(days=3, minutes=10), 3),
        (T + timedelta(days=5), 3),
        (T + timedelta(days=15), 4),
    ]
    predictions = predict({"c": steps(log)}, default_parameters())
    memories = replay(log)
    expected = [
        (i, retrievability(memories[i - 1], log[i][0])) for i in (2, 4, 5)
    ]  # a day or more after the previous review
    assert [(x.number - 1, x.predicted) for x in predictions] == [
        (i, pytest.approx(r, abs=1e-5)) for i, r in expected
    ]
    assert [x.lapses for x in predictions] == [0, 1, 1]
    assert [x.recalled for x in predictions] == [False, True, True]
