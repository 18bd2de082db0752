"""A simulated learner whose memory follows known FSRS parameters, for testing the optimizer.

The learner studies with quizgen's schedule (fsrs's default parameters) but remembers as the
TRUE parameters say: at each review, recall is drawn with probability equal to the card's
retrievability under TRUE, from a seeded generator, and the rating follows from it. Reviews
come when the schedule says, a little late as people are.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import fsrs

from quizgen.scheduler import review
from quizgen.store import LoggedReview

# Not fsrs's defaults: a learner who forgets new cards much faster (w0-w3, the initial
# stabilities), whose memories grow more slowly with each review (w8) and after a lapse (w11),
# and whose forgetting curve falls more steeply at first (w20, the decay).
TRUE = (
    0.05, 0.2, 0.6, 2.0, 6.4133, 0.8334, 3.0194, 0.001, 1.0, 0.1666, 0.796, 0.8, 0.0614,
    0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.5,
)  # fmt: skip
START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def simulate(
    cards: int = 300, days: int = 240, seed: int = 7, true: tuple[float, ...] = TRUE
) -> dict[str, list[LoggedReview]]:
    """Each card's reviews, oldest first. New cards start over the first third of the time."""
    rng = random.Random(seed)
    memory_of = fsrs.Scheduler(parameters=true, enable_fuzzing=False)
    end = START + timedelta(days=days)
    log: dict[str, list[LoggedReview]] = {}
    for n in range(cards):
        card_id = f"sim/card-{n:04d}/which"
        at = START + timedelta(days=rng.randrange(days // 3), hours=rng.random() * 10)
        truth = fsrs.Card(card_id=n + 1)
        schedule = None
        reviews = []
        while at < end:
            if truth.last_review is None:
                recalled = rng.random() < 0.7
            else:
                recalled = rng.random() < memory_of.get_card_retrievability(truth, at)
            rating = 1 if not recalled else rng.choices((2, 3, 4), (0.15, 0.75, 0.10))[0]
            truth, _ = memory_of.review_card(truth, fsrs.Rating(rating), review_datetime=at)
            schedule = review(schedule, rating, at)
            reviews.append(LoggedReview(at, rating, 5000))
            wait = schedule.due - at
            at = schedule.due + wait * rng.uniform(0.0, 0.6) + timedelta(minutes=rng.random())
        log[card_id] = reviews
    return log
