"""Writing output files atomically: a temporary file in the target folder, then a rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

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


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never half."""
    check_output_path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
