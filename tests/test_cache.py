"""The compile cache: a hit gives the same cards, any edit misses, damage is ignored."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from quizgen import cache
from quizgen.errors import InputError
from quizgen.project import compile_project


def test_hit_returns_the_same_compilation(mini: Path) -> None:
    first = compile_project(mini, cached=True)
    assert len(list(cache.cache_dir().glob("*.pickle"))) == 1
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
    monkeypatch.setattr(cache, "code_digest", lambda: "other code")
    assert cache.fingerprint(mini) != key


def test_every_module_of_quizgen_is_in_the_code_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a chosen few: an edit to the Anki writer or to distractors misses too."""
    package = Path(cache.__file__).parent
    copy = tmp_path / "quizgen"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "__file__", str(copy / "cache.py"))
    cache.code_digest.cache_clear()
    try:
        digests = {cache.code_digest()}
        for module in ("distractors.py", "anki/package.py", "checks.py"):
            with (copy / module).open("a") as f:
                f.write("\n# edited\n")
            cache.code_digest.cache_clear()
            digests.add(cache.code_digest())
        assert len(digests) == 4
    finally:
        cache.code_digest.cache_clear()


def test_a_project_named_another_way_misses(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a compilation holds names its files as the root was spelt; the lock of a build goes
    beside `project.root`: another spelling (another working folder) must not reuse it."""
    project, _ = compile_project(mini, cached=True)
    monkeypatch.chdir(mini.parent)
    relative, _ = compile_project(Path(mini.name), cached=True)
    assert project.root == mini and relative.root == Path(mini.name)
    assert relative.sources[0].path == str(Path(mini.name) / "sources" / "muesli.yaml")


def test_a_stale_entry_is_not_unpickled(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key is read before the compilation: a miss costs a few bytes."""
    project, cards = compile_project(mini, cached=True)
    loads = []
    real = pickle.load

    def counting(f):  # type: ignore[no-untyped-def]
        loads.append(1)
        return real(f)

    monkeypatch.setattr(pickle, "load", counting)
    assert cache.load(mini, "another key") is None
    assert len(loads) == 1
    assert cache.load(mini, cache.fingerprint(mini)) is not None


def test_source_entries_of_removed_files_are_forgotten(tmp_path: Path) -> None:
    deck = tmp_path / "deck"
    shutil.copytree(Path(__file__).parent.parent / "cards_src", deck)
    compile_project(deck, cached=True)
    (folder,) = (cache.cache_dir() / "sources").iterdir()
    assert len(list(folder.iterdir())) == 10
    (deck / "sources" / "podracer.yaml").unlink()
    compile_project(deck, cached=True)
    assert len(list(folder.iterdir())) == 9


def test_damaged_source_entries_are_ignored(mini: Path) -> None:
    _, cards = compile_project(mini, cached=True)
    (folder,) = (cache.cache_dir() / "sources").iterdir()
    for entry in folder.iterdir():
        entry.write_bytes(b"not a pickle")
    (mini / "deck.yaml").write_text("title: Mini Deck\n# the whole compilation misses\n")
    assert compile_project(mini, cached=True)[1] == cards


def test_json_records_round_trip_and_damage_reads_as_none() -> None:
    assert cache.read_record("kind", "name") is None
    cache.write_record("kind", "name", {"a": 1})
    assert cache.read_record("kind", "name") == {"a": 1}
    (path,) = (cache.cache_dir() / "kind").iterdir()
    for damage in (b"[1]", b"{", b"\xff"):
        path.write_bytes(damage)
        assert cache.read_record("kind", "name") is None
    cache.forget_record("kind", "name")
    assert not path.exists()


def test_blobs_round_trip_under_their_key_only(monkeypatch: pytest.MonkeyPatch) -> None:
    value = ["text", b"\x00\x01", [1, 2**40]]
    assert cache.read_blob("kind", "name", "key") is None
    cache.write_blob("kind", "name", "key", value)
    assert cache.read_blob("kind", "name", "key") == value
    assert cache.read_blob("kind", "name", "other key") is None
    assert cache.read_blob("kind", "other name", "key") is None
    (path,) = (cache.cache_dir() / "kind").iterdir()
    good = path.read_bytes()
    for at in (0, 31, 32, len(good) - 1):  # the seal, and the payload, each bit counts
        path.write_bytes(good[:at] + bytes([good[at] ^ 0x10]) + good[at + 1 :])
        assert cache.read_blob("kind", "name", "key") is None
    path.write_bytes(good[:20])
    assert cache.read_blob("kind", "name", "key") is None
    path.write_bytes(good)
    monkeypatch.setattr(cache, "code_digest", lambda: "other code")
    assert cache.read_blob("kind", "name", "key") is None  # written by other code


def _bundled_entries(tmp_path: Path) -> tuple[Path, list[cache._SourceEntry]]:
    """A copy of the bundled deck (clozes, multiple choice, aliases), built once so that its
    source entries hold drafts with drawn options and notes."""
    from quizgen.anki import build_project

    deck = tmp_path / "deck"
    shutil.copytree(Path(__file__).parent.parent / "cards_src", deck)
    build_project(deck, tmp_path / "out.apkg", now=1_700_000_000)
    store = cache.Sources(deck, cache.input_digests(deck))
    (folder,) = (cache.cache_dir() / "sources").iterdir()
    paths = [str(p) for p in sorted((deck / "sources").iterdir())]
    entries = [store._entry(path) for path in paths]
    assert len(list(folder.iterdir())) == len(paths)
    assert all(entry is not None for entry in entries)
    return deck, entries  # type: ignore[return-value]


def test_source_entries_round_trip_every_field(tmp_path: Path) -> None:
    """What an entry's plain data rebuilds is what was stored: the source and its facts, the
    cards (clozes' segments too), their folds and drawn options, and the notes with the
    fields a note's equality leaves out (its hash, GUID, retired flag)."""
    from quizgen.errors import Problem

    _, entries = _bundled_entries(tmp_path)
    assert any(card.cloze for entry in entries for card in entry.draft.cards)
    assert any(entry.draft.drawn for entry in entries)
    assert all(entry.draft.pools is not None for entry in entries)
    for entry in entries:
        entry = cache._SourceEntry(
            entry.source, [Problem("p.yaml", 3, "hm", True)], entry.paper, entry.draft, entry.notes
        )
        again = cache._unpacked(cache._packed(entry))
        assert again.source == entry.source
        assert again.source.facts == entry.source.facts
        assert again.problems == entry.problems
        assert again.paper == entry.paper
        assert again.draft == entry.draft
        assert entry.notes is not None and again.notes == entry.notes
        for note, other in zip(again.notes, entry.notes, strict=True):
            assert (note.hash, note.guid, note.retired) == (other.hash, other.guid, other.retired)
    no_notes = cache._SourceEntry(entry.source, [], entry.paper, entry.draft, None)
    assert cache._unpacked(cache._packed(no_notes)).notes is None


def test_sealed_source_entries_of_a_wrong_shape_or_key_are_misses(tmp_path: Path) -> None:
    import marshal

    deck, entries = _bundled_entries(tmp_path)
    store = cache.Sources(deck, cache.input_digests(deck))
    paths = [str(p) for p in sorted((deck / "sources").iterdir())]
    first, second = paths[:2]
    # another file's entry, whole and sealed, under this file's name: its key differs
    store._file(first).write_bytes(store._file(second).read_bytes())
    assert store._entry(first) is None
    good = cache._packed(entries[1])
    for wrong in (
        (),
        good[:-1],
        (good[0][:-1], *good[1:]),  # a source field short
        (*good[:3], tuple(row[:-1] for row in good[3]), *good[4:]),  # cards a field short
        (*good[:4], good[4][:-1], *good[5:]),  # a fold missing
        (*good[:6], ["pools"], *good[7:]),  # not digests
        (*good[:7], good[7][:-1], good[8]),  # the draft's summary a field short
        (*good[:7], (good[7][0], [], *good[7][2:]), good[8]),  # no questions for its cards
        (*good[:7], ((10**6,), *good[7][1:]), good[8]),  # a card that is not there
        (*good[:7], (*good[7][:2], ["pool"], *good[7][3:]), good[8]),  # not drawn from pools
        (*good[:7], good[7], tuple(row[:-1] for row in good[8])),  # notes a field short
        (*good[:7], good[7], good[8][:-1]),  # a card without its note
        (*good[:2], 7, *good[3:]),  # not a paper name
    ):
        payload = marshal.dumps(wrong)
        store._file(second).write_bytes(cache._seal(store._key(second), payload) + payload)
        assert store._entry(second) is None
    # a project whose entries are all of a wrong shape still compiles to the same cards
    _, cards = compile_project(deck, cached=True)
    for path in paths:
        payload = marshal.dumps(good[:-1])
        store._file(path).write_bytes(cache._seal(store._key(path), payload) + payload)
    for whole in cache.cache_dir().glob("*.pickle"):  # the whole compilation: not read
        whole.unlink()
    assert compile_project(deck, cached=True)[1] == cards
    assert all(store._entry(path) is not None for path in paths)  # and rewritten


def test_cards_are_rebuilt_from_their_rows_with_every_field_in_order() -> None:
    from quizgen.model import Card
    from quizgen.template import Segment

    values: list[object] = [f"value {i}" for i in range(len(Card._fields))]
    at = Card._fields.index("cloze")
    values[at] = (("A ", False), ("b", True))  # as stored
    (again,) = cache._cards([tuple(values)])
    assert type(again) is Card and all(type(s) is Segment for s in again.cloze)
    assert again.cloze == (Segment("A ", False), Segment("b", True))
    assert again == Card(*values[:at], again.cloze, *values[at + 1 :])  # type: ignore[arg-type]
    assert again.id == "value 0" and again.aliases == f"value {len(values) - 1}"
    with pytest.raises(ValueError):
        cache._cards([tuple(values)[:-1]])
