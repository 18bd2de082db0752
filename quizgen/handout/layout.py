"""Which questions a handout asks, in what order, and the format-neutral document it prints.

Pure: cards and options in, documents out; no I/O. Every choice (which questions, their order,
the order of the options) comes from a `random.Random` seeded with the handout seed and a label
for the purpose, so the same seed and options always give the same handouts. (Seeding with a
string is stable across runs and machines; it does not depend on PYTHONHASHSEED.)
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from quizgen.errors import InputError, Problem
from quizgen.model import Card, Project
from quizgen.template import Segment
from quizgen.text import squash

FORMATS = ("md", "html", "pdf")
ANSWERS = ("end", "separate", "none")
PAPER_SIZES = ("a4", "letter")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_VARIANTS = len(LETTERS)
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
# How many times to reshuffle a variant whose order repeats an earlier variant's.
_RESHUFFLES = 50
_WS = re.compile(r"\s+")


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
        """Every problem with the options themselves, before any card is looked at."""
        found = []
        if self.count is not None and self.count < 1:
            found.append(Problem("--count", 0, f"must be at least 1 (got {self.count})"))
        if not 1 <= self.variants <= MAX_VARIANTS:
            found.append(
                Problem("--variants", 0, f"must be 1 to {MAX_VARIANTS} (got {self.variants})")
            )
        if self.answers not in ANSWERS:
            found.append(Problem("--answers", 0, f"must be one of {', '.join(ANSWERS)}"))
        if self.paper not in PAPER_SIZES:
            found.append(Problem("--paper", 0, f"must be one of {', '.join(PAPER_SIZES)}"))
        return found


@dataclass(frozen=True)
class Paper:
    """A paper the handout covers, as the header and the key cite it."""

    id: str
    short: str
    citation: str
    link: str


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


def choose(cards: Sequence[Card], count: int | None, seed: int) -> list[Card]:
    """The questions to ask, in the cards' own order.

    Without `count`, one question per fact (the seed picks which of the fact's cards). With it,
    `count` questions shared as evenly as possible among the papers; within a paper, distinct
    facts come first, and a fact is asked a second way only when its paper has too few facts.
    """
    papers: dict[str, dict[str, list[Card]]] = {}
    for card in cards:
        papers.setdefault(card.source, {}).setdefault(card.fact, []).append(card)
    rng = random.Random(f"quizgen-handout/{seed}/choose")
    queues: dict[str, list[Card]] = {}
    for source, facts in papers.items():
        rounds: list[list[Card]] = []
        fact_lists = list(facts.values())
        rng.shuffle(fact_lists)
        for fact_cards in fact_lists:
            fact_cards = fact_cards[:]
            rng.shuffle(fact_cards)
            for i, card in enumerate(fact_cards):
                if i == len(rounds):
                    rounds.append([])
                rounds[i].append(card)
        queues[source] = [card for r in rounds for card in r]
    if count is None:
        quotas = {source: len(facts) for source, facts in papers.items()}
    else:
        if count > len(cards):
            raise InputError.single(
                "--count",
                f"asks for {count} questions but only {len(cards)} match the filters",
            )
        quotas = _balance({s: len(q) for s, q in queues.items()}, count, rng)
    chosen = {c.id for source, queue in queues.items() for c in queue[: quotas[source]]}
    return [c for c in cards if c.id in chosen]


def _balance(capacity: dict[str, int], count: int, rng: random.Random) -> dict[str, int]:
    """Share `count` among papers as evenly as their sizes allow; the seed decides who gets
    the leftover questions when they do not divide evenly."""
    quotas = dict.fromkeys(capacity, 0)
    while (left := count - sum(quotas.values())) > 0:
        open_ = [s for s in capacity if quotas[s] < capacity[s]]
        share, extra = divmod(left, len(open_))
        if share == 0:
            for s in rng.sample(open_, extra):
                quotas[s] += 1
            break
        for s in open_:
            quotas[s] = min(capacity[s], quotas[s] + share)
    return quotas


def plan(project: Project, cards: Sequence[Card], options: Options) -> list[Document]:
    """The handouts to print: one document per variant (questions and key both shown; see
    `parts` for splitting off the key). Raises InputError for bad options or counts."""
    problems = options.problems()
    if problems:
        raise InputError(problems)
    chosen = choose(cards, options.count, options.seed)
    asked = {c.source for c in chosen}
    papers = {
        s.id: Paper(s.id, squash(s.short), squash(s.citation), s.link.strip())
        for s in project.sources
        if s.id in asked
    }
    title = squash(options.title) or squash(project.title)
    docs: list[Document] = []
    seen_orders: list[tuple[str, ...]] = []
    for index in range(options.variants):
        variant = LETTERS[index] if options.variants > 1 else ""
        groups = _order(chosen, options, variant, seen_orders)
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


def _order(
    chosen: list[Card], options: Options, variant: str, earlier: list[tuple[str, ...]]
) -> list[list[Card]]:
    """The variant's question order, as groups: one per paper, or a single group when shuffled.

    A single handout keeps the sources' order unless --shuffle; variants are always shuffled
    (within each paper unless --shuffle) and reshuffled while they repeat an earlier variant."""
    if options.shuffle:
        groups = [list(chosen)]
    else:
        by_paper: dict[str, list[Card]] = {}
        for card in chosen:
            by_paper.setdefault(card.source, []).append(card)
        groups = list(by_paper.values())
    if not (options.shuffle or variant):
        return groups
    rng = random.Random(f"quizgen-handout/{options.seed}/{variant}/order")
    for _ in range(_RESHUFFLES):
        shuffled = [rng.sample(g, len(g)) for g in groups]
        if tuple(c.id for g in shuffled for c in g) not in earlier:
            break
    return shuffled


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


def parts(doc: Document, answers: str) -> list[tuple[str, Document]]:
    """The files one variant becomes, as (suffix, document): the key at the end, in a second
    file with the suffix '-key', or left out."""
    if answers == "end":
        return [("", doc)]
    if answers == "none":
        return [("", replace(doc, show_key=False))]
    return [
        ("", replace(doc, show_key=False)),
        ("-key", replace(doc, show_questions=False)),
    ]
