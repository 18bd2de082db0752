"""Loading a project folder: deck.yaml, sources/*.yaml and templates/*.yaml.

Each record (the deck, a source, a fact, a kind, a template) is read through its table in
`quizgen.schema` by one loop (`_Collector.keys` and `_Collector.read`); what is left here are
the rules that tie a record's keys together. Every problem found is collected (not just the
first) so `quizgen check` can report them all.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from quizgen import schema
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
from quizgen.schema import DECK, FACT, KIND, SOURCE, TEMPLATE, Invalid, Key, Record
from quizgen.text import did_you_mean, non_ascii, squash, suggest
from quizgen.yamlio import YamlMap, YamlSeq, load_yaml, yaml_files

MAX_SUGGEST_WORDS = 5_000
_FACT_ID, _FACT_KIND = FACT["id"], FACT["kind"]


def _odd(word: str) -> str:
    """The words that point at a name's non-ASCII character, if it has one (else "")."""
    where = non_ascii(word)
    return f": it contains {where}" if where else ""


class _Collector:
    """Gathers problems for one file, and reads its records through their tables."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = str(path)
        self.problems = problems

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def keys(self, data: YamlMap, record: Record, what: str, *, unknown: bool = True) -> set[str]:
        """Report keys the table does not list (unless `unknown` is False: a fact of an unknown
        kind, whose fields cannot be told from typos) and required keys that are absent.
        Returns the keys that unknown ones were taken for: said once, not again as missing."""
        meant: set[str] = set()
        if unknown and not data.keys() <= record.by_name.keys():
            known = record.by_name
            for key in data:
                if key in known:
                    continue
                word = str(key)
                close = suggest(word, record.names, record.synonyms)
                if close:
                    meant.add(close)
                hint = f"; did you mean '{close}'?" if close else ""
                self.add(data.line_of(key), f"unknown key '{key}' in {what}{_odd(word)}{hint}")
        if data.keys() >= record.required_names:
            return meant
        for key in record.required:
            name = key.name
            if name not in data and name not in meant:  # a misspelling already said it
                message = key.missing or "{what} is missing '" + name + "'"
                self.add(data.line, message.format(what=what))
        return meant

    def value(self, data: YamlMap, key: Key, where: str) -> Any:
        """One key's value through its type: its default when absent or wrong (said once)."""
        if key.name not in data:
            return key.default
        try:
            return key.type.convert(data[key.name], key, where)
        except Invalid as exc:
            self._invalid(data, key, exc)
            return key.default if exc.partial is None else exc.partial

    def read(
        self, data: YamlMap, record: Record, where: str, skip: tuple[str, ...] = ()
    ) -> tuple[dict[str, Any], set[str]]:
        """Every key of the table (but `skip`) through its type: the values (defaults for the
        absent and the wrong ones) and the names of the wrong ones."""
        values = dict(record.defaults)
        failed: set[str] = set()
        known = record.by_name
        for name, raw in data.items():
            key = known.get(name)
            if key is None or name in skip:
                continue
            try:
                values[name] = key.type.convert(raw, key, where)
            except Invalid as exc:
                self._invalid(data, key, exc)
                if exc.partial is not None:
                    values[name] = exc.partial
                failed.add(name)
        return values, failed

    def _invalid(self, data: YamlMap, key: Key, exc: Invalid) -> None:
        line = data.line_of(key.name)
        for at, message in exc.problems:
            self.add(line if at is None else at, message)

    def mapping(self, value: Any, line: int, what: str) -> YamlMap | None:
        if isinstance(value, YamlMap):
            return value
        self.add(line, f"{what} must be a mapping of keys to values")
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


def _load_template(
    c: _Collector, data: YamlMap, kind: str, fields: dict[str, FieldSpec]
) -> CardTemplate | None:
    meant = c.keys(data, TEMPLATE, f"a template of kind '{kind}'")
    tid = c.value(data, TEMPLATE["id"], "template")
    if not tid:
        return None
    where = f"template '{kind}/{tid}'"
    v, failed = c.read(data, TEMPLATE, where, skip=("id",))
    ok = True
    has_front, has_cloze = "front" in data, "cloze" in data
    if has_front == has_cloze:
        if has_front or not meant & {"front", "cloze"}:  # else a misspelling already said it
            c.add(data.line, f"{where} needs either 'front' or 'cloze' (exactly one)")
        ok = False
    if "back" in data and not has_front:
        c.add(data.line_of("back"), f"'back' of {where} goes with 'front'")
    if "hide" in data and not has_cloze:
        c.add(data.line_of("hide"), f"'hide' of {where} goes with 'cloze'")
    front = v["front"] if has_front else None
    back = v["back"]
    cloze = v["cloze"] if has_cloze else None

    hide: tuple[str, ...] = ()
    if has_cloze:
        if "hide" not in data:
            c.add(data.line, TEMPLATE["hide"].message.format(where=where))
            ok = False
        elif "hide" in failed:
            ok = False
        else:
            hide = v["hide"]
            for name in hide:
                if cloze is not None and name not in cloze.fields:
                    c.add(
                        data.line_of("hide"),
                        f"{where} hides '{name}', which its cloze sentence does not show; "
                        "a cloze must hide a field it names",
                    )
                    ok = False

    answer = v["answer"] or (hide[0] if hide else "")
    if not answer:
        if "answer" not in meant:
            c.add(data.line, f"{where} needs 'answer': the field the student must produce")
        ok = False
    choices = v["choices"]
    agree: tuple[str, ...] = ()
    if "agree" in data and "agree" not in failed:
        agree = v["agree"]
        for name in agree:
            if name not in fields and name not in SOURCE_FIELDS:
                c.add(
                    data.line_of("agree"),
                    f"{where} agrees on unknown field '{name}'{_odd(name)}"
                    f"{did_you_mean(name, fields)}",
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
                f"{where} answers with unknown field '{name}'{_odd(name)}"
                f"{did_you_mean(name, fields)}",
            )
            ok = False
    if not ok or (front is None and cloze is None):
        return None
    if back is None and front is not None:
        back = schema.tpl.parse("{" + answer + "}")
    return CardTemplate(
        id=tid,
        answer=answer,
        front=front,
        back=back,
        cloze=cloze,
        hide=hide,
        choices=choices,
        typed=v["typed"],
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
    c.keys(data, KIND, "a kind file")
    name = c.value(data, KIND["kind"], "kind")
    if not name:
        return None
    v, _ = c.read(data, KIND, f"kind '{name}'", skip=("kind",))
    fields: dict[str, FieldSpec] = v["fields"]
    templates: list[CardTemplate] = []
    raw: YamlSeq | None = v["templates"]
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
    return Kind(
        name,
        fields,
        tuple(templates),
        v["description"],
        v["standalone"],
        str(path),
        data.line,
    )


# Sources and facts --------------------------------------------------------------------------


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


class _Kinds:
    """The kinds a project's facts are read against, each with its fact table, made once."""

    def __init__(self, kinds: dict[str, Kind | None]) -> None:
        self.kinds = kinds  # None: the kind's file has problems
        self.records = {
            name: schema.fact_schema(kind) for name, kind in kinds.items() if kind is not None
        }


def _load_fact(
    c: _Collector, data: YamlMap, kinds: _Kinds, text: str, source_id: str
) -> Fact | None:
    fid = c.value(data, _FACT_ID, "fact")
    where = f"fact '{source_id}/{fid}'" if fid else "a fact"
    kind_name = c.value(data, _FACT_KIND, where)
    if kind_name in kinds.kinds and kinds.kinds[kind_name] is None:
        return None  # its kind file has problems, already reported: checking against it misleads
    kind = kinds.kinds.get(kind_name)
    if kind_name and kind is None:
        c.add(
            data.line_of("kind"),
            f"unknown kind '{kind_name}'{_odd(kind_name)}{did_you_mean(kind_name, kinds.kinds)}",
        )
    record = kinds.records[kind_name] if kind is not None else FACT
    c.keys(data, record, where, unknown=kind is not None)
    v, failed = c.read(data, record, where, skip=("id", "kind"))
    ok = bool(fid and kind) and "evidence" not in failed
    values: dict[str, FieldValue] = {}
    for spec in kind.fields.values() if kind else ():
        value = v[spec.name]
        if value is not None:
            values[spec.name] = value
        elif spec.name in failed or not spec.optional:
            ok = False

    evidence: tuple[str, ...] = v["evidence"]
    for quote in evidence:
        if quote not in text:
            near = closest_passage(quote, text)
            c.add(
                data.line_of("evidence"),
                f"evidence of {where} is not in the source text"
                + (f'; closest passage: "{near}"' if near else ""),
            )
            ok = False
    aliases = _aliases(c, v["aliases"], values, where) if v["aliases"] is not None else {}
    distractors = (
        _distractors(c, v["distractors"], kind.fields, where)
        if v["distractors"] is not None and kind is not None
        else {}
    )
    skip: frozenset[str] = frozenset()
    if v["skip"] and kind is not None:
        templates = {t.id for t in kind.templates}
        for name in v["skip"]:
            if name not in templates:
                c.add(
                    data.line_of("skip"),
                    f"{where} skips '{name}', which is not a template of kind "
                    f"'{kind.name}'{did_you_mean(name, templates)}",
                )
        skip = frozenset(v["skip"]) & templates
    if not ok:
        return None
    return Fact.built(  # (in Fact's field order)
        (
            fid,
            kind_name,
            values,
            evidence,
            v["tags"],
            v["note"],
            aliases,
            distractors,
            skip,
            c.path,
            data.line,
        )
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
    c: _Collector, raw: YamlMap, values: dict[str, FieldValue], where: str
) -> dict[str, tuple[str, ...]]:
    """`aliases: {value: [other form, ...]}`: each key is one of the fact's values or list
    items, so a typo in it cannot silently accept nothing."""
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
    c: _Collector, raw: YamlMap, specs: dict[str, FieldSpec], where: str
) -> dict[str, tuple[FieldValue, ...]]:
    """`distractors: {field: [wrong answer, ...]}`: hand-written wrong options, shown before
    any drawn from other facts. For a list field each distractor is itself a list."""
    out: dict[str, tuple[FieldValue, ...]] = {}
    for name, options in raw.items():
        line = raw.line_of(name)
        spec = specs.get(str(name))
        if spec is None:
            c.add(
                line,
                f"'distractors' of {where} names unknown field '{name}'{_odd(str(name))}"
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


def load_source(path: Path, kinds: _Kinds, problems: list[Problem]) -> Source | None:
    """One source file read against the project's kinds, its problems added to `problems`;
    None when what it has wrong leaves no source. It depends on nothing but the file's bytes,
    its path and `kinds`: so `load_project` may take it from a cache (its `read_source`)."""
    return _load_source(path, kinds, problems)


def _load_source(path: Path, kinds: _Kinds, problems: list[Problem]) -> Source | None:
    c = _Collector(path, problems)
    raw_file = _load(path, problems)
    data = c.mapping(raw_file, 1, "a source file") if raw_file is not _FAILED else None
    if data is None:
        return None
    c.keys(data, SOURCE, "a source")
    sid = c.value(data, SOURCE["id"], "source")
    v, _ = c.read(data, SOURCE, "the source", skip=("id",))
    title, authors, text, year = v["title"], v["authors"], v["text"], v["year"]
    if not any(k in data for k in ("arxiv", "url", "doi")):
        c.add(data.line, "a source needs a link: 'arxiv', 'url' or 'doi'")
    short = v["short"] if "short" in data else title.split(":")[0]
    flat = squash(text)
    facts: list[Fact] = []
    seen: dict[str, int] = {}
    raw: YamlSeq | None = v["facts"]
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
        v["arxiv"],
        v["url"],
        v["doi"],
        str(path),
        v["paper"],
    )


# The project --------------------------------------------------------------------------------


def _load_deck(root: Path, problems: list[Problem]) -> tuple[str, str]:
    """The deck's title and description. Without deck.yaml the folder's name is the title,
    which is rarely what a student should see in Anki: said, as a warning."""
    title = root.resolve().name
    path = root / "deck.yaml"
    if not os.path.lexists(path):  # a broken link is not "no deck.yaml": reading it says so
        problems.append(
            Problem(
                str(path),
                0,
                f"not found, so the deck is titled '{title}' after its folder; create "
                "deck.yaml with 'title: ...'",
                warning=True,
            )
        )
        return title, ""
    c = _Collector(path, problems)
    raw = _load(path, problems)
    deck = c.mapping(raw, 1, "deck.yaml") if raw is not _FAILED else None
    if deck is None:
        return title, ""
    c.keys(deck, DECK, "deck.yaml")
    v, _ = c.read(deck, DECK, "the deck")
    return v["title"] or title, v["description"]


SourceReader = Callable[[Path, _Kinds, list[Problem]], Source | None]


def load_project(
    root: Path, read_source: SourceReader | None = None
) -> tuple[Project, list[Problem]]:
    """Load every file of a project folder; return the project and every problem found.

    `read_source` stands in for `load_source` (a cache of its results, see quizgen.project).
    Raises InputError only when there is no project to speak of (no folder, no sources)."""
    if not root.is_dir():
        raise InputError.single(root, "no such folder" if not root.exists() else "not a folder")
    problems: list[Problem] = []
    title, description = _load_deck(root, problems)

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

    readers = _Kinds(kinds)
    read = read_source or load_source
    sources: dict[str, Source] = {}
    for path in source_files:
        source = read(path, readers, problems)
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
    named = _distinct_paper_names(list(sources.values()), problems)
    project = Project(root, title, tuple(named), usable, description)
    return project, problems


def _distinct_paper_names(sources: list[Source], problems: list[Problem]) -> list[Source]:
    """Two papers a question would name alike ("Hessel et al. (2021)" twice) get the letters
    an author-year bibliography gives them: "(2021a)", "(2021b)", in order of source id. Two
    that the user named alike with `paper:` are an error: the questions could not tell them
    apart."""
    by_name: dict[str, list[Source]] = {}
    for source in sources:
        by_name.setdefault(source.fields["paper"].casefold(), []).append(source)
    renamed: dict[str, Source] = {}
    for same in by_name.values():
        if len(same) < 2:
            continue
        explicit = [s for s in same if s.paper]
        if len(explicit) > 1:
            first = explicit[0]
            for other in explicit[1:]:
                problems.append(
                    Problem(
                        other.path,
                        1,
                        f"source '{other.id}' is named \"{other.paper}\" in questions, as "
                        f"'{first.id}' is: change 'paper:' in one of them",
                    )
                )
            continue
        defaults = sorted((s for s in same if not s.paper), key=lambda s: s.id)
        for letter, source in zip("abcdefghijklmnopqrstuvwxyz", defaults, strict=False):
            name = source.fields["paper"]
            lettered = name[:-1] + letter + ")" if name.endswith(")") else f"{name} ({letter})"
            renamed[source.id] = replace(source, paper=lettered)
    return [renamed.get(s.id, s) for s in sources]
