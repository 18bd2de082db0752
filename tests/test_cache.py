"""The compile cache: a hit gives the same cards, any edit misses, damage is ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizgen import cache
from quizgen.errors import InputError
from quizgen.project import compile_project


def test_hit_returns_the_same_compilation(mini: Path) -> None:
    first = compile_project(mini, cached=True)
    entries = list(cache.cache_dir().iterdir())
    assert len(entries) == 1
    second = compile_project(mini, cached=True)
    assert second[1] == first[1]
    assert second[0].title == first[0].title == "Mini Deck"


def test_a_hit_is_really_read_from_the_cache(mini: Path) -> None:
    project, cards = compile_project(mini, cached=True)
    key = cache.fingerprint(mini)
    cache.save(mini, key, project, cards[:2])  # plant a recognisably different entry
    assert len(compile_project(mini, cached=True)[1]) == 2


def test_editing_a_file_misses(mini: Path) -> None:
    compile_project(mini, cached=True)
    path = mini / "sources" / "muesli.yaml"
    path.write_text(path.read_text().replace("subject: MuZero", "subject: AlphaZero"))
    _, cards = compile_project(mini, cached=True)
    assert "AlphaZero" in {c.answer for c in cards}


def test_invalid_sources_are_never_cached(mini: Path) -> None:
    path = mini / "sources" / "muesli.yaml"
    path.write_text(path.read_text().replace("kind: result", "kind: reslt", 1))
    with pytest.raises(InputError):
        compile_project(mini, cached=True)
    assert list(cache.cache_dir().glob("*.pickle")) == []


def test_damaged_entry_is_ignored_and_rewritten(mini: Path) -> None:
    _, cards = compile_project(mini, cached=True)
    (entry,) = cache.cache_dir().glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    assert compile_project(mini, cached=True)[1] == cards
    assert entry.read_bytes() != b"not a pickle"


def test_unwritable_cache_is_not_an_error(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = mini / "file"
    blocker.write_text("")
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(blocker / "cache"))
    assert len(compile_project(mini, cached=True)[1]) == 9


def test_a_changed_compiler_misses(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = cache.fingerprint(mini)
    monkeypatch.setattr(cache, "_COMPILER", (*cache._COMPILER, "cli"))
    assert cache.fingerprint(mini) != key
