from __future__ import annotations

import shutil
from pathlib import Path

import pytest

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
def bundled() -> Path:
    return REPO / "cards_src"
