"""Benchmark: does starting a quiz grow with the review history? And what does an answer cost?

    python benchmarks/bench_quiz.py [--runs 5] [--answers 200]

Builds synthetic decks (benchmarks/synth.py) and fills review stores directly:

    A  deck of    300 cards, history of    300 cards /   1,000 reviews
    B  deck of 30,000 cards, history of    300 cards /   1,000 reviews
    C  deck of 30,000 cards, history of 30,000 cards / 100,000 reviews

and measures, as medians of --runs fresh runs:

  * time to first question: `python -m quizgen quiz` started in a subprocess until its first
    prompt appears (interpreter start, loading the deck from the warm compile cache, opening
    the store, planning, first question). C / B is the cost of 100x more history; C / A also
    grows the deck 100x (goal for both: within 2x). `compile` is the uncached deck loading.
  * the quiz's own start-up, in process: open the store and plan the session (no deck loading).
  * per-answer overhead, in process: check the answer, schedule, save it (one fsync'd
    transaction), and show the next question, over --answers scripted answers.
  * `quizgen --help`: wall time, and that it imports none of genanki, fsrs or fpdf.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synth import make, use_bytecode  # noqa: E402

from quizgen.clock import frozen_clock  # noqa: E402
from quizgen.model import Card  # noqa: E402
from quizgen.planning import card_hash, plan_session  # noqa: E402
from quizgen.project import compile_project  # noqa: E402
from quizgen.session import Session  # noqa: E402
from quizgen.store import Store, to_text  # noqa: E402
from quizgen.terminal import Terminal  # noqa: E402

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
HEAVY = ("genanki", "fsrs", "fpdf")


def fill(state: Path, cards: list[Card], n_reviews: int, seed: int = 0) -> None:
    """A plausible history: each card studied some times over the last 200 days, its next
    review spread from 10 days overdue to 60 days ahead."""
    rng = random.Random(seed)
    with Store.open(state) as store:
        conn = store.conn
        conn.execute("BEGIN")
        card_rows, review_rows = [], []
        per_card = [1] * len(cards)
        for _ in range(n_reviews - len(cards)):
            per_card[rng.randrange(len(cards))] += 1
        for card, count in zip(cards, per_card, strict=True):
            times = sorted(NOW - timedelta(days=rng.uniform(0.5, 200)) for _ in range(count))
            for i, when in enumerate(times):
                review_rows.append(
                    (card.id, to_text(when), rng.choice((1, 3, 3, 3, 4)), min(i, 2), 4000, "x")
                )
            phase = rng.choice((1, 2, 2, 2, 2, 3))
            due = NOW + timedelta(days=rng.uniform(-10, 60))
            card_rows.append((
                card.id, phase, None if phase == 2 else 0, rng.uniform(1, 100),
                rng.uniform(1, 10), to_text(due), to_text(times[-1]), count,
                rng.randrange(3), card_hash(card), to_text(times[0]),
            ))  # fmt: skip
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


def first_question(project: Path, state: Path) -> float:
    """Seconds from starting `quizgen quiz` to its first prompt."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "quizgen", "quiz", str(project), "--state", str(state),
         "--now", NOW.isoformat()],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdin is not None
    seen = b""
    while b"Your answer: " not in seen and b"Your choice" not in seen:
        chunk = proc.stdout.read1(65536)
        if not chunk:
            raise RuntimeError(f"quiz ended before a question: {seen[-500:]!r}")
        seen += chunk
    elapsed = time.perf_counter() - start
    proc.communicate(b"")  # end of input: the quiz stops cleanly
    return elapsed


def median_of(runs: int, func: Callable[..., float], *args: object) -> float:
    return statistics.median(func(*args) for _ in range(runs))


def in_process_start(state: Path, cards: list[Card]) -> float:
    start = time.perf_counter()
    with Store.open(state) as store:
        items = plan_session(store, cards, NOW, new_limit=20, limit=200).items
    assert items
    return time.perf_counter() - start


def per_answer(state: Path, cards: list[Card], sources: dict, answers: int, tmp: Path) -> float:
    """Seconds per answer over a scripted session on a copy of the store."""
    copy = tmp / f"answers-{time.monotonic_ns()}.sqlite3"
    shutil.copy(state, copy)
    script = io.StringIO("wrong answer\n\n" * answers)  # typed cards: answer, accept rating
    with Store.open(copy) as store:
        items = plan_session(store, cards, NOW, new_limit=20, limit=answers).items
        terminal = Terminal(script, io.StringIO(), color=False)
        session = Session(store, items, terminal, sources=sources, clock=frozen_clock(NOW),
                          limit=answers)  # fmt: skip
        start = time.perf_counter()
        summary = session.run()
        elapsed = time.perf_counter() - start
    assert summary.reviewed == answers, summary
    copy.unlink()
    return elapsed / answers


HELP_PROBE = """
import json, sys
from quizgen.cli import main
sys.argv = ["quizgen", "--help"]
try:
    main()
except SystemExit:
    pass
print("@@" + json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def help_check(runs: int) -> tuple[float, list[str]]:
    def once() -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "quizgen", "--help"], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        return time.perf_counter() - start

    out = subprocess.run([sys.executable, "-c", HELP_PROBE], check=True, capture_output=True,
                         text=True).stdout  # fmt: skip
    modules = json.loads(out.rpartition("@@")[2])
    return median_of(runs, once), sorted(set(modules) & set(HEAVY))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--answers", type=int, default=200)
    args = parser.parse_args()
    use_bytecode()

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        print("building decks and histories ...", file=sys.stderr)
        small = make(tmp / "deck300", 100, 3)
        large = make(tmp / "deck30k", 10_000, 3)
        small_project, small_cards = compile_project(small)
        large_project, large_cards = compile_project(large)
        assert len(small_cards) == 300 and len(large_cards) == 30_000
        typed = [c for c in large_cards if c.style != "choice"]
        scenarios = {
            "A": (small, small_project, small_cards, tmp / "a.sqlite3", small_cards, 1_000),
            "B": (large, large_project, large_cards, tmp / "b.sqlite3", large_cards[:300], 1_000),
            "C": (large, large_project, large_cards, tmp / "c.sqlite3", large_cards, 100_000),
        }
        for _, _, _, state, studied, n_reviews in scenarios.values():
            fill(state, studied, n_reviews)
        # The quiz reuses the compiled deck from the user cache (quizgen.cache) while its files
        # are unchanged: the case of a student starting a quiz each day. Warm it once per deck
        # in a private cache folder; `compile` below is the uncached cost, for comparison.
        os.environ["QUIZGEN_CACHE_DIR"] = str(tmp / "cache")
        for root in (small, large):
            compile_project(root, cached=True)

        compile_s = {
            "A": median_of(args.runs, _timed, compile_project, small),
            "B": median_of(args.runs, _timed, compile_project, large),
        }
        compile_s["C"] = compile_s["B"]
        print(f"runs: {args.runs} (medians)\n", flush=True)
        print(f"{'':2} {'deck':>7} {'history':>17} {'first question':>15} {'compile':>8} "
              f"{'quiz start':>11} {'per answer':>11}")  # fmt: skip
        # Runs alternate between scenarios, so that machine noise hits them alike.
        samples: dict[str, dict[str, list[float]]] = {
            name: {"first": [], "start": [], "answer": []} for name in scenarios
        }
        for _ in range(args.runs):
            for name, (root, project, cards, state, _, _) in scenarios.items():
                pool = [c for c in cards if c.style != "choice"] if name == "A" else typed
                got = samples[name]
                got["first"].append(first_question(root, state))
                got["start"].append(in_process_start(state, cards))
                got["answer"].append(
                    per_answer(state, pool, project.sources_by_id, args.answers, tmp)
                )
        first = {n: statistics.median(v["first"]) for n, v in samples.items()}
        start = {n: statistics.median(v["start"]) for n, v in samples.items()}
        answer = {n: statistics.median(v["answer"]) for n, v in samples.items()}
        for name, (_, _, cards, _, studied, n_reviews) in scenarios.items():
            history = f"{len(studied):,}/{n_reviews:,}"
            print(f"{name:2} {len(cards):>7,} {history:>17} {first[name]:>14.3f}s "
                  f"{compile_s[name]:>7.3f}s {1000 * start[name]:>9.1f}ms "
                  f"{1000 * answer[name]:>9.2f}ms")  # fmt: skip

        print()
        print(f"history x100 (C/B): first question {first['C'] / first['B']:.2f}x, "
              f"quiz start {start['C'] / start['B']:.2f}x, "
              f"per answer {answer['C'] / answer['B']:.2f}x   (goal: within 2x)")  # fmt: skip
        print(f"deck and history x100 (C/A): first question {first['C'] / first['A']:.2f}x, "
              f"of which loading the deck {compile_s['C'] - compile_s['A']:.2f}s; "
              f"quiz start {start['C'] / start['A']:.2f}x")  # fmt: skip
        help_s, heavy = help_check(args.runs)
        print(f"quizgen --help: {help_s:.3f}s, heavy modules imported: {heavy or 'none'}")
        if heavy:
            sys.exit(1)


def _timed(func: Callable[..., object], *args: object) -> float:
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
