"""Benchmark: `quizgen handout` in each format against `quizgen check` on the same project.

    python benchmarks/bench_handout.py [--facts 1000] [--counts 100 1000] [--runs 5]

`check` loads, validates and expands the project, which every handout must do too, so the
ratio shows what choosing, laying out and writing the handout adds. All commands run as fresh
subprocesses, alternating, so machine noise hits each alike; figures are medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synth import make, timed, use_bytecode  # noqa: E402

from quizgen.handout.options import FORMATS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--facts", type=int, default=1000)
    parser.add_argument("--counts", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    use_bytecode()
    quizgen = [sys.executable, "-m", "quizgen"]
    with tempfile.TemporaryDirectory() as tmp:
        root = make(Path(tmp) / "project", args.facts)
        out = Path(tmp) / "out"
        out.mkdir()
        print(f"{args.facts} facts; medians of {args.runs} runs")
        print(
            f"{'questions':>9} {'check (s)':>10}"
            + "".join(f" {f + ' (s)':>9} {'ratio':>6}" for f in FORMATS)
        )
        for count in args.counts:
            times: dict[str, list[float]] = {"check": [], **{f: [] for f in FORMATS}}
            for _ in range(args.runs):
                times["check"].append(timed([*quizgen, "check", str(root)]))
                for fmt in FORMATS:
                    cmd = [*quizgen, "handout", str(root), "--count", str(count),
                           "--date", "2026-11-26", "-o", str(out / f"h.{fmt}")]  # fmt: skip
                    times[fmt].append(timed(cmd))
            base = statistics.median(times["check"])
            row = f"{count:>9} {base:>10.3f}"
            for fmt in FORMATS:
                t = statistics.median(times[fmt])
                row += f" {t:>9.3f} {t / base:>6.2f}"
            print(row)


if __name__ == "__main__":
    main()
