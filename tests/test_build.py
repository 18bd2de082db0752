"""`quizgen build` on the command line: what it prints, where it writes, and how it refuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from quizgen.cli import main

FIX = "restore it from version control, or delete it to start again (every note then counts as new)"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def snapshot(*paths: Path) -> dict[str, bytes | None]:
    """Every file under `paths` with its bytes (None for a missing path)."""
    files: dict[str, bytes | None] = {}
    for path in paths:
        if path.is_dir():
            files.update({str(p): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()})
        else:
            files[str(path)] = path.read_bytes() if path.exists() else None
    return files


def test_default_output_and_counts(mini: Path, here: Path) -> None:
    result = invoke("build", "mini")

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "wrote dist/mini-deck.apkg: 9 notes, 9 cards\n"
        "since the last build: 9 new, 0 changed, 0 unchanged, 0 retired\n"
        "recorded in mini/quizgen.lock: commit it with the sources\n"
    )
    with zipfile.ZipFile(here / "dist" / "mini-deck.apkg") as z:
        assert z.namelist() == ["collection.anki2", "media"]
    lock = json.loads((mini / "quizgen.lock").read_text())
    assert sorted(lock["notes"]) == sorted(
        f"muesli/{fact}/{template}"
        for fact in ("matches-muzero", "acts", "other")
        for template in ("which", "cloze", "choice")
    )

    again = invoke("build", "mini")  # nothing changed: nothing written (test_build_noop.py)
    assert again.exit_code == 0
    assert again.stdout == (
        "dist/mini-deck.apkg is up to date: 9 notes, 9 cards\n"
        "since the last build: 0 new, 0 changed, 9 unchanged, 0 retired\n"
    )


def test_counts_changes_and_retirements(mini: Path, here: Path) -> None:
    assert invoke("build", "mini").exit_code == 0
    source = mini / "sources" / "muesli.yaml"
    text = source.read_text().replace("category: thing", "category: model")
    source.write_text(text[: text.index("  - id: acts")] + text[text.index("  - id: other") :])

    result = invoke("build", "mini", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "output": "dist/mini-deck.apkg",
        "lock": "mini/quizgen.lock",
        "lock_written": True,
        "notes": 9,
        "cards": 9,
        "new": 0,
        "changed": 2,  # the 'other' fact's question and choice cards
        "unchanged": 4,
        "retired": 3,
        "newly_retired": 3,
        "warning": "",
    }
    text_result = invoke("build", "mini")
    assert text_result.stdout == (
        "dist/mini-deck.apkg is up to date: 9 notes, 9 cards\n"
        "since the last build: 0 new, 0 changed, 6 unchanged, 3 retired\n"
        "retired notes are tagged quizgen::retired: search for that tag in Anki\n"
    )


def test_output_elsewhere_still_records_the_build(mini: Path, here: Path) -> None:
    (here / "out").mkdir()
    result = invoke("build", "mini", "-o", "out/deck.apkg")

    assert result.exit_code == 0, result.output
    assert (here / "out" / "deck.apkg").is_file() and not (here / "dist").exists()
    assert (mini / "quizgen.lock").is_file()
    assert "recorded in mini/quizgen.lock" in result.stdout


def test_no_temporary_files_are_left(
    mini: Path,
    here: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    temp = tmp_path_factory.mktemp("temp")
    monkeypatch.setattr(tempfile, "tempdir", str(temp))

    assert invoke("build", "mini").exit_code == 0
    assert invoke("build", "mini").exit_code == 0

    assert list(temp.iterdir()) == []
    assert sorted(p.name for p in (here / "dist").iterdir()) == ["mini-deck.apkg"]
    assert not [p for p in mini.iterdir() if p.name.endswith(".tmp")]


def test_invalid_sources_print_what_check_prints_and_write_nothing(mini: Path, here: Path) -> None:
    source = mini / "sources" / "muesli.yaml"
    source.write_text(source.read_text().replace("kind: result", "kind: reslut", 1))

    built = invoke("build", "mini")
    checked = invoke("check", "mini")

    assert built.exit_code == checked.exit_code == 1
    assert built.stderr == checked.stderr and "mini/sources/muesli.yaml:" in built.stderr
    assert built.stdout == ""
    assert not (here / "dist").exists() and not (mini / "quizgen.lock").exists()


def test_a_cloze_that_hides_nothing_is_refused(mini: Path, here: Path) -> None:
    # The hidden claim sits in an optional part that needs the condition too, which two of
    # the three facts do not have: their clozes would hide nothing.
    template = mini / "templates" / "result.yaml"
    template.write_text(
        template.read_text()
        .replace(
            "cloze: '{subject} {claim}[ {condition}].'", "cloze: '{subject}[ {claim} {condition}].'"
        )
        .replace("hide: [subject]", "hide: [claim]")
    )

    result = invoke("build", "mini")

    assert result.exit_code == 1
    assert result.stderr == (
        "mini/sources/muesli.yaml:20: card muesli/acts/cloze is a cloze that hides nothing\n"
        "mini/sources/muesli.yaml:26: card muesli/other/cloze is a cloze that hides nothing\n"
        "2 problems found\n"
    )
    assert not (here / "dist").exists() and not (mini / "quizgen.lock").exists()


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("nowhere/deck.apkg", "nowhere: output folder does not exist"),
        ("folder.apkg", "folder.apkg: is a folder; give a file name for the output"),
        ("deck.zip", "deck.zip: the output must end in .apkg (Anki imports .apkg)"),
    ],
)
def test_bad_output_path(mini: Path, here: Path, output: str, message: str) -> None:
    (here / "folder.apkg").mkdir()
    assert invoke("build", "mini", "-o", "old.apkg").exit_code == 0
    before = snapshot(here)

    result = invoke("build", "mini", "-o", output)

    assert (result.exit_code, result.stderr, result.stdout) == (1, message + "\n", "")
    assert snapshot(here) == before


def refused(here: Path, *args: str) -> str:
    """Run the build; assert it changed no file; return its one line."""
    before = snapshot(here)
    result = invoke("build", *args)
    assert (result.exit_code, result.stdout) == (1, ""), result.output
    assert result.stderr.count("\n") == 1, result.stderr
    assert snapshot(here) == before
    return result.stderr.rstrip("\n")


def test_a_file_of_the_project_is_never_the_package(mini: Path, here: Path) -> None:
    assert invoke("build", "mini", "-o", "deck.apkg").exit_code == 0
    (here / "lock.apkg").symlink_to(mini / "quizgen.lock")
    assert refused(here, "mini", "-o", "lock.apkg") == (
        "lock.apkg: is the same file as mini/quizgen.lock, the lock file of the project; "
        "quizgen never writes over what it reads: choose another output file"
    )
    os.link(mini / "sources" / "muesli.yaml", here / "source.apkg")
    assert refused(here, "mini", "-o", "source.apkg").startswith(
        "source.apkg: is the same file as mini/sources/muesli.yaml, a source of the project;"
    )
    assert refused(here, "mini", "-o", "mini/templates/deck.apkg") == (
        "mini/templates/deck.apkg: is in the project's templates/ folder, which quizgen reads "
        "as input; choose a file outside it"
    )


def test_a_file_quizgen_did_not_build_is_never_replaced(mini: Path, here: Path) -> None:
    with zipfile.ZipFile(here / "mine.apkg", "w") as archive:  # as Anki or genanki write it
        archive.writestr("collection.anki2", b"SQLite format 3\x00")
        archive.writestr("media", b"{}")
    (here / "notes.apkg").write_text("not a package at all\n")
    for name in ("mine.apkg", "notes.apkg"):
        assert refused(here, "mini", "-o", name) == (
            f"{name}: exists and is not an Anki package quizgen built; quizgen replaces only "
            "its own outputs: move it away or choose another output file"
        )


def test_a_read_only_package_or_folder_is_named(mini: Path, here: Path, read_only) -> None:  # type: ignore[no-untyped-def]
    assert invoke("build", "mini", "-o", "deck.apkg").exit_code == 0
    read_only(here / "deck.apkg")
    assert refused(here, "mini", "-o", "deck.apkg") == (
        "deck.apkg: is read-only; quizgen will not replace it: make it writable or choose "
        "another output file"
    )
    (here / "out").mkdir()
    read_only(here / "out")
    assert refused(here, "mini", "-o", "out/deck.apkg") == "out: output folder is not writable"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda text: text.replace('"format": 1,', '"format": 1'),
            "mini/quizgen.lock:4: the lock file is not valid JSON (Expecting ',' delimiter); "
            + FIX,
        ),
        (
            lambda text: text[: len(text) // 2],
            "mini/quizgen.lock:8: the lock file is not valid JSON (Expecting ',' delimiter); "
            + FIX,
        ),
        (
            lambda text: text.replace('"mod": 1', '"mod": 2', 1),
            "mini/quizgen.lock:5: the line of note 'muesli/acts/choice' fails its check: it was "
            "edited by hand; " + FIX,
        ),
        (
            lambda text: text.replace('"type": "cloze"', '"type": "question"'),
            "mini/quizgen.lock:6: the line of note 'muesli/acts/cloze' fails its check: it was "
            "edited by hand (2 more problems like it); " + FIX,
        ),
        (
            lambda text: text.replace('"type": "cloze"', '"type": "basic"', 1),
            "mini/quizgen.lock:6: note 'muesli/acts/cloze' has an unknown note type \"basic\"; "
            + FIX,
        ),
        (lambda text: "[]", "mini/quizgen.lock:1: this is not a quizgen lock file; " + FIX),
        (
            lambda text: text.replace('"format": 1', '"format": 2'),
            "mini/quizgen.lock: written by a newer quizgen (lock format 2); upgrade quizgen to "
            "build",
        ),
    ],
)
def test_bad_lock_file(mini: Path, here: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    assert invoke("build", "mini").exit_code == 0
    lock = mini / "quizgen.lock"
    lock.write_text(edit(lock.read_text()))
    before = snapshot(here)

    result = invoke("build", "mini")

    assert (result.exit_code, result.stderr, result.stdout) == (1, message + "\n", "")
    assert snapshot(here) == before


def test_problems_with_output_and_lock_are_reported_together(mini: Path, here: Path) -> None:
    (mini / "quizgen.lock").write_text("{")

    result = invoke("build", "mini", "-o", "nowhere/deck.apkg")

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "mini/quizgen.lock:1: the lock file is not valid JSON (Expecting property name enclosed "
        "in double quotes); " + FIX,
        "nowhere: output folder does not exist",
        "2 problems found",
    ]


def test_a_read_only_project_still_builds_and_says_it_was_not_recorded(
    mini: Path, here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (as root, chmod cannot make a folder unwritable: pretend instead)
    real_access = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda p, mode: (mode != os.W_OK or Path(p).resolve() != mini) and real_access(p, mode),
    )

    result = invoke("build", "mini", "--json")

    assert result.exit_code == 0
    assert json.loads(result.stdout)["lock_written"] is False
    assert result.stderr == (
        "warning: mini is not writable, so this build is not recorded in quizgen.lock; the "
        "next build will count the same changes again\n"
    )
    assert (here / "dist" / "mini-deck.apkg").is_file()
    assert not (mini / "quizgen.lock").exists()


def test_a_failed_write_leaves_the_previous_outputs(
    mini: Path, here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert invoke("build", "mini").exit_code == 0
    source = mini / "sources" / "muesli.yaml"
    source.write_text(source.read_text().replace("category: thing", "category: model"))
    before = snapshot(here)

    import quizgen.anki.package

    def broken_zip(db: Path, out: object) -> None:
        out.write(b"PK half a package")  # type: ignore[attr-defined]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(quizgen.anki.package, "_zip", broken_zip)
    result = invoke("build", "mini")

    assert (result.exit_code, result.stderr) == (
        1,
        "dist/mini-deck.apkg: cannot write the package: No space left on device\n",
    )
    assert snapshot(here) == before


def test_help() -> None:
    result = invoke("build", "--help")
    assert result.exit_code == 0
    assert "Usage: quizgen build [OPTIONS] [PATH]" in result.stdout
    assert "-o, --output FILE" in result.stdout and "--json" in result.stdout


def test_heavy_modules_load_only_when_writing() -> None:
    code = (
        "import sys, quizgen.cli, quizgen.anki, quizgen.anki.lock, quizgen.anki.notes; "
        "print(sorted(m for m in ('genanki', 'anki.collection', 'rich') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "[]\n"


def test_a_failed_lock_write_keeps_the_old_lock(
    mini: Path, here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert invoke("build", "mini").exit_code == 0
    lock = (mini / "quizgen.lock").read_bytes()
    source = mini / "sources" / "muesli.yaml"
    source.write_text(source.read_text().replace("category: thing", "category: model"))

    import quizgen.anki.lock

    def broken_render(entries: object):  # type: ignore[no-untyped-def]
        yield "{"
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(quizgen.anki.lock, "render", broken_render)
    result = invoke("build", "mini")

    assert (result.exit_code, result.stderr) == (
        1,
        "mini/quizgen.lock: cannot record this build: No space left on device; the package was "
        "written, and the next build will count the same changes again\n",
    )
    assert (mini / "quizgen.lock").read_bytes() == lock
    assert not [p for p in mini.iterdir() if p.name.endswith(".tmp")]


def test_a_failed_package_leaves_the_lock_as_it_was(
    mini: Path, here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock file is written while the package is zipped, beside the old one: a package
    that then fails puts nothing in place, and leaves no file behind."""
    assert invoke("build", "mini").exit_code == 0
    lock = (mini / "quizgen.lock").read_bytes()
    package = (here / "dist" / "mini-deck.apkg").read_bytes()
    source = mini / "sources" / "muesli.yaml"
    source.write_text(source.read_text().replace("category: thing", "category: model"))

    import quizgen.anki.lock
    import quizgen.anki.package

    staged: list[Path] = []
    real = quizgen.anki.lock.stage

    def stage(path: Path, chunks):  # type: ignore[no-untyped-def]
        staged.append(real(path, chunks))
        return staged[-1]

    def full(db: Path, out: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(quizgen.anki.lock, "stage", stage)
    monkeypatch.setattr(quizgen.anki.package, "_zip", full)
    result = invoke("build", "mini")

    assert result.exit_code == 1
    assert "cannot write the package: No space left on device" in result.stderr
    assert staged and not any(p.exists() for p in staged)  # written, then removed
    assert (mini / "quizgen.lock").read_bytes() == lock
    assert (here / "dist" / "mini-deck.apkg").read_bytes() == package
    assert not [p for p in [*mini.iterdir(), *(here / "dist").iterdir()] if p.suffix == ".tmp"]


def test_byte_identical_across_processes(mini: Path, here: Path) -> None:
    """Nothing in the package depends on the process: not the hash seed, not the clock."""
    outputs = []
    for seed in ("1", "2"):
        out = here / f"deck{seed}.apkg"
        subprocess.run(
            [sys.executable, "-m", "quizgen", "build", "mini", "-o", str(out)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
            capture_output=True,
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
