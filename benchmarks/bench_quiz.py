"""Benchmark: how does starting a quiz grow with the deck and the review history? And what
does an answer cost?

    python benchmarks/bench_quiz.py [--runs 5] [--answers 200]

Builds synthetic decks (benchmarks/synth.py) and fills review stores directly:

    A  deck of    300 cards, history of    300 cards /   1,000 reviews
    B  deck of 30,000 cards, history of    300 cards /   1,000 reviews
    C  deck of 30,000 cards, history of 30,000 cards / 100,000 reviews

and measures, as medians (and min-max) of --runs rounds, the scenarios alternating within
each round so that machine noise hits them alike:

  * time to first question: `python -m quizgen quiz` started in a subprocess until its first
    prompt appears (interpreter start, the deck, opening the store, planning, first question),
    - warm: the deck compiled before (the compile cache and the quiz's deck index are there),
      the case of a student starting a quiz each day. Goal: C / A within 1.3x.
    - cold: the compile cache folder empty (but for the history's record of its last check,
      which belongs to the history, not to the deck), so the quiz compiles the deck from its
      YAML. Goal: C / A within 3x; two floors are printed beside it: the same start with the
      30,000-card deck's YAML only parsed (the events of PyYAML's C parser), not compiled,
      which no start that reads the sources can beat; and with its sources loaded (read
      with line numbers and checked against their kinds) but no card made, which no start
      that asks a card can beat (a card's options are drawn from every source's answers).
    C / B is the cost of 100x more history alone.
  * `compile`: compiling the deck in process (no cache); `yaml`: parsing its files alone.
  * `quiz start`: the quiz's own start-up, in process, warm: the deck's fingerprint, its
    index, opening the store, planning and reading the planned cards (no imports).
  * per-answer overhead, in process: check the answer, schedule, save it (one fsync'd
    transaction), and show the next question, over --answers scripted answers.
  * `quizgen --help`: wall time, and that it imports none of genanki, fsrs or reportlab.
"""

from __future__ import annotations

import argparse
import gc
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

from quizgen import deckindex  # noqa: E402
from quizgen.clock import frozen_clock  # noqa: E402
from quizgen.loader import load_project  # noqa: E402
from quizgen.model import Card  # noqa: E402
from quizgen.planning import card_hash, plan_session  # noqa: E402
from quizgen.project import compile_project  # noqa: E402
from quizgen.session import Session  # noqa: E402
from quizgen.store import Store, to_text  # noqa: E402
from quizgen.terminal import Terminal  # noqa: E402

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
HEAVY = ("genanki", "fsrs", "reportlab")


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


def first_question(project: Path, state: Path, cache: Path) -> float:
    """Seconds from starting `quizgen quiz` to its first prompt, with `cache` as the user
    cache folder."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "quizgen", "quiz", str(project), "--state", str(state),
         "--now", NOW.isoformat()],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "QUIZGEN_CACHE_DIR": str(cache)},
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


def cold_first_question(project: Path, state: Path, warm: Path, tmp: Path) -> float:
    """`first_question` with an empty cache folder, but for the history's record of its last
    damage check (`verified/`), which is the history's, not the deck's."""
    cold = tmp / f"cold-{time.monotonic_ns()}"
    shutil.copytree(warm / "verified", cold / "verified")
    try:
        return first_question(project, state, cold)
    finally:
        shutil.rmtree(cold)


def parse_yaml(root: Path) -> float:
    """Seconds to parse every YAML file of a project and nothing more: the event stream of
    PyYAML's C parser, the least any loader of it does (building no values at all)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    files = sorted(root.rglob("*.yaml"))
    start = time.perf_counter()
    for path in files:
        for _ in yaml.parse(path.read_bytes(), Loader=loader):
            pass
    return time.perf_counter() - start


def median_of(runs: int, func: Callable[..., float], *args: object) -> float:
    return statistics.median(func(*args) for _ in range(runs))


def in_process_start(root: Path, state: Path) -> float:
    """Seconds from the deck's fingerprint to a planned session, in process, as the quiz does
    it on a warm cache: open the deck index, open the store, plan, read the planned cards."""
    start = time.perf_counter()
    key = deckindex.key(root)
    assert key is not None
    index = deckindex.load(root, key)
    assert index is not None, "the deck index is missing"
    with index, Store.open(state) as store:
        items = plan_session(store, index.lineup(), NOW, new_limit=20, limit=200).items
    assert items
    return time.perf_counter() - start


def per_answer(
    state: Path, cards: list[Card], citations: dict[str, str], answers: int, tmp: Path
) -> float:
    """Seconds per answer over a scripted session on a copy of the store."""
    copy = tmp / f"answers-{time.monotonic_ns()}.sqlite3"
    shutil.copy(state, copy)
    script = io.StringIO("wrong answer\n\n" * answers)  # typed cards: answer, accept rating
    with Store.open(copy) as store:
        items = plan_session(store, cards, NOW, new_limit=20, limit=answers).items
        terminal = Terminal(script, io.StringIO(), color=False)
        session = Session(store, items, terminal, citations=citations, clock=frozen_clock(NOW),
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


def spread(values: list[float], scale: float = 1.0, unit: str = "s", digits: int = 3) -> str:
    """median (min-max)"""
    lo, mid, hi = (scale * v for v in (min(values), statistics.median(values), max(values)))
    return f"{mid:.{digits}f}{unit} ({lo:.{digits}f}-{hi:.{digits}f})"


def ratio(top: list[float], bottom: list[float]) -> str:
    """The ratio of the medians, and the min-max of the ratios within each round."""
    per_round = [t / b for t, b in zip(top, bottom, strict=True)]
    mid = statistics.median(top) / statistics.median(bottom)
    return f"{mid:.2f}x ({min(per_round):.2f}-{max(per_round):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--answers", type=int, default=200)
    args = parser.parse_args()
    use_bytecode()

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        warm = tmp / "cache"
        os.environ["QUIZGEN_CACHE_DIR"] = str(warm)  # never the user's own
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
        # A first quiz on each compiles its deck into the warm cache folder (and checks its
        # history once for damage, which is then recorded as checked).
        for root, _, _, state, _, _ in scenarios.values():
            first_question(root, state, warm)

        # The decks this process holds are not the quiz's: keep the collector off them, so
        # that the in-process figures are the quiz's work alone.
        gc.collect()
        gc.freeze()
        compile_s: dict[str, list[float]] = {"A": [], "B": []}
        yaml_s: dict[str, list[float]] = {"A": [], "B": []}
        load_s: dict[str, list[float]] = {"A": [], "B": []}
        for _ in range(args.runs):
            for name, root in (("A", small), ("B", large)):
                compile_s[name].append(_timed(compile_project, root))
                yaml_s[name].append(parse_yaml(root))
                load_s[name].append(_timed(load_project, root))
        compile_s["C"], yaml_s["C"], load_s["C"] = compile_s["B"], yaml_s["B"], load_s["B"]
        print(f"runs: {args.runs} (medians, min-max)\n", flush=True)
        # Runs alternate between scenarios, so that machine noise hits them alike.
        samples: dict[str, dict[str, list[float]]] = {
            name: {"warm": [], "cold": [], "start": [], "answer": []} for name in scenarios
        }
        for _ in range(args.runs):
            for name, (root, project, cards, state, _, _) in scenarios.items():
                pool = [c for c in cards if c.style != "choice"] if name == "A" else typed
                got = samples[name]
                got["warm"].append(first_question(root, state, warm))
                got["cold"].append(cold_first_question(root, state, warm, tmp))
                got["start"].append(in_process_start(root, state))
                citations = {s.id: s.citation for s in project.sources}
                got["answer"].append(per_answer(state, pool, citations, args.answers, tmp))
        print(f"{'':2} {'deck':>7} {'history':>15}  {'first question, warm':>21}  "
              f"{'first question, cold':>21}  {'compile':>7}  {'yaml':>6}  "
              f"{'quiz start':>10}  {'per answer':>10}")  # fmt: skip
        for name, (_, _, cards, _, studied, n_reviews) in scenarios.items():
            got = samples[name]
            history = f"{len(studied):,}/{n_reviews:,}"
            print(f"{name:2} {len(cards):>7,} {history:>15}  {spread(got['warm']):>21}  "
                  f"{spread(got['cold']):>21}  {statistics.median(compile_s[name]):>6.2f}s  "
                  f"{statistics.median(yaml_s[name]):>5.2f}s  "
                  f"{1000 * statistics.median(got['start']):>8.1f}ms  "
                  f"{1000 * statistics.median(got['answer']):>8.2f}ms")  # fmt: skip

        a, b, c = samples["A"], samples["B"], samples["C"]
        # The cold floor: A's warm start plus parsing the large deck's YAML, and nothing else.
        floor = [w + y for w, y in zip(a["warm"], yaml_s["C"], strict=True)]
        # And with every source loaded (its YAML read with line numbers, each fact checked
        # against its kind) but no card made: the least a start that asks even one card can
        # do, since that card's options are drawn from every source's answers.
        loaded = [w + y for w, y in zip(a["warm"], load_s["C"], strict=True)]
        print()
        print(f"deck and history x100 (C/A), warm: first question {ratio(c['warm'], a['warm'])}"
              f"   (goal: within 1.3x); quiz start {ratio(c['start'], a['start'])}, "
              f"{1000 * (statistics.median(c['start']) - statistics.median(a['start'])):.1f}ms"
              " more")  # fmt: skip
        print(f"deck and history x100 (C/A), cold: first question {ratio(c['cold'], a['cold'])}"
              f"   (goal: within 3x; floors: parsing the YAML alone "
              f"{ratio(floor, a['cold'])}, loading the sources "
              f"{ratio(loaded, a['cold'])})")  # fmt: skip
        print(f"history x100 (C/B): first question warm {ratio(c['warm'], b['warm'])}, "
              f"quiz start {ratio(c['start'], b['start'])}, "
              f"per answer {ratio(c['answer'], b['answer'])}   (goal: within 2x)")  # fmt: skip
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
