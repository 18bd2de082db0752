"""The placeholder language: parsing, optional parts, and what it refuses to do."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizgen.template import Field, Group, TemplateSyntaxError, parse


def test_parts_and_fields() -> None:
    t = parse("Which {category} {claim}[ {condition}]?")
    assert t.parts == (
        "Which ",
        Field("category"),
        " ",
        Field("claim"),
        Group((" ", Field("condition"))),
        "?",
    )
    assert t.fields == ("category", "claim", "condition")
    assert t.required_fields == ("category", "claim")


def test_optional_part_vanishes_without_its_field() -> None:
    t = parse("Which {category} {claim}[ {condition}]?")
    values = {"category": "method", "claim": "matches MuZero"}
    assert t.render(values) == "Which method matches MuZero?"
    values["condition"] = "without deep search"
    assert t.render(values) == "Which method matches MuZero without deep search?"


def test_optional_part_needs_every_field_inside() -> None:
    t = parse("{a}[ ({b}, {c})].")
    assert t.render({"a": "x", "b": "y"}) == "x."
    assert t.render({"a": "x", "b": "y", "c": "z"}) == "x (y, z)."


def test_literal_braces_and_brackets() -> None:
    t = parse("{{literal}} [[x]] {a}")
    assert t.render({"a": "A"}) == "{literal} [x] A"


def test_values_are_never_interpreted() -> None:
    t = parse("Q: {a}")
    assert t.render({"a": "{b} {0} {a.__class__}"}) == "Q: {b} {0} {a.__class__}"


def test_split_marks_hidden_runs() -> None:
    t = parse("{subject} {claim}[ {condition}].")
    runs = t.split({"subject": "Muesli", "claim": "wins"}, frozenset({"subject"}))
    assert runs == ["", "Muesli", " wins."]
    runs = t.split({"subject": "M", "claim": "x", "condition": "c"}, frozenset({"claim"}))
    assert runs == ["M ", "x", " c."]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "{subject.__class__}",
            "placeholder {subject.__class__} is not a field name; placeholders name a field, "
            "like {subject}, and cannot reach attributes, indexes or code",
        ),
        (
            "{items[0]}",
            "placeholder {items[0]} is not a field name; placeholders name a field, "
            "like {subject}, and cannot reach attributes, indexes or code",
        ),
        (
            "{x!r}",
            "placeholder {x!r} is not a field name; placeholders name a field, like {subject}, "
            "and cannot reach attributes, indexes or code",
        ),
        ("{a", "unmatched '{'; placeholders look like {field}, and {{ writes a literal '{'"),
        ("a}", "unmatched '}'; placeholders look like {field}, and }} writes a literal '}'"),
        ("[a [b]]", "optional parts [...] cannot nest; write [[ for a '['"),
        ("a]", "']' closes no optional part; write ]] for a ']'"),
        ("[a", "optional part '[' is never closed with ']'"),
    ],
)
def test_syntax_errors(source: str, message: str) -> None:
    with pytest.raises(TemplateSyntaxError) as exc:
        parse(source)
    assert str(exc.value) == message


names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
literal = st.text(alphabet=st.characters(blacklist_characters="{}[]\0"), max_size=12)


@given(st.lists(st.tuples(literal, names), max_size=5), st.data())
def test_render_is_the_concatenation(pieces: list[tuple[str, str]], data: st.DataObject) -> None:
    source = "".join(lit + "{" + name + "}" for lit, name in pieces)
    values = {name: data.draw(literal.filter(bool)) for _, name in pieces}
    expected = "".join(lit + values[name] for lit, name in pieces).strip()
    assert parse(source).render(values) == expected
