"""A cache of compiled projects, for the commands a student runs every day.

Loading and expanding a 30,000-card project takes seconds; the quiz should start at once.
A compiled project is stored (pickled) in the user cache folder under a key made from the
bytes of every source and template file and the quizgen version, so any edit — or a new
quizgen — misses the cache and compiles afresh. `quizgen check` never uses it. The cache
folder is the user's own, like the review history; a damaged or foreign entry is ignored and
rewritten, never trusted blindly: it must unpickle to the expected key and types.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from quizgen import __version__
from quizgen.errors import InputError
from quizgen.model import Card, Project
from quizgen.yamlio import read_bytes, yaml_files

FORMAT = 1


def cache_dir() -> Path:
    """QUIZGEN_CACHE_DIR, else the platform's user cache folder."""
    override = os.environ.get("QUIZGEN_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("quizgen"))


def _project_files(root: Path) -> list[Path]:
    """What the loader reads, listed as the loader lists it (yamlio.yaml_files)."""
    files = [root / "deck.yaml"] if os.path.lexists(root / "deck.yaml") else []
    for folder in ("sources", "templates"):
        files += yaml_files(root / folder)[0]
    return files


# The modules whose code decides what a compilation holds. Their bytes are part of the key, so
# an upgrade that keeps the version number (an editable or git install) never unpickles cards
# of an older shape.
_COMPILER = (
    "errors", "expand", "loader", "model", "project", "schema", "template", "text", "yamlio",
)  # fmt: skip


def fingerprint(root: Path) -> str:
    """A key that changes whenever any input file or quizgen's compiler changes."""
    digest = hashlib.sha256(f"quizgen {__version__} cache {FORMAT}\n".encode())
    package = Path(__file__).parent
    for name in _COMPILER:
        digest.update((package / f"{name}.py").read_bytes())
    for path in _project_files(root):
        try:
            data = read_bytes(path)  # never blocks on a named pipe, never raises OSError
        except InputError:
            data = b"\0unreadable"  # compiling reports it; a project with problems is not cached
        digest.update(f"{path.relative_to(root).as_posix()} {len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


def _entry(root: Path) -> Path:
    name = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:24]
    return cache_dir() / f"{name}.pickle"


def load(root: Path, key: str) -> tuple[Project, list[Card]] | None:
    """The cached compilation of `root` under `key`, or None."""
    try:
        with _entry(root).open("rb") as f:
            stored = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return None
    if (
        isinstance(stored, tuple)
        and len(stored) == 3
        and stored[0] == key
        and isinstance(stored[1], Project)
        and isinstance(stored[2], list)
    ):
        return stored[1], stored[2]
    return None


def save(root: Path, key: str, project: Project, cards: list[Card]) -> None:
    """Store a compilation; a cache that cannot be written is simply not written."""
    from quizgen.fsutil import atomic_write

    try:
        entry = _entry(root)
        entry.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(entry, pickle.dumps((key, project, cards), protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # a cache is an optimisation, never a failure
        pass
