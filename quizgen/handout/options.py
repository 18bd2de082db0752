"""What an organiser can ask of a handout: its format, where the key goes, the paper size, how
many questions and versions. The one list of each; the command line offers these values.

Light on purpose (it imports only quizgen.errors): the command line imports it to build its
options.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from quizgen.errors import Problem


@dataclass(frozen=True)
class Format:
    """One output format: its name, the extension of its files, the extensions that choose it
    when no format is named, and the module that renders it (imported only when used)."""

    name: str
    extension: str
    suffixes: tuple[str, ...]
    writer: str


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("md", ".md", (".md", ".markdown"), "quizgen.handout.markdown"),
        Format("html", ".html", (".html", ".htm"), "quizgen.handout.html"),
        Format("pdf", ".pdf", (".pdf",), "quizgen.handout.pdf"),
    )
}
DEFAULT_FORMAT = "pdf"
ANSWERS = ("end", "separate", "none")
PAPER_SIZES = ("a4", "letter")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_VARIANTS = len(LETTERS)


@dataclass(frozen=True)
class Options:
    """What the organiser asked for. `count=None` asks one question per fact."""

    date: date
    count: int | None = None
    shuffle: bool = False
    answers: Literal["end", "separate", "none"] = "end"
    variants: int = 1
    seed: int = 0
    title: str = ""
    paper: Literal["a4", "letter"] = "a4"

    def problems(self) -> list[Problem]:
        """Every problem with the options themselves, before any card is looked at. Each is
        about a setting named as the field is (`count`, `variants`, `answers`, `paper`)."""
        found = []
        if self.count is not None and self.count < 1:
            found.append(Problem.about("count", f"must be at least 1 (got {self.count})"))
        if not 1 <= self.variants <= MAX_VARIANTS:
            found.append(
                Problem.about("variants", f"must be 1 to {MAX_VARIANTS} (got {self.variants})")
            )
        if self.answers not in ANSWERS:
            found.append(Problem.about("answers", f"must be one of {', '.join(ANSWERS)}"))
        if self.paper not in PAPER_SIZES:
            found.append(Problem.about("paper", f"must be one of {', '.join(PAPER_SIZES)}"))
        return found
