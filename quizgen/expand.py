"""Expansion: templates applied to facts give cards. Pure: a project in, its cards out."""

from __future__ import annotations

from typing import Any

from quizgen.distractors import Pools, choose
from quizgen.model import Card, CardTemplate, Fact, Project, Source
from quizgen.template import Segment
from quizgen.text import fold, join_list

BLANK = "[...]"


def _card_values(
    source: Source,
    fact: Fact,
    template: CardTemplate,
    texts: dict[str, str],
    tags: tuple[str, ...],
) -> dict[str, Any]:
    """The fields of the card `template` makes from `fact`, in Card's order (see Card.built);
    `texts` are the fact's and its source's values as text, `tags` the card's tags."""
    answer_value = fact.values[template.answer]
    items = (answer_value,) if isinstance(answer_value, str) else answer_value
    answer = texts[template.answer]
    aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()
    if fact.aliases:
        wanted = {answer, *items}
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
    return {
        "id": f"{source.id}/{fact.id}/{template.id}",
        "source": source.id,
        "fact": fact.id,
        "template": template.id,
        "kind": fact.kind,
        "front": front,
        "back": back,
        "answer": answer,
        "answer_items": items,
        "evidence": fact.evidence,
        "tags": tags,
        "note": fact.note,
        "cloze": cloze,
        "choices": (),
        "typed": template.typed,
        "aliases": aliases,
    }


def expand(project: Project) -> list[Card]:
    """Every card the project makes, in a stable order, multiple-choice options drawn.

    Every template that applies to a fact makes its card, even a broken one (an empty
    question, a cloze that hides nothing, a question asked twice): `checks.structural` finds
    those and says which cards may be used."""
    made: list[dict[str, Any]] = []
    styles: list[str] = []
    to_choose: list[tuple[dict[str, Any], Source, Fact, CardTemplate]] = []
    # Per kind, what deciding on each template needs, looked up once rather than per fact.
    plans = {
        name: [(t, t.required_set, t.style) for t in kind.templates]
        for name, kind in project.kinds.items()
    }
    for source in project.sources:
        fields = source.fields
        for fact in source.facts:
            texts = dict(fields)
            texts.update(
                {k: v if isinstance(v, str) else join_list(v) for k, v in fact.values.items()}
            )
            present = texts.keys()
            tags = (source.id, fact.kind, *fact.tags)
            skip = fact.skip
            for template, required, style in plans[fact.kind]:
                if present >= required and (not skip or template.id not in skip):
                    values = _card_values(source, fact, template, texts, tags)
                    if template.choices:
                        to_choose.append((values, source, fact, template))
                    made.append(values)
                    styles.append(style)
    if to_choose:
        _draw_options(project, made, styles, to_choose)
    return [Card.built(values) for values in made]


def _draw_options(
    project: Project,
    made: list[dict[str, Any]],
    styles: list[str],
    to_choose: list[tuple[dict[str, Any], Source, Fact, CardTemplate]],
) -> None:
    """Fill in the options of the multiple-choice cards among `made`.

    Options are drawn once every question is known: another fact's right answer to the same
    question must not be offered as wrong."""
    pools = Pools(project)
    questions = [fold(values["front"]) for values, *_ in to_choose]
    # Only what is answered to a multiple-choice card's question is ever looked up.
    wanted = set(questions)
    asked: set[tuple[str, str]] = set()
    for values, style in zip(made, styles, strict=True):
        # A question asked again in the same style is an error (checks.structural): let only
        # its first card count, or the two would take each other's answer off their options.
        key = (style, values["front"].casefold())
        if key not in asked:
            asked.add(key)
            question = fold(values["front"])
            if question in wanted:
                pools.answers_to[question].add(fold(values["answer"]))
    for (values, source, fact, template), question in zip(to_choose, questions, strict=True):
        aliases = [form for _, forms in values["aliases"] for form in forms]
        values["choices"] = choose(pools, source, fact, template, values["id"], question, aliases)
