"""Problems found in user input, and the exception that carries them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def display_path(path: str | os.PathLike[str]) -> str:
    """The path as a user would type it: relative to the working folder when inside it."""
    p = Path(path)
    try:
        # The folder is resolved, not the entry itself: a broken or looping link is shown as
        # the name the user sees in the folder, not as where it points.
        full = p.parent.resolve() / p.name if p.name else p.resolve()
        return str(full.relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop, Python < 3.13
        return str(p)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, at a file and line (line 0: the whole file).

    A warning is a problem that does not stop a build: a card that teaches poorly, a kind no
    fact uses. `quizgen check --strict` treats warnings as errors."""

    path: str
    line: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = display_path(self.path)
        message = f"warning: {self.message}" if self.warning else self.message
        return f"{where}:{self.line}: {message}" if self.line else f"{where}: {message}"

    def to_dict(self) -> dict[str, object]:
        return {
            "path": display_path(self.path),
            "line": self.line,
            "severity": "warning" if self.warning else "error",
            "message": self.message,
        }


def split_problems(problems: list[Problem]) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings)."""
    return [p for p in problems if not p.warning], [p for p in problems if p.warning]


class InputError(Exception):
    """The input is wrong; carries every problem found, sorted by place."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, path: str | os.PathLike[str], message: str, line: int = 0) -> InputError:
        return cls([Problem(str(path), line, message)])
