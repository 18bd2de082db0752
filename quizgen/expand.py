"""Expansion: templates applied to facts give cards. Pure: a project in, its cards out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from quizgen.distractors import Pools, choose
from quizgen.model import Card, CardTemplate, Fact, FieldValue, Kind, Project, Source
from quizgen.template import Segment
from quizgen.text import fold, join_list

BLANK = "[...]"


def _render_values(source: Source, values: dict[str, FieldValue]) -> dict[str, str]:
    texts = source.fields
    texts.update({k: v if isinstance(v, str) else join_list(v) for k, v in values.items()})
    return texts


def _make_card(
    source: Source,
    fact: Fact,
    kind: Kind,
    template: CardTemplate,
    texts: dict[str, str],
) -> Card:
    answer_value = fact.values[template.answer]
    items = (answer_value,) if isinstance(answer_value, str) else answer_value
    wanted = {texts[template.answer], *items}
    aliases = tuple((value, forms) for value, forms in fact.aliases.items() if value in wanted)
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
        answer_items=items,
        evidence=fact.evidence,
        tags=(source.id, kind.name, *fact.tags),
        note=fact.note,
        cloze=cloze,
        typed=template.typed,
        aliases=aliases,
    )


def draft(project: Project, source: Source) -> list[Card]:
    """The cards of one source, in order, before their multiple-choice options are drawn
    (which takes every source: see `expand`). Pure: the same source (with the same `paper`
    name, which can depend on the other sources) and kinds give equal drafts."""
    cards: list[Card] = []
    for fact in source.facts:
        kind = project.kinds[fact.kind]
        texts = _render_values(source, fact.values)
        present = texts.keys()
        for template in kind.templates:
            if present >= template.required_set and template.id not in fact.skip:
                cards.append(_make_card(source, fact, kind, template, texts))
    return cards


def expand(project: Project, drafts: Mapping[str, list[Card]] | None = None) -> list[Card]:
    """Every card the project makes, in a stable order, multiple-choice options drawn.

    Every template that applies to a fact makes its card, even a broken one (an empty
    question, a cloze that hides nothing, a question asked twice): `checks.structural` finds
    those and says which cards may be used. `drafts` holds what `draft` gave before for some
    sources (by source id), made again only for the others."""
    templates = {
        (kind.name, template.id): template
        for kind in project.kinds.values()
        for template in kind.templates
    }
    cards: list[Card] = []
    styles: list[str] = []
    to_choose: list[tuple[int, Source, Fact, CardTemplate]] = []
    for source in project.sources:
        made = drafts.get(source.id) if drafts is not None else None
        facts = {fact.id: fact for fact in source.facts}
        for card in draft(project, source) if made is None else made:
            template = templates[card.kind, card.template]
            if template.choices:
                to_choose.append((len(cards), source, facts[card.fact], template))
            cards.append(card)
            styles.append(template.style)
    if not to_choose:
        return cards
    # Options are drawn once every question is known: another fact's right answer to the
    # same question must not be offered as wrong.
    pools = Pools(project)
    asked: set[tuple[str, str]] = set()
    for card, style in zip(cards, styles, strict=True):
        # A question asked again in the same style is an error (checks.structural): let only
        # its first card count, or the two would take each other's answer off their options.
        key = (style, card.front.casefold())
        if key not in asked:
            asked.add(key)
            pools.answers_to[fold(card.question)].add(fold(card.answer))
    for index, source, fact, template in to_choose:
        card = cards[index]
        aliases = [form for _, forms in card.aliases for form in forms]
        options = choose(pools, source, fact, template, card.id, card.question, aliases)
        cards[index] = replace(card, choices=options)
    return cards
