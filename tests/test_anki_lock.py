"""quizgen.anki.lock: planning a build against the previous one, and the lock file itself."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from quizgen.anki.lock import Entry, Record, read, reconcile, render
from quizgen.anki.notes import Note, retired_note
from quizgen.errors import InputError

NOW = 1_800_000_000.5


def note(card_id: str, front: str = "Q", tags: tuple[str, ...] = ("t",)) -> Note:
    return Note(card_id, "question", "D::S", (front, "A", "", "", "", "", "", card_id), tags)


def deck_of(card_id: str) -> str:
    return "D::S"


def records(entries: list[Entry]) -> dict[str, Record]:
    return {e.note.card_id: e.record for e in entries}


def test_first_build_makes_everything_new() -> None:
    entries = reconcile([note("s/b/t"), note("s/a/t")], {}, NOW, deck_of)

    assert [(e.note.card_id, e.id, e.mod, e.status) for e in entries] == [
        ("s/b/t", 1_800_000_000_500, 1_800_000_000, "new"),
        ("s/a/t", 1_800_000_000_501, 1_800_000_000, "new"),
    ]


def test_rebuild_keeps_unchanged_dates_and_moves_changed_ones_forward() -> None:
    first = reconcile([note("s/a/t"), note("s/b/t"), note("s/c/t")], {}, NOW, deck_of)
    previous = records(first)

    # a clock that went backwards must still give the changed note a newer time
    entries = reconcile(
        [note("s/a/t"), note("s/b/t", "Q2"), note("s/d/t")], previous, NOW - 3600, deck_of
    )

    got = {e.note.card_id: (e.id, e.mod, e.status, e.note.retired) for e in entries}
    assert got == {
        "s/a/t": (1_800_000_000_500, 1_800_000_000, "unchanged", False),
        "s/b/t": (1_800_000_000_501, 1_800_000_001, "changed", False),
        "s/d/t": (1_800_000_000_503, 1_799_996_400, "new", False),  # ids never reused
        "s/c/t": (1_800_000_000_502, 1_800_000_001, "changed", True),
    }
    assert [e.note.card_id for e in entries][-1] == "s/c/t"  # retired notes come last

    # once retired, a note stays as it is
    again = reconcile(
        [note("s/a/t"), note("s/b/t", "Q2"), note("s/d/t")], records(entries), NOW + 5, deck_of
    )
    assert [e.status for e in again] == ["unchanged"] * 4
    assert again[-1].note == retired_note("s/c/t", "question", "D::S")

    # and a card that comes back is a change again
    back = reconcile([note("s/c/t")], records(again), NOW + 10, deck_of)
    assert (back[0].status, back[0].mod, back[0].note.retired) == ("changed", 1_800_000_010, False)


def test_render_is_sorted_one_note_per_line_and_reads_back(tmp_path: Path) -> None:
    entries = reconcile([note("s/b/t"), note("s/a/t")], {}, NOW, deck_of)
    path = tmp_path / "quizgen.lock"

    path.write_text("".join(render(entries)))

    lines = path.read_text().splitlines()
    assert lines[0] == "{" and lines[2] == '"format": 1,' and lines[-2:] == ["}", "}"]
    assert lines[4].startswith('  "s/a/t": {"check": "') and lines[5].startswith('  "s/b/t"')
    assert json.loads(path.read_text())["notes"]["s/a/t"] == {
        "check": entries[1].record.check,
        "hash": note("s/a/t").hash,
        "id": 1_800_000_000_501,
        "mod": 1_800_000_000,
        "type": "question",
    }
    assert read(path) == records(entries)


def test_a_reformatted_lock_still_reads(tmp_path: Path) -> None:
    """Reformatted by a JSON tool (or a merge), the lock reads through the careful path."""
    entries = reconcile([note("s/b/t"), note("s/a/t")], {}, NOW, deck_of)
    path = tmp_path / "quizgen.lock"
    path.write_text(json.dumps(json.loads("".join(render(entries))), indent=4))

    assert read(path) == records(entries)


@pytest.mark.parametrize(
    ("edit", "canonical"),
    [
        (lambda t: t, True),
        (lambda t: t.replace("}\n}\n}\n", "},\n}\n}\n"), False),  # a trailing comma
        (lambda t: t.replace('},\n  "s/b', '},\n\n  "s/b'), False),  # a blank line between
        (lambda t: t.replace('},\n  "s/b', '}, \n  "s/b'), False),  # a space after a comma
        (lambda t: t.replace("}\n}\n}\n", "}\n  \n}\n}\n"), False),  # after the last line
    ],
)
def test_only_the_layout_render_writes_is_read_line_by_line(
    tmp_path: Path,
    edit,
    canonical: bool,  # type: ignore[no-untyped-def]
) -> None:
    from quizgen.anki.lock import _canonical

    entries = reconcile([note("s/b/t"), note("s/a/t"), note("s/c/t")], {}, NOW, deck_of)
    text = edit("".join(render(entries)))

    assert (_canonical(text) == records(entries)) is canonical
    assert canonical or _canonical(text) is None


def test_empty_and_missing_lock(tmp_path: Path) -> None:
    path = tmp_path / "quizgen.lock"
    assert read(path) == {}
    path.write_text("".join(render([])))
    assert json.loads(path.read_text())["notes"] == {}
    assert read(path) == {}


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["notes"]["s/a/t"].update(id=d["notes"]["s/b/t"]["id"]),
            "the line of note 's/a/t' fails its check: it was edited by hand",
        ),
        (
            lambda d: d["notes"]["s/a/t"].pop("mod"),
            "note 's/a/t' must have exactly the keys check, hash, id, mod, type",
        ),
        (lambda d: d["notes"]["s/a/t"].update(mod=True), "note 's/a/t' has a bad 'mod': true"),
        (
            lambda d: d["notes"]["s/a/t"].update(id=2**60),
            "note 's/a/t' has a bad 'id': 1152921504606846976",
        ),
        (
            lambda d: d["notes"]["s/a/t"].update(hash="xyz"),
            "note 's/a/t' has a bad 'hash': \"xyz\"",
        ),
        (lambda d: d["notes"].update({"S/A": {}}), "'S/A' is not a card id (source/fact/template)"),
        (lambda d: d.update(extra=1), "this is not a quizgen lock file"),
    ],
)
def test_bad_records(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "quizgen.lock"
    data = json.loads("".join(render(reconcile([note("s/a/t"), note("s/b/t")], {}, NOW, deck_of))))
    edit(data)
    path.write_text(json.dumps(data))

    with pytest.raises(InputError) as info:
        read(path)

    (problem,) = info.value.problems
    assert problem.message.startswith(message + "; restore it from version control")


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    a = Record.of("s/a/t", "question", "0" * 16, 1_800_000_000_000, 1_800_000_000)
    b = Record.of("s/b/t", "question", "1" * 16, a.id, a.mod)
    path = tmp_path / "quizgen.lock"
    path.write_text('{"about": "", "format": 1, "notes": {\n' + a.line() + ",\n" + b.line() + "}}")

    with pytest.raises(InputError) as info:
        read(path)

    assert str(info.value).startswith(
        f"{path}:3: notes 's/a/t' and 's/b/t' have the same id; restore it"
    )


def test_a_folder_or_binary_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "quizgen.lock"
    folder.mkdir()
    with pytest.raises(InputError, match="is a folder; the lock file must be a file"):
        read(folder)
    binary = tmp_path / "binary.lock"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="cannot read the lock file: not UTF-8 text"):
        read(binary)


# A lock file as `write` wrote it is read back from the user cache folder (lock._remember),
# never parsed: what it gives must be what parsing gives, and anything else is parsed.


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many lock files `read` parses (instead of taking their records from the cache)."""
    import quizgen.anki.lock

    seen: list[int] = []
    real = quizgen.anki.lock._canonical

    def spy(text: str) -> dict[str, Record] | None:
        seen.append(len(text))
        return real(text)

    monkeypatch.setattr(quizgen.anki.lock, "_canonical", spy)
    return seen


def written(tmp_path: Path) -> tuple[Path, list[Entry]]:
    from quizgen.anki.lock import write

    first = reconcile([note("s/b/t"), note("s/a/t"), note("r/a/t")], {}, NOW, deck_of)
    # a second build: one changed note, one retired, one new
    entries = reconcile([note("s/b/t", "Q2"), note("s/c/t")], records(first), NOW + 5, deck_of)
    path = tmp_path / "quizgen.lock"
    write(path, entries)
    return path, entries


def test_a_written_lock_reads_back_without_parsing(tmp_path: Path, parses: list[int]) -> None:
    from quizgen.anki.lock import _canonical

    path, entries = written(tmp_path)

    got = read(path)

    assert parses == []
    assert got == records(entries) == _canonical(path.read_text())
    assert list(got) == sorted(got)  # in file order, as parsing gives them
    assert [r.check for r in got.values()] == [
        Record.of(r.card_id, r.type, r.hash, r.id, r.mod).check for r in got.values()
    ]


def test_the_lock_is_made_piece_by_piece_as_it_is_written(tmp_path: Path) -> None:
    """`prepare` makes its pieces as they are taken (a build writes them while the package is
    zipped, and never holds the whole file), and remembers the records only once the last
    one is taken: a write that stops half way remembers nothing."""
    from quizgen import cache
    from quizgen.anki.lock import _LINES_A_CHUNK, prepare

    notes = [note(f"s/f{i:04}/t") for i in range(3 * _LINES_A_CHUNK)]
    entries = reconcile(notes, {}, NOW, deck_of)
    path = tmp_path / "quizgen.lock"
    pieces = prepare(path, entries)
    first = next(pieces)
    assert first.startswith(b"{") and len(first) < 2 * 130 * _LINES_A_CHUNK
    assert not (cache.cache_dir() / "locks").exists()  # (stopped here: nothing kept)

    rest = list(pieces)
    assert len(rest) >= 3  # (the other 1,025 lines, the last piece ending in the footer)
    path.write_bytes(first + b"".join(rest))
    assert path.read_text() == "".join(render(entries))
    assert len(list((cache.cache_dir() / "locks").iterdir())) == 1
    assert read(path) == records(entries)


def test_a_lock_changed_since_it_was_written_is_parsed(tmp_path: Path, parses: list[int]) -> None:
    path, _ = written(tmp_path)
    text = path.read_text()
    path.write_text(text.replace('"id": 1800000000', '"id": 1800000001', 1))  # by hand

    with pytest.raises(InputError, match="fails its check: it was edited by hand"):
        read(path)
    assert len(parses) == 1

    path.write_text(text)  # restored: the same bytes as written, read from the cache again
    read(path)
    assert len(parses) == 1


def test_a_parsed_lock_is_remembered(tmp_path: Path, parses: list[int]) -> None:
    path, entries = written(tmp_path)
    from quizgen import cache

    shutil.rmtree(cache.cache_dir() / "locks")  # e.g. a lock from version control

    assert read(path) == records(entries) and len(parses) == 1
    assert read(path) == records(entries) and len(parses) == 1


def test_a_damaged_or_foreign_cache_entry_is_ignored(tmp_path: Path, parses: list[int]) -> None:
    from quizgen import cache

    path, entries = written(tmp_path)
    (kept,) = (cache.cache_dir() / "locks").iterdir()
    good = kept.read_bytes()
    damaged = [
        good[:-1] + bytes([good[-1] ^ 1]),  # one bit of the payload
        bytes([good[0] ^ 1]) + good[1:],  # one bit of the seal
        good[:40],  # truncated
        b"",
    ]
    for data in damaged:
        kept.write_bytes(data)
        assert read(path) == records(entries)
    assert len(parses) == len(damaged)

    # stored under the right key, but not what `_remember` stores: a miss too
    import hashlib

    key = hashlib.sha256(path.read_bytes()).hexdigest()
    parsed = len(parses)
    for value in (["s/a/t", "question"], ["a", "b", "c", b"", b"", ""], "nonsense", None):
        cache.write_blob("locks", str(path.absolute()), key, value)
        assert read(path) == records(entries)
    assert len(parses) == parsed + 4


def test_records_a_read_would_refuse_are_not_remembered(tmp_path: Path) -> None:
    from quizgen import cache
    from quizgen.anki.lock import _remember

    a = Record.of("s/a/t", "question", "0" * 16, 1_800_000_000_000, 1_800_000_000)
    same_id = Record.of("s/b/t", "question", "1" * 16, a.id, a.mod)
    huge = Record.of("s/b/t", "question", "1" * 16, 2**60, a.mod)
    upper = Record.of("S/b/t", "question", "1" * 16, a.id + 1, a.mod)
    short = Record.of("s/b/t", "question", "1" * 15, a.id + 1, a.mod)
    for bad in (same_id, huge, upper, short):
        _remember(tmp_path / "quizgen.lock", "digest", [a, bad])
        assert not (cache.cache_dir() / "locks").exists()
    _remember(tmp_path / "quizgen.lock", "digest", [a])
    assert (cache.cache_dir() / "locks").exists()
