"""What each file of a project may say: one table per record (deck, source, fact, kind, template).

A table lists a record's keys: each key's type, whether it is required, its default, and the
words people write for it by habit (`abstract` for a source's `text`), so a misplaced key gets
a hint that is more than spelling. `quizgen.loader` reads every record through these tables
with one loop, the way mkdocs reads its config through `config_options`. What ties keys
together (a cloze must hide a field it shows, evidence must be in the text) is left to the
loader, and checks of the whole project (duplicates, empty renders, card quality) to
`quizgen.expand` and `quizgen.checks`.

A type turns a YAML value into what the model holds, or raises `Invalid` with every message to
report. Messages name the key and where it stands: "'year' of the source must be a whole
number like 2021".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from quizgen import template as tpl
from quizgen.model import SOURCE_FIELDS, FieldSpec, FieldValue, Kind
from quizgen.text import describe_char, non_ascii, squash
from quizgen.yamlio import YamlMap, YamlSeq

ID = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")
MAX_CHOICES = 8


class Invalid(Exception):
    """A value that does not fit its key. `problems` are (line, message); line None means the
    key's own line. `partial` is what was still usable (a kind's good fields, say), so one bad
    field does not make every template that names another one look wrong."""

    def __init__(self, *problems: str | tuple[int | None, str], partial: Any = None) -> None:
        self.problems = [(None, p) if isinstance(p, str) else p for p in problems]
        self.partial = partial
        super().__init__(self.problems)


class Type:
    """How one key's value is read. `expect` completes "'key' of <where> must be ..."."""

    expect = "text"

    def convert(self, value: Any, key: Key, where: str) -> Any:
        """The value as the model holds it; raises Invalid. `where` names the record."""
        raise NotImplementedError

    def wrong(self, key: Key, where: str) -> Invalid:
        """The one message for a value of the wrong type (the key's own wording if it has one)."""
        if key.message:
            return Invalid(key.message.format(key=key.name, where=where))
        return Invalid(f"'{key.name}' of {where} must be {key.expect or self.expect}")


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


class Text(Type):
    """A string or a number, as text: whitespace squashed (or only stripped, for prose), never
    empty. `quote_numbers`: a number here is a mistake YAML made silently (an arXiv id
    2104.06159 read as a float loses its trailing zeros), so it must be quoted."""

    def __init__(self, *, prose: bool = False, quote_numbers: bool = False) -> None:
        self.prose = prose
        self.quote_numbers = quote_numbers

    def convert(self, value: Any, key: Key, where: str) -> Any:
        if not isinstance(value, str):
            if not _scalar(value):
                raise self.wrong(key, where)
            if self.quote_numbers:
                raise Invalid(f"'{key.name}' of {where} must be text; quote it: '{value}'")
            value = str(value)
        text = value.strip() if self.prose else " ".join(value.split())
        if not text:
            raise Invalid(f"'{key.name}' of {where} is empty")
        if "\0" in text:
            raise Invalid(f"'{key.name}' of {where} contains a NUL character")
        return text


def id_problem(value: str) -> str | None:
    """What is wrong with an id, said about the character at fault; None if it is fine.

    Ids end up in card ids (source/fact/template), Anki tags and file names, so they are
    lowercase ASCII, and start with a letter or digit (never '.', '..' or '-x')."""
    if ID.match(value):
        return None
    where = non_ascii(value)
    if where:
        return f"contains {where}; ids use lowercase ASCII letters, digits, '-', '_' and '.'"
    for position, char in enumerate(value, 1):
        if char.isupper():
            return f"contains the capital letter '{char}' at position {position}; ids are lowercase"
        if position == 1 and not (char.isdigit() or char.islower()):
            return "must start with a lowercase letter or digit"
        if not (char.isdigit() or char.islower() or char in "._-"):
            return (
                f"contains {describe_char(char)} at position {position}; ids use only "
                "lowercase letters, digits, '-', '_' and '.'"
            )
    return "must start with a lowercase letter or digit"  # unreachable: ID matched


class Id(Text):
    """A declared id: a source's, a fact's, a kind's, a template's. `where` is the noun."""

    def __init__(self) -> None:
        super().__init__(quote_numbers=True)

    def convert(self, value: Any, key: Key, where: str) -> Any:
        text = super().convert(value, key, where)
        problem = id_problem(text)
        if problem:
            raise Invalid(f"{where} id '{text}' {problem}")
        return text


class Whole(Type):
    """An integer; YAML's true/false are not numbers here."""

    expect = "a whole number"

    def convert(self, value: Any, key: Key, where: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.wrong(key, where)
        return value


class Flag(Type):
    """true or false, as YAML writes them."""

    expect = "true or false"

    def convert(self, value: Any, key: Key, where: str) -> Any:
        if not isinstance(value, bool):
            raise self.wrong(key, where)
        return value


class Count(Type):
    """A number from `low` to `high`, or 0 for none."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high
        self.expect = f"a number from {low} to {high}"

    def convert(self, value: Any, key: Key, where: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.wrong(key, where)
        if value and not self.low <= value <= self.high:
            raise self.wrong(key, where)
        return value


class Map(Type):
    """A mapping, handed on as read: what its keys may be depends on the rest of the record."""

    expect = "a mapping of keys to values"

    def convert(self, value: Any, key: Key, where: str) -> Any:
        if not isinstance(value, YamlMap):
            raise self.wrong(key, where)
        return value


class Seq(Type):
    """A list of records (facts, templates), each read through its own table."""

    expect = "a list"

    def convert(self, value: Any, key: Key, where: str) -> Any:
        if not isinstance(value, YamlSeq):
            raise self.wrong(key, where)
        return value


class Names(Type):
    """A field name or a list of them, at least `least`."""

    expect = "a list of field names"

    def __init__(self, least: int) -> None:
        self.least = least

    def convert(self, value: Any, key: Key, where: str) -> Any:
        items = [value] if isinstance(value, str) else value
        if (
            not isinstance(items, list)
            or len(items) < self.least
            or not all(isinstance(item, str) for item in items)
        ):
            raise self.wrong(key, where)
        return tuple(items)


class TemplateIds(Type):
    """A template id or a list of them (whether they name templates of the fact's kind is for
    the loader to say: the schema does not know the kind)."""

    expect = "a list of template ids"

    def convert(self, value: Any, key: Key, where: str) -> Any:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(
            isinstance(item, str) and item.strip() for item in items
        ):
            raise self.wrong(key, where)
        return tuple(item.strip() for item in items)


class Quotes(Type):
    """A quote or a list of quotes, squashed (evidence is matched whitespace-insensitively)."""

    expect = "a quote or a list of quotes"

    def convert(self, value: Any, key: Key, where: str) -> Any:
        if isinstance(value, str) and not value.isspace() and value:
            return (" ".join(value.split()),)
        quotes = [value] if isinstance(value, str) else value
        if (
            not isinstance(quotes, list)
            or not quotes
            or not all(isinstance(q, str) and q.strip() for q in quotes)
        ):
            raise self.wrong(key, where)
        return tuple(squash(q) for q in quotes)


_PLAIN_TAG = re.compile(r"[A-Za-z0-9_.+/@#-]+(?:::[A-Za-z0-9_.+/@#-]+)*\Z")  # the usual case
_MARKUP = re.compile(r"</?[A-Za-z][^<>]*>|&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);")


def tag_problem(tag: str) -> str | None:
    """Why Anki would not keep `tag` as written, or None.

    Anki splits a note's tags at spaces (and U+3000), deletes '"' and control characters from
    them, reads '::' as a level separator and renames an empty level 'blank', and stores tags in
    Unicode NFC form (rslib/src/tags). quizgen files each tag under quizgen::tag::, where the
    lock file records it as written: a tag Anki would change would never match. Markup is
    refused too: a tag is plain text, never HTML."""
    if _PLAIN_TAG.match(tag):
        return None
    if not tag:
        return "is empty"
    for position, char in enumerate(tag, 1):
        if char.isspace():
            return (
                f"contains {describe_char(char)} at position {position}; a tag is one word "
                "(Anki splits tags at spaces): join the words with '-' or '_'"
            )
        category = unicodedata.category(char)
        if char == '"' or category == "Cc":
            return f"contains {describe_char(char)}, which Anki deletes from tags"
        if category == "Cf":
            return f"contains {describe_char(char)} at position {position}, which cannot be seen"
    markup = _MARKUP.search(tag)
    if markup:
        return f"contains markup ('{markup.group()}'); a tag is plain text"
    if any(not level for level in tag.split("::")):
        return "has an empty level: '::' separates levels, as in 'method::rl'"
    if not unicodedata.is_normalized("NFC", tag):
        position = next(
            i for i in range(1, len(tag) + 1) if not unicodedata.is_normalized("NFC", tag[:i])
        )
        return (
            f"is not in Unicode NFC form ({describe_char(tag[position - 1])} at position "
            f"{position}); Anki would store it as '{unicodedata.normalize('NFC', tag)}', "
            "which looks the same but is another tag"
        )
    return None


class Tags(Type):
    """A tag or a list of tags, each one Anki keeps as written (see `tag_problem`)."""

    expect = "a list of words without spaces"

    def convert(self, value: Any, key: Key, where: str) -> Any:
        tags = [value] if isinstance(value, str) else value
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise self.wrong(key, where)
        if all(map(_PLAIN_TAG.match, tags)):
            return tuple(tags)
        problems: list[str | tuple[int | None, str]] = []
        for index, tag in enumerate(tags):
            problem = tag_problem(tag)
            if problem:
                line = tags.line_of(index) if isinstance(tags, YamlSeq) else None
                problems.append((line, f"tag '{tag}' of {where} {problem}"))
        if problems:
            raise Invalid(*problems)
        return tuple(tags)


_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class TemplateText(Text):
    """A question template in the placeholder language of `quizgen.template`."""

    def convert(self, value: Any, key: Key, where: str) -> Any:
        source = super().convert(value, key, where)
        try:
            return tpl.parse(source)
        except tpl.TemplateSyntaxError as exc:
            message = f"{key.name} of {where}: {exc}"
            # {subjеct} with a Cyrillic 'е' is refused as "not a field name": say why
            names = (m.group(1).strip() for m in _PLACEHOLDER.finditer(source))
            odd = next((name for name in names if not name.isascii()), "")
            if odd and str(exc).startswith(f"placeholder {{{odd}"):
                message += f"; '{odd}' contains {non_ascii(odd)}"
            raise Invalid(message) from None


class FieldSpecs(Type):
    """A kind's `fields`: name -> text, list, text? or list? (a trailing '?': optional)."""

    expect = "a mapping of keys to values"

    def convert(self, value: Any, key: Key, where: str) -> Any:
        if not isinstance(value, YamlMap):
            raise self.wrong(key, where)
        fields: dict[str, FieldSpec] = {}
        problems: list[str | tuple[int | None, str]] = []
        for name, spec in value.items():
            line = value.line_of(name)
            if not isinstance(name, str) or not tpl.FIELD_NAME.match(name):
                odd = non_ascii(name) if isinstance(name, str) else ""
                problems.append(
                    (
                        line,
                        f"field name {name!r} must be a word like 'subject'"
                        + (f": it contains {odd}" if odd else ""),
                    )
                )
            elif name in FACT.by_name:
                problems.append(
                    (line, f"'{name}' is reserved for every fact; choose another field name")
                )
            elif name in SOURCE_FIELDS:
                problems.append(
                    (
                        line,
                        f"'{name}' comes from the source: templates can name {{{name}}} without "
                        "a field (set 'paper:' in a source to change how questions name it)",
                    )
                )
            else:
                text = spec.strip() if isinstance(spec, str) else ""
                base = text.removesuffix("?")
                if base not in ("text", "list"):
                    problems.append(
                        (line, f"field '{name}' has type {spec!r}; use text, list, text? or list?")
                    )
                else:
                    fields[name] = FieldSpec(name, base, text.endswith("?"))  # type: ignore[arg-type]
        if problems:
            raise Invalid(*problems, partial=fields)
        return fields


class FieldText(Type):
    """A fact's value for a `text` field: a string or a number."""

    def convert(self, value: Any, key: Key, where: str) -> FieldValue:
        if not isinstance(value, str):
            if not _scalar(value):
                raise Invalid(f"'{key.name}' of {where} must be text or a number")
            value = str(value)
        text = " ".join(value.split())
        if not text:
            raise Invalid(f"'{key.name}' of {where} is empty")
        if "\0" in text:
            raise Invalid(f"'{key.name}' of {where} contains a NUL character")
        return text


class FieldList(Type):
    """A fact's value for a `list` field: a non-empty list of strings or numbers."""

    def convert(self, value: Any, key: Key, where: str) -> FieldValue:
        if not isinstance(value, YamlSeq) or not value:
            raise Invalid(f"'{key.name}' of {where} must be a non-empty list of text items")
        items = []
        for item in value:
            text = squash(str(item)) if _scalar(item) else ""
            if not text or "\0" in text:
                raise Invalid(f"'{key.name}' of {where} must be a non-empty list of text items")
            items.append(text)
        return tuple(items)


@dataclass(frozen=True)
class Key:
    """One key of a record.

    `synonyms`: what people write instead, by habit or from another tool; an unknown key
    that is one (or is spelt like one) is answered "did you mean '<name>'?". `expect` and
    `message` replace the type's wording where a key needs its own; `missing` the wording of
    a required key that is absent ({what}: the record)."""

    name: str
    type: Type
    required: bool = False
    default: Any = None
    synonyms: tuple[str, ...] = ()
    expect: str = ""
    message: str = ""
    missing: str = ""


@dataclass(frozen=True)
class Record:
    """The table of one kind of record: its keys, in the order the docs list them."""

    noun: str
    keys: tuple[Key, ...]

    @cached_property
    def by_name(self) -> dict[str, Key]:
        return {key.name: key for key in self.keys}

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(self.by_name)

    @cached_property
    def defaults(self) -> dict[str, Any]:
        return {key.name: key.default for key in self.keys}

    @cached_property
    def required(self) -> tuple[Key, ...]:
        return tuple(key for key in self.keys if key.required)

    @cached_property
    def required_names(self) -> frozenset[str]:
        return frozenset(key.name for key in self.required)

    @cached_property
    def synonyms(self) -> dict[str, str]:
        """synonym -> the key it stands for."""
        return {word: key.name for key in self.keys for word in key.synonyms}

    def __getitem__(self, name: str) -> Key:
        return self.by_name[name]

    def extended(self, keys: tuple[Key, ...]) -> Record:
        """This table with more keys (a fact's, with its kind's fields)."""
        return replace(self, keys=self.keys + keys)


TEXT = Text()
ID_TYPE = Id()

DECK = Record(
    "deck",
    (
        Key("title", TEXT, required=True, default="", synonyms=("name", "deck", "heading")),
        Key("description", TEXT, default="", synonyms=("desc", "about", "summary", "intro")),
    ),
)

SOURCE = Record(
    "source",
    (
        Key("id", ID_TYPE, required=True, default="", synonyms=("slug", "key", "source_id")),
        Key("title", TEXT, required=True, default="", synonyms=("name", "paper_title")),
        Key("short", TEXT, default="", synonyms=("short_title", "abbreviation", "acronym")),
        Key("paper", TEXT, default="", synonyms=("cite_as", "citation", "cited_as", "cite")),
        Key("authors", TEXT, required=True, default="", synonyms=("author", "by", "creators")),
        Key(
            "year",
            Whole(),
            required=True,
            expect="a whole number like 2021",
            synonyms=("date", "published", "pub_year"),
        ),
        Key("arxiv", Text(quote_numbers=True), default="", synonyms=("arxiv_id", "eprint")),
        Key("url", TEXT, default="", synonyms=("link", "href", "website", "pdf", "web")),
        Key("doi", Text(quote_numbers=True), default="", synonyms=("doi_url",)),
        Key(
            "text",
            Text(prose=True),
            required=True,
            default="",
            synonyms=("abstract", "summary", "body", "content", "passage"),
        ),
        Key("facts", Seq(), required=True, synonyms=("fact", "claims", "questions")),
    ),
)

FACT = Record(
    "fact",
    (
        Key("id", ID_TYPE, required=True, default="", synonyms=("name", "slug", "key")),
        Key("kind", TEXT, required=True, default="", synonyms=("type", "kind_of")),
        Key(
            "evidence",
            Quotes(),
            required=True,
            default=(),
            synonyms=("quote", "quotes", "source", "support", "excerpt", "proof", "citation"),
        ),
        Key("tags", Tags(), default=(), synonyms=("tag", "labels", "label", "keywords", "topics")),
        Key("note", TEXT, default="", synonyms=("notes", "comment", "remark", "explanation")),
        Key(
            "aliases",
            Map(),
            synonyms=("alias", "aka", "also_known_as", "synonyms", "alternatives", "accept"),
        ),
        Key(
            "distractors",
            Map(),
            synonyms=("distractor", "wrong", "wrong_answers", "decoys", "foils", "options"),
        ),
        Key(
            "skip",
            TemplateIds(),
            default=(),
            synonyms=("exclude", "skip_templates", "without", "no_cards", "omit"),
        ),
    ),
)

KIND = Record(
    "kind",
    (
        Key("kind", ID_TYPE, required=True, default="", synonyms=("name", "id", "type")),
        Key("description", TEXT, default="", synonyms=("desc", "about", "doc", "summary")),
        Key(
            "standalone",
            Flag(),
            default=False,
            synonyms=("self_contained", "self-contained", "unambiguous", "independent"),
        ),
        Key("fields", FieldSpecs(), required=True, default={}, synonyms=("field", "schema")),
        Key(
            "templates",
            Seq(),
            required=True,
            synonyms=("template", "cards", "questions", "prompts"),
        ),
    ),
)

TEMPLATE = Record(
    "template",
    (
        Key("id", ID_TYPE, required=True, default="", synonyms=("name", "slug", "key")),
        Key("front", TemplateText(), synonyms=("question", "prompt", "q", "ask", "query")),
        Key("back", TemplateText(), synonyms=("reverse", "answer_text", "explanation")),
        Key("cloze", TemplateText(), synonyms=("sentence", "fill", "blank", "gap", "fill_in")),
        Key(
            "hide",
            Names(1),
            default=(),
            message="{where} must name the field(s) it hides: hide: [field]",
            synonyms=("hidden", "hides", "blanks", "mask", "deletions"),
        ),
        Key(
            "answer",
            TEXT,
            default="",
            synonyms=("solution", "response", "a", "target", "answer_field", "correct"),
        ),
        Key(
            "choices",
            Count(2, MAX_CHOICES),
            default=0,
            synonyms=("options", "multiple_choice", "mc", "n_choices", "num_choices"),
        ),
        Key("typed", Flag(), default=False, synonyms=("type", "type_in", "typein", "input")),
        Key("agree", Names(0), default=(), synonyms=("share", "shared", "same", "match")),
    ),
)


def fact_schema(kind: Kind) -> Record:
    """The table of a fact of `kind`: every fact's keys, and the kind's fields."""
    field_types = {"text": FieldText(), "list": FieldList()}
    return FACT.extended(
        tuple(
            Key(
                spec.name,
                field_types[spec.type],
                required=not spec.optional,
                missing=f"{{what}} is missing field '{spec.name}' of kind '{kind.name}'",
            )
            for spec in kind.fields.values()
        )
    )
