from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A writable copy of the small fixture project (3 facts, 9 cards)."""
    dest = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", dest)
    return dest


@pytest.fixture
def bundled() -> Path:
    return REPO / "cards_src"
