"""Loading a project folder: deck.yaml, sources/*.yaml and templates/*.yaml.

Every problem found is collected (not just the first) so `quizgen check` can report them all.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from quizgen import template as tpl
from quizgen.errors import InputError, Problem
from quizgen.model import (
    SOURCE_FIELDS,
    CardTemplate,
    Fact,
    FieldSpec,
    FieldValue,
    Kind,
    Project,
    Source,
)
from quizgen.text import did_you_mean, squash
from quizgen.yamlio import YamlMap, YamlSeq, load_yaml, yaml_files

ID = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")
TAG = re.compile(r"[^\s\"]+\Z")
RESERVED = ("id", "kind", "evidence", "tags", "note", "aliases", "distractors")
SOURCE_KEYS = (
    "id", "title", "short", "paper", "authors", "year", "arxiv", "url", "doi", "text", "facts",
)  # fmt: skip
KIND_KEYS = ("kind", "description", "standalone", "fields", "templates")
TEMPLATE_KEYS = ("id", "front", "back", "cloze", "hide", "answer", "choices", "typed", "agree")
DECK_KEYS = ("title", "description")
MAX_CHOICES = 8
MAX_SUGGEST_WORDS = 5_000


class _Collector:
    """Gathers problems for one file."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = str(path)
        self.problems = problems

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def keys(
        self, data: YamlMap, allowed: Iterable[str], required: Iterable[str], what: str
    ) -> None:
        allowed = tuple(allowed)
        meant: set[str] = set()
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                meant.update(close)
                self.add(data.line_of(key), f"unknown key '{key}' in {what}{hint}")
        for key in required:
            if key not in data and key not in meant:  # a misspelling already said it
                self.add(data.line, f"{what} is missing '{key}'")

    def string(self, data: YamlMap, key: str, what: str) -> str:
        """The non-empty string at `key`, or '' after recording a problem (absent: '')."""
        if key not in data:
            return ""
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.add(data.line_of(key), f"'{key}' of {what} must be text")
            return ""
        if isinstance(value, (int, float)) and key in ("id", "arxiv", "doi"):
            self.add(data.line_of(key), f"'{key}' of {what} must be text; quote it: '{value}'")
            return ""
        text = squash(str(value)) if key != "text" else str(value).strip()
        if not text:
            self.add(data.line_of(key), f"'{key}' of {what} is empty")
        return text

    def ident(self, data: YamlMap, key: str, what: str) -> str:
        value = self.string(data, key, what)
        if value and not ID.match(value):
            self.add(
                data.line_of(key),
                f"{what} id '{value}' must use lowercase letters, digits, '-', '_' or '.'",
            )
            return ""
        return value

    def mapping(self, value: Any, line: int, what: str) -> YamlMap | None:
        if isinstance(value, YamlMap):
            return value
        self.add(line, f"{what} must be a mapping of keys to values")
        return None

    def sequence(self, value: Any, line: int, what: str) -> YamlSeq | None:
        if isinstance(value, YamlSeq):
            return value
        self.add(line, f"{what} must be a list")
        return None


_FAILED = object()


def _load(path: Path, problems: list[Problem]) -> Any:
    """The parsed file, or _FAILED after recording why it could not be read."""
    try:
        return load_yaml(path)
    except InputError as exc:
        problems.extend(exc.problems)
        return _FAILED


# Kinds and templates ------------------------------------------------------------------------


def _load_fields(c: _Collector, data: YamlMap, kind: str) -> dict[str, FieldSpec]:
    raw = c.mapping(data.get("fields"), data.line_of("fields"), f"'fields' of kind '{kind}'")
    fields: dict[str, FieldSpec] = {}
    for name, spec in (raw or {}).items():
        line = raw.line_of(name) if raw else 0
        if not isinstance(name, str) or not tpl.FIELD_NAME.match(name):
            c.add(line, f"field name {name!r} must be a word like 'subject'")
            continue
        if name in RESERVED:
            c.add(line, f"'{name}' is reserved for every fact; choose another field name")
            continue
        if name in SOURCE_FIELDS:
            c.add(
                line,
                f"'{name}' comes from the source: templates can name {{{name}}} without a "
                "field (set 'paper:' in a source to change how questions name it)",
            )
            continue
        spec_text = str(spec).strip() if isinstance(spec, str) else ""
        base = spec_text.removesuffix("?")
        if base not in ("text", "list"):
            c.add(line, f"field '{name}' has type {spec!r}; use text, list, text? or list?")
            continue
        fields[name] = FieldSpec(name, base, spec_text.endswith("?"))  # type: ignore[arg-type]
    return fields


def _parse_template(c: _Collector, data: YamlMap, key: str, where: str) -> tpl.Template | None:
    source = c.string(data, key, where)
    if not source:
        return None
    try:
        return tpl.parse(source)
    except tpl.TemplateSyntaxError as exc:
        c.add(data.line_of(key), f"{key} of {where}: {exc}")
        return None


def _load_template(
    c: _Collector, data: YamlMap, kind: str, fields: dict[str, FieldSpec]
) -> CardTemplate | None:
    c.keys(data, TEMPLATE_KEYS, ("id",), f"a template of kind '{kind}'")
    tid = c.ident(data, "id", "template")
    where = f"template '{kind}/{tid}'"
    if not tid:
        return None
    ok = True
    has_front, has_cloze = "front" in data, "cloze" in data
    if has_front == has_cloze:
        c.add(data.line, f"{where} needs either 'front' or 'cloze' (exactly one)")
        ok = False
    if "back" in data and not has_front:
        c.add(data.line_of("back"), f"'back' of {where} goes with 'front'")
    if "hide" in data and not has_cloze:
        c.add(data.line_of("hide"), f"'hide' of {where} goes with 'cloze'")
    front = _parse_template(c, data, "front", where) if has_front else None
    back = _parse_template(c, data, "back", where) if "back" in data else None
    cloze = _parse_template(c, data, "cloze", where) if has_cloze else None

    hide: tuple[str, ...] = ()
    if has_cloze:
        raw_hide = data.get("hide")
        if isinstance(raw_hide, str):
            raw_hide = [raw_hide]
        if not raw_hide or not all(isinstance(h, str) for h in raw_hide):
            c.add(
                data.line_of("hide") if "hide" in data else data.line,
                f"{where} must name the field(s) it hides: hide: [field]",
            )
            ok = False
        else:
            hide = tuple(raw_hide)
            for name in hide:
                if cloze is not None and name not in cloze.fields:
                    c.add(
                        data.line_of("hide"),
                        f"{where} hides '{name}', which its cloze sentence does not show; "
                        "a cloze must hide a field it names",
                    )
                    ok = False

    answer = c.string(data, "answer", where) or (hide[0] if hide else "")
    if not answer:
        c.add(data.line, f"{where} needs 'answer': the field the student must produce")
        ok = False

    choices = data.get("choices", 0)
    if (
        isinstance(choices, bool)
        or not isinstance(choices, int)
        or not (choices == 0 or 2 <= choices <= MAX_CHOICES)
    ):
        c.add(
            data.line_of("choices"),
            f"'choices' of {where} must be a number from 2 to {MAX_CHOICES}",
        )
        choices = 0
    typed = data.get("typed", False)
    if not isinstance(typed, bool):
        c.add(data.line_of("typed"), f"'typed' of {where} must be true or false")
        typed = False
    agree: tuple[str, ...] = ()
    if "agree" in data:
        raw_agree = data["agree"]
        if isinstance(raw_agree, str):
            raw_agree = [raw_agree]
        if not isinstance(raw_agree, list) or not all(isinstance(a, str) for a in raw_agree):
            c.add(data.line_of("agree"), f"'agree' of {where} must be a list of field names")
        else:
            agree = tuple(raw_agree)
            for name in agree:
                if name not in fields:
                    c.add(
                        data.line_of("agree"),
                        f"{where} agrees on unknown field '{name}'{did_you_mean(name, fields)}",
                    )
                    ok = False
            if not choices:
                c.add(data.line_of("agree"), f"'agree' of {where} goes with 'choices'")

    for key, parsed in (("front", front), ("back", back), ("cloze", cloze)):
        for name in parsed.fields if parsed else ():
            if name not in fields and name not in SOURCE_FIELDS:
                c.add(
                    data.line_of(key),
                    f"{key} of {where} names unknown field {{{name}}}{did_you_mean(name, fields)}",
                )
                ok = False
    for name in (answer, *hide):
        if name and name not in fields:
            c.add(
                data.line_of("answer" if "answer" in data else "hide"),
                f"{where} answers with unknown field '{name}'{did_you_mean(name, fields)}",
            )
            ok = False
    if not ok or (front is None and cloze is None):
        return None
    if back is None and front is not None:
        back = tpl.parse("{" + answer + "}")
    return CardTemplate(
        id=tid,
        answer=answer,
        front=front,
        back=back,
        cloze=cloze,
        hide=hide,
        choices=choices,
        typed=typed,
        agree=agree,
        path=c.path,
        line=data.line,
    )


def _load_kind(path: Path, problems: list[Problem]) -> Kind | None:
    c = _Collector(path, problems)
    raw_file = _load(path, problems)
    data = c.mapping(raw_file, 1, "a kind file") if raw_file is not _FAILED else None
    if data is None:
        return None
    c.keys(data, KIND_KEYS, ("kind", "fields", "templates"), "a kind file")
    name = c.ident(data, "kind", "kind")
    if not name:
        return None
    fields = _load_fields(c, data, name) if "fields" in data else {}
    templates: list[CardTemplate] = []
    raw = c.sequence(data.get("templates"), data.line_of("templates"), f"'templates' of '{name}'")
    seen: set[str] = set()
    for i, item in enumerate(raw or ()):
        item = c.mapping(item, raw.line_of(i) if raw else 0, "a template")
        template = _load_template(c, item, name, fields) if item is not None else None
        if template is None:
            continue
        if template.id in seen:
            c.add(template.line, f"duplicate template id '{template.id}' in kind '{name}'")
            continue
        seen.add(template.id)
        templates.append(template)
    if raw is not None and not raw:
        c.add(data.line_of("templates"), f"kind '{name}' has no templates")
    standalone = data.get("standalone", False)
    if not isinstance(standalone, bool):
        c.add(data.line_of("standalone"), f"'standalone' of kind '{name}' must be true or false")
        standalone = False
    return Kind(
        name,
        fields,
        tuple(templates),
        c.string(data, "description", "kind") if "description" in data else "",
        standalone,
        str(path),
        data.line,
    )


# Sources and facts --------------------------------------------------------------------------


def _field_value(c: _Collector, fact: YamlMap, spec: FieldSpec, where: str) -> FieldValue | None:
    value = fact[spec.name]
    line = fact.line_of(spec.name)
    if spec.type == "list":
        if (
            isinstance(value, YamlSeq)
            and value
            and all(
                isinstance(v, (str, int, float))
                and not isinstance(v, bool)
                and squash(str(v))
                and "\0" not in str(v)
                for v in value
            )
        ):
            return tuple(squash(str(v)) for v in value)
        c.add(line, f"'{spec.name}' of {where} must be a non-empty list of text items")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        c.add(line, f"'{spec.name}' of {where} must be text or a number")
        return None
    text = squash(str(value))
    if not text:
        c.add(line, f"'{spec.name}' of {where} is empty")
        return None
    if "\0" in text:
        c.add(line, f"'{spec.name}' of {where} contains a NUL character")
        return None
    return text


def closest_passage(needle: str, haystack: str) -> str:
    """The run of words in `haystack` most like `needle`, to show beside a failed quote.

    Abstracts run to a few hundred words; past MAX_SUGGEST_WORDS the search is not worth its
    time, and a hostile file must not make `check` crawl."""
    words = haystack.split()
    if len(words) > MAX_SUGGEST_WORDS:
        return ""
    size = max(1, len(needle.split()))
    best, best_score = "", -1.0
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(needle.casefold())
    for start in range(0, max(1, len(words) - size + 1)):
        window = " ".join(words[start : start + size])
        matcher.set_seq1(window.casefold())
        if matcher.real_quick_ratio() <= best_score or matcher.quick_ratio() <= best_score:
            continue
        score = matcher.ratio()
        if score > best_score:
            best, best_score = window, score
    return best


def _load_fact(
    c: _Collector, data: YamlMap, kinds: dict[str, Kind | None], text: str, source_id: str
) -> Fact | None:
    fid = c.ident(data, "id", "fact")
    where = f"fact '{source_id}/{fid}'" if fid else "a fact"
    kind_name = c.string(data, "kind", where)
    if kind_name in kinds and kinds[kind_name] is None:
        return None  # its kind file has problems, already reported: checking against it misleads
    kind = kinds.get(kind_name)
    if kind_name and kind is None:
        c.add(data.line_of("kind"), f"unknown kind '{kind_name}'{did_you_mean(kind_name, kinds)}")
    allowed = RESERVED + tuple(kind.fields if kind else ())
    if kind is not None:
        c.keys(data, allowed, ("id", "kind", "evidence"), where)
    else:
        for key in ("id", "kind", "evidence"):
            if key not in data:
                c.add(data.line, f"{where} is missing '{key}'")
    values: dict[str, FieldValue] = {}
    ok = bool(fid and kind)
    for spec in kind.fields.values() if kind else ():
        if spec.name not in data:
            if not spec.optional:
                c.add(data.line, f"{where} is missing field '{spec.name}' of kind '{kind_name}'")
                ok = False
            continue
        value = _field_value(c, data, spec, where)
        if value is None:
            ok = False
        else:
            values[spec.name] = value

    evidence: list[str] = []
    raw = data.get("evidence")
    quotes = [raw] if isinstance(raw, str) else raw if isinstance(raw, YamlSeq) else None
    if "evidence" in data and (
        not quotes or not all(isinstance(q, str) and q.strip() for q in quotes)
    ):
        c.add(
            data.line_of("evidence"), f"'evidence' of {where} must be a quote or a list of quotes"
        )
        ok = False
    for quote in quotes or ():
        if not isinstance(quote, str):
            continue
        quote = squash(quote)
        if quote and quote not in text:
            near = closest_passage(quote, text)
            c.add(
                data.line_of("evidence"),
                f"evidence of {where} is not in the source text"
                + (f'; closest passage: "{near}"' if near else ""),
            )
            ok = False
        evidence.append(quote)

    tags: tuple[str, ...] = ()
    if "tags" in data:
        raw_tags = data["tags"]
        if isinstance(raw_tags, str):
            raw_tags = [raw_tags]
        if not isinstance(raw_tags, list) or not all(
            isinstance(t, str) and TAG.match(t) for t in raw_tags
        ):
            c.add(data.line_of("tags"), f"'tags' of {where} must be a list of words without spaces")
        else:
            tags = tuple(raw_tags)
    note = c.string(data, "note", where) if "note" in data else ""
    aliases = _aliases(c, data, values, where) if "aliases" in data else {}
    distractors = (
        _distractors(c, data, kind.fields, values, where)
        if "distractors" in data and kind is not None
        else {}
    )
    if not ok:
        return None
    return Fact(
        fid,
        kind_name,
        values,
        tuple(evidence),
        tags,
        note,
        aliases,
        distractors,
        c.path,
        data.line,
    )


def _text_items(value: Any) -> tuple[str, ...] | None:
    """A string or a list of strings, as a tuple of squashed non-empty texts; None if not."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not value:
        return None
    items = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            return None
        text = squash(str(v))
        if not text or "\0" in text:
            return None
        items.append(text)
    return tuple(items)


def _aliases(
    c: _Collector, data: YamlMap, values: dict[str, FieldValue], where: str
) -> dict[str, tuple[str, ...]]:
    """`aliases: {value: [other form, ...]}`: each key is one of the fact's values or list
    items, so a typo in it cannot silently accept nothing."""
    raw = c.mapping(data["aliases"], data.line_of("aliases"), f"'aliases' of {where}")
    if raw is None:
        return {}
    known: set[str] = set()
    for value in values.values():
        known.update((value,) if isinstance(value, str) else (*value, " and ".join(value)))
    out: dict[str, tuple[str, ...]] = {}
    for key, forms in raw.items():
        line = raw.line_of(key)
        text = squash(str(key))
        items = _text_items(forms)
        if items is None:
            c.add(line, f"aliases of '{text}' in {where} must be a text or a list of texts")
        elif text not in known:
            c.add(
                line,
                f"'aliases' of {where} names '{text}', which is not one of its values or list "
                f"items{did_you_mean(text, known)}",
            )
        else:
            out[text] = items
    return out


def _distractors(
    c: _Collector,
    data: YamlMap,
    specs: dict[str, FieldSpec],
    values: dict[str, FieldValue],
    where: str,
) -> dict[str, tuple[FieldValue, ...]]:
    """`distractors: {field: [wrong answer, ...]}`: hand-written wrong options, shown before
    any drawn from other facts. For a list field each distractor is itself a list."""
    raw = c.mapping(data["distractors"], data.line_of("distractors"), f"'distractors' of {where}")
    if raw is None:
        return {}
    out: dict[str, tuple[FieldValue, ...]] = {}
    for name, options in raw.items():
        line = raw.line_of(name)
        spec = specs.get(str(name))
        if spec is None:
            c.add(
                line,
                f"'distractors' of {where} names unknown field '{name}'"
                f"{did_you_mean(str(name), specs)}",
            )
            continue
        if spec.type == "list":
            lists = (
                [_text_items(o) if isinstance(o, list) else None for o in options]
                if isinstance(options, list) and options
                else [None]
            )
            if any(item is None for item in lists):
                c.add(
                    line,
                    f"distractors for list field '{name}' of {where} must be a list of lists",
                )
                continue
            out[spec.name] = tuple(item for item in lists if item is not None)
            continue
        items = _text_items(options)
        if items is None:
            c.add(line, f"distractors for '{name}' of {where} must be a list of texts")
            continue
        out[spec.name] = items
    return out


def _load_source(
    path: Path, kinds: dict[str, Kind | None], problems: list[Problem]
) -> Source | None:
    c = _Collector(path, problems)
    raw_file = _load(path, problems)
    data = c.mapping(raw_file, 1, "a source file") if raw_file is not _FAILED else None
    if data is None:
        return None
    c.keys(data, SOURCE_KEYS, ("id", "title", "authors", "year", "text", "facts"), "a source")
    sid = c.ident(data, "id", "source")
    title = c.string(data, "title", "the source")
    authors = c.string(data, "authors", "the source")
    text = c.string(data, "text", "the source")
    arxiv, url, doi = (c.string(data, k, "the source") for k in ("arxiv", "url", "doi"))
    if not (arxiv or url or doi) and not any(k in data for k in ("arxiv", "url", "doi")):
        c.add(data.line, "a source needs a link: 'arxiv', 'url' or 'doi'")
    year = data.get("year")
    if "year" in data and (isinstance(year, bool) or not isinstance(year, int)):
        c.add(data.line_of("year"), "'year' of the source must be a whole number like 2021")
    short = c.string(data, "short", "the source") if "short" in data else title.split(":")[0]
    paper = c.string(data, "paper", "the source") if "paper" in data else ""
    flat = squash(text)
    facts: list[Fact] = []
    seen: dict[str, int] = {}
    raw = (
        c.sequence(data.get("facts"), data.line_of("facts"), "'facts'") if "facts" in data else None
    )
    for i, item in enumerate(raw or ()):
        item = c.mapping(item, raw.line_of(i) if raw else 0, "a fact")
        fact = _load_fact(c, item, kinds, flat, sid or "?") if item is not None else None
        if fact is None:
            continue
        if fact.id in seen:
            c.add(fact.line, f"duplicate fact id '{fact.id}' (first at line {seen[fact.id]})")
            continue
        seen[fact.id] = fact.line
        facts.append(fact)
    if raw is not None and not raw:
        c.add(data.line_of("facts"), "the source has no facts")
    if not (sid and title and authors and text and isinstance(year, int)):
        return None
    return Source(
        sid,
        title,
        short or title,
        authors,
        year,
        text,
        tuple(facts),
        arxiv,
        url,
        doi,
        str(path),
        paper,
    )


# The project --------------------------------------------------------------------------------


def load_project(root: Path) -> tuple[Project, list[Problem]]:
    """Load every file of a project folder; return the project and every problem found.

    Raises InputError only when there is no project to speak of (no folder, no sources)."""
    if not root.is_dir():
        raise InputError.single(root, "no such folder" if not root.exists() else "not a folder")
    problems: list[Problem] = []
    title, description = root.resolve().name, ""
    deck_path = root / "deck.yaml"
    if os.path.lexists(deck_path):  # a broken link is not "no deck.yaml": reading it says so
        c = _Collector(deck_path, problems)
        raw_deck = _load(deck_path, problems)
        deck = c.mapping(raw_deck, 1, "deck.yaml") if raw_deck is not _FAILED else None
        if deck is not None:
            c.keys(deck, DECK_KEYS, ("title",), "deck.yaml")
            title = c.string(deck, "title", "the deck") or title
            description = c.string(deck, "description", "the deck")

    source_files, unlisted = yaml_files(root / "sources")
    problems += unlisted
    if not source_files:
        if any(not p.warning for p in unlisted):
            raise InputError(problems)
        raise InputError.single(root, "no sources found: expected sources/*.yaml in this folder")
    kind_files, unlisted = yaml_files(root / "templates")
    problems += unlisted
    if not kind_files:
        if any(not p.warning for p in unlisted):
            raise InputError(problems)
        raise InputError.single(root, "no kinds found: expected templates/*.yaml in this folder")

    kinds: dict[str, Kind | None] = {}  # None: the kind's file has problems
    for path in kind_files:
        before = len(problems)
        kind = _load_kind(path, problems)
        if kind is None:
            continue
        if kind.name in kinds:
            problems.append(Problem(str(path), kind.line, f"kind '{kind.name}' is defined twice"))
            continue
        kinds[kind.name] = kind if len(problems) == before else None

    sources: dict[str, Source] = {}
    for path in source_files:
        source = _load_source(path, kinds, problems)
        if source is None:
            continue
        if source.id in sources:
            problems.append(
                Problem(
                    str(path),
                    1,
                    f"source id '{source.id}' is already used by {sources[source.id].path}",
                )
            )
            continue
        sources[source.id] = source
    usable = {name: kind for name, kind in kinds.items() if kind is not None}
    project = Project(root, title, tuple(sources.values()), usable, description)
    return project, problems
