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
    with _beside(path) as (out, partial):
        yield out
    try:
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_beside(path: Path, chunks: Iterable[bytes]) -> Path:
    """A new file in `path`'s folder holding `chunks`, flushed to disk: what `atomic_output`
    renames over `path`, for a caller that renames it later (`os.replace`) or removes it."""
    with _beside(path) as (out, partial):
        out.writelines(chunks)
    return partial


@contextmanager
def _beside(path: Path) -> Iterator[tuple[BinaryIO, Path]]:
    """A new temporary file in `path`'s folder, flushed to disk and readable by all once the
    block is done; removed if the block fails."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    partial = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out, partial
            out.flush()
            os.fsync(out.fileno())
        os.chmod(partial, 0o644)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never half."""
    check_output_path(path)
    with atomic_output(path) as out:
        out.write(data)
