"""Benchmark: `quizgen import` of an Anki collection with a long review history, against a
plain sqlite3 read of the same review log.

    python benchmarks/bench_import.py [--reviews 100000] [--facts 1000] [--runs 5]

The collection (Anki's tables, notes with the GUIDs `build` writes for a synthetic project's
cards) holds --reviews entries spread over the cards. Each run imports into a fresh history
(first import: every review added and every card replayed) and then again (nothing new); the
plain read selects the same revlog rows. All run as fresh subprocesses, alternating, so machine
noise hits each alike; the figures are medians and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synth import make, timed, use_bytecode  # noqa: E402

PLAIN = """
import sqlite3, sys
conn = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
rows = conn.execute("SELECT id, cid, ease, type, time, factor FROM revlog ORDER BY id").fetchall()
"""

SCHEMA = """
CREATE TABLE col (id INTEGER PRIMARY KEY, crt INTEGER, mod INTEGER, scm INTEGER, ver INTEGER);
CREATE TABLE notes (id INTEGER PRIMARY KEY, guid TEXT, mid INTEGER, mod INTEGER, usn INTEGER,
    tags TEXT, flds TEXT, sfld TEXT, csum INTEGER, flags INTEGER, data TEXT);
CREATE TABLE cards (id INTEGER PRIMARY KEY, nid INTEGER, did INTEGER, ord INTEGER);
CREATE TABLE revlog (id INTEGER PRIMARY KEY, cid INTEGER, usn INTEGER, ease INTEGER,
    ivl INTEGER, lastIvl INTEGER, factor INTEGER, time INTEGER, type INTEGER);
"""
DAY_MS = 86_400_000
START_MS = 1_760_000_000_000


def collection(path: Path, card_ids: list[str], reviews: int, seed: int = 1) -> None:
    """Anki's tables with a note per card and `reviews` log entries: each card learnt in two
    steps, then reviewed every few days, a tenth of the answers Again."""
    from quizgen.anki.package import guid_for

    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    conn.execute("INSERT INTO col VALUES (1, 0, 0, 0, 18)")
    conn.executemany(
        "INSERT INTO notes VALUES (?, ?, 1, 0, -1, '', ?, '', 0, 0, '')",
        ((n, guid_for(cid), "\x1f".join(("q", "a", cid))) for n, cid in enumerate(card_ids, 1)),
    )
    conn.executemany(
        "INSERT INTO cards VALUES (?, ?, 1, 0)",
        ((n + 10**6, n) for n in range(1, len(card_ids) + 1)),
    )
    rows = []
    per_card = max(2, -(-reviews // len(card_ids)))
    rid = START_MS
    for n in range(1, len(card_ids) + 1):
        at = START_MS + rng.randrange(30) * DAY_MS + n
        for k in range(per_card):
            if len(rows) == reviews:
                break
            kind = 0 if k < 2 else 1
            ease = 1 if kind == 1 and rng.random() < 0.1 else 3
            rid = max(rid + 1, at)
            rows.append((rid, n + 10**6, ease, 2500, 4000, kind))
            at += 600_000 if k == 0 else rng.randrange(1, 6 + k) * DAY_MS
    conn.executemany(
        "INSERT INTO revlog VALUES (?, ?, -1, ?, 0, 0, ?, ?, ?)",
        sorted(rows),
    )
    conn.commit()
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--facts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    use_bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        root = make(Path(tmp) / "project", args.facts)
        out = subprocess.run(
            [sys.executable, "-m", "quizgen", "cards", str(root), "--json"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        import json

        card_ids = [c["id"] for c in json.loads(out)]
        db = Path(tmp) / "collection.anki2"
        collection(db, card_ids, args.reviews)
        quizgen = [sys.executable, "-m", "quizgen", "import", str(db), str(root)]
        plain, first, again = [], [], []
        for run in range(args.runs):
            state = Path(tmp) / f"state-{run}.sqlite3"
            plain.append(timed([sys.executable, "-c", PLAIN, str(db)]))
            first.append(timed([*quizgen, "--state", str(state)]))
            again.append(timed([*quizgen, "--state", str(state)]))
        p, f, a = (statistics.median(x) for x in (plain, first, again))
        print(f"{args.reviews} reviews of {len(card_ids)} cards, medians of {args.runs} runs")
        print(f"  plain sqlite3 read of the revlog  {p:8.3f} s")
        print(f"  quizgen import, first time        {f:8.3f} s  ({f / p:6.1f}x)")
        print(f"  quizgen import, again (no change) {a:8.3f} s  ({a / p:6.1f}x)")


if __name__ == "__main__":
    main()
