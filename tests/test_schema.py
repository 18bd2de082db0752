"""quizgen.schema: the tables of keys, their types, and the loop in quizgen.loader that reads
records through them."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizgen import schema
from quizgen.errors import Problem
from quizgen.loader import _Collector
from quizgen.model import SOURCE_FIELDS, FieldSpec, Kind
from quizgen.schema import (
    DECK,
    FACT,
    KIND,
    SOURCE,
    TEMPLATE,
    Invalid,
    Key,
    Record,
    fact_schema,
    id_problem,
    tag_problem,
)
from quizgen.yamlio import YamlMap, load_yaml


def yaml(tmp_path: Path, text: str) -> YamlMap:
    path = tmp_path / "f.yaml"
    path.write_text(text)
    data = load_yaml(path)
    assert isinstance(data, YamlMap)
    return data


def messages(problems: list[Problem]) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in problems]


# The tables ---------------------------------------------------------------------------------


RECORDS = {r.noun: r for r in (DECK, SOURCE, FACT, KIND, TEMPLATE)}


def test_every_record_has_a_table() -> None:
    assert sorted(RECORDS) == ["deck", "fact", "kind", "source", "template"]


def test_the_keys_of_each_record() -> None:
    assert DECK.names == ("title", "description")
    assert SOURCE.names == (
        "id", "title", "short", "paper", "authors", "year", "arxiv", "url", "doi", "text", "facts",
    )  # fmt: skip
    assert FACT.names == (
        "id", "kind", "evidence", "tags", "note", "aliases", "distractors", "skip",
    )  # fmt: skip
    assert KIND.names == ("kind", "description", "standalone", "fields", "templates")
    assert TEMPLATE.names == (
        "id", "front", "back", "cloze", "hide", "answer", "choices", "typed", "agree",
    )  # fmt: skip


def test_required_keys() -> None:
    def required(record: Record) -> list[str]:
        return [key.name for key in record.required]

    assert required(DECK) == ["title"]
    assert required(SOURCE) == ["id", "title", "authors", "year", "text", "facts"]
    assert required(FACT) == ["id", "kind", "evidence"]
    assert required(KIND) == ["kind", "fields", "templates"]
    assert required(TEMPLATE) == ["id"]


@pytest.mark.parametrize("record", list(RECORDS.values()), ids=list(RECORDS))
def test_synonyms_are_unambiguous(record: Record) -> None:
    """A synonym names one key, is not itself a key of the record, and is written once."""
    words = [word for key in record.keys for word in key.synonyms]
    assert len(words) == len(set(words))
    assert not set(words) & set(record.names)


def test_no_field_may_take_a_reserved_or_source_name() -> None:
    # keys every fact has, whatever its kind, and the source's fields: no field may take one
    assert not set(FACT.names) & set(SOURCE_FIELDS)


def test_a_kinds_fact_table_adds_its_fields() -> None:
    kind = Kind(
        "result",
        {"subject": FieldSpec("subject", "text", False), "items": FieldSpec("items", "list", True)},
        (),
    )
    record = fact_schema(kind)
    assert record.names == (*FACT.names, "subject", "items")
    assert record["subject"].required and not record["items"].required
    assert record["subject"].missing == "{what} is missing field 'subject' of kind 'result'"


# Types --------------------------------------------------------------------------------------


def convert(key: Key, value: object, where: str = "the source") -> object:
    return key.type.convert(value, key, where)


def invalid(key: Key, value: object, where: str = "the source") -> list[str]:
    with pytest.raises(Invalid) as exc:
        convert(key, value, where)
    return [message for _, message in exc.value.problems]


def test_text_squashes_and_takes_numbers() -> None:
    assert convert(SOURCE["title"], "  A   title\n") == "A title"
    assert convert(SOURCE["title"], 2021) == "2021"
    assert invalid(SOURCE["title"], ["x"]) == ["'title' of the source must be text"]
    assert invalid(SOURCE["title"], True) == ["'title' of the source must be text"]
    assert invalid(SOURCE["title"], " ") == ["'title' of the source is empty"]
    assert invalid(SOURCE["title"], "a\0b") == ["'title' of the source contains a NUL character"]


def test_prose_keeps_its_lines() -> None:
    assert convert(SOURCE["text"], "  one\n  two  ") == "one\n  two"


def test_numbers_that_must_be_quoted() -> None:
    assert invalid(SOURCE["arxiv"], 2104.0615) == [
        "'arxiv' of the source must be text; quote it: '2104.0615'"
    ]
    assert invalid(SOURCE["id"], 5, "source") == ["'id' of source must be text; quote it: '5'"]


def test_an_id_message_points_at_the_character() -> None:
    assert convert(FACT["id"], "ok-1.x_y", "fact") == "ok-1.x_y"
    assert invalid(FACT["id"], "rеsult", "fact") == [
        "fact id 'rеsult' contains the non-ASCII character 'е' (U+0435 CYRILLIC SMALL LETTER "
        "IE) at position 2; ids use lowercase ASCII letters, digits, '-', '_' and '.'"
    ]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("acts", None),
        ("..", "must start with a lowercase letter or digit"),
        (".", "must start with a lowercase letter or digit"),
        ("-x", "must start with a lowercase letter or digit"),
        ("_x", "must start with a lowercase letter or digit"),
        ("Acts", "contains the capital letter 'A' at position 1; ids are lowercase"),
        ("a:b", "contains ':' at position 2; ids use only lowercase letters, digits, '-', "
                "'_' and '.'"),
        (
            "a\u200bb",
            "contains the non-ASCII character U+200B ZERO WIDTH SPACE at position 2; ids use "
            "lowercase ASCII letters, digits, '-', '_' and '.'",
        ),
    ],
)  # fmt: skip
def test_id_problem(value: str, problem: str | None) -> None:
    assert id_problem(value) == problem


def test_whole_numbers_and_flags() -> None:
    assert convert(SOURCE["year"], 2021) == 2021
    assert invalid(SOURCE["year"], "2021") == [
        "'year' of the source must be a whole number like 2021"
    ]
    assert invalid(SOURCE["year"], True) == [
        "'year' of the source must be a whole number like 2021"
    ]
    assert invalid(KIND["standalone"], "yes", "kind 'k'") == [
        "'standalone' of kind 'k' must be true or false"
    ]


@pytest.mark.parametrize(("value", "ok"), [(0, True), (2, True), (8, True), (1, False), (9, False)])
def test_choices_count(value: int, ok: bool) -> None:
    key = TEMPLATE["choices"]
    if ok:
        assert convert(key, value, "template 'k/t'") == value
    else:
        assert invalid(key, value, "template 'k/t'") == [
            "'choices' of template 'k/t' must be a number from 2 to 8"
        ]


def test_field_names() -> None:
    assert convert(TEMPLATE["agree"], "category") == ("category",)
    assert convert(TEMPLATE["agree"], []) == ()
    assert invalid(TEMPLATE["agree"], 5, "template 'k/t'") == [
        "'agree' of template 'k/t' must be a list of field names"
    ]
    # hide needs one, and its own wording
    assert invalid(TEMPLATE["hide"], [], "template 'k/t'") == [
        "template 'k/t' must name the field(s) it hides: hide: [field]"
    ]


def test_quotes() -> None:
    assert convert(FACT["evidence"], "a  quote\n") == ("a quote",)
    assert invalid(FACT["evidence"], [], "fact 's/f'") == [
        "'evidence' of fact 's/f' must be a quote or a list of quotes"
    ]
    assert invalid(FACT["evidence"], ["ok", 5], "fact 's/f'") == [
        "'evidence' of fact 's/f' must be a quote or a list of quotes"
    ]


@pytest.mark.parametrize(
    ("tag", "problem"),
    [
        ("rl", None),
        ("method::model-based", None),
        ("C++", None),
        ("é", None),
        ("", "is empty"),
        ("a b", "contains a space at position 2; a tag is one word (Anki splits tags at "
                "spaces): join the words with '-' or '_'"),
        ("a\u3000b", "contains the non-ASCII character U+3000 IDEOGRAPHIC SPACE at position 2; "
                     "a tag is one word (Anki splits tags at spaces): join the words with '-' "
                     "or '_'"),
        ("a\x01", "contains the control character U+0001, which Anki deletes from tags"),
        ('"a"', "contains '\"', which Anki deletes from tags"),
        ("a\u200b", "contains the non-ASCII character U+200B ZERO WIDTH SPACE at position 2, "
                    "which cannot be seen"),
        ("<i>x</i>", "contains markup ('<i>'); a tag is plain text"),
        ("a&#38;b", "contains markup ('&#38;'); a tag is plain text"),
        ("a&b", None),
        ("a<b", None),
        ("::a", "has an empty level: '::' separates levels, as in 'method::rl'"),
        ("a::::b", "has an empty level: '::' separates levels, as in 'method::rl'"),
        ("cafe\u0301", "is not in Unicode NFC form (the non-ASCII character U+0301 COMBINING "
                       "ACUTE ACCENT at position 5); Anki would store it as 'caf\u00e9', which "
                       "looks the same but is another tag"),
    ],
)  # fmt: skip
def test_tag_problem(tag: str, problem: str | None) -> None:
    assert tag_problem(tag) == problem


def test_tags_report_each_bad_item_at_its_line(tmp_path: Path) -> None:
    data = yaml(tmp_path, "tags:\n  - ok\n  - not ok\n  - <b>x</b>\n")
    with pytest.raises(Invalid) as exc:
        convert(FACT["tags"], data["tags"], "fact 's/f'")
    assert [line for line, _ in exc.value.problems] == [3, 4]
    assert convert(FACT["tags"], "one") == ("one",)
    assert invalid(FACT["tags"], [5], "fact 's/f'") == [
        "'tags' of fact 's/f' must be a list of words without spaces"
    ]


def test_a_template_is_parsed() -> None:
    parsed = convert(TEMPLATE["front"], "Which {x}?", "template 'k/t'")
    assert isinstance(parsed, schema.tpl.Template)
    assert parsed.fields == ("x",)
    assert invalid(TEMPLATE["front"], "Which {x", "template 'k/t'") == [
        "front of template 'k/t': " + str(_syntax_error("Which {x"))
    ]


def test_a_placeholder_with_a_look_alike_says_so() -> None:
    assert invalid(TEMPLATE["front"], "Which {subjеct}?", "template 'k/t'") == [
        "front of template 'k/t': " + str(_syntax_error("Which {subjеct}?")) + "; 'subjеct' "
        "contains the non-ASCII character 'е' (U+0435 CYRILLIC SMALL LETTER IE) at position 5"
    ]


def _syntax_error(text: str) -> Exception:
    with pytest.raises(schema.tpl.TemplateSyntaxError) as exc:
        schema.tpl.parse(text)
    return exc.value


def test_fields_keep_the_good_ones_beside_the_bad(tmp_path: Path) -> None:
    data = yaml(tmp_path, "fields:\n  subject: text\n  tags: text\n  n: number\n  list: list?\n")
    with pytest.raises(Invalid) as exc:
        convert(KIND["fields"], data["fields"], "kind 'k'")
    assert exc.value.problems == [
        (3, "'tags' is reserved for every fact; choose another field name"),
        (4, "field 'n' has type 'number'; use text, list, text? or list?"),
    ]
    assert exc.value.partial == {
        "subject": FieldSpec("subject", "text", False),
        "list": FieldSpec("list", "list", True),
    }


# The loop -----------------------------------------------------------------------------------


def test_read_gives_defaults_values_and_the_wrong_keys(tmp_path: Path) -> None:
    data = yaml(tmp_path, "id: t\nfront: 'Q {a}?'\nchoices: 9\ntyped: true\n")
    problems: list[Problem] = []
    values, failed = _Collector(tmp_path / "f.yaml", problems).read(
        data, TEMPLATE, "template 'k/t'", skip=("id",)
    )
    assert failed == {"choices"}
    assert messages(problems) == [(3, "'choices' of template 'k/t' must be a number from 2 to 8")]
    assert values["choices"] == 0  # the default, once said wrong
    assert values["typed"] is True
    assert values["hide"] == () and values["answer"] == "" and values["back"] is None
    assert values["front"].fields == ("a",)


def test_keys_hint_by_spelling_and_by_synonym(tmp_path: Path) -> None:
    data = yaml(tmp_path, "titel: T\nsummary: S\nid: x\n")
    problems: list[Problem] = []
    meant = _Collector(tmp_path / "f.yaml", problems).keys(data, DECK, "deck.yaml")
    assert meant == {"title", "description"}
    assert messages(problems) == [
        (1, "unknown key 'titel' in deck.yaml; did you mean 'title'?"),
        (2, "unknown key 'summary' in deck.yaml; did you mean 'description'?"),
        (3, "unknown key 'id' in deck.yaml"),
    ]  # and no "deck.yaml is missing 'title'": the misspelling said it


def test_keys_report_what_is_missing(tmp_path: Path) -> None:
    data = yaml(tmp_path, "kind: k\n")
    problems: list[Problem] = []
    _Collector(tmp_path / "f.yaml", problems).keys(data, KIND, "a kind file")
    assert messages(problems) == [
        (1, "a kind file is missing 'fields'"),
        (1, "a kind file is missing 'templates'"),
    ]


def test_unknown_keys_can_be_left_alone(tmp_path: Path) -> None:
    """A fact of an unknown kind: its fields cannot be told from typos."""
    data = yaml(tmp_path, "id: f\nsubject: x\n")
    problems: list[Problem] = []
    _Collector(tmp_path / "f.yaml", problems).keys(data, FACT, "fact 's/f'", unknown=False)
    assert messages(problems) == [
        (1, "fact 's/f' is missing 'kind'"),
        (1, "fact 's/f' is missing 'evidence'"),
    ]


def test_value_reads_one_key(tmp_path: Path) -> None:
    data = yaml(tmp_path, "id: Bad\n")
    problems: list[Problem] = []
    collector = _Collector(tmp_path / "f.yaml", problems)
    assert collector.value(data, SOURCE["id"], "source") == ""
    assert collector.value(data, SOURCE["title"], "the source") == ""  # absent: the default
    assert messages(problems) == [
        (1, "source id 'Bad' contains the capital letter 'B' at position 1; ids are lowercase")
    ]
