"""The nouns of a quizgen project: sources, facts, kinds, templates, and the cards they make.

Plain, frozen data. Loading builds the first four from YAML; expansion turns them into cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, NamedTuple

from quizgen.template import Segment, Template

FieldValue = str | tuple[str, ...]
SOURCE_FIELDS = ("paper", "short", "title", "authors", "year")  # see Source.fields


_GROUPS = ("team", "group", "consortium", "collaboration", "project", "committee")


def cite_as(authors: str, year: int) -> str:
    """How a question names a paper, author-year style: "Hessel et al. (2021)", "Kingma and Ba
    (2014)", "Gemini Team (2023)" (a group is named whole; what follows it is taken to be its
    affiliation)."""
    names = [a.strip() for a in authors.replace(" and ", ", ").split(",") if a.strip()]
    more = any(n.rstrip(".").casefold() in ("et al", "others") for n in names)
    names = [n for n in names if n.rstrip(".").casefold() not in ("et al", "others")]
    if not names:
        return f"the {year} paper"
    if names[0].split()[-1].casefold() in _GROUPS:
        return f"{names[0]} ({year})"
    surnames = [n.split()[-1] for n in names]
    if len(names) == 1 and not more:
        return f"{surnames[0]} ({year})"
    if len(names) == 2 and not more:
        return f"{surnames[0]} and {surnames[1]} ({year})"
    return f"{surnames[0]} et al. ({year})"


@dataclass(frozen=True)
class FieldSpec:
    """One field of a kind: its name, whether it holds a text or a list, and whether a fact
    may leave it out."""

    name: str
    type: Literal["text", "list"]
    optional: bool


@dataclass(frozen=True)
class CardTemplate:
    """One hand-written way of asking about a kind of fact."""

    id: str
    answer: str
    front: Template | None = None
    back: Template | None = None
    cloze: Template | None = None
    hide: tuple[str, ...] = ()
    choices: int = 0
    typed: bool = False
    agree: tuple[str, ...] = ()  # fields a multiple-choice distractor's fact must share
    path: str = ""
    line: int = 0

    @cached_property
    def required_fields(self) -> tuple[str, ...]:
        """Fields a fact must have for this template to apply to it."""
        names: dict[str, None] = {}
        for tpl in (self.front, self.back, self.cloze):
            if tpl is not None:
                names.update(dict.fromkeys(tpl.required_fields))
        names[self.answer] = None
        return tuple(names)

    @cached_property
    def required_set(self) -> frozenset[str]:
        return frozenset(self.required_fields)

    @property
    def style(self) -> Literal["basic", "cloze", "choice"]:
        """The style of the cards it makes (see Card.style)."""
        if self.cloze is not None:
            return "cloze"
        return "choice" if self.choices else "basic"

    @cached_property
    def hide_set(self) -> frozenset[str]:
        return frozenset(self.hide)


@dataclass(frozen=True)
class Kind:
    """A kind of fact: the fields it has and the templates that ask about it."""

    name: str
    fields: dict[str, FieldSpec]
    templates: tuple[CardTemplate, ...]
    description: str = ""
    standalone: bool = False  # its questions are unambiguous without naming the paper
    path: str = ""
    line: int = 0


class Fact(NamedTuple):
    """One claim of a paper. `aliases` maps a value (or a list item) to other ways of writing
    it that a typed answer may use; `distractors` maps an answer field to hand-written wrong
    options for multiple choice; `skip` names templates that must not ask about this fact
    (a ">99%" has no multiple-choice form whose wrong options cannot also be true).

    A named tuple, as cards are (see Card): treat its dicts as read-only."""

    id: str
    kind: str
    values: dict[str, FieldValue]
    evidence: tuple[str, ...]
    tags: tuple[str, ...] = ()
    note: str = ""
    aliases: dict[str, tuple[str, ...]] = {}  # (one empty dict for all: read-only)
    distractors: dict[str, tuple[FieldValue, ...]] = {}
    skip: frozenset[str] = frozenset()  # templates of its kind this fact makes no card from
    path: str = ""
    line: int = 0

    @classmethod
    def built(cls, values: tuple[Any, ...]) -> Fact:
        """The fact holding `values`, one for every field, in field order: `Fact(*values)`,
        made by tuple.__new__ (see Card.built)."""
        return tuple.__new__(cls, values)


@dataclass(frozen=True)
class Source:
    """A paper: its citation, its abstract, and the facts taken from it."""

    id: str
    title: str
    short: str
    authors: str
    year: int
    text: str
    facts: tuple[Fact, ...]
    arxiv: str = ""
    url: str = ""
    doi: str = ""
    path: str = ""
    paper: str = ""  # how a question names the paper: "Hessel et al. (2021)"

    @property
    def fields(self) -> dict[str, str]:
        """What templates can name besides the fact's own fields."""
        return {
            "paper": self.paper or cite_as(self.authors, self.year),
            "short": self.short,
            "title": self.title,
            "authors": self.authors,
            "year": str(self.year),
        }

    @property
    def link(self) -> str:
        if self.url:
            return self.url
        if self.arxiv:
            return f"https://arxiv.org/abs/{self.arxiv}"
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def citation(self) -> str:
        """One line: authors (year). Title. arXiv:id."""
        where = f"arXiv:{self.arxiv}" if self.arxiv else self.link
        return f"{self.authors} ({self.year}). {self.title}. {where}"


@dataclass(frozen=True)
class Project:
    """A loaded project: its deck title and description, its sources and its kinds."""

    root: Path
    title: str
    sources: tuple[Source, ...]
    kinds: dict[str, Kind]
    description: str = ""

    @property
    def sources_by_id(self) -> dict[str, Source]:
        return {s.id: s for s in self.sources}

    @property
    def fact_count(self) -> int:
        return sum(len(s.facts) for s in self.sources)


class Card(NamedTuple):
    """One question, made by applying a template to a fact. Its id never depends on wording.

    `front` and `back` are plain text (not HTML). For cloze cards `cloze` holds the sentence
    as segments with the deletions marked hidden; `front` shows each as "[...]" and `back` is
    the whole sentence. Multiple-choice cards list their options, the answer among them.

    A named tuple, immutable like a frozen dataclass (`_replace` makes a changed copy): a
    project has tens of thousands of cards, rebuilt from the compile cache in every build,
    and a tuple is made from its stored row in one call, a quarter of the memory of an
    object with a dict.
    """

    id: str
    source: str
    fact: str
    template: str
    kind: str
    front: str
    back: str
    answer: str
    answer_items: tuple[str, ...]
    evidence: tuple[str, ...]
    tags: tuple[str, ...] = ()
    note: str = ""
    cloze: tuple[Segment, ...] = ()
    choices: tuple[str, ...] = ()
    typed: bool = False
    aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (value, its other forms)

    @classmethod
    def built(cls, values: tuple[Any, ...]) -> Card:
        """The card holding `values`, one for every field, in field order: `Card(*values)`,
        made by tuple.__new__ without the named tuple's Python-level __new__."""
        return tuple.__new__(cls, values)

    def with_choices(self, choices: tuple[str, ...]) -> Card:
        """This card with the options `choices`: `self._replace(choices=choices)`, quicker."""
        return tuple.__new__(Card, (*self[:_CHOICES], choices, *self[_CHOICES + 1 :]))

    @property
    def question(self) -> str:
        """Everything the student sees before answering, but the options: the front, with
        a cloze's blanks as "[...]"."""
        return self.front

    @property
    def alias_map(self) -> dict[str, tuple[str, ...]]:
        return dict(self.aliases)

    @property
    def style(self) -> Literal["basic", "cloze", "choice"]:
        if self.cloze:
            return "cloze"
        return "choice" if self.choices else "basic"

    @property
    def fact_id(self) -> str:
        return f"{self.source}/{self.fact}"

    @property
    def correct_choice(self) -> int:
        """Index of the right option (multiple choice only)."""
        return self.choices.index(self.answer)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "source": self.source,
            "fact": self.fact,
            "template": self.template,
            "kind": self.kind,
            "style": self.style,
            "front": self.front,
            "back": self.back,
            "answer": self.answer,
            "answer_items": list(self.answer_items),
            "evidence": list(self.evidence),
            "tags": list(self.tags),
            "note": self.note,
            "typed": self.typed,
        }
        if self.aliases:
            data["aliases"] = {value: list(forms) for value, forms in self.aliases}
        if self.cloze:
            data["cloze"] = [{"text": s.text, "hidden": s.hidden} for s in self.cloze]
        if self.choices:
            data["choices"] = list(self.choices)
            data["correct_choice"] = self.correct_choice
        return data


_CHOICES = Card._fields.index("choices")
