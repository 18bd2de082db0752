"""Writing output files atomically: a temporary file in the target folder, then a rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from quizgen.errors import InputError


def check_output_path(path: Path) -> None:
    """Refuse, before any work is done, an output path that cannot be written."""
    if path.is_dir():
        raise InputError.single(path, "is a folder; give a file name for the output")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError.single(parent, "output folder does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError.single(parent, "output folder is not writable")


@contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A file to write `path` through: a temporary file in the same folder, renamed over
    `path` only when the block succeeds, removed when it fails. Readers see the old file or
    the new one, never half of one."""
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(partial, 0o644)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def write_beside(path: Path, chunks: Iterable[bytes]) -> Path:
    """A new file in `path`'s folder holding `chunks`, flushed to disk: what `atomic_output`
    renames over `path`, for a caller that renames it later (`os.replace`) or removes it."""
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.writelines(chunks)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(partial, 0o644)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return Path(partial)


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never half."""
    check_output_path(path)
    with atomic_output(path) as out:
        out.write(data)
