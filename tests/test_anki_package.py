"""quizgen.anki.package: the .apkg bytes, and what the collection inside them holds."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import genanki
import pytest

from quizgen.anki import build
from quizgen.anki.notetypes import NOTE_TYPES, STYLE_VERSION, stable_id
from quizgen.anki.package import guid_for
from quizgen.project import compile_project


@pytest.mark.parametrize(
    "card_id", ["muesli/acts/which", "a/b/c", "x" * 200 + "/y/z", "paper-0099/f7/choice"]
)
def test_guid_is_genankis(card_id: str) -> None:
    assert guid_for(card_id) == genanki.guid_for(card_id)


def test_guids_match_genanki_over_many_ids() -> None:
    ids = [f"paper-{i % 100}/f{i}/t{i % 3}" for i in range(5000)]
    assert [guid_for(i) for i in ids] == [genanki.guid_for(i) for i in ids]


def open_collection(package: Path, tmp_path: Path) -> sqlite3.Connection:
    with zipfile.ZipFile(package) as z:
        z.extract("collection.anki2", tmp_path / "unzipped")
    return sqlite3.connect(tmp_path / "unzipped" / "collection.anki2")


def test_zip_is_compressed_with_fixed_entry_times(mini: Path, tmp_path: Path) -> None:
    project, cards = compile_project(mini)
    out = tmp_path / "deck.apkg"
    build(project, cards, out, now=1_800_000_000)

    with zipfile.ZipFile(out) as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == ["collection.anki2", "media"]
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos)
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)
        assert z.read("media") == b"{}"
        stored = infos[0].file_size
    assert out.stat().st_size < stored / 4


def test_the_collection_has_16_kib_pages(mini: Path, tmp_path: Path) -> None:
    from quizgen.anki.package import PAGE_SIZE

    out = tmp_path / "deck.apkg"
    build(*compile_project(mini), out, now=1_800_000_000)
    conn = open_collection(out, tmp_path)
    assert PAGE_SIZE == 16384
    assert conn.execute("PRAGMA page_size").fetchone() == (PAGE_SIZE,)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_the_collection_is_deflated_by_isal(bundled: Path, tmp_path: Path) -> None:
    """The package's collection is ISA-L's deflate stream (`package._deflate_with_isal`), not
    zlib's: a Python whose zipfile keeps its compressor elsewhere would fail here."""
    import zlib

    from isal import isal_zlib

    from quizgen.anki.package import _CHUNK

    out = tmp_path / "deck.apkg"
    build(*compile_project(bundled), out, now=1_800_000_000)
    with zipfile.ZipFile(out) as z:
        info = z.getinfo("collection.anki2")
        data = z.read(info)
    raw = out.read_bytes()
    name_and_extra = int.from_bytes(
        raw[info.header_offset + 26 : info.header_offset + 28], "little"
    )
    name_and_extra += int.from_bytes(
        raw[info.header_offset + 28 : info.header_offset + 30], "little"
    )
    start = info.header_offset + 30 + name_and_extra
    stream = raw[start : start + info.compress_size]

    isal = isal_zlib.compressobj(1, isal_zlib.DEFLATED, -15)
    expected = b"".join(isal.compress(data[i : i + _CHUNK]) for i in range(0, len(data), _CHUNK))
    assert stream == expected + isal.flush()
    assert zlib.decompress(stream, -15) == data  # plain deflate
    assert stream != zlib.compress(data, 1)[2:-4]


def test_same_entries_give_the_same_bytes_whenever_built(mini: Path, tmp_path: Path) -> None:
    project, cards = compile_project(mini)
    a, b = tmp_path / "a.apkg", tmp_path / "b.apkg"
    build(project, cards, a, now=1_800_000_000)
    build(project, cards, b, now=1_900_000_000)  # years later: the lock keeps the dates

    assert a.read_bytes() == b.read_bytes()


def test_collection_holds_per_note_dates_and_stable_ids(mini: Path, tmp_path: Path) -> None:
    project, cards = compile_project(mini)
    out = tmp_path / "deck.apkg"
    build(project, cards, out, now=1_800_000_000)
    source = mini / "sources" / "muesli.yaml"
    source.write_text(source.read_text().replace("category: thing", "category: model"))
    project, cards = compile_project(mini)
    build(project, cards, out, now=1_800_000_500)

    db = open_collection(out, tmp_path)
    rows = db.execute("select guid, mid, mod, tags, flds from notes order by id").fetchall()
    assert len(rows) == 9
    mods = {r[4].split("\x1f")[-1]: r[2] for r in rows}
    assert mods == {
        card_id: 1_800_000_500
        if card_id in ("muesli/other/which", "muesli/other/choice")
        else 1_800_000_000
        for card_id in mods
    }
    for guid, mid, _, tags, flds in rows:
        card_id = flds.split("\x1f")[-1]
        assert guid == genanki.guid_for(card_id)
        assert mid == NOTE_TYPES["cloze" if card_id.endswith("cloze") else "question"].id
        assert tags == " quizgen::kind::result quizgen::source::muesli "
    models, decks = (json.loads(v) for v in db.execute("select models, decks from col").fetchone())
    assert sorted(m["name"] for m in models.values()) == ["quizgen: cloze", "quizgen: question"]
    assert {m["mod"] for m in models.values()} == {STYLE_VERSION}
    assert {d["name"]: int(i) for i, d in decks.items()} == {
        "Default": 1,
        "Mini Deck": stable_id("deck:Mini Deck"),
        "Mini Deck::Hessel et al.": stable_id("deck:Mini Deck::Hessel et al."),
    }
    assert decks[str(stable_id("deck:Mini Deck"))]["desc"] == "A tiny project for tests."
    cards_rows = db.execute("select nid, did, ord, queue, due from cards order by due").fetchall()
    assert [r[4] for r in cards_rows] == list(range(1, 10))
    assert {r[1:4] for r in cards_rows} == {(stable_id("deck:Mini Deck::Hessel et al."), 0, 0)}


def package_of(mini: Path) -> tuple[list, dict[str, str]]:  # type: ignore[type-arg]
    from quizgen.anki import _decks, lock
    from quizgen.anki.notes import notes_for

    project, cards = compile_project(mini)
    entries = lock.reconcile(notes_for(project, cards), {}, 1_800_000_000, lambda c: "D")
    return entries, _decks(project, entries)


def test_work_done_meanwhile_changes_no_byte(mini: Path, tmp_path: Path) -> None:
    from quizgen.anki.package import write_package

    entries, decks = package_of(mini)
    alone, beside = tmp_path / "alone.apkg", tmp_path / "beside.apkg"
    write_package(entries, decks, alone)
    done: list[bool] = []
    write_package(entries, decks, beside, meanwhile=lambda: done.append(not beside.exists()))

    assert done == [True]  # called before the package is in place
    assert beside.read_bytes() == alone.read_bytes()


def test_failures_meanwhile_and_of_the_package_are_raised(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import quizgen.anki.package
    from quizgen.anki.package import write_package

    entries, decks = package_of(mini)
    out = tmp_path / "deck.apkg"

    def fails() -> None:
        raise ValueError("meanwhile")

    with pytest.raises(ValueError, match="meanwhile"):
        write_package(entries, decks, out, meanwhile=fails)
    assert out.exists()  # the package was written all the same

    def broken_zip(db: Path, dest: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(quizgen.anki.package, "_zip", broken_zip)
    out.unlink()
    done: list[bool] = []
    with pytest.raises(OSError, match="No space left"):  # the package's failure comes first
        write_package(entries, decks, out, meanwhile=lambda: done.append(True) or fails())
    assert done == [True]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mini"]  # nothing left behind
