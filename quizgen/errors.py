"""Problems found in user input, and the exception that carries them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path


def display_path(path: str | os.PathLike[str]) -> str:
    """The path as a user would type it: relative to the working folder when inside it.

    A link keeps its own name (it is what the user typed and what a message is about); only
    when that is not inside the working folder are links resolved, for a working folder that
    is reached through one (macOS's /tmp)."""
    p = Path(path)
    try:
        return str(Path(os.path.abspath(p)).relative_to(Path.cwd()))
    except (ValueError, OSError):
        pass
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
    fact uses. `quizgen check --strict` treats warnings as errors.

    A problem with `setting=True` is about a value the caller passed rather than a file: its
    `path` is the library's name for that value (`count`, `source`), which a front end words
    its own way (the command line as the option, `--count`; see `InputError.worded`)."""

    path: str
    line: int
    message: str
    warning: bool = False
    setting: bool = False

    @classmethod
    def about(cls, setting: str, message: str) -> Problem:
        """A problem with the value of a setting (not with a file)."""
        return cls(setting, 0, message, setting=True)

    @property
    def where(self) -> str:
        return self.path if self.setting else display_path(self.path)

    def __str__(self) -> str:
        where = self.where
        message = f"warning: {self.message}" if self.warning else self.message
        return f"{where}:{self.line}: {message}" if self.line else f"{where}: {message}"

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.where,
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

    @classmethod
    def about(cls, setting: str, message: str) -> InputError:
        """The value of one setting is wrong (see `Problem.about`)."""
        return cls([Problem.about(setting, message)])

    def worded(self, names: Mapping[str, str]) -> InputError:
        """The same problems, each setting named as `names` says (unknown ones as they are)."""
        return InputError(
            [replace(p, path=names.get(p.path, p.path)) if p.setting else p for p in self.problems]
        )
