"""Where quizgen may write an output file: never over the project it reads, never over a file it
did not make.

Both writers (handouts and Anki packages) ask `check_output` about every file they would write,
before they write any. A file is refused when it is

- a file of the project being read (deck.yaml, a source, a template, quizgen.lock), however it
  is spelt: the comparison is by file identity (device and inode), so a symlink, a hard link or
  `./sources/../sources/x.yaml` is caught too; or a new file in the project's sources/ or
  templates/ folder, which the next load would read as input;
- an existing file that is not an earlier output of the same kind: a handout replaces only a
  handout quizgen wrote (recognised by the mark each format carries: `HTML_MARK`,
  `MARKDOWN_MARK`, the PDF's Creator `PDF_CREATOR`), a package only a package quizgen built
  (its zip entries and their fixed times). An empty file holds nothing to lose and may be
  replaced;
- read-only, or in a folder that is not writable, or a folder itself (see
  `fsutil.check_output_path`).

Each refusal is one problem, `path: message`, that says what to do instead.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path
from typing import BinaryIO, Literal

from quizgen.errors import InputError, display_path
from quizgen.fsutil import check_output_path

Kind = Literal["handout", "package"]

# The marks the writers put in their files (and nothing else in quizgen relies on).
HTML_MARK = b'<meta name="generator" content="quizgen">'
MARKDOWN_MARK = "<!-- Made by quizgen handout. -->"
PDF_CREATOR = "quizgen"
# An .apkg as quizgen.anki.package writes it: these entries, in this order, at this time.
PACKAGE_ENTRIES = ("collection.anki2", "media")
PACKAGE_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

_INPUT_FOLDERS = {"sources": "a source", "templates": "a template"}
_HEAD = 4096
_TAIL = 65536  # a PDF's trailer, and an fpdf2 handout's document information, sit near its end
_PDF_END = re.compile(rb"/Info (\d+) 0 R.*startxref\s+(\d+)\s+%%EOF\s*$", re.S)
_NOUNS = {"handout": "a handout quizgen wrote", "package": "an Anki package quizgen built"}
_INSTEAD = "choose another output file"


def project_inputs(root: Path) -> dict[tuple[int, int], tuple[Path, str]]:
    """Every file of the project at `root` that quizgen reads or keeps, by identity (device,
    inode), with what it is: the deck file, each file in sources/ and templates/, the lock."""
    from quizgen.anki.lock import LOCK_NAME

    named = [(root / "deck.yaml", "the deck file"), (root / LOCK_NAME, "the lock file")]
    for folder, what in _INPUT_FOLDERS.items():
        try:
            named += [(p, what) for p in sorted((root / folder).iterdir())]
        except OSError:
            continue
    inputs: dict[tuple[int, int], tuple[Path, str]] = {}
    for path, what in named:
        key = _identity(path)
        if key is not None:
            inputs.setdefault(key, (path, what))
    return inputs


def check_output(path: Path, kind: Kind, project: Path | None) -> None:
    """Raise InputError (one problem) unless `path` may be written as a `kind` output while
    reading the project at `project` (None: no project is read)."""
    if project is not None:
        _check_not_input(path, project)
    check_output_path(path)
    if not (path.exists() or path.is_symlink()):
        return
    if path.is_symlink() and not path.exists():
        return  # a dangling link: replacing it loses nothing
    if path.stat().st_size and not is_ours(path, kind):
        raise InputError.single(
            path,
            f"exists and is not {_NOUNS[kind]}; quizgen replaces only its own outputs: "
            f"move it away or {_INSTEAD}",
        )
    if not os.access(path, os.W_OK):
        raise InputError.single(
            path, f"is read-only; quizgen will not replace it: make it writable or {_INSTEAD}"
        )


def _check_not_input(path: Path, project: Path) -> None:
    key = _identity(path)
    found = project_inputs(project).get(key) if key is not None else None
    if found is not None:
        original, what = found
        if path.absolute() == original.absolute():
            where = f"is {what} of the project"
        else:  # another spelling, a link: say which file it really is
            where = f"is the same file as {display_path(original)}, {what} of the project"
        raise InputError.single(
            path, f"{where}; quizgen never writes over what it reads: {_INSTEAD}"
        )
    root = project.resolve()
    parent = path.parent.resolve()
    for folder in _INPUT_FOLDERS:
        base = root / folder
        if parent == base or base in parent.parents:
            raise InputError.single(
                path,
                f"is in the project's {folder}/ folder, which quizgen reads as input; "
                "choose a file outside it",
            )


def is_ours(path: Path, kind: Kind) -> bool:
    """Whether the file at `path` is an earlier output of this kind: a handout in any format,
    or a package, as quizgen writes them."""
    try:
        if kind == "package":
            return _is_package(path)
        with open(path, "rb") as f:
            head = f.read(_HEAD)
            size = os.fstat(f.fileno()).st_size
            f.seek(max(0, size - _TAIL))
            tail = f.read()
            info = _pdf_info(f, tail) if head.startswith(b"%PDF-") else b""
    except OSError:
        return False
    if head.startswith(b"<!DOCTYPE html>"):
        return HTML_MARK in head
    if head.startswith(b"%PDF-"):
        mark = f"/Creator ({PDF_CREATOR})".encode()
        return mark in info or mark in tail
    return tail.rstrip().endswith(MARKDOWN_MARK.encode())


def _pdf_info(f: BinaryIO, tail: bytes) -> bytes:
    """The document information object of the PDF open as `f`, found as a reader finds it:
    the trailer names it, the cross-reference table gives its offset. (reportlab, which
    writes the handouts, puts it before the pages' contents: far from the end of a long one.)
    b"" when the file is not laid out that way."""
    found = _PDF_END.search(tail)
    if found is None:
        return b""
    number, xref = int(found[1]), int(found[2])
    f.seek(xref)
    table = re.match(rb"xref\s+0 \d+\r?\n", f.read(64))  # its first section starts at 0
    if table is None:
        return b""
    f.seek(xref + table.end() + 20 * number)  # entries are 20 bytes: "offset gen n\r\n"
    entry = f.read(20)
    if not entry[:10].isdigit():
        return b""
    f.seek(int(entry[:10]))
    obj = f.read(_HEAD)
    if not obj.startswith(f"{number} 0 obj".encode()):
        return b""
    return obj.partition(b"endobj")[0]


def _is_package(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (OSError, zipfile.BadZipFile):
        return False
    return tuple(i.filename for i in infos) == PACKAGE_ENTRIES and all(
        i.date_time == PACKAGE_ZIP_TIME for i in infos
    )


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()  # through links: the file that would be overwritten
    except OSError:
        return None
    return st.st_dev, st.st_ino
