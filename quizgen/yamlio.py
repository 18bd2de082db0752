"""Reading YAML files safely, keeping the line of every key for error messages.

Everything goes through PyYAML's safe loader (the C one when it is built). Files are bounded in
size, must be UTF-8 text, and may not use anchors or aliases: hand-written facts never need them,
and refusing them rules out "billion laughs" documents.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

import yaml

from quizgen.errors import InputError, Problem

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


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"


class _Builder:
    """Turns the composed node graph into YamlMap / YamlSeq / scalars.

    PyYAML's generic constructor (generators, recursion bookkeeping) costs more than parsing
    itself; source files only hold maps, lists and scalars, so this walks the nodes directly and
    hands every non-string scalar (ints, floats, dates, ...) to the safe constructor. A node met
    twice is an alias: the composer hands back the anchored node itself.
    """

    def __init__(self, loader: Any, *, may_alias: bool = True) -> None:
        self.loader = loader
        # An alias needs an anchor, and an anchor needs a '&' in the text: without one, the
        # bookkeeping of nodes seen is skipped and string scalars are taken inline.
        self.may_alias = may_alias
        self.seen: set[int] = set()

    def build(self, node: yaml.Node) -> Any:
        if self.may_alias:
            if id(node) in self.seen:
                raise _AliasError(node.start_mark.line + 1)
            self.seen.add(id(node))
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag == _MAP:
            inline = not self.may_alias
            data = YamlMap()
            data.line = node.start_mark.line + 1
            lines: dict[Any, int] = {}
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                if inline and key_node.tag == _STR:
                    key = key_node.value
                else:
                    if key_node.tag == _MERGE:
                        raise _AliasError(line)
                    key = self.build(key_node)
                    if isinstance(key, (YamlMap, YamlSeq)):
                        raise _SyntaxError("a key must be a plain value", line)
                if key in data:
                    raise _DuplicateKey(key, line)
                data[key] = (
                    value_node.value
                    if inline and value_node.tag == _STR
                    else self.build(value_node)
                )
                lines[key] = line
            data.key_lines = lines
            return data
        if tag == _SEQ:
            seq = YamlSeq(self.build(child) for child in node.value)
            seq.line = node.start_mark.line + 1
            seq.item_lines = [child.start_mark.line + 1 for child in node.value]
            return seq
        if not isinstance(node, yaml.ScalarNode):
            short = tag.replace("tag:yaml.org,2002:", "!!")
            raise _SyntaxError(f"unsupported YAML tag {short}", node.start_mark.line + 1)
        return self.loader.construct_object(node)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader with a leaner resolver: the composer asks it for the tag of every node,
    and the general version (path resolvers, list concatenation per call) dominates parsing.
    Same answers: the safe loader's implicit resolvers, tried in the same order."""

    _by_first = {
        first: tuple(resolvers)
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
        if first is not None
    }
    assert None not in _BaseLoader.yaml_implicit_resolvers

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in self._by_first.get(value[:1], ()):
                    if regexp.match(value):
                        return tag  # type: ignore[no-any-return]
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


class _SyntaxError(Exception):
    def __init__(self, message: str, line: int) -> None:
        self.message = message
        self.line = line


YAML_SUFFIXES = (".yaml", ".yml")

# A FIFO opened for reading blocks until a writer comes: never open what stat did not show to
# be a regular file, and open without blocking in case it was swapped for one in between.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_OPEN_FLAGS |= getattr(os, "O_BINARY", 0)


def _not_a_file(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder, not a YAML file"
    if stat.S_ISFIFO(mode):
        what = "a named pipe"
    elif stat.S_ISSOCK(mode):
        what = "a socket"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        what = "a device"
    else:
        return "not a regular file; quizgen reads only regular files"
    return f"{what}, not a file; quizgen reads only regular files"


def _cannot_open(path: Path, exc: OSError) -> str:
    """Why `path` could not be opened, in the user's terms: a broken or looping link is named as
    such (with its target), not as a missing file that the user can see in the folder."""
    if exc.errno == errno.ELOOP:
        return "symlink loop: following it leads back to itself"
    if isinstance(exc, FileNotFoundError) and os.path.islink(path):
        try:
            target = os.readlink(path)
        except OSError:
            return "broken symlink: its target does not exist"
        return f"broken symlink: its target '{target}' does not exist"
    if isinstance(exc, IsADirectoryError):
        return _not_a_file(stat.S_IFDIR)
    return f"cannot read: {exc.strerror or exc}"


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES; InputError for anything else
    (a folder, a pipe, a device, a broken link, a file too big or unreadable)."""
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise InputError.single(path, _not_a_file(mode))
        with open(os.open(path, _OPEN_FLAGS), "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise InputError.single(path, _not_a_file(info.st_mode))
            data = b""
            if info.st_size <= MAX_FILE_BYTES:
                # Its size and a byte more: a buffer as big as the limit costs more than the
                # read itself. A file that grew meanwhile is read on, up to the limit.
                data = file.read(info.st_size + 1)
                if len(data) > info.st_size:
                    data += file.read(MAX_FILE_BYTES + 1 - len(data))
            size = max(info.st_size, len(data))
    except OSError as exc:
        raise InputError.single(path, _cannot_open(path, exc)) from None
    if size > MAX_FILE_BYTES:
        raise InputError.single(
            path, f"file is {size / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES // 1_000_000} MB"
        )
    return data


def read_text(path: Path) -> str:
    """Read a file as UTF-8 text, refusing what is too big, binary or not UTF-8."""
    data = read_bytes(path)
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


def _is_yaml_name(name: str) -> bool:
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in YAML_SUFFIXES


def _holds_yaml(path: str) -> bool:
    """Whether `path` is a folder with YAML files in it (never raises: a broken link, a file or
    an unreadable folder is no folder of YAML files)."""
    try:
        return any(_is_yaml_name(name) for name in os.listdir(path))
    except OSError:
        return False


def yaml_files(folder: Path) -> tuple[list[Path], list[Problem]]:
    """The YAML files of a project folder (sources/, templates/), sorted, and what is wrong
    with the folder itself. An absent folder has no files and no problem: the caller says so.

    Every entry named *.yaml or *.yml (in any case) is listed, whatever it is, so that reading
    it reports a folder, a pipe or a broken link by name instead of the paper vanishing. Names
    that start with '.' are not project files (editor locks and backups: Emacs keeps a
    dangling .#x.yaml link beside a file being edited). A subfolder of YAML files gets a
    warning: only files directly in the folder are read."""
    try:
        with os.scandir(folder) as entries:
            found = [(entry.name, entry.path) for entry in entries]
    except FileNotFoundError as exc:
        if os.path.islink(folder):
            return [], [Problem(str(folder), 0, _cannot_open(folder, exc))]
        return [], []
    except NotADirectoryError:
        return [], [Problem(str(folder), 0, "not a folder")]
    except OSError as exc:
        return [], [Problem(str(folder), 0, _cannot_open(folder, exc))]
    files: list[Path] = []
    problems: list[Problem] = []
    for name, path in found:
        if _is_yaml_name(name):
            files.append(Path(path))
        elif not name.startswith(".") and _holds_yaml(path):
            problems.append(
                Problem(
                    path,
                    0,
                    f"folder not read: quizgen reads only {folder.name}/*.yaml; move its files "
                    f"up into {folder.name}/, or start its name with '.' to keep it aside",
                    warning=True,
                )
            )
    return sorted(files), problems


def load_yaml(path: Path) -> Any:
    """Parse one YAML file into YamlMap / YamlSeq / scalars; raise InputError on any problem."""
    text = read_text(path)
    if not text.strip():
        raise InputError.single(path, "file is empty")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        builder = _Builder(loader, may_alias="&" in text)
        document = builder.build(node) if node is not None else None
    except _AliasError as exc:
        raise InputError.single(
            path, "YAML anchors and aliases are not supported", exc.line
        ) from None
    except _DuplicateKey as exc:
        raise InputError.single(path, f"duplicate key {exc.key!r}", exc.line) from None
    except _SyntaxError as exc:
        raise InputError.single(path, exc.message, exc.line) from None
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
