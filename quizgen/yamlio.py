"""Reading YAML files safely, keeping the line of every key for error messages.

Everything goes through PyYAML's safe loader (the C one when it is built). Files are bounded in
size, must be UTF-8 text, and may not use anchors or aliases: hand-written facts never need them,
and refusing them rules out "billion laughs" documents.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from quizgen.errors import InputError

MAX_FILE_BYTES = 5 * 1024 * 1024

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlMap(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers where it and each of its keys stand (1-based lines)."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class YamlSeq(list):  # type: ignore[type-arg]
    """A YAML sequence that remembers the line of each item."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _AliasError(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int) -> None:
        self.key = key
        self.line = line


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    # Only mappings and sequences have children, and both are built here. A child node that
    # was already constructed is an alias (the composer hands back the anchored node), so each
    # child is checked before it is built; no other hook is needed, which keeps loading fast.
    def _child(self, node: yaml.Node) -> Any:
        if node in self.constructed_objects:
            raise _AliasError(node.start_mark.line + 1)
        return self.construct_object(node)

    def _map(self, node: yaml.MappingNode) -> Any:
        data = YamlMap()
        data.line = node.start_mark.line + 1
        data.key_lines = {}
        yield data
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _AliasError(key_node.start_mark.line + 1)
            key = self._child(key_node)
            line = key_node.start_mark.line + 1
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain value", key_node.start_mark
                ) from None
            if key in data:
                raise _DuplicateKey(key, line)
            data[key] = self._child(value_node)
            data.key_lines[key] = line

    def _seq(self, node: yaml.SequenceNode) -> Any:
        data = YamlSeq()
        data.line = node.start_mark.line + 1
        data.item_lines = [child.start_mark.line + 1 for child in node.value]
        yield data
        data.extend(self._child(child) for child in node.value)


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader._map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader._seq)


def read_text(path: Path) -> str:
    """Read a file as UTF-8 text, refusing what is too big, binary or not UTF-8."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError.single(
                path, f"file is {size / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES // 1_000_000} MB"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise InputError.single(path, f"cannot read: {exc.strerror or exc}") from None
    if b"\0" in data:
        raise InputError.single(path, "binary file, not YAML text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError.single(
            path, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8", line
        ) from None
    return text.removeprefix("\ufeff")


def load_yaml(path: Path) -> Any:
    """Parse one YAML file into YamlMap / YamlSeq / scalars; raise InputError on any problem."""
    text = read_text(path)
    if not text.strip():
        raise InputError.single(path, "file is empty")
    loader = _Loader(text)
    try:
        document = loader.get_single_data()
    except _AliasError as exc:
        raise InputError.single(
            path, "YAML anchors and aliases are not supported", exc.line
        ) from None
    except _DuplicateKey as exc:
        raise InputError.single(path, f"duplicate key {exc.key!r}", exc.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        message = exc.problem or exc.context or "invalid YAML"
        raise InputError.single(path, f"YAML syntax error: {message}", line) from None
    except yaml.YAMLError as exc:
        raise InputError.single(path, f"YAML error: {exc}") from None
    except RecursionError:  # the pure-Python parser; libyaml bounds nesting itself
        raise InputError.single(path, "YAML nesting too deep") from None
    finally:
        loader.dispose()
    if document is None:
        raise InputError.single(path, "file is empty")
    return document
