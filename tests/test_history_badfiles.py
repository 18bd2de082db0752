"""Bad and hostile files for `quizgen import`: one line `path: message`, exit 1, and the
history exactly as it was. Text fixtures live in tests/fixtures/import/; binary ones are made
here, each by its own function, so what each one is stays readable."""

from __future__ import annotations

import sqlite3
import tempfile
import zipfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest
import zstandard
from ankifiles import T0, collection, meta, package, quizgen_note
from click.testing import CliRunner

from quizgen.cli import main
from quizgen.errors import display_path
from quizgen.history.ankifile import read_history
from quizgen.scheduler import review
from quizgen.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "import"
WHICH = "muesli/matches-muzero/which"
NOT_ANKI = (
    "not an Anki file: expected a .colpkg or .apkg package (a zip file) or a collection.anki2 "
    "(an SQLite database)"
)
OLDER = 'export it again from Anki with "Support older Anki versions" ticked'


def good_db(tmp: Path, **kw) -> Path:  # type: ignore[no-untyped-def]
    return collection(tmp / "good.db", [quizgen_note(1, WHICH)], [(T0, 1001, 3, 0, 0, 0)], **kw)


def truncated_zip(tmp: Path) -> Path:
    whole = package(tmp / "whole.colpkg", good_db(tmp)).read_bytes()
    (tmp / "truncated.colpkg").write_bytes(whole[: len(whole) // 2])
    return tmp / "truncated.colpkg"


def truncated_sqlite(tmp: Path) -> Path:
    data = good_db(tmp).read_bytes()
    (tmp / "collection.anki2").write_bytes(data[: len(data) // 2])
    return tmp / "collection.anki2"


def no_collection(tmp: Path) -> Path:
    with zipfile.ZipFile(tmp / "x.apkg", "w") as z:
        z.writestr("media", b"{}")
    return tmp / "x.apkg"


def too_new_package(tmp: Path) -> Path:
    with zipfile.ZipFile(tmp / "x.colpkg", "w") as z:
        z.writestr("meta", meta(7))
        z.writestr("collection.anki21c", b"...")
    return tmp / "x.colpkg"


def too_new_schema(tmp: Path) -> Path:
    return package(tmp / "x.colpkg", good_db(tmp, schema=19), version=2)


def other_programs_sqlite(tmp: Path) -> Path:
    conn = sqlite3.connect(tmp / "collection.anki2")
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)")
    conn.commit()
    conn.close()
    return tmp / "collection.anki2"


def quizgen_history(tmp: Path) -> Path:
    Store.open(tmp / "other.sqlite3").close()
    return tmp / "other.sqlite3"


def without_scheduling(tmp: Path) -> Path:
    db = collection(tmp / "c.db", [quizgen_note(1, WHICH)], [])
    return package(tmp / "deck.apkg", db)


def zstd_garbage(tmp: Path) -> Path:
    with zipfile.ZipFile(tmp / "x.colpkg", "w") as z:
        z.writestr("meta", meta(3))
        z.writestr("collection.anki21b", b"\x28\xb5\x2f\xfd" + b"not really zstd" * 10)
    return tmp / "x.colpkg"


def not_sqlite_inside(tmp: Path) -> Path:
    with zipfile.ZipFile(tmp / "x.colpkg", "w") as z:
        z.writestr("meta", meta(3))
        z.writestr("collection.anki21b", zstandard.ZstdCompressor().compress(b"hello " * 100))
    return tmp / "x.colpkg"


def zstd_bomb(tmp: Path) -> Path:
    """A few KiB that would unpack to 64 MiB of zeros: over the cap the test sets (1 MiB)."""
    bomb = zstandard.ZstdCompressor(level=19).compress(bytes(64 << 20))
    with zipfile.ZipFile(tmp / "bomb.colpkg", "w") as z:
        z.writestr("meta", meta(3))
        z.writestr("collection.anki21b", bomb)
    return tmp / "bomb.colpkg"


def zip_bomb(tmp: Path) -> Path:
    with zipfile.ZipFile(tmp / "bomb.apkg", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("collection.anki2", bytes(64 << 20))
    return tmp / "bomb.apkg"


def bad_meta(tmp: Path) -> Path:
    with zipfile.ZipFile(tmp / "x.colpkg", "w") as z:
        z.writestr("meta", b"\x08")  # a varint cut short
        z.writestr("collection.anki21b", b"")
    return tmp / "x.colpkg"


def folder(tmp: Path) -> Path:
    (tmp / "profile").mkdir()
    return tmp / "profile"


BIG = "the collection inside is larger than 1 MiB unpacked; quizgen stops there (a damaged or "
BIG += "hostile file?)"
CASES: list[tuple[str, Callable[[Path], Path], str]] = [
    ("text", lambda tmp: FIXTURES / "cards-exported-as-text.csv", NOT_ANKI),
    ("empty", lambda tmp: FIXTURES / "empty.colpkg", NOT_ANKI),
    ("missing", lambda tmp: tmp / "nowhere.colpkg", "no such file"),
    (
        "folder",
        folder,
        "is a folder; give an exported .colpkg or .apkg, or a profile's collection.anki2",
    ),
    (
        "truncated zip",
        truncated_zip,
        "damaged or truncated package (not a whole zip file: File is not a zip file)",
    ),
    (
        "truncated sqlite",
        truncated_sqlite,
        "damaged or truncated collection (database disk image is malformed)",
    ),
    (
        "no collection",
        no_collection,
        "package has no collection.anki2: it is damaged, or not an Anki export",
    ),
    (
        "too new package",
        too_new_package,
        "package is from a newer Anki than quizgen reads (package version 7); " + OLDER,
    ),
    (
        "too new schema",
        too_new_schema,
        "collection schema 19 is newer than quizgen reads (up to 18); update quizgen, or " + OLDER,
    ),
    ("other program", other_programs_sqlite, "is an SQLite database but not an Anki collection"),
    (
        "quizgen history",
        quizgen_history,
        "is a quizgen review history, not an Anki file (give it as --state)",
    ),
    (
        "no scheduling",
        without_scheduling,
        'has no reviews to import (a deck package needs "Include scheduling information" '
        "ticked when it is exported)",
    ),
    ("zstd garbage", zstd_garbage, "damaged package: its collection is not valid zstd data"),
    (
        "not sqlite inside",
        not_sqlite_inside,
        "damaged: the collection inside is not an SQLite database",
    ),
    ("zstd bomb", zstd_bomb, BIG),
    ("zip bomb", zip_bomb, BIG),
    ("bad meta", bad_meta, "damaged package: its meta entry is not Anki's"),
]


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """A history with one terminal review, to show that a bad file leaves it byte for byte."""
    state = tmp_path / "state.sqlite3"
    when = datetime(2026, 11, 1, tzinfo=timezone.utc)
    with Store.open(state) as store:
        store.record(
            WHICH, text_hash="t", rating=3, now=when, schedule=lambda b: review(b, 3, when)
        )
    return state


@pytest.mark.parametrize(("name", "make", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_file(
    name: str, make: Callable[[Path], Path], message: str, mini: Path, tmp_path: Path,
    history: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr("quizgen.history.ankifile.MAX_COLLECTION_BYTES", 1 << 20)
    bad = make(tmp_path)
    before = history.read_bytes()
    result = CliRunner().invoke(main, ["import", str(bad), str(mini), "--state", str(history)])
    assert result.exit_code == 1
    assert result.output == f"{display_path(bad)}: {message}\n"
    assert history.read_bytes() == before


def test_a_bad_file_does_not_create_the_history(mini: Path, tmp_path: Path) -> None:
    state = tmp_path / "new.sqlite3"
    result = CliRunner().invoke(
        main, ["import", str(FIXTURES / "empty.colpkg"), str(mini), "--state", str(state)]
    )
    assert result.exit_code == 1 and not state.exists()


def test_only_the_collection_is_ever_written_and_only_in_a_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A package with entries named to escape (../, absolute paths) is never extracted by
    name: quizgen copies the one collection entry into a private temporary folder."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)
    evil = package(
        tmp_path / "evil.colpkg",
        good_db(tmp_path),
        extra={
            "../escaped.txt": b"x",
            "/tmp/absolute.txt": b"x",
            "collection.media/../../up": b"x",
        },
    )
    history = read_history(evil)
    assert len(history.revlog) == 1
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(
        ["work", "tmp", "evil.colpkg", "good.db"]
    )
