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
from yaml.composer import ComposerError

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

_SCALAR_EVENT = yaml.ScalarEvent
_MAP_START = yaml.MappingStartEvent
_MAP_END = yaml.MappingEndEvent
_SEQ_END = yaml.SequenceEndEvent
_ALIAS = yaml.AliasEvent
_STREAM_END = yaml.StreamEndEvent
_C_PARSER = _BaseLoader is getattr(yaml, "CSafeLoader", None)
# The safe loader's implicit resolvers by the first character of a plain scalar, in the order
# its resolve() tries them: a plain scalar whose first character has none is a string.
_BY_FIRST: dict[str, tuple[tuple[str, Any], ...]] = {
    first: tuple(resolvers)
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    if first is not None
}
assert None not in _BaseLoader.yaml_implicit_resolvers
_NO_KEY = object()  # a mapping that waits for its next key


def _scalar_tag(event: Any) -> str:
    """The tag the safe loader's composer gives a scalar: as written, else resolved."""
    tag = event.tag
    if tag is not None and tag != "!":
        return tag  # type: ignore[no-any-return]
    value = event.value
    if event.implicit[0]:
        for resolved, regexp in _BY_FIRST.get(value[:1], ()):
            if regexp.match(value):
                return resolved  # type: ignore[no-any-return]
    return _STR


def _unsupported(tag: str, line: int) -> _SyntaxError:
    return _SyntaxError(f"unsupported YAML tag {tag.replace('tag:yaml.org,2002:', '!!')}", line)


def _read_document(loader: Any, *, may_alias: bool) -> Any:
    """The one document of the loader's text as YamlMap / YamlSeq / scalars, read from the
    parser's event stream.

    Composing a node graph first (what PyYAML's loaders do) builds a Python object per node
    and calls Python methods per node to resolve its tag; this builds each map, list and string
    as its event comes, and resolves only plain scalars that could be something else. It
    answers as composing and walking the graph would, in the same order: an error of the
    composer (an undefined alias, a duplicate anchor, a second document) or of the parser
    wherever it stands, else the first problem of the document (a duplicate key, an alias, a
    key that is not a plain value, a tag quizgen does not read), found in document order.

    Source files hold maps, lists and scalars; every non-string scalar (ints, floats, dates, ...)
    goes to the safe constructor. `may_alias`: the text has an '&', so it may hold anchors."""
    get = loader.get_event
    get()  # the stream's start
    event = get()
    if event.__class__ is _STREAM_END:
        return None
    root: Any = None
    anchors: dict[str, Any] = {}  # anchor -> the start mark of its node
    problem: Exception | None = None  # the document's first problem, raised at its end
    stack: list[tuple[Any, Any, int]] = []  # the (collection, key, key's line) of each parent
    current: Any = None  # the collection being read: None at the top
    key: Any = _NO_KEY
    key_line = 0
    while True:
        event = get()
        kind = event.__class__
        if kind is _SCALAR_EVENT:
            if may_alias and event.anchor is not None:
                _anchor(anchors, event)
            line = event.start_mark.line + 1
            value = event.value
            tag = event.tag
            if tag is None and (not event.implicit[0] or value[:1] not in _BY_FIRST):
                pass  # a string, as most scalars are: nothing to resolve
            elif problem is not None:
                value = None
            else:
                tag = _scalar_tag(event)
                if tag == _STR:
                    pass
                elif tag == _MERGE and key is _NO_KEY and current.__class__ is YamlMap:
                    problem, value = _AliasError(line), None
                elif tag in (_MAP, _SEQ):
                    problem, value = _unsupported(tag, line), None
                else:
                    node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark)
                    try:
                        value = loader.construct_object(node)
                    except yaml.YAMLError as exc:
                        problem, value = exc, None
                    except (ValueError, TypeError) as exc:
                        # what the YAML resolver took for a date, say, is not one: 2021-02-30
                        what = tag.rsplit(":", 1)[-1]
                        what = "a date" if what == "timestamp" else f"a YAML {what}"
                        problem = _SyntaxError(
                            f"'{value}' reads as {what} but is not a valid one ({exc}); quote "
                            "it to keep it as text",
                            line,
                        )
                        value = None
        elif kind is _MAP_END or kind is _SEQ_END:
            value = current
            line = value.line
            current, key, key_line = stack.pop()
        elif kind is _ALIAS:
            anchor = event.anchor
            if anchor not in anchors:
                raise ComposerError(
                    None,
                    None,
                    "found undefined alias" if _C_PARSER else f"found undefined alias {anchor!r}",
                    event.start_mark,
                )
            if problem is None:
                problem = _AliasError(anchors[anchor].line + 1)
            value, line = None, 0
        else:  # a mapping or a sequence starts
            if may_alias and event.anchor is not None:
                _anchor(anchors, event)
            line = event.start_mark.line + 1
            collection: YamlMap | YamlSeq
            if kind is _MAP_START:
                tag, plain, collection = event.tag, _MAP, YamlMap()
                collection.key_lines = {}
            else:
                tag, plain, collection = event.tag, _SEQ, YamlSeq()
                collection.item_lines = []
            collection.line = line
            if problem is None and tag is not None and tag != "!" and tag != plain:
                merge = tag == _MERGE and key is _NO_KEY and current.__class__ is YamlMap
                problem = _AliasError(line) if merge else _unsupported(tag, line)
            stack.append((current, key, key_line))
            current, key = collection, _NO_KEY
            continue
        # `value`, whose node starts at `line`, is complete: put it where it belongs
        if current is None:
            root = value
            break
        if problem is not None:
            if current.__class__ is YamlMap:
                key = _NO_KEY if key is not _NO_KEY else None  # only the alternation matters
            continue
        if current.__class__ is YamlSeq:
            current.append(value)
            current.item_lines.append(line)
        elif key is _NO_KEY:
            if value.__class__ is YamlMap or value.__class__ is YamlSeq:
                problem = _SyntaxError("a key must be a plain value", line)
                key = None
            elif value in current:
                problem = _DuplicateKey(value, line)
                key = None
            else:
                key, key_line = value, line
        else:
            current[key] = value
            current.key_lines[key] = key_line
            key = _NO_KEY
    get()  # the document's end
    event = get()
    if event.__class__ is not _STREAM_END:
        raise ComposerError(
            "expected a single document in the stream",
            None,
            "but found another document",
            event.start_mark,
        )
    if problem is not None:
        raise problem
    return root


def _anchor(anchors: dict[str, Any], event: Any) -> None:
    """Note where an anchor stands; a second of the same name is the composer's error."""
    anchor = event.anchor
    if anchor in anchors:
        raise ComposerError(
            "found duplicate anchor; first occurrence"
            if _C_PARSER
            else f"found duplicate anchor {anchor!r}; first occurrence",
            anchors[anchor],
            "second occurrence",
            event.start_mark,
        )
    anchors[anchor] = event.start_mark


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
    loader = _BaseLoader(text)
    try:
        document = _read_document(loader, may_alias="&" in text)
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
