"""Generate a synthetic quizgen project of N facts, for benchmarks (and their shared helpers).

    python benchmarks/synth.py OUT_DIR N [--templates 3]

Facts are spread over sources of 100 facts each; every fact's evidence is a real quote from its
source text, so the project passes `quizgen check`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

TEMPLATES = [
    {
        "id": "which",
        "front": "In {paper}, which method {claim}[ {condition}]?",
        "answer": "subject",
    },
    {"id": "cloze", "cloze": "In {paper}, {subject} {claim}[ {condition}].", "hide": ["subject"]},
    {
        "id": "choice",
        "front": "In {paper}, pick the method that {claim}[ {condition}].",
        "answer": "subject",
        "choices": 4,
    },
    {
        "id": "what",
        "front": "In {paper}, what does {subject} do[ {condition}]?",
        "back": "{claim}",
        "answer": "claim",
    },
]


def make(out: Path, n_facts: int, n_templates: int = 3, per_source: int = 100) -> Path:
    (out / "sources").mkdir(parents=True, exist_ok=True)
    (out / "templates").mkdir(parents=True, exist_ok=True)
    (out / "deck.yaml").write_text("title: Synthetic\n")
    kind = {
        "kind": "result",
        "fields": {"subject": "text", "claim": "text", "condition": "text?"},
        "templates": TEMPLATES[:n_templates],
    }
    (out / "templates" / "result.yaml").write_text(yaml.safe_dump(kind, sort_keys=False))
    for s in range((n_facts + per_source - 1) // per_source):
        facts, sentences = [], []
        for i in range(min(per_source, n_facts - s * per_source)):
            n = s * per_source + i
            claim = f"improves benchmark {n} by {n % 97} points"
            sentences.append(f"Method{n} {claim} on task {n % 13}.")
            fact = {"id": f"f{i}", "kind": "result", "subject": f"Method{n}", "claim": claim}
            if n % 2:
                fact["condition"] = f"on task {n % 13}"
            fact["evidence"] = f"Method{n} {claim}"
            fact["tags"] = [f"group{n % 5}"]
            facts.append(fact)
        source = {
            "id": f"paper-{s}",
            "title": f"Synthetic paper {s}",
            "authors": "A. Author, B. Author",
            "year": 2020 + s % 5,
            "arxiv": f"2001.{s:05d}",
            "text": " ".join(sentences),
            "facts": facts,
        }
        path = out / "sources" / f"paper-{s:04d}.yaml"
        path.write_text(yaml.safe_dump(source, sort_keys=False, width=100))
    return out


def timed(cmd: list[str]) -> float:
    """Wall seconds of one command run to completion (its output discarded)."""
    import subprocess
    import time

    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def use_bytecode() -> None:
    """Time quizgen as installed: with compiled bytecode, as pip writes it.

    Some environments set PYTHONDONTWRITEBYTECODE, which makes every timed subprocess compile
    quizgen's sources again while the baseline's libraries come precompiled from site-packages.
    Compile once here and let the children use it."""
    import compileall
    import os

    import quizgen

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    compileall.compile_dir(Path(quizgen.__file__).parent, quiet=1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--templates", type=int, default=3)
    args = parser.parse_args()
    make(args.out, args.n, args.templates)
