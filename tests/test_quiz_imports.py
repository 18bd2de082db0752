"""`quizgen --help` (and the quiz's own help) stay light: no genanki, fsrs or PDF library."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "genanki", "fsrs", "reportlab", "rich", "rapidfuzz", "anki", "zstandard", "fsrs_rs_python",
    "text_to_num",
)  # fmt: skip

PROBE = """
import json, sys
from quizgen.cli import main
sys.argv = ["quizgen", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as exc:
    code = exc.code
modules = sorted({m.split(".")[0] for m in sys.modules})
print("\\n@@" + json.dumps({"code": code, "modules": modules}))
"""


def loaded_by(*argv: str) -> tuple[int, set[str]]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    data = json.loads(out.rpartition("\n@@")[2])
    return data["code"], set(data["modules"])


@pytest.mark.parametrize(
    "argv",
    [
        ("--help",),
        ("quiz", "--help"),
        ("stats", "--help"),
        ("import", "--help"),
        ("optimize", "--help"),
        ("settings", "--help"),
        ("grade", "--help"),
    ],
)
def test_help_imports_no_heavy_library(argv):
    code, modules = loaded_by(*argv)
    assert code == 0
    assert "quizgen" in modules and "click" in modules  # the probe really ran the CLI
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))
