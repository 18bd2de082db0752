"""Benchmark `quizgen build` against a plain genanki script writing the same notes.

    .venv/bin/python benchmarks/bench_build.py [--facts 10000] [--templates 3] [--runs 5]

Makes a synthetic project (benchmarks/synth.py: 10,000 facts x 3 templates = 30,000 notes),
then times, in alternating subprocesses so that machine noise hits both alike:

- `quizgen build` from scratch (no lock file, no package, an empty cache folder): load,
  validate, expand, write;
- `quizgen build` again over its own lock file (nothing changed: the package is up to date),
  beside `quizgen --version`, the floor of any quizgen command (issue 11: <= 3x);
- `quizgen build` after editing one fact of one of the 100 sources, beside the build from
  scratch (issue 11: <= 0.3x; in wall time, and in CPU time, which other work on a shared
  machine disturbs less): once a claim (a field no multiple-choice option is drawn from),
  once a subject (the answer other papers' options are drawn from);
- a plain genanki script writing the same 30,000 notes (same note types, fields, tags, decks
  and GUIDs, read from a JSON-lines file) with genanki's defaults: Package.write_to_file();
- compiling the project alone (load, validate, expand: quizgen's core, as `build` runs it),
  for reference: the share of a build that is not the Anki writer;
- the floor of a full build (raw_build.py): the library calls it cannot avoid (libyaml's
  events, the hashes, SQLite's inserts, indexes and vacuum, ISA-L's deflate, the writes of as
  many bytes beside the package), on the same data, timed without reading its input.

Reports medians of wall time, peak memory (max RSS of the child) and CPU time, package
sizes, and the ratios against the goals of issue 3: wall time within 1.25x of genanki, peak
memory within 1.5x, package size at most half; and of issue 11 (above, and a full build
within 1.1x of genanki's time and 1.2x of its memory), with min-max.

Linux counts in a child's peak memory the pages it shared with its parent at fork, so this
process stays small: it makes the project and exports the notes in subprocesses too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
READ = "read notes (not a floor)"  # (raw_build.READ)
QUIZGEN = [sys.executable, "-m", "quizgen"]

PLAIN_GENANKI = '''\
"""A plain genanki script: read notes from JSON lines, write them with genanki's defaults."""
import json
import sys

import genanki

with open(sys.argv[1], encoding="utf-8") as f:
    head = json.loads(f.readline())
    models = {
        key: genanki.Model(
            m["id"], m["name"], fields=[{"name": n} for n in m["fields"]],
            templates=[{"name": "Card", "qfmt": m["qfmt"], "afmt": m["afmt"]}], css=m["css"],
            model_type=genanki.Model.CLOZE if m["cloze"] else genanki.Model.FRONT_BACK,
        )
        for key, m in head["models"].items()
    }
    decks = {name: genanki.Deck(deck_id, name) for name, deck_id in head["decks"].items()}
    for line in f:
        card_id, model, deck, fields, tags = json.loads(line)
        decks[deck].add_note(
            genanki.Note(model=models[model], fields=fields, tags=tags,
                         guid=genanki.guid_for(card_id))
        )
genanki.Package(list(decks.values())).write_to_file(sys.argv[2])
'''


def export_notes(project: Path, out: Path) -> int:
    """The notes quizgen would write, as JSON lines for the genanki script (not timed)."""
    from quizgen.anki.notes import notes_for
    from quizgen.anki.notetypes import CSS, NOTE_TYPES, stable_id
    from quizgen.project import compile_project

    proj, cards = compile_project(project)
    notes = notes_for(proj, cards)
    head = {
        "models": {
            key: {
                "id": t.id,
                "name": t.name,
                "fields": list(t.fields),
                "qfmt": t.qfmt,
                "afmt": t.afmt,
                "css": CSS,
                "cloze": t.cloze,
            }
            for key, t in NOTE_TYPES.items()
        },
        "decks": {d: stable_id(f"deck:{d}") for d in sorted({n.deck for n in notes})},
    }
    with out.open("w", encoding="utf-8") as f:
        f.write(json.dumps(head) + "\n")
        for n in notes:
            f.write(json.dumps([n.card_id, n.type, n.deck, list(n.fields), list(n.tags)]) + "\n")
    return len(notes)


def toggle(path: Path, one: str, other: str) -> None:
    """Edit every occurrence of `one` into `other`, or back: the fact, its evidence and the
    source text alike, so that the project stays valid (not timed)."""
    text = path.read_text()
    assert one in text or other in text, (one, other)
    path.write_text(text.replace(one, other) if one in text else text.replace(other, one))


def written_beside(build: list[str], project: Path, tmp: Path) -> list[int]:
    """The sizes of the files a full build writes beside the package (the lock file, and in
    the cache folder all but the kept collection, which is the package's collection renamed),
    from one build (not timed), which leaves nothing behind."""
    cache = tmp / "sizing-cache"
    subprocess.run(
        build,
        check=True,
        capture_output=True,
        env={**os.environ, "QUIZGEN_CACHE_DIR": str(cache)},
    )
    lock = project / "quizgen.lock"
    files = [lock, *(p for p in cache.rglob("*") if p.is_file() and p.suffix != ".anki2")]
    sizes = [p.stat().st_size for p in files]
    lock.unlink()
    shutil.rmtree(cache)
    return sizes


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, float, str]:
    """Wall seconds, peak RSS (MB) and CPU seconds (user + system) of one child process, and
    what it printed (a few lines, which the pipe holds until the child is waited for)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, out  # Linux: KB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facts", type=int, default=10_000)
    parser.add_argument("--templates", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--export", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from synth import use_bytecode

    use_bytecode()
    if args.export:  # run in a subprocess by main(), see the module docstring
        print(export_notes(*args.export))
        return

    tmp = Path(tempfile.mkdtemp(prefix="bench-build-"))
    try:
        project, notes_file = tmp / "project", tmp / "notes.jsonl"
        subprocess.run(
            [sys.executable, str(HERE / "synth.py"), str(project), str(args.facts)]
            + ["--templates", str(args.templates)],
            check=True,
        )
        count = int(
            subprocess.run(
                [sys.executable, __file__, "--export", str(project), str(notes_file)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        script = tmp / "plain_genanki.py"
        script.write_text(PLAIN_GENANKI)
        ours, plain, raw = tmp / "quizgen.apkg", tmp / "genanki.apkg", tmp / "raw.apkg"
        lock = project / "quizgen.lock"
        build = [*QUIZGEN, "build", str(project), "-o", str(ours)]
        sizes = tmp / "sizes.json"
        sizes.write_text(json.dumps(written_beside(build, project, tmp)))
        cases = {
            # a first build without the compile cache (its folder cannot be made): what
            # storing the cache costs the first build, which comes next
            "first, no cache": build,
            "quizgen build (first)": build,
            "quizgen build (again)": build,
            "quizgen --version": [*QUIZGEN, "--version"],
            "build, a claim edited": build,
            "build, a subject edited": build,
            "genanki script": [sys.executable, str(script), str(notes_file), str(plain)],
            # the floor: the library calls of a full build, on the same data (raw_build.py)
            "raw library calls": [
                sys.executable,
                str(HERE / "raw_build.py"),
                *map(str, (project, notes_file, raw, sizes)),
            ],
            # what `build` spends before the Anki writer starts: load, validate, expand
            "compile only": [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; from quizgen.project import "
                "compile_project; compile_project(Path(sys.argv[1]))",
                str(project),
            ],
        }
        results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in cases}
        steps: list[dict[str, float]] = []  # the raw calls' steps, by run
        # Each child gets its own temporary folder, to count the files it leaves behind.
        leaks = {name: 0 for name in cases}
        temp = tmp / "temp"
        print(f"{count} notes ({args.facts} facts x {args.templates} templates), {args.runs} runs")
        with open("/proc/self/status") as status:  # Linux; see the module docstring
            rss = next((line.split()[1] for line in status if line.startswith("VmRSS")), "?")
        print(f"(this process: {int(rss) // 1024 if rss.isdigit() else rss} MB)")
        cache = tmp / "cache"
        (tmp / "file").write_text("")
        edited = project / "sources" / "paper-0050.yaml"  # one of 100 sources
        for i in range(args.runs):
            for name, cmd in cases.items():
                if name in ("quizgen build (first)", "first, no cache"):
                    lock.unlink(missing_ok=True)
                    ours.unlink(missing_ok=True)
                    shutil.rmtree(cache, ignore_errors=True)  # and the stamps in it
                elif name == "build, a claim edited":
                    toggle(edited, " benchmark 5007 by", " benchmark 5007 nearly by")
                elif name == "build, a subject edited":
                    toggle(edited, "Method5011", "Method5011b")
                temp.mkdir()
                no_cache = tmp / "file" / "cache"  # under a file: never made
                where = no_cache if name == "first, no cache" else cache
                env = {**os.environ, "TMPDIR": str(temp), "QUIZGEN_CACHE_DIR": str(where)}
                wall, mem, used, out = run(cmd, tmp, env)
                if name == "raw library calls":
                    steps.append(json.loads(out))
                    wall -= steps[-1].pop(READ)  # its input, which quizgen does not read
                results[name].append((wall, mem, used))
                leaks[name] += len(list(temp.iterdir()))
                shutil.rmtree(temp)
            print(f"  run {i + 1}: " + ", ".join(f"{results[n][-1][0]:.2f}s" for n in cases))

        med = {
            name: (statistics.median(w for w, _, _ in r), statistics.median(m for _, m, _ in r))
            for name, r in results.items()
        }
        cpu = {name: statistics.median(c for _, _, c in r) for name, r in results.items()}
        print(f"\n{'':24}{'wall s':>9}{'peak MB':>9}{'cpu s':>9}")
        for name, (wall, mem) in med.items():
            print(f"{name:24}{wall:9.2f}{mem:9.1f}{cpu[name]:9.2f}")
        size_ours, size_plain = ours.stat().st_size, plain.stat().st_size
        print(
            f"\npackage size: quizgen {size_ours / 1e6:.2f} MB, genanki {size_plain / 1e6:.2f} MB"
        )

        def spread(name: str, at: int = 0) -> str:
            values = [r[at] for r in results[name]]
            return f"{statistics.median(values):.2f}s ({min(values):.2f}-{max(values):.2f})"

        print("\nissue 11 (goal), medians (min-max):")
        noop, version = med["quizgen build (again)"][0], med["quizgen --version"][0]
        print(
            f"  nothing changed {spread('quizgen build (again)')} / --version "
            f"{spread('quizgen --version')} = {noop / version:.2f}x (<= 3)"
        )
        first, bare = med["quizgen build (first)"][0], med["first, no cache"][0]
        for name in ("build, a claim edited", "build, a subject edited"):
            print(
                f"  {name} {spread(name)} / from scratch {spread('quizgen build (first)')} "
                f"= {med[name][0] / first:.2f}x (<= 0.3); / from scratch without the cache "
                f"{spread('first, no cache')} = {med[name][0] / bare:.2f}x"
            )
        # CPU time is less sensitive than wall time to other work on a shared machine
        print("  the same in CPU time (user + system):")
        for name in ("build, a claim edited", "build, a subject edited"):
            print(
                f"    {name} {spread(name, 2)} / from scratch "
                f"{spread('quizgen build (first)', 2)} = "
                f"{cpu[name] / cpu['quizgen build (first)']:.2f}x"
            )

        base_wall, base_mem = med["genanki script"]
        print("\nratios to the genanki script (goal):")
        for name in ("quizgen build (first)", "quizgen build (again)"):
            wall, mem = med[name]
            print(
                f"  {name:22} time {wall / base_wall:.2f}x (issue 3: <= 1.25, issue 11: <= 1.1)"
                f"   memory {mem / base_mem:.2f}x (<= 1.5, <= 1.2)"
            )
        print(f"  package size {size_ours / size_plain:.2f}x (<= 0.5)")
        floor = med["raw library calls"][0]
        print(
            f"\nthe floor: the library calls of a full build alone, on the same data "
            f"(raw_build.py; wall time without reading its input)\n"
            f"  {spread('raw library calls')} = {floor / base_wall:.2f}x the genanki script; "
            f"the full build is {first / floor:.2f}x the floor\n  by step, medians: "
            + ", ".join(
                f"{step} {statistics.median(s[step] for s in steps) * 1000:.0f} ms"
                for step in steps[0]
            )
        )
        print(
            "\ntemporary files left behind, all runs: "
            + ", ".join(f"{name} {n}" for name, n in leaks.items())
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
