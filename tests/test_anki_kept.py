"""quizgen.anki.kept: a build that updates the last package's kept collection writes the
bytes a build from scratch writes, whatever changed; a kept collection that cannot be trusted
is not used."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from quizgen.anki import build, kept, package
from quizgen.project import compile_project

NOW = 1_800_000_000


@pytest.fixture
def deck(deck_copy: Path) -> Path:
    return deck_copy


@pytest.fixture
def scratch_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the builds that inserted every row (not from a kept collection)."""
    made: list[int] = []
    real = package._write_collection

    def spy(conn: sqlite3.Connection, entries: list, *rest: object) -> None:  # type: ignore[type-arg]
        made.append(len(entries))
        real(conn, entries, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(package, "_write_collection", spy)
    return made


def build_both(deck: Path, tmp_path: Path, now: int, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """Build `deck` as it is with its kept collection, then again from the same lock without
    one; both packages and lock files must be the same. Returns the package's bytes."""
    lock = deck / "quizgen.lock"
    before = lock.read_bytes() if lock.exists() else None
    with_kept, from_scratch = tmp_path / "kept.apkg", tmp_path / "scratch.apkg"
    build(*compile_project(deck), with_kept, now=now)
    after = lock.read_bytes()

    if before is None:
        lock.unlink()
    else:
        lock.write_bytes(before)
    with monkeypatch.context() as m:
        m.setattr(kept, "folder", lambda: None)  # neither read nor kept
        build(*compile_project(deck), from_scratch, now=now)

    assert lock.read_bytes() == after
    assert with_kept.read_bytes() == from_scratch.read_bytes()
    return with_kept.read_bytes()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_every_kind_of_change_gives_the_bytes_of_a_build_from_scratch(
    deck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scratch_builds: list[int]
) -> None:
    sources = deck / "sources"
    steps: list[Callable[[], None]] = [
        # the paper's title: in the citation on every one of its notes
        lambda: edit(sources / "muesli.yaml", "Policy Optimization'", "Policy Optimisation'"),
        # a claim reworded: that fact's notes change
        lambda: edit(
            sources / "muesli.yaml",
            "claim: matches MuZero's state-of-the-art performance on Atari",
            "claim: matches MuZero's state-of-the-art performance on the Atari games",
        ),
        # a card dropped mid-deck: it is retired (suspended, last) and every later card's
        # due place moves
        lambda: edit(sources / "muesli.yaml", "skip: [what-does]", "skip: [what-does, cloze]"),
        # a paper's deck renamed: its cards move deck, the collection's decks change
        lambda: edit(
            sources / "muesli.yaml",
            "short: 'Hessel, Danihelka et al. (2021)'",
            "short: 'Hessel et al. (2021)'",
        ),
        # a whole source removed: its notes are retired
        lambda: (sources / "podracer.yaml").unlink(),
        # the card back again: the same note, no longer retired
        lambda: edit(sources / "muesli.yaml", "skip: [what-does, cloze]", "skip: [what-does]"),
    ]
    first = build_both(deck, tmp_path, NOW, monkeypatch)
    assert len(scratch_builds) == 2  # the first build has nothing kept
    packages = {first}
    for step, now in zip(steps, range(NOW + 60, NOW + 60 * 100, 60), strict=False):
        step()
        scratch_builds.clear()
        packages.add(build_both(deck, tmp_path, now, monkeypatch))
        assert len(scratch_builds) == 1  # the kept collection was updated: only the check
    assert len(packages) == len(steps) + 1  # every step changed the package


def test_a_build_with_much_changed_inserts_every_row(
    deck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scratch_builds: list[int]
) -> None:
    build_both(deck, tmp_path, NOW, monkeypatch)
    (deck / "quizgen.lock").unlink()  # every note gets a new id
    scratch_builds.clear()

    build_both(deck, tmp_path, NOW + 60, monkeypatch)

    assert len(scratch_builds) == 2


def flipped(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


def kept_file() -> Path:
    (found,) = (kept.folder() or Path("/nonexistent")).glob("*.anki2")
    return found


@pytest.mark.parametrize(
    "damage",
    [
        lambda f: f.write_bytes(f.read_bytes()[:-4096]),  # truncated
        lambda f: f.write_bytes(flipped(f.read_bytes(), 2000)),  # one byte changed
        lambda f: f.unlink(),
        lambda f: f.write_bytes(b"SQLite format 3\0" + b"\0" * 8192),
    ],
)
def test_a_damaged_kept_collection_is_not_used(
    deck: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    scratch_builds: list[int],
    damage: Callable[[Path], None],
) -> None:
    build_both(deck, tmp_path, NOW, monkeypatch)
    edit(deck / "sources" / "muesli.yaml", "Policy Optimization'", "Policy Optimisation'")
    damage(kept_file())
    scratch_builds.clear()

    build_both(deck, tmp_path, NOW + 60, monkeypatch)

    assert len(scratch_builds) == 2
    assert len(list(kept.folder().glob("*.anki2"))) == 1  # type: ignore[union-attr]


def test_what_is_kept_is_of_this_sqlite_and_genanki(
    deck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scratch_builds: list[int]
) -> None:
    build_both(deck, tmp_path, NOW, monkeypatch)
    edit(deck / "sources" / "muesli.yaml", "Policy Optimization'", "Policy Optimisation'")
    monkeypatch.setattr(kept.Kept, "_key", staticmethod(lambda: "sqlite 9.9.9 genanki 0.0"))
    scratch_builds.clear()

    build_both(deck, tmp_path, NOW + 60, monkeypatch)

    assert len(scratch_builds) == 2


def test_a_build_with_progress_neither_uses_nor_keeps_a_collection(
    deck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scratch_builds: list[int]
) -> None:
    from quizgen.store import Store

    state = tmp_path / "reviews.sqlite3"
    Store.open(state).close()
    build(*compile_project(deck), tmp_path / "plain.apkg", now=NOW)
    kept_before = kept_file().read_bytes()
    scratch_builds.clear()

    build(*compile_project(deck), tmp_path / "p.apkg", now=NOW, progress_from=state)

    assert len(scratch_builds) == 1
    assert kept_file().read_bytes() == kept_before


def test_without_a_cache_folder_a_build_still_writes(
    deck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(blocked))

    build(*compile_project(deck), tmp_path / "out.apkg", now=NOW)

    assert (tmp_path / "out.apkg").stat().st_size > 0
    assert kept.folder() is None


def test_a_build_that_fails_leaves_the_kept_collection_to_the_next(
    deck: Path, tmp_path: Path, scratch_builds: list[int]
) -> None:
    from quizgen.anki import build_project
    from quizgen.errors import InputError

    out = tmp_path / "out.apkg"
    build_project(deck, out, now=NOW)
    kept_before = kept_file().read_bytes()
    source = deck / "sources" / "muesli.yaml"
    good = source.read_text()
    source.write_text(good.replace("year: 2021", "year: [2021"))  # not YAML
    with pytest.raises(InputError):
        build_project(deck, out, now=NOW + 60)
    assert kept_file().read_bytes() == kept_before  # claimed, then put back
    source.write_text(good.replace("Policy Optimization'", "Policy Optimisation'"))
    scratch_builds.clear()

    build_project(deck, out, now=NOW + 120)

    assert scratch_builds == []
    assert [p.name for p in kept.folder().iterdir() if p.is_dir()] == []  # type: ignore[union-attr]


def test_a_collection_claimed_by_one_build_is_not_seen_by_another(
    deck: Path, tmp_path: Path
) -> None:
    build(*compile_project(deck), tmp_path / "out.apkg", now=NOW)
    with kept.Kept.of(deck) as one, kept.Kept.of(deck) as other:  # type: ignore[union-attr]
        assert one.claimed() is not None
        assert other.claimed() is None
        assert one.work.exists() and not other.work.exists()
    assert list(kept.folder().glob("*.anki2")) == []  # type: ignore[union-attr]


def test_work_folders_of_killed_builds_are_swept_after_a_day(deck: Path, tmp_path: Path) -> None:
    import os
    import time

    where = kept.folder()
    assert where is not None
    killed, running = where / "build-killed", where / "build-running"
    for folder in (killed, running):
        folder.mkdir()
        (folder / "work.anki2").write_bytes(b"x" * 1000)
    day_old = time.time() - 25 * 3600
    os.utime(killed, (day_old, day_old))

    build(*compile_project(deck), tmp_path / "out.apkg", now=NOW)

    assert not killed.exists()
    assert (running / "work.anki2").exists()
    assert sorted(p.name for p in where.iterdir() if p.is_dir()) == ["build-running"]


@pytest.fixture
def fields_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The notes whose fields were read back from the compile cache, as they are read."""
    from quizgen.anki import notes

    seen: list[int] = []
    real = notes.LaterFields.__getitem__

    def spy(self: notes.LaterFields, i: int) -> tuple[str, ...]:
        seen.append(i)
        return real(self, i)

    monkeypatch.setattr(notes.LaterFields, "__getitem__", spy)
    return seen


def test_an_edit_build_reads_no_field_of_the_notes_it_keeps(
    deck: Path, tmp_path: Path, fields_read: list[int]
) -> None:
    from quizgen.anki import build_project

    out = tmp_path / "out.apkg"
    build_project(deck, out, now=NOW)
    edit(deck / "sources" / "muesli.yaml", "Policy Optimization'", "Policy Optimisation'")

    build_project(deck, out, now=NOW + 60)

    assert fields_read == []


def test_notes_read_back_from_the_compile_cache_write_the_same_package(
    deck: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    scratch_builds: list[int],
    fields_read: list[int],
) -> None:
    from quizgen import cache
    from quizgen.anki import build_project

    out = tmp_path / "out.apkg"
    build_project(deck, out, now=NOW)
    lock = (deck / "quizgen.lock").read_bytes()
    edit(deck / "sources" / "muesli.yaml", "Policy Optimization'", "Policy Optimisation'")
    kept_file().unlink()  # every row from the notes, most of them read back
    scratch_builds.clear()

    build_project(deck, out, now=NOW + 60)

    assert scratch_builds == [251] and len(fields_read) > 200  # (muesli's notes made anew)
    (deck / "quizgen.lock").write_bytes(lock)
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path / "empty"))
    assert not (tmp_path / "empty").exists() and cache.cache_dir() == tmp_path / "empty"
    fresh = tmp_path / "fresh.apkg"
    build_project(deck, fresh, now=NOW + 60)
    assert fresh.read_bytes() == out.read_bytes()


def test_a_cache_folder_that_cannot_take_the_work_does_not_fail_the_build(
    deck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quizgen.cache import cache_dir

    real = package._finish
    tried: list[Path] = []

    def disk_full_in_the_cache(conn: sqlite3.Connection, db: Path, *rest: object, **kw: bool):  # type: ignore[no-untyped-def]
        tried.append(db)
        if cache_dir() in db.parents:
            conn.close()
            raise OSError(28, "No space left on device")
        return real(conn, db, *rest, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(package, "_finish", disk_full_in_the_cache)
    out = tmp_path / "out.apkg"
    build(*compile_project(deck), out, now=NOW)

    assert len(tried) == 2 and cache_dir() not in tried[1].parents
    monkeypatch.setattr(package, "_finish", real)
    monkeypatch.setattr(kept, "folder", lambda: None)
    (deck / "quizgen.lock").unlink()
    build(*compile_project(deck), tmp_path / "plain.apkg", now=NOW)
    assert out.read_bytes() == (tmp_path / "plain.apkg").read_bytes()
