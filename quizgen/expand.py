"""Expansion: templates applied to facts give cards. Pure: project in, cards and problems out."""

from __future__ import annotations

import hashlib
import struct
from collections import defaultdict

from quizgen.errors import Problem
from quizgen.model import Card, CardTemplate, Fact, FieldValue, Kind, Project, Source
from quizgen.template import Segment
from quizgen.text import fold, join_list

BLANK = "[...]"
_EIGHT_WORDS = struct.Struct(">8I")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def card_draws(card_id: str, count: int) -> list[int]:
    """`count` stable pseudo-random 32-bit numbers for one card (distractors, option order).

    Derived from a SHA-256 of the card id, so they never change between runs or machines;
    cheaper than seeding a random.Random per card, which matters at tens of thousands of cards.
    """
    out: list[int] = []
    for block in range((count + 7) // 8):
        out.extend(_EIGHT_WORDS.unpack(hashlib.sha256(f"{card_id}#{block}".encode()).digest()))
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
    source: Source,
    fact: Fact,
    kind: Kind,
    template: CardTemplate,
    texts: dict[str, str],
    choices: tuple[str, ...],
) -> Card:
    answer_value = fact.values[template.answer]
    cloze: tuple[Segment, ...] = ()
    if template.cloze is not None:
        runs = template.cloze.split(texts, template.hide_set)
        runs[0] = runs[0].lstrip()
        runs[-1] = runs[-1].rstrip()
        cloze = tuple(Segment(text, i % 2 == 1) for i, text in enumerate(runs) if text)
        runs[1::2] = [BLANK] * (len(runs) // 2)
        front = "".join(runs)
        back = "".join(s.text for s in cloze)
    else:
        assert template.front is not None and template.back is not None
        front = template.front.render(texts)
        back = template.back.render(texts)
    return Card(
        id=f"{source.id}/{fact.id}/{template.id}",
        source=source.id,
        fact=fact.id,
        template=template.id,
        kind=kind.name,
        front=front,
        back=back,
        answer=texts[template.answer],
        answer_items=(answer_value,) if isinstance(answer_value, str) else answer_value,
        evidence=fact.evidence,
        tags=(source.id, kind.name, *fact.tags),
        note=fact.note,
        cloze=cloze,
        choices=choices,
        typed=template.typed,
    )


def _choices(card_id: str, answer: str, count: int, pool: list[tuple[str, str]]) -> tuple[str, ...]:
    """The options of a multiple-choice card: the answer plus count-1 distractors drawn from
    `pool` by the card's id, in an order also drawn from it; None when the pool is too small.

    The pool holds each distinct answer once, this card's own among them, so drawing one index
    more than needed and dropping the right answer keeps this O(count) for any pool size.
    The caller makes sure the pool holds at least `count` answers."""
    wanted = count - 1
    right = fold(answer)
    take = min(len(pool), wanted + 1)
    draws = card_draws(card_id, take + count)
    picks = pick_distinct(len(pool), take, draws)
    candidates = [pool[i][1] for i in picks if pool[i][0] != right][:wanted]
    candidates.append(answer)
    return tuple(candidates[i] for i in pick_distinct(count, count, draws[take:]))


def expand(
    project: Project, *, draw_choices: bool = True, complete: bool = True
) -> tuple[list[Card], list[Problem]]:
    """Every card the project makes, in a stable order, and every problem expansion finds.

    With draw_choices=False (what `check` needs) multiple-choice cards come without their
    options: whether a template has enough distractors depends only on the size of its pool,
    which is still checked, and drawing 10,000s of option sets is most of expansion's time.

    complete=False says some files failed to load: the checks that need every fact (templates
    that apply to no fact, distractor pools) are left out rather than reported falsely."""
    problems: list[Problem] = []
    cards: list[Card] = []
    pools = _distractor_pools(project)
    used: dict[tuple[str, str], int] = defaultdict(int)
    short_of: dict[tuple[str, str], int] = {}
    questions: dict[str, str] = {}

    def problem(fact: Fact, message: str) -> None:
        problems.append(Problem(fact.path, fact.line, message))

    for source in project.sources:
        for fact in source.facts:
            kind = project.kinds[fact.kind]
            texts = _render_values(fact.values)
            present = texts.keys()
            applicable = [t for t in kind.templates if present >= t.required_set]
            if not applicable:
                problem(
                    fact,
                    f"fact '{source.id}/{fact.id}' yields no card: no template of kind "
                    f"'{kind.name}' applies to the fields it has",
                )
            for template in applicable:
                used[kind.name, template.id] += 1
                style = "cloze" if template.cloze else "choice" if template.choices else "basic"
                choices: tuple[str, ...] = ()
                card_id = f"{source.id}/{fact.id}/{template.id}"
                if template.choices:
                    pool = pools.get((kind.name, template.answer), [])
                    if len(pool) - 1 < template.choices - 1:  # the pool has this answer too
                        if complete:
                            short_of[kind.name, template.id] = len(pool) - 1
                        continue
                    if draw_choices:
                        choices = _choices(card_id, texts[template.answer], template.choices, pool)
                card = _make_card(source, fact, kind, template, texts, choices)
                if not card.front or not card.back:
                    problem(fact, f"card {card.id} renders an empty question or answer")
                    continue
                if template.cloze is not None and not any(s.hidden for s in card.cloze):
                    problem(fact, f"card {card.id} is a cloze that hides nothing")
                    continue
                # Two cards of one style asking the same thing: a student cannot tell which
                # answer is wanted (multiple-choice options don't make the question different).
                question = f"{style}:{card.front.casefold()}"
                if question in questions:
                    problem(
                        fact,
                        f"card {card.id} asks the same question as {questions[question]}: "
                        f'"{card.front}"',
                    )
                    continue
                questions[question] = card.id
                cards.append(card)

    for kind in project.kinds.values():
        for template in kind.templates:
            key = (kind.name, template.id)
            if not used[key] and complete:
                problems.append(
                    Problem(
                        template.path,
                        template.line,
                        f"template '{kind.name}/{template.id}' applies to no fact",
                    )
                )
            elif key in short_of:
                wanted, have = template.choices - 1, max(0, short_of[key])
                problems.append(
                    Problem(
                        template.path,
                        template.line,
                        f"template '{kind.name}/{template.id}' needs {_count(wanted, 'distractor')}"
                        f" but kind '{kind.name}' has only {have} other '{template.answer}' "
                        f"{'answer' if have == 1 else 'answers'}; add facts or lower 'choices'",
                    )
                )
    return cards, problems
