"""Safe YAML loading: lines kept, hostile files refused with one clear line."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml

from quizgen.errors import InputError
from quizgen.yamlio import MAX_FILE_BYTES, YamlMap, YamlSeq, load_yaml


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
