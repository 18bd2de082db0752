"""Benchmark: `quizgen check` against plainly parsing the same files with the C safe loader.

    python benchmarks/bench_check.py [--facts 1000 10000] [--runs 5]

Both run as fresh subprocesses in the same session, alternating, so machine noise hits both;
the figure that matters is the ratio of the medians (goal: within 1.5x).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synth import make, timed, use_bytecode  # noqa: E402

PLAIN = """
import sys, yaml
from pathlib import Path
for p in sorted(Path(sys.argv[1]).rglob("*.yaml")):
    yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--facts", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    use_bytecode()
    print(f"{'facts':>7} {'plain (s)':>10} {'check (s)':>10} {'ratio':>6}")
    for n in args.facts:
        with tempfile.TemporaryDirectory() as tmp:
            root = make(Path(tmp) / "project", n)
            plain, check = [], []
            for _ in range(args.runs):
                plain.append(timed([sys.executable, "-c", PLAIN, str(root)]))
                check.append(timed([sys.executable, "-m", "quizgen", "check", str(root)]))
            p, c = statistics.median(plain), statistics.median(check)
            print(f"{n:>7} {p:>10.3f} {c:>10.3f} {c / p:>6.2f}")


if __name__ == "__main__":
    main()
