"""The placeholder language of question templates.

    {field}        the fact's value for a field
    [ ... ]        an optional part, shown only when every field named inside it is present
    {{ }} [[ ]]    literal braces and brackets

A placeholder is a bare field name. Anything else between braces ({x.__class__}, {x[0]},
{x!r}) is a syntax error: templates are data, never evaluated, so they cannot reach attributes,
indexes or code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TOKEN = re.compile(r"\{\{|\}\}|\[\[|\]\]|\{[^{}]*\}|[{}\[\]]|[^{}\[\]]+")


class TemplateSyntaxError(ValueError):
    """A template that cannot be parsed; the message says what to write instead."""


@dataclass(frozen=True)
class Field:
    name: str


@dataclass(frozen=True)
class Group:
    parts: tuple[str | Field, ...]

    @cached_property
    def fields(self) -> frozenset[str]:
        return frozenset(p.name for p in self.parts if isinstance(p, Field))


Part = str | Field | Group


class Segment(NamedTuple):
    """A run of rendered text; `hidden` marks a cloze deletion. (A named tuple: a project of
    30,000 cards has as many segments, each made again from the compile cache.)"""

    text: str
    hidden: bool = False


@dataclass(frozen=True)
class Template:
    """A parsed template string."""

    source: str
    parts: tuple[Part, ...]

    @cached_property
    def fields(self) -> tuple[str, ...]:
        """Every field named, in order of first appearance."""
        seen: dict[str, None] = {}
        for part in self.parts:
            if isinstance(part, Field):
                seen[part.name] = None
            elif isinstance(part, Group):
                seen.update(dict.fromkeys(p.name for p in part.parts if isinstance(p, Field)))
        return tuple(seen)

    @cached_property
    def required_fields(self) -> tuple[str, ...]:
        """Fields named outside optional parts: a fact must have them all."""
        return tuple(dict.fromkeys(p.name for p in self.parts if isinstance(p, Field)))

    def split(self, values: Mapping[str, str], hidden: frozenset[str]) -> list[str]:
        """Render as alternating runs, visible first: [text, hidden, text, hidden, ...].

        Like `render`, compiled once per combination of optional parts and hidden fields. The
        separator is NUL, which the loader refuses in field values."""
        present = values.keys()
        key = (tuple(present >= names for names in self._group_fields), hidden)
        fmt = self._split_formats.get(key)
        if fmt is None:
            fmt = self._compile(key[0], hidden)
            self._split_formats[key] = fmt
        return fmt.format_map(values).split("\0")

    def _compile(self, mask: tuple[bool, ...], hidden: frozenset[str] = frozenset()) -> str:
        present = iter(mask)
        pieces: list[str | Field] = []
        for part in self.parts:
            if isinstance(part, Group):
                if next(present):
                    pieces.extend(part.parts)
            else:
                pieces.append(part)
        out = []
        for p in pieces:
            if isinstance(p, Field):
                out.append("\0{" + p.name + "}\0" if p.name in hidden else "{" + p.name + "}")
            else:
                out.append(p.replace("{", "{{").replace("}", "}}"))
        return "".join(out)

    def render(self, values: Mapping[str, str]) -> str:
        """Render to plain text. Each combination of optional parts present compiles once to a
        str.format string of bare field names (validated by `parse`), so rendering many facts
        runs at C speed."""
        present = values.keys()
        mask = tuple(present >= names for names in self._group_fields)
        fmt = self._formats.get(mask)
        if fmt is None:
            fmt = self._formats[mask] = self._compile(mask)
        return fmt.format_map(values).strip()

    @cached_property
    def _formats(self) -> dict[tuple[bool, ...], str]:
        return {}

    @cached_property
    def _split_formats(self) -> dict[tuple[tuple[bool, ...], frozenset[str]], str]:
        return {}

    @cached_property
    def _group_fields(self) -> tuple[frozenset[str], ...]:
        return tuple(frozenset(p.fields) for p in self.parts if isinstance(p, Group))


def parse(source: str) -> Template:
    """Parse a template string, raising TemplateSyntaxError with a helpful message."""
    parts: list[Part] = []
    group: list[str | Field] | None = None
    for match in _TOKEN.finditer(source):
        token = match.group()
        piece: str | Field
        if token in ("{{", "}}", "[[", "]]"):
            piece = token[0]
        elif token == "[":
            if group is not None:
                raise TemplateSyntaxError("optional parts [...] cannot nest; write [[ for a '['")
            group = []
            continue
        elif token == "]":
            if group is None:
                raise TemplateSyntaxError("']' closes no optional part; write ]] for a ']'")
            parts.append(Group(tuple(group)))
            group = None
            continue
        elif token in ("{", "}"):
            raise TemplateSyntaxError(
                f"unmatched '{token}'; placeholders look like {{field}}, and {token * 2} "
                f"writes a literal '{token}'"
            )
        elif token.startswith("{"):
            name = token[1:-1].strip()
            if not FIELD_NAME.match(name):
                raise TemplateSyntaxError(
                    f"placeholder {token} is not a field name; placeholders name a field, "
                    "like {subject}, and cannot reach attributes, indexes or code"
                )
            piece = Field(name)
        else:
            piece = token
        if group is not None:
            group.append(piece)
        else:
            parts.append(piece)
    if group is not None:
        raise TemplateSyntaxError("optional part '[' is never closed with ']'")
    return Template(source, tuple(parts))
