"""Safe YAML loading: lines kept, hostile files refused with one clear line."""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from quizgen.errors import InputError, Problem
from quizgen.yamlio import MAX_FILE_BYTES, YamlMap, YamlSeq, load_yaml, read_bytes, yaml_files


def load(tmp_path: Path, text: str | bytes) -> object:
    path = tmp_path / "f.yaml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return load_yaml(path)


def error(tmp_path: Path, text: str | bytes) -> str:
    with pytest.raises(InputError) as exc:
        load(tmp_path, text)
    (problem,) = exc.value.problems
    return f"{problem.line}: {problem.message}"


def test_keeps_lines_of_keys_and_items(tmp_path: Path) -> None:
    data = load(tmp_path, "a: 1\nb:\n  - x\n  - y\nc: {d: 2}\n")
    assert isinstance(data, YamlMap)
    assert data.key_lines == {"a": 1, "b": 2, "c": 5}
    assert isinstance(data["b"], YamlSeq)
    assert data["b"].item_lines == [3, 4]


def test_same_values_as_pyyaml_safe_load(tmp_path: Path) -> None:
    text = (
        "a: 1\nb: [x, 2021-01-01, '1', null, ~, '', yes, No, 0x1F, 1e3, .inf, -.5, 1_000, +3]\n"
        'c:\n"d": e\n? f\n'
    )
    data = load(tmp_path, text)
    assert data == yaml.safe_load(text)
    assert data["b"][1] == datetime.date(2021, 1, 1)  # type: ignore[index]


def test_refuses_python_tags(tmp_path: Path) -> None:
    assert error(tmp_path, "a: !!python/object/apply:os.system [echo hi]\n") == (
        "1: unsupported YAML tag !!python/object/apply:os.system"
    )
    assert error(tmp_path, "a: !!python/name:os.system ''\n").startswith(
        "1: YAML syntax error: could not determine a constructor for the tag"
    )


def test_refuses_aliases_even_of_scalars(tmp_path: Path) -> None:
    assert error(tmp_path, "a: &x hi\nb: *x\n") == "1: YAML anchors and aliases are not supported"
    assert error(tmp_path, "a: &x {k: 1}\nb:\n  <<: *x\n") == (
        "3: YAML anchors and aliases are not supported"
    )


def test_duplicate_keys(tmp_path: Path) -> None:
    assert error(tmp_path, "a: 1\nb: 2\na: 3\n") == "3: duplicate key 'a'"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # What PyYAML's composer finds comes first, wherever it stands in the file: the
        # document is read from the parser's events, as composing it would have read it.
        ("a: 1\na: 2\nb: [\n", "4: YAML syntax error: did not find expected node content"),
        ("a: *x\nb: [\n", "1: YAML syntax error: found undefined alias"),
        ("a: &x 1\nb: *x\nc: &x 3\n", "3: YAML syntax error: second occurrence"),
        ("a: 1\n---\nb: 2\n", "2: YAML syntax error: but found another document"),
        # Then the first problem of the document, in document order.
        ("a: [1, {b: 2, b: 3}]\na: 4\n", "1: duplicate key 'b'"),
        ("? {k: 1, k: 2}\n: 3\n", "1: duplicate key 'k'"),
        ("? [1]\n: 2\n", "1: a key must be a plain value"),
        ("1: a\n1: b\n", "2: duplicate key 1"),
        ("~: 1\nnull: 2\n", "2: duplicate key None"),
        ("- &a [*a]\n", "1: YAML anchors and aliases are not supported"),
        ("? &k a\n: *k\n", "1: YAML anchors and aliases are not supported"),
        ("a:\n  b: !!set {x}\n", "2: unsupported YAML tag !!set"),
        ("a: <<\n", "1: YAML syntax error: could not determine a constructor for the tag "
         "'tag:yaml.org,2002:merge'"),
    ],
)  # fmt: skip
def test_which_problem_a_file_reports(tmp_path: Path, text: str, said: str) -> None:
    assert error(tmp_path, text) == said


def test_tags_that_say_what_yaml_would_have_read(tmp_path: Path) -> None:
    text = "a: !!str 5\nb: ! 12\n'<<': x\n!!map {c: !!seq [1]}: 2\n"
    with pytest.raises(InputError) as exc:
        load(tmp_path, text)
    assert [p.message for p in exc.value.problems] == ["a key must be a plain value"]
    text = "a: !!str 5\nb: ! 12\n'<<': x\nc: !!map {d: !!seq [1]}\n"
    assert load(tmp_path, text) == yaml.safe_load(text) == {
        "a": "5", "b": 12, "<<": "x", "c": {"d": [1]}
    }  # fmt: skip


def test_deep_nesting_is_an_error_not_a_crash(tmp_path: Path) -> None:
    assert error(tmp_path, "[" * 5000 + "]" * 5000).startswith("1: YAML syntax error:")


def test_size_bound(tmp_path: Path) -> None:
    assert error(tmp_path, b"a: " + b"x" * MAX_FILE_BYTES) == (
        "0: file is 5.2 MB; the limit is 5 MB"
    )


def test_bom_is_ignored(tmp_path: Path) -> None:
    assert load(tmp_path, "\ufeffa: 1\n") == {"a": 1}


def test_whitespace_only_is_empty(tmp_path: Path) -> None:
    assert error(tmp_path, "\n  \n") == "0: file is empty"
    assert error(tmp_path, "# just a comment\n") == "0: file is empty"


# Listing a project folder -------------------------------------------------------------------


def test_yaml_files_lists_every_yaml_entry_whatever_it_is(tmp_path: Path) -> None:
    """Reading reports what an entry is; the listing never drops one for not being a file."""
    folder = tmp_path / "sources"
    folder.mkdir()
    for name in ("b.yaml", "a.yml", "C.YAML", "notes.txt", "b.yaml~", ".hidden.yaml"):
        (folder / name).write_text("x: 1\n")
    (folder / "dir.yaml").mkdir()
    (folder / "gone.yaml").symlink_to("missing.yaml")
    (folder / ".#b.yaml").symlink_to("root@host.123")  # an Emacs lock: dangling, and hidden
    files, problems = yaml_files(folder)
    assert [p.name for p in files] == ["C.YAML", "a.yml", "b.yaml", "dir.yaml", "gone.yaml"]
    assert problems == []


def test_yaml_files_warns_of_a_subfolder_of_yaml(tmp_path: Path) -> None:
    folder = tmp_path / "sources"
    (folder / "drafts").mkdir(parents=True)
    (folder / "drafts" / "x.yaml").write_text("x: 1\n")
    (folder / "images").mkdir()  # no YAML in it: nothing to say
    (folder / ".old").mkdir()
    (folder / ".old" / "x.yaml").write_text("x: 1\n")  # set aside on purpose
    files, problems = yaml_files(folder)
    assert files == []
    assert [(p.path, p.warning) for p in problems] == [(str(folder / "drafts"), True)]


def test_yaml_files_of_a_folder_that_is_not_one(tmp_path: Path) -> None:
    assert yaml_files(tmp_path / "absent") == ([], [])
    (tmp_path / "file").write_text("")
    not_a_folder = Problem(str(tmp_path / "file"), 0, "not a folder")
    assert yaml_files(tmp_path / "file") == ([], [not_a_folder])
    (tmp_path / "link").symlink_to("nowhere")
    assert yaml_files(tmp_path / "link") == (
        [],
        [Problem(str(tmp_path / "link"), 0, "broken symlink: its target 'nowhere' does not exist")],
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.mkdir(), "a folder, not a YAML file"),
        (lambda p: p.symlink_to("gone"), "broken symlink: its target 'gone' does not exist"),
        (lambda p: p.symlink_to(p.name), "symlink loop: following it leads back to itself"),
        (lambda p: os.mkfifo(p), "a named pipe, not a file; quizgen reads only regular files"),
    ],
    ids=["folder", "broken-link", "loop", "fifo"],
)  # fmt: skip
def test_read_bytes_refuses_what_is_not_a_regular_file(
    tmp_path: Path, make: Callable[[Path], None], message: str
) -> None:
    path = tmp_path / "x.yaml"
    make(path)
    with pytest.raises(InputError) as exc:
        read_bytes(path)
    assert exc.value.problems == [Problem(str(path), 0, message)]


def test_read_bytes_follows_a_good_link(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_text("a: 1\n")
    (tmp_path / "x.yaml").symlink_to("real.yaml")
    assert read_bytes(tmp_path / "x.yaml") == b"a: 1\n"


@pytest.mark.parametrize("told", [0, 3])
def test_read_bytes_reads_on_past_the_size_it_was_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, told: int
) -> None:
    # A file that grew between its stat and its read (or one whose size reads 0, as in /proc)
    # is read whole, and still only up to the limit.
    real = os.fstat

    def shrunk(fd: int) -> os.stat_result:
        st = real(fd)
        fields = (st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid, st.st_gid, told)
        return os.stat_result((*fields, int(st.st_atime), int(st.st_mtime), int(st.st_ctime)))

    path = tmp_path / "x.yaml"
    path.write_bytes(b"a: 1\nb: 2\n")
    monkeypatch.setattr(os, "fstat", shrunk)
    assert read_bytes(path) == b"a: 1\nb: 2\n"
    path.write_bytes(b"a: " + b"x" * MAX_FILE_BYTES)
    with pytest.raises(InputError) as exc:
        read_bytes(path)
    assert [p.message for p in exc.value.problems] == ["file is 5.2 MB; the limit is 5 MB"]
