"""Expansion: templates applied to facts give cards. Pure: project in, cards and problems out."""

from __future__ import annotations

import hashlib
from collections import defaultdict

from quizgen.errors import Problem
from quizgen.model import Card, CardTemplate, Fact, FieldValue, Kind, Project, Source
from quizgen.template import Segment
from quizgen.text import fold, join_list, squash

BLANK = "[...]"


def card_draws(card_id: str, count: int) -> list[int]:
    """`count` stable pseudo-random 32-bit numbers for one card (distractors, option order).

    Derived from a SHA-256 of the card id, so they never change between runs or machines;
    cheaper than seeding a random.Random per card, which matters at tens of thousands of cards.
    """
    out: list[int] = []
    block = 0
    while len(out) < count:
        digest = hashlib.sha256(f"{card_id}#{block}".encode()).digest()
        out.extend(int.from_bytes(digest[i : i + 4], "big") for i in range(0, 32, 4))
        block += 1
    return out[:count]


def pick_distinct(n: int, k: int, draws: list[int]) -> list[int]:
    """k distinct indices below n, from k draws (a partial Fisher-Yates over a virtual list)."""
    swapped: dict[int, int] = {}
    picks = []
    for i in range(k):
        j = i + draws[i] % (n - i)
        picks.append(swapped.get(j, j))
        swapped[j] = swapped.get(i, i)
    return picks


def _render_values(values: dict[str, FieldValue]) -> dict[str, str]:
    return {k: v if isinstance(v, str) else join_list(v) for k, v in values.items()}


def _distractor_pools(project: Project) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """For each (kind, answer field): the distinct answers facts give, in order of appearance,
    as (comparison key, text) pairs."""
    wanted = {(k.name, t.answer) for k in project.kinds.values() for t in k.templates if t.choices}
    pools: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for source in project.sources:
        for fact in source.facts:
            for kind, field in wanted:
                if fact.kind == kind and field in fact.values:
                    value = fact.values[field]
                    text = value if isinstance(value, str) else join_list(value)
                    pools[kind, field].setdefault(fold(text), text)
    return {key: list(pool.items()) for key, pool in pools.items()}


def _make_card(
    source: Source, fact: Fact, kind: Kind, template: CardTemplate, texts: dict[str, str]
) -> Card:
    card_id = f"{source.id}/{fact.id}/{template.id}"
    answer_value = fact.values[template.answer]
    items = (answer_value,) if isinstance(answer_value, str) else answer_value
    common = dict(
        id=card_id,
        source=source.id,
        fact=fact.id,
        template=template.id,
        kind=kind.name,
        answer=texts[template.answer],
        answer_items=tuple(items),
        evidence=fact.evidence,
        tags=(source.id, kind.name, *fact.tags),
        note=fact.note,
        typed=template.typed,
    )
    if template.cloze is not None:
        segments = _merge(template.cloze.segments(texts, frozenset(template.hide)))
        front = squash("".join(BLANK if s.hidden else s.text for s in segments))
        back = squash("".join(s.text for s in segments))
        return Card(front=front, back=back, cloze=tuple(segments), **common)  # type: ignore[arg-type]
    assert template.front is not None and template.back is not None
    return Card(
        front=template.front.render(texts),
        back=template.back.render(texts),
        **common,  # type: ignore[arg-type]
    )


def _merge(segments: list[Segment]) -> list[Segment]:
    """Join neighbouring visible runs so each output sees text, blank, text."""
    merged: list[Segment] = []
    for seg in segments:
        if merged and not seg.hidden and not merged[-1].hidden:
            merged[-1] = Segment(merged[-1].text + seg.text)
        else:
            merged.append(seg)
    return merged


def _with_choices(card: Card, template: CardTemplate, pool: list[tuple[str, str]]) -> Card | None:
    """The card with its options: the answer plus distractors drawn from `pool` by the card's
    seed. Sampling one more index than needed and dropping the right answer keeps this O(choices)
    however large the pool is (the pool holds each answer once)."""
    wanted = template.choices - 1
    right = fold(card.answer)
    if len(pool) - 1 < wanted:  # the pool holds this card's own answer too
        return None
    take = min(len(pool), wanted + 1)
    draws = card_draws(card.id, take + template.choices)
    picks = pick_distinct(len(pool), take, draws)
    distractors = [pool[i][1] for i in picks if pool[i][0] != right][:wanted]
    candidates = [*distractors, card.answer]
    order = pick_distinct(len(candidates), len(candidates), draws[take:])
    options = [candidates[i] for i in order]
    return Card(**{**card.__dict__, "choices": tuple(options)})


def expand(project: Project) -> tuple[list[Card], list[Problem]]:
    """Every card the project makes, in a stable order, and every problem expansion finds."""
    problems: list[Problem] = []
    cards: list[Card] = []
    pools = _distractor_pools(project)
    used: dict[tuple[str, str], int] = defaultdict(int)
    short_of: dict[tuple[str, str], int] = {}
    questions: dict[str, str] = {}

    for source in project.sources:
        for fact in source.facts:
            kind = project.kinds[fact.kind]
            texts = _render_values(fact.values)
            made = 0
            for template in kind.templates:
                if not all(name in texts for name in template.required_fields):
                    continue
                used[kind.name, template.id] += 1
                card = _make_card(source, fact, kind, template, texts)
                if template.choices:
                    pool = pools.get((kind.name, template.answer), [])
                    with_choices = _with_choices(card, template, pool)
                    if with_choices is None:
                        short_of[kind.name, template.id] = len(pool) - 1
                        continue
                    card = with_choices
                if not card.front or not card.back:
                    problems.append(
                        Problem(
                            fact.path,
                            fact.line,
                            f"card {card.id} renders an empty question or answer",
                        )
                    )
                    continue
                if template.cloze is not None and not any(s.hidden for s in card.cloze):
                    problems.append(
                        Problem(
                            fact.path, fact.line, f"card {card.id} is a cloze that hides nothing"
                        )
                    )
                    continue
                question = squash(" | ".join((card.front, *card.choices)).casefold())
                if question in questions:
                    problems.append(
                        Problem(
                            fact.path,
                            fact.line,
                            f"card {card.id} asks the same question as {questions[question]}: "
                            f'"{card.front}"',
                        )
                    )
                    continue
                questions[question] = card.id
                cards.append(card)
                made += 1
            if made == 0 and not any(
                all(n in texts for n in t.required_fields) for t in kind.templates
            ):
                problems.append(
                    Problem(
                        fact.path,
                        fact.line,
                        f"fact '{source.id}/{fact.id}' yields no card: no template of kind "
                        f"'{kind.name}' applies to the fields it has",
                    )
                )

    for kind in project.kinds.values():
        for template in kind.templates:
            key = (kind.name, template.id)
            if not used[key]:
                problems.append(
                    Problem(
                        template.path,
                        template.line,
                        f"template '{kind.name}/{template.id}' applies to no fact",
                    )
                )
            elif key in short_of:
                problems.append(
                    Problem(
                        template.path,
                        template.line,
                        f"template '{kind.name}/{template.id}' needs {template.choices - 1} "
                        f"distractors but kind '{kind.name}' has only {max(0, short_of[key])} "
                        f"other '{template.answer}' answers; add facts or lower 'choices'",
                    )
                )
    return cards, problems
