"""Benchmark: `quizgen check` against plainly parsing the same files with the C safe loader.

    python benchmarks/bench_check.py [--facts 1000 10000] [--runs 5]

Every command runs as a fresh subprocess, in turn within each run, so machine noise hits all
of them alike. The figure that matters is check/plain, the ratio of the medians (goal: at most
1.2x), shown with the range of the per-run ratios. Two floors say what any check must pay for
the YAML alone, with the line numbers its `path:line` messages need: the libyaml event stream
(every event with its marks, nothing built) and the C safe loader composing its node graph
(what PyYAML offers for lines). Neither builds a value or checks anything.
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
EVENTS = """
import sys, yaml
from pathlib import Path
for p in sorted(Path(sys.argv[1]).rglob("*.yaml")):
    loader = yaml.CSafeLoader(p.read_text(encoding="utf-8"))
    while loader.check_event():
        loader.get_event()
    loader.dispose()
"""
COMPOSE = """
import sys, yaml
from pathlib import Path
for p in sorted(Path(sys.argv[1]).rglob("*.yaml")):
    loader = yaml.CSafeLoader(p.read_text(encoding="utf-8"))
    loader.get_single_node()
    loader.dispose()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--facts", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    use_bytecode()
    print(
        f"{'facts':>7} {'plain (s)':>10} {'events (s)':>11} {'compose (s)':>12} {'check (s)':>10}"
        f"  {'check/plain (min-max)':>22}  {'floors/plain':>17}"
    )
    for n in args.facts:
        with tempfile.TemporaryDirectory() as tmp:
            root = str(make(Path(tmp) / "project", n))
            times: dict[str, list[float]] = {"plain": [], "events": [], "compose": [], "check": []}
            for _ in range(args.runs):
                times["plain"].append(timed([sys.executable, "-c", PLAIN, root]))
                times["events"].append(timed([sys.executable, "-c", EVENTS, root]))
                times["compose"].append(timed([sys.executable, "-c", COMPOSE, root]))
                times["check"].append(timed([sys.executable, "-m", "quizgen", "check", root]))
            med = {name: statistics.median(values) for name, values in times.items()}
            ratios = [c / p for c, p in zip(times["check"], times["plain"], strict=True)]
            print(
                f"{n:>7} {med['plain']:>10.3f} {med['events']:>11.3f} {med['compose']:>12.3f} "
                f"{med['check']:>10.3f}  {med['check'] / med['plain']:>10.2f}x "
                f"({min(ratios):.2f}-{max(ratios):.2f})  "
                f"{med['events'] / med['plain']:>7.2f}x {med['compose'] / med['plain']:>5.2f}x"
            )
    print(
        "floor: check cannot beat the YAML it must read with line numbers "
        "(events, compose; each includes starting Python and importing PyYAML); goal: 1.2x plain"
    )


if __name__ == "__main__":
    main()
