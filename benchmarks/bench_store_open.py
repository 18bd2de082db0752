"""Benchmark: what does checking the review history for damage add to opening it?

    python benchmarks/bench_store_open.py [--runs 15] [--cards 30000] [--reviews 100000]

Fills a history of 30,000 cards and 100,000 reviews (the shape of bench_quiz.py's history C,
without needing a deck) and measures opening and closing it, as medians of --runs rounds; the
variants alternate within each round, so that machine noise hits them alike:

  no check    Store.open(verify=False): what opening cost before the check existed
  unchanged   Store.open(): the file is as quizgen last closed it, so quick_check is skipped
              (a stat of the file and its journal, and reading one small record)
  changed     Store.open() after the file was touched: quick_check reads the whole file
  integrity   the same open plus PRAGMA integrity_check, the thorough check quizgen does
              not use (it also cross-checks every index against its table)

and a session's worth: open, save one answer (an fsync'd transaction), close, without the
check and with it (where closing rewrites the record of the file, which the answer changed).

Each is reported in milliseconds and as a ratio against its counterpart without the check.
The everyday case is "unchanged" (and "answer"): quizgen closes the history after every
session, so only a file changed by something else (a restore, a copy, a disk error) pays for
quick_check, once.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from quizgen.scheduler import review
from quizgen.store import Store, to_text

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)


def fill(state: Path, n_cards: int, n_reviews: int, seed: int = 0) -> None:
    """Each card studied some times over the last 200 days (as bench_quiz.fill)."""
    rng = random.Random(seed)
    ids = [f"paper-{i // 300}/f{i % 100}/t{i % 3}" for i in range(n_cards)]
    per_card = [1] * n_cards
    for _ in range(n_reviews - n_cards):
        per_card[rng.randrange(n_cards)] += 1
    card_rows, review_rows = [], []
    for card_id, count in zip(ids, per_card, strict=True):
        times = sorted(NOW - timedelta(days=rng.uniform(0.5, 200)) for _ in range(count))
        for i, when in enumerate(times):
            review_rows.append(
                (card_id, to_text(when), rng.choice((1, 3, 3, 3, 4)), min(i, 2), 4000, "x")
            )
        phase = rng.choice((1, 2, 2, 2, 2, 3))
        due = NOW + timedelta(days=rng.uniform(-10, 60))
        card_rows.append((
            card_id, phase, None if phase == 2 else 0, rng.uniform(1, 100), rng.uniform(1, 10),
            to_text(due), to_text(times[-1]), count, rng.randrange(3), f"{rng.getrandbits(64):x}",
            to_text(times[0]),
        ))  # fmt: skip
    with Store.open(state) as store:
        conn = store.conn
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO cards (id, phase, step, stability, difficulty, due, last_review, reps,"
            " lapses, text_hash, introduced) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            card_rows,
        )
        conn.executemany(
            "INSERT INTO reviews (card_id, reviewed_at, rating, phase, duration_ms, answer)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            review_rows,
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--cards", type=int, default=30_000)
    parser.add_argument("--reviews", type=int, default=100_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.environ["QUIZGEN_CACHE_DIR"] = str(tmp / "cache")  # records of checked files
        state = tmp / "reviews.sqlite3"
        fill(state, args.cards, args.reviews)
        # The sessions answer on copies of their own, so that they change nothing the open-only
        # variants see, and an unchecked session never changes the checked one's file.
        plain, checked = tmp / "plain.sqlite3", tmp / "checked.sqlite3"
        shutil.copy(state, plain)
        shutil.copy(state, checked)
        for path in (state, checked):
            Store.open(path).close()  # checked and recorded: the everyday state

        def unchecked() -> None:
            Store.open(state, verify=False).close()

        def unchanged() -> None:
            Store.open(state).close()

        def changed() -> None:
            os.utime(state)  # as if something else wrote to it since quizgen closed it
            Store.open(state).close()

        def integrity() -> None:
            store = Store.open(state, verify=False)
            assert store.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            store.close()

        def answer(store: Store) -> None:
            store.record(
                "paper-0/f0/t0",
                text_hash="h",
                rating=3,
                now=NOW,
                schedule=lambda before: review(before, 3, NOW),
            )

        def session_unchecked() -> None:
            with Store.open(plain, verify=False) as store:
                answer(store)

        def session() -> None:
            with Store.open(checked) as store:
                answer(store)

        variants = {
            "no check": unchecked,
            "unchanged": unchanged,
            "changed": changed,
            "integrity": integrity,
            "answer, no check": session_unchecked,
            "answer": session,
        }
        baseline = {name: "no check" for name in variants}
        baseline["answer"] = baseline["answer, no check"] = "answer, no check"
        samples: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.runs):
            for name, func in variants.items():
                samples[name].append(timed(func))
        assert Store.open(state).conn.execute("PRAGMA quick_check").fetchone() == ("ok",)

        size = state.stat().st_size
        print(
            f"history: {args.cards:,} cards, {args.reviews:,} reviews, {size / 2**20:.1f} MiB; "
            f"sqlite {sqlite3.sqlite_version}; medians of {args.runs} alternating runs\n"
        )
        medians = {name: statistics.median(times) for name, times in samples.items()}
        print(f"{'open + close':<18} {'ms':>8} {'ratio':>7}")
        for name, median in medians.items():
            ratio = median / medians[baseline[name]]
            print(f"{name:<18} {1000 * median:>8.2f} {ratio:>6.2f}x")


if __name__ == "__main__":
    main()
