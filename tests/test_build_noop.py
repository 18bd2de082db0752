"""`quizgen build` with nothing changed does nothing: it compiles no source, rewrites neither
the package nor the lock, and says the package is up to date. Any change builds again, and a
build that reuses what unchanged sources compiled to writes the bytes a build from scratch
writes."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from quizgen import cache, loader
from quizgen.anki import build
from quizgen.cli import main
from quizgen.project import compile_project


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def deck(here: Path, deck_copy: Path) -> Path:
    """The bundled deck's copy (conftest.deck_copy), built from the test's folder."""
    return deck_copy


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The source files the loader reads from their bytes (not from the cache), as they go."""
    seen: list[str] = []
    real = loader.load_source

    def spy(path: Path, kinds: object, problems: list) -> object:  # type: ignore[type-arg]
        seen.append(path.name)
        return real(path, kinds, problems)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "load_source", spy)
    return seen


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The packages the Anki writer writes, as it goes."""
    import quizgen.anki.package

    seen: list[Path] = []
    real = quizgen.anki.package.write_package

    def spy(entries, decks, path, progress=None, **more):  # type: ignore[no-untyped-def]
        seen.append(path)
        return real(entries, decks, path, progress, **more)

    monkeypatch.setattr(quizgen.anki.package, "write_package", spy)
    return seen


def identity(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size


def test_nothing_changed_compiles_nothing_and_writes_nothing(
    deck: Path, here: Path, loads: list[str], writes: list[Path]
) -> None:
    assert invoke("build", "deck").exit_code == 0
    package, lock = here / "dist" / "research-papers.apkg", deck / "quizgen.lock"
    assert len(loads) == 10 and writes == [Path("dist/research-papers.apkg")]
    before = identity(package), identity(lock), package.read_bytes()
    loads.clear()
    writes.clear()

    result = invoke("build", "deck")

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "dist/research-papers.apkg is up to date: 251 notes, 251 cards\n"
        "since the last build: 0 new, 0 changed, 251 unchanged, 0 retired\n"
    )
    assert loads == [] and writes == []
    assert (identity(package), identity(lock), package.read_bytes()) == before


def test_up_to_date_json_has_the_keys_of_a_build_and_says_so(deck: Path, here: Path) -> None:
    built = json.loads(invoke("build", "deck", "--json").stdout)
    again = json.loads(invoke("build", "deck", "--json").stdout)

    assert "up_to_date" not in built
    assert again == {
        **built,
        "lock_written": False,
        "new": 0,
        "unchanged": 251,
        "up_to_date": True,
    }


def test_retired_notes_are_still_counted(mini: Path, here: Path) -> None:
    assert invoke("build", "mini").exit_code == 0
    source = mini / "sources" / "muesli.yaml"
    text = source.read_text()
    source.write_text(text[: text.index("  - id: acts")] + text[text.index("  - id: other") :])
    assert invoke("build", "mini").exit_code == 0

    result = invoke("build", "mini")

    assert result.stdout == (
        "dist/mini-deck.apkg is up to date: 9 notes, 9 cards\n"
        "since the last build: 0 new, 0 changed, 6 unchanged, 3 retired\n"
        "retired notes are tagged quizgen::retired: search for that tag in Anki\n"
    )


def edit_source(deck: Path, here: Path) -> None:
    path = deck / "sources" / "muesli.yaml"
    path.write_text(path.read_text().replace("subject: Muesli", "subject: Muesli agent", 1))


def edit_template(deck: Path, here: Path) -> None:
    path = next((deck / "templates").iterdir())
    path.write_text(path.read_text() + "\n# a comment changes the bytes, not the cards\n")


def edit_deck_file(deck: Path, here: Path) -> None:
    path = deck / "deck.yaml"
    path.write_text(path.read_text() + "\n# a comment\n")


def delete_lock(deck: Path, here: Path) -> None:
    (deck / "quizgen.lock").unlink()


def older_lock(deck: Path, here: Path) -> None:
    """A valid lock of another build (as `git checkout` of an older one gives)."""
    (deck / "quizgen.lock").write_bytes((here / "older.lock").read_bytes())


def delete_package(deck: Path, here: Path) -> None:
    (here / "dist" / "research-papers.apkg").unlink()


def touch_package(deck: Path, here: Path) -> None:
    package = here / "dist" / "research-papers.apkg"
    st = package.stat()
    os.utime(package, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def rewrite_lock(deck: Path, here: Path) -> None:
    """The lock file written again with the same bytes: the stamp keeps the file as it stood
    (size, times, inode), not its digest, so this builds again (to the same package)."""
    lock = deck / "quizgen.lock"
    data = lock.read_bytes()
    lock.unlink()
    lock.write_bytes(data)


def replace_package(deck: Path, here: Path) -> None:
    """Another package in its place, as copying an older build over it gives."""
    package = here / "dist" / "research-papers.apkg"
    other = here / "other.apkg"
    shutil.copy2(package, other)
    os.replace(other, package)


def forget_quizgen_version(deck: Path, here: Path) -> None:
    """quizgen's code changed (an upgrade that kept the version number)."""
    cache.code_digest.cache_clear()
    digest = cache.code_digest() + "-upgraded"
    cache.code_digest = lambda: digest  # type: ignore[assignment]


@pytest.mark.parametrize(
    "change",
    [
        edit_source,
        edit_template,
        edit_deck_file,
        delete_lock,
        older_lock,
        rewrite_lock,
        delete_package,
        touch_package,
        replace_package,
        forget_quizgen_version,
    ],
)
def test_any_change_builds_again(
    deck: Path,
    here: Path,
    change: Callable[[Path, Path], None],
    writes: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cache, "code_digest", cache.code_digest)  # undone after the test
    assert invoke("build", "deck").exit_code == 0
    shutil.copy(deck / "quizgen.lock", here / "older.lock")
    edit_source(deck, here)
    assert invoke("build", "deck").exit_code == 0  # the lock now differs from older.lock
    assert invoke("build", "deck").stdout.startswith("dist/research-papers.apkg is up to date")
    writes.clear()

    change(deck, here)
    result = invoke("build", "deck")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("wrote dist/research-papers.apkg: 251 notes, 251 cards\n")
    assert writes == [Path("dist/research-papers.apkg")]
    assert invoke("build", "deck").stdout.startswith("dist/research-papers.apkg is up to date")


def test_another_output_builds_and_each_output_keeps_its_stamp(
    deck: Path, here: Path, writes: list[Path]
) -> None:
    assert invoke("build", "deck", "-o", "a.apkg").exit_code == 0
    assert invoke("build", "deck", "-o", "b.apkg").stdout.startswith("wrote b.apkg")
    assert invoke("build", "deck").stdout.startswith("wrote dist/research-papers.apkg")
    assert writes == [Path("a.apkg"), Path("b.apkg"), Path("dist/research-papers.apkg")]

    assert invoke("build", "deck", "-o", "a.apkg").stdout.startswith("a.apkg is up to date")
    assert invoke("build", "deck", "-o", "b.apkg").stdout.startswith("b.apkg is up to date")
    assert len(writes) == 3


def test_a_build_with_progress_is_never_skipped(
    deck: Path, here: Path, writes: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from quizgen.store import Store

    state = here / "reviews.sqlite3"
    with Store.open(state):
        pass
    assert invoke("build", "deck").exit_code == 0

    for _ in range(2):
        result = invoke("build", "deck", "--with-progress", "--state", str(state))
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("wrote dist/research-papers.apkg")
    # and the plain build after it writes the package without progress again
    assert invoke("build", "deck").stdout.startswith("wrote dist/research-papers.apkg")
    assert len(writes) == 4


def test_a_damaged_stamp_is_not_trusted(deck: Path, here: Path, writes: list[Path]) -> None:
    assert invoke("build", "deck").exit_code == 0
    (stamp,) = (cache.cache_dir() / "builds").iterdir()
    data = json.loads(stamp.read_text())
    for damage in ({**data, "notes": "251"}, {**data, "retired": 300}, [], "{"):
        stamp.write_text(damage if isinstance(damage, str) else json.dumps(damage))
        assert invoke("build", "deck").stdout.startswith("wrote dist/research-papers.apkg")
    assert len(writes) == 5


def test_a_build_that_cannot_record_itself_leaves_no_stamp(
    mini: Path, here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_access = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda p, mode: (mode != os.W_OK or Path(p).resolve() != mini) and real_access(p, mode),
    )
    for _ in range(2):
        result = invoke("build", "mini")
        assert result.stdout.startswith("wrote dist/mini-deck.apkg")
        assert "is not writable" in result.stderr


# The per-source compile cache: reusing unchanged sources gives what compiling afresh gives.


def edit_one_of_many(deck: Path) -> None:
    path = deck / "sources" / "gemini-1.5.yaml"
    text = path.read_text()
    assert "Gemini 1.5 Pro" in text
    path.write_text(text.replace("Gemini 1.5 Pro", "Gemini 1.5 Pro model"))


def test_an_edit_reloads_only_its_source(deck: Path, loads: list[str]) -> None:
    compile_project(deck, cached=True)
    assert len(loads) == 10
    loads.clear()
    edit_one_of_many(deck)

    compile_project(deck, cached=True)

    assert loads == ["gemini-1.5.yaml"]


def test_a_template_edit_reloads_every_source(deck: Path, loads: list[str]) -> None:
    compile_project(deck, cached=True)
    loads.clear()
    edit_template(deck, deck.parent)

    compile_project(deck, cached=True)

    assert len(loads) == 10


def test_incremental_build_is_byte_identical_to_a_build_from_scratch(
    deck: Path, here: Path, loads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import quizgen.anki.lock

    parsed: list[int] = []  # lock files parsed, not read from the cache
    real = quizgen.anki.lock._canonical
    monkeypatch.setattr(quizgen.anki.lock, "_canonical", lambda t: parsed.append(1) or real(t))
    now = 1_800_000_000
    first = here / "first.apkg"
    build(*compile_project(deck, cached=True), first, now=now)
    lock = (deck / "quizgen.lock").read_bytes()
    edit_one_of_many(deck)

    loads.clear()
    incremental = here / "incremental.apkg"
    build(*compile_project(deck, cached=True, remember=False), incremental, now=now + 60)
    assert loads == ["gemini-1.5.yaml"]
    assert parsed == []  # the lock the first build wrote, from the cache
    incremental_lock = (deck / "quizgen.lock").read_bytes()

    (deck / "quizgen.lock").write_bytes(lock)
    shutil.rmtree(cache.cache_dir())
    scratch = here / "scratch.apkg"
    build(*compile_project(deck), scratch, now=now + 60)
    assert parsed == [1]

    assert incremental.read_bytes() == scratch.read_bytes() != first.read_bytes()
    assert incremental_lock == (deck / "quizgen.lock").read_bytes() != lock


@pytest.mark.parametrize(
    "edit",
    [
        # a right answer that is a distractor of other papers' cards
        ("tf-replicator.yaml", "subject: TF-Replicator", "subject: TF Replicator"),
        # the year names the paper in questions
        ("muesli.yaml", "year: 2021", "year: 2022"),
        # now named as hindsight-modelling is: both get letters, (2020a) and (2020b), so the
        # questions of that unchanged file change too
        (
            "tf-replicator.yaml",
            "authors: 'Peter Buchlovsky, David Budden, et al.'\nyear: 2019",
            "authors: 'Peter Guez, David Budden, et al.'\nyear: 2020",
        ),
        # a tag: options come first from papers that share one
        ("podracer.yaml", "tags: [", "tags: [shared-tag, "),
    ],
)
def test_the_cache_compiles_what_a_fresh_compile_does(
    deck: Path, edit: tuple[str, str, str]
) -> None:
    name, old, new = edit
    compile_project(deck, cached=True)
    path = deck / "sources" / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))

    cached = compile_project(deck, cached=True, remember=False)
    fresh = compile_project(deck)

    assert cached[1] == fresh[1]
    assert cached[0] == fresh[0]
    if "Guez" in new:
        papers = {s.id: s.fields["paper"] for s in fresh[0].sources}
        assert papers["hindsight-modelling"] == "Guez et al. (2020a)"


def two_papers(root: Path, b_answers: list[str], b_thing: str = "thing") -> Path:
    """Paper p0's cards find two options in their own paper and the third in p1's."""
    from projects import item, write_project

    a = {"facts": [item(f"a{i}", f"Alpha{i}") for i in range(3)]}
    b = {
        "facts": [
            item(f"b{i}", answer, thing=f"{b_thing} b{i}") for i, answer in enumerate(b_answers)
        ]
    }
    if root.exists():
        shutil.rmtree(root)
    return write_project(root, [a, b])


def test_options_drawn_from_another_paper_follow_its_edits(tmp_path: Path) -> None:
    root = two_papers(tmp_path / "two", ["Beta0", "Beta1", "Beta2"])
    before = compile_project(root, cached=True)[1]
    assert any("Beta" in option for c in before if c.source == "p0" for option in c.choices)

    two_papers(root, ["Gamma0", "Gamma1", "Gamma2"])
    cached = compile_project(root, cached=True, remember=False)[1]

    assert cached == compile_project(root)[1]
    assert any("Gamma" in option for c in cached if c.source == "p0" for option in c.choices)


def test_options_are_drawn_again_only_when_what_they_read_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import quizgen.expand

    drawn: list[str] = []
    real = quizgen.expand.draw

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        drawn.append(args[4])
        return real(*args, **kwargs)

    monkeypatch.setattr(quizgen.expand, "draw", spy)
    root = two_papers(tmp_path / "two", ["Beta0", "Beta1", "Beta2"])
    compile_project(root, cached=True)
    assert len(drawn) == 6
    drawn.clear()

    two_papers(root, ["Beta0", "Beta1", "Beta2"], b_thing="other thing")  # no answer changed
    cached = compile_project(root, cached=True)[1]
    assert drawn == ["p1/b0/choice", "p1/b1/choice", "p1/b2/choice"]  # its own cards only
    monkeypatch.setattr(quizgen.expand, "draw", real)
    assert cached == compile_project(root)[1]


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The source of every note the build makes (not reuses), in order."""
    import quizgen.anki.notes

    sources: list[str] = []
    real = quizgen.anki.notes.make_note

    def spy(card, shared):  # type: ignore[no-untyped-def]
        sources.append(card.source)
        return real(card, shared)

    monkeypatch.setattr(quizgen.anki.notes, "make_note", spy)
    return sources


def test_a_build_after_an_edit_makes_only_the_notes_that_changed(
    deck: Path, here: Path, made: list[str]
) -> None:

    assert invoke("build", "deck").exit_code == 0
    assert len(made) == 251
    made.clear()
    edit_one_of_many(deck)

    result = invoke("build", "deck")

    assert result.exit_code == 0 and "changed" in result.stdout
    # the edited paper's cards (which Gemini 1.5 Pro names), and no other paper's
    assert set(made) == {"gemini-1.5"}


def test_a_source_with_problems_is_not_cached(deck: Path, loads: list[str]) -> None:
    from quizgen.errors import InputError

    path = deck / "sources" / "muesli.yaml"
    path.write_text(path.read_text().replace("kind: result", "kind: reslt", 1))
    with pytest.raises(InputError):
        compile_project(deck, cached=True)
    assert not (cache.cache_dir() / "sources").exists()
    loads.clear()
    with pytest.raises(InputError) as again:
        compile_project(deck, cached=True)
    assert len(loads) == 10 and "unknown kind 'reslt'" in str(again.value)


def test_a_file_changed_while_compiling_is_not_cached(
    deck: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = deck / "sources" / "muesli.yaml"
    real = loader.load_source

    def edit_meanwhile(source: Path, kinds: object, problems: list) -> object:  # type: ignore[type-arg]
        loaded = real(source, kinds, problems)  # type: ignore[arg-type]
        if source.name == "muesli.yaml":
            path.write_text(path.read_text().replace("subject: Muesli", "subject: Muesli2", 1))
        return loaded

    monkeypatch.setattr(loader, "load_source", edit_meanwhile)
    compile_project(deck, cached=True)
    monkeypatch.setattr(loader, "load_source", real)

    cards = compile_project(deck, cached=True)[1]
    assert "Muesli2" in {c.answer for c in cards}
    assert cards == compile_project(deck)[1]


def test_time_is_not_needed_to_say_up_to_date(
    deck: Path, here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A skipped build reads no clock-dependent state: a build a day later is still skipped."""
    assert invoke("build", "deck").exit_code == 0
    later = time.time() + 86_400
    monkeypatch.setattr(time, "time", lambda: later)
    assert invoke("build", "deck").stdout.startswith("dist/research-papers.apkg is up to date")


def test_a_build_that_fails_still_keeps_what_its_sources_compiled_to(
    deck: Path, here: Path, loads: list[str]
) -> None:
    """The per-source entries are stored while the package is zipped; a build refused before
    that (here: its output) stores them all the same."""
    from quizgen.anki import build_project
    from quizgen.errors import InputError

    with pytest.raises(InputError, match="must end in .apkg"):
        build_project(deck, here / "deck.zip", now=1_800_000_000)
    assert len(loads) == 10
    loads.clear()
    edit_one_of_many(deck)

    build_project(deck, here / "deck.apkg", now=1_800_000_000)
    assert loads == ["gemini-1.5.yaml"]
    loads.clear()
    edit_one_of_many(deck)  # (once more: the whole compilation is not kept by a build)

    build_project(deck, here / "deck.apkg", now=1_800_000_060)
    assert loads == ["gemini-1.5.yaml"]


def test_notes_are_reused_only_for_the_cards_they_were_made_of(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, made: list[str]
) -> None:
    """A quiz between two builds stores the entries without notes; the cards whose options it
    drew again (p0's, which offer p1's answers) get new notes, and the package is the one a
    build from scratch writes."""
    from quizgen.anki import build_project

    now = 1_800_000_000
    root = two_papers(tmp_path / "two", ["Beta0", "Beta1", "Beta2"])
    build_project(root, tmp_path / "first.apkg", now=now)
    lock = (root / "quizgen.lock").read_bytes()
    two_papers(root, ["Gamma0", "Gamma1", "Gamma2"])  # (which removes the lock)
    (root / "quizgen.lock").write_bytes(lock)
    compile_project(root, cached=True, remember=False)  # a quiz, say
    made.clear()

    build_project(root, tmp_path / "incremental.apkg", now=now + 60)
    assert set(made) == {"p0", "p1"}

    (root / "quizgen.lock").write_bytes(lock)
    shutil.rmtree(cache.cache_dir())
    build_project(root, tmp_path / "scratch.apkg", now=now + 60)
    assert (tmp_path / "incremental.apkg").read_bytes() == (tmp_path / "scratch.apkg").read_bytes()


def test_stored_notes_that_do_not_match_the_draft_are_not_used(deck: Path, here: Path) -> None:
    """An entry whose notes are not one a card (here: one short) is never half used."""
    import marshal

    from quizgen.anki import build_project

    now = 1_800_000_000
    build_project(deck, here / "first.apkg", now=now)
    lock = (deck / "quizgen.lock").read_bytes()
    store = cache.Sources(deck, cache.input_digests(deck))
    for source in (deck / "sources").iterdir():
        entry = store._entry(str(source))
        assert entry is not None and entry.notes
        entry.notes.pop()
        payload = marshal.dumps(cache._packed(entry))  # sealed as a whole entry, not damage
        store._file(str(source)).write_bytes(
            cache._seal(store._key(str(source)), payload) + payload
        )
    edit_one_of_many(deck)

    build_project(deck, here / "incremental.apkg", now=now + 60)

    (deck / "quizgen.lock").write_bytes(lock)
    shutil.rmtree(cache.cache_dir())
    build_project(deck, here / "scratch.apkg", now=now + 60)
    assert (here / "incremental.apkg").read_bytes() == (here / "scratch.apkg").read_bytes()


SHARED_KIND = {
    "kind": "item",
    "fields": {"category": "text", "thing": "text", "answer": "text"},
    # no {paper} in the question: two papers can ask the same
    "templates": [
        {"id": "choice", "front": "Which {category} is {thing}?", "answer": "answer", "choices": 4}
    ],
}


def asking(root: Path, b0_thing: str, b0_answer: str = "Beta0") -> Path:
    """p0's first card asks about 'x-y'; p1's first, about `b0_thing`: the same question
    (folded) when that is 'x y'. p0's cards need options from p1's answers."""
    from projects import item, write_project

    a = {"facts": [item("a0", "Alpha0", thing="x-y"), item("a1", "Alpha1")]}
    b = {
        "facts": [item("b0", b0_answer, thing=b0_thing)]
        + [item(f"b{i}", f"Beta{i}") for i in range(1, 4)]
    }
    if root.exists():
        shutil.rmtree(root)
    return write_project(root, [a, b], [SHARED_KIND])


def test_options_follow_another_papers_answer_to_the_same_question(tmp_path: Path) -> None:
    """A right answer to the same question is never offered as wrong, in a paper that did not
    change either: p0's cards are drawn again whenever p1 starts or stops asking its
    question, and come out as a fresh compile draws them."""
    root = tmp_path / "shared"
    states = ["x y", "other", "x y", "x y", "other", "other"]
    answers = ["Beta0", "Beta0", "Beta0", "Delta0", "Delta0", "Beta0"]
    seen = []
    for thing, answer in zip(states, answers, strict=True):
        asking(root, thing, answer)
        cached = compile_project(root, cached=True)[1]
        assert cached == compile_project(root)[1], (thing, answer)
        options = next(c for c in cached if c.id == "p0/a0/choice").choices
        assert (answer in options) is (thing == "other")
        seen.append(options)
    assert len(set(seen)) >= 3  # (the options did change along the way)


def test_a_question_two_papers_ask_is_reported_as_a_fresh_compile_does(tmp_path: Path) -> None:
    from quizgen.errors import InputError

    root = asking(tmp_path / "twice", "thing b0")
    compile_project(root, cached=True)
    asking(root, "x-y")  # p1 now asks p0's question, word for word
    with pytest.raises(InputError) as cached:
        compile_project(root, cached=True)
    with pytest.raises(InputError) as fresh:
        compile_project(root)
    assert cached.value.problems == fresh.value.problems
    assert "asks the same question as p0/a0/choice" in str(cached.value.problems[0])


def test_an_unchanged_paper_is_checked_only_against_the_others_questions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A paper that did not change, whose cards had no problem and kept their options, is not
    checked card by card again (`checks.structural`'s `settled`); one whose cards had a
    warning is, and the warning is reported again."""
    from projects import item, write_project

    import quizgen.checks
    from quizgen.project import _validate

    settled: list[set[str]] = []
    real = quizgen.checks.structural

    def spy(project, cards, **kwargs):  # type: ignore[no-untyped-def]
        settled.append(set(kwargs.get("settled") or ()))
        return real(project, cards, **kwargs)

    monkeypatch.setattr(quizgen.checks, "structural", spy)

    def write(c_thing: str) -> Path:
        root = tmp_path / "three"
        if root.exists():
            shutil.rmtree(root)
        # p0 and p1: 3 answers of the kind between them, so 3 options where 4 are asked (a
        # warning); p2 is a paper of its own kind, with options enough
        return write_project(
            root,
            [
                {"facts": [item("a0", "Alpha0", category="dog"), item("a1", "Alpha1", "dog")]},
                {"facts": [item("b0", "Beta0", category="dog")]},
                {"facts": [item(f"c{i}", f"Gamma{i}", thing=f"{c_thing} {i}") for i in range(5)]},
            ],
            [
                {
                    **SHARED_KIND,
                    "templates": [{**SHARED_KIND["templates"][0], "agree": ["category"]}],
                }
            ],
        )

    def problems(root: Path) -> list[str]:
        settled.clear()
        report = _validate(root, store=cache.Sources(root, cache.input_digests(root)))
        messages = [p.message for p in report.problems]
        assert messages == [p.message for p in _validate(root).problems]  # as afresh
        return messages

    root = write("thing")
    compile_project(root, cached=True)  # (every entry stored)
    write("other")  # p2 changed: p0 and p1 did not, but had warnings
    assert sum("gets 3 options, not the 4" in m for m in problems(root)) == 3
    assert settled[0] == set()
    compile_project(root, cached=True)
    with (root / "sources" / "p0.yaml").open("a") as f:
        f.write("# edited\n")  # p0 changed: p2 did not, and had no problem
    assert sum("gets 3 options, not the 4" in m for m in problems(root)) == 3
    assert settled[0] == {"p2"}


def test_questions_whose_digests_collide_are_told_apart_the_long_way(
    deck: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drafts keep 8-byte digests of their questions (`text.question_key`): two questions
    with one digest send expansion and the checks across papers card by card, where the text
    is compared, and the cards are those of a fresh compile."""
    import quizgen.checks
    import quizgen.expand

    quick: list[bool] = []
    real = quizgen.expand._expand_drafts

    def spy(*args):  # type: ignore[no-untyped-def]
        made = real(*args)
        quick.append(made is not None)
        return made

    monkeypatch.setattr(quizgen.expand, "_expand_drafts", spy)
    monkeypatch.setattr(quizgen.expand, "question_key", lambda style, front: 7)
    monkeypatch.setattr(quizgen.checks, "question_digest", lambda question: 7)
    compile_project(deck, cached=True)  # every question now has the same digest
    edit_one_of_many(deck)
    quick.clear()
    cached = compile_project(deck, cached=True, remember=False)
    assert quick == [False]  # the long way
    assert cached == compile_project(deck)
