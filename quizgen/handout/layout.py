"""The format-neutral document a handout prints: its header, sections, questions and key.

Pure: cards and options in, documents out; no I/O. Which questions and in what order comes
from `selection`; the order of each question's options is shuffled per version here, from a
`random.Random` seeded with the handout seed and the version, so the same seed and options
always give the same handouts.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from quizgen.errors import InputError
from quizgen.handout.options import LETTERS, Options
from quizgen.handout.selection import choose, order
from quizgen.model import Card, Project
from quizgen.template import Segment
from quizgen.text import squash

__all__ = [
    "KEY_SUFFIX",
    "Document",
    "Options",
    "Paper",
    "Question",
    "Section",
    "file_suffixes",
    "parts",
    "lay_out",
]

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Paper:
    """A paper the handout covers. The header lists it by `name` ("Hessel et al. (2021a),
    arXiv:2104.06159"): a title often names an answer ("Muesli: ...", "Podracer
    architectures ..."), so the full `citation` is printed only in the key, after the answers."""

    id: str
    short: str
    citation: str
    link: str
    name: str = ""


@dataclass(frozen=True)
class Question:
    """One numbered question as printed. `options` are in this variant's order."""

    number: int
    card_id: str
    paper: Paper
    style: Literal["basic", "cloze", "choice"]
    prompt: str
    answer: str
    evidence: tuple[str, ...]
    cloze: tuple[Segment, ...] = ()
    options: tuple[str, ...] = ()
    note: str = ""

    @property
    def answer_letter(self) -> str:
        """The right option's letter (multiple choice), else ''."""
        return LETTERS[self.options.index(self.answer)] if self.options else ""

    @property
    def lettered_options(self) -> list[tuple[str, str]]:
        return list(zip(LETTERS, self.options, strict=False))

    @property
    def key_answer(self) -> str:
        """The answer as the key prints it: 'B) Muesli' for multiple choice."""
        return f"{self.answer_letter}) {self.answer}" if self.options else self.answer


@dataclass(frozen=True)
class Section:
    """Questions printed together: one paper's, or all of them when shuffled (paper=None)."""

    paper: Paper | None
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Document:
    """One handout file's content. Writers print it; they decide nothing about content.

    `show_questions`/`show_key` select the parts: both for `--answers end`, questions only for
    `none` and for the first file of `separate`, the key only for its second file."""

    title: str
    date: date
    paper_size: Literal["a4", "letter"]
    papers: tuple[Paper, ...]
    sections: tuple[Section, ...]
    variant: str = ""
    show_questions: bool = True
    show_key: bool = True

    @property
    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    @property
    def label(self) -> str:
        """'Version A' for a variant, '' for a single handout; printed on every page."""
        return f"Version {self.variant}" if self.variant else ""

    @property
    def date_text(self) -> str:
        """The date as people write it, independent of the machine's locale."""
        return f"{self.date.day} {_MONTHS[self.date.month - 1]} {self.date.year}"

    @property
    def subtitle(self) -> str:
        """The line under the title: date, version, number of questions."""
        n = len(self.questions)
        parts = [self.date_text, self.label, f"{n} question{'s' if n != 1 else ''}"]
        if not self.show_questions:
            parts.append("answer key")
        return " · ".join(p for p in parts if p)

    @property
    def key_heading(self) -> str:
        return f"Answer key — {self.label}" if self.label else "Answer key"


def lay_out(project: Project, cards: Sequence[Card], options: Options) -> list[Document]:
    """The handouts to print: one document per variant (questions and key both shown; see
    `parts` for splitting off the key). Raises InputError for bad options or counts."""
    problems = options.problems()
    if problems:
        raise InputError(problems)
    chosen = choose(cards, options.count, options.seed)
    asked = {c.source for c in chosen}
    papers = {
        s.id: Paper(
            s.id,
            squash(s.short),
            squash(s.citation),
            s.link.strip(),
            squash(s.fields["paper"]) + (f", arXiv:{s.arxiv}" if s.arxiv else ""),
        )
        for s in project.sources
        if s.id in asked
    }
    title = squash(options.title) or squash(project.title)
    docs: list[Document] = []
    seen_orders: list[tuple[str, ...]] = []
    for index in range(options.variants):
        variant = LETTERS[index] if options.variants > 1 else ""
        groups = order(
            chosen, shuffle=options.shuffle, seed=options.seed, variant=variant, earlier=seen_orders
        )
        seen_orders.append(tuple(c.id for g in groups for c in g))
        rng = random.Random(f"quizgen-handout/{options.seed}/{variant}/options")
        number = 0
        sections = []
        for group in groups:
            questions = []
            for card in group:
                number += 1
                questions.append(_question(number, card, papers[card.source], variant, rng))
            paper = None if options.shuffle else papers[group[0].source]
            sections.append(Section(paper, tuple(questions)))
        docs.append(
            Document(
                title=title,
                date=options.date,
                paper_size=options.paper,
                papers=tuple(papers.values()),
                sections=tuple(sections),
                variant=variant,
            )
        )
    return docs


def _question(number: int, card: Card, paper: Paper, variant: str, rng: random.Random) -> Question:
    options = card.choices
    if options and variant:
        options = tuple(rng.sample(options, len(options)))
    if card.style == "cloze":
        answer = " / ".join(squash(s.text) for s in card.cloze if s.hidden)
    elif card.style == "choice":
        answer = card.answer
    else:
        answer = card.back
    return Question(
        number=number,
        card_id=card.id,
        paper=paper,
        style=card.style,
        prompt=squash(card.front),
        answer=answer,
        evidence=tuple(squash(e) for e in card.evidence),
        # One line per sentence in every format: runs of whitespace (a newline from a YAML
        # block, say) become one space, keeping the spaces around each blank.
        cloze=tuple(Segment(_WS.sub(" ", s.text), s.hidden) for s in card.cloze),
        options=options,
        note=squash(card.note),
    )


KEY_SUFFIX = "-key"


def file_suffixes(answers: str) -> tuple[str, ...]:
    """What each file of one variant adds to its name: the key in a second file '-key' for
    `separate`, else one file."""
    return ("", KEY_SUFFIX) if answers == "separate" else ("",)


def parts(doc: Document, answers: str) -> list[tuple[str, Document]]:
    """The files one variant becomes, as (suffix, document): the key at the end, in a second
    file (see `file_suffixes`), or left out."""
    if answers == "end":
        return [("", doc)]
    return [
        (suffix, replace(doc, show_questions=False) if suffix else replace(doc, show_key=False))
        for suffix in file_suffixes(answers)
    ]
