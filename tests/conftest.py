from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Under CI=true a skipped test fails the run (tests/ci_skips.py).
pytest_plugins = ("ci_skips",)

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests never read or write the user's real compile cache."""
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A writable copy of the small fixture project (3 facts, 9 cards)."""
    dest = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", dest)
    return dest


@pytest.fixture
def deck_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled deck: ten sources whose multiple-choice options are drawn
    across papers, without its lock (its first build is from scratch)."""
    dest = tmp_path / "deck"
    shutil.copytree(REPO / "cards_src", dest)
    (dest / "quizgen.lock").unlink()
    return dest


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in tmp_path, so that paths print short and dist/ lands there."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def bundled() -> Path:
    return REPO / "cards_src"


@pytest.fixture
def read_only() -> Iterator[Callable[[Path], Path]]:
    """Make a file or folder read-only for real, also when the tests run as root (as in CI),
    where permission bits are ignored: then the file is made immutable (chattr +i), which
    stops root too. Each use proves it worked (a write fails), so no test passes vacuously."""
    made: list[Path] = []

    def make(path: Path) -> Path:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "+i", str(path)], check=True, capture_output=True)
        else:
            path.chmod(0o555 if path.is_dir() else 0o444)
        made.append(path)
        probe = path / ".probe" if path.is_dir() else path
        with pytest.raises(PermissionError):
            probe.open("ab").close()
        assert not os.access(path, os.W_OK)
        return path

    yield make
    for path in reversed(made):
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        else:
            path.chmod(0o755 if path.is_dir() else 0o644)
