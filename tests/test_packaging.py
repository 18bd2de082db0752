"""The wheel ships every module, the bundled deck and the fonts: `pip install .` must work
outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).parent.parent


def test_wheel_contains_package_deck_and_fonts(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("quizgen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {p.relative_to(REPO).as_posix() for p in (REPO / "quizgen").rglob("*.py")}
    expected |= {
        "quizgen/bundled/" + p.relative_to(REPO / "cards_src").as_posix()
        for p in (REPO / "cards_src").rglob("*")
        if p.is_file()
    }
    expected |= {p.relative_to(REPO).as_posix() for p in (REPO / "quizgen" / "fonts").iterdir()}
    assert expected - names == set()
    assert "quizgen/bundled/sources/muesli.yaml" in names
