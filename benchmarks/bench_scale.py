"""Benchmark: do `check` and `build` scale linearly, and stay within memory, at 100k facts?

    python benchmarks/bench_scale.py [--facts 10000 100000] [--runs 3]

Makes synthetic projects (benchmarks/synth.py: 100 facts a source, 3 templates a fact, so
100k facts are 1,000 sources and 300k notes) and times, as fresh subprocesses alternating
between the sizes so that machine noise hits each alike:

- `quizgen check PROJECT`;
- `quizgen build PROJECT -o OUT.apkg` from scratch: no lock file, no package, an empty cache
  folder (QUIZGEN_CACHE_DIR), so nothing is reused.

Prints medians with min-max of wall time and peak memory (max RSS of the child), and the ratio
of each size to the smallest one (issue 11: 100k facts <= 10.5x 10k facts, peak <= 1 GiB).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synth import make, use_bytecode  # noqa: E402

QUIZGEN = [sys.executable, "-m", "quizgen"]


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    return wall, usage.ru_maxrss / 1024  # Linux reports KiB


def spread(values: list[float], fmt: str) -> str:
    return f"{statistics.median(values):{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facts", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    use_bytecode()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        roots = {n: make(tmp / f"p{n}", n) for n in args.facts}
        times: dict[tuple[str, int], list[float]] = {}
        peaks: dict[tuple[str, int], list[float]] = {}
        for _ in range(args.runs):
            for n, root in roots.items():
                cache = tmp / "cache"
                for what in ("check", "build"):
                    shutil.rmtree(cache, ignore_errors=True)
                    (root / "quizgen.lock").unlink(missing_ok=True)
                    out = tmp / f"out{n}.apkg"
                    out.unlink(missing_ok=True)
                    cmd = [*QUIZGEN, what, str(root)]
                    if what == "build":
                        cmd += ["-o", str(out)]
                    env = {**os.environ, "QUIZGEN_CACHE_DIR": str(cache), "TMPDIR": tmp_name}
                    wall, peak = run(cmd, env)
                    times.setdefault((what, n), []).append(wall)
                    peaks.setdefault((what, n), []).append(peak)
    base = args.facts[0]
    print(f"{'':6} {'facts':>7} {'wall s, median (min-max)':>26} {'x smallest':>10} "
          f"{'peak MiB, median (min-max)':>28}")  # fmt: skip
    for what in ("check", "build"):
        for n in args.facts:
            t, p = times[what, n], peaks[what, n]
            ratio = statistics.median(t) / statistics.median(times[what, base])
            print(f"{what:6} {n:>7} {spread(t, '.2f'):>26} {ratio:>10.2f} {spread(p, '.0f'):>28}")


if __name__ == "__main__":
    main()
