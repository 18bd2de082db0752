"""Expansion: templates applied to facts give cards. Pure: project in, cards and problems out."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from quizgen.distractors import MIN_OPTIONS, Pools, choose
from quizgen.errors import Problem
from quizgen.model import Card, CardTemplate, Fact, FieldValue, Kind, Project, Source
from quizgen.template import Segment
from quizgen.text import fold, join_list, plural

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


def expand(project: Project, *, complete: bool = True) -> tuple[list[Card], list[Problem]]:
    """Every card the project makes, in a stable order, and every problem expansion finds.

    complete=False says some files failed to load: the checks that need every fact (templates
    that apply to no fact) are left out rather than reported falsely."""
    problems: list[Problem] = []
    cards: list[Card] = []
    used: dict[tuple[str, str], int] = defaultdict(int)
    questions: dict[str, str] = {}
    pools = Pools(project)
    to_choose: list[tuple[int, Source, Fact, CardTemplate]] = []

    def problem(fact: Fact, message: str, warning: bool = False) -> None:
        problems.append(Problem(fact.path, fact.line, message, warning))

    for source in project.sources:
        for fact in source.facts:
            kind = project.kinds[fact.kind]
            texts = _render_values(source, fact.values)
            present = texts.keys()
            applicable = [
                t for t in kind.templates if present >= t.required_set and t.id not in fact.skip
            ]
            if not applicable:
                problem(
                    fact,
                    f"fact '{source.id}/{fact.id}' yields no card: no template of kind "
                    f"'{kind.name}' applies to the fields it has",
                )
            for template in applicable:
                used[kind.name, template.id] += 1
                style = "cloze" if template.cloze else "choice" if template.choices else "basic"
                card = _make_card(source, fact, kind, template, texts)
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
                pools.answers_to[fold(card.question)].add(fold(card.answer))
                if template.choices:
                    to_choose.append((len(cards), source, fact, template))
                cards.append(card)

    # Options are drawn once every question is known: another fact's right answer to the
    # same question must not be offered as wrong.
    dropped: set[int] = set()
    for index, source, fact, template in to_choose:
        card = cards[index]
        aliases = [form for _, forms in card.aliases for form in forms]
        choice = choose(pools, source, fact, template, card.id, card.question, aliases)
        where = f"template '{fact.kind}/{template.id}'"
        if not complete:
            # Some facts failed to load: the pool lacks their answers, and a shortage
            # reported now could be false. The card still gets what there is.
            cards[index] = replace(card, choices=choice.options)
            continue
        n, field = choice.distractors, template.answer
        rules = "same shape, " + (f"same {', '.join(template.agree)}, " if template.agree else "")
        fits = (
            f"no other '{field}' answer fits"
            if n == 0
            else f"only {n} other '{field}' {'answer fits' if n == 1 else 'answers fit'}"
        )
        if len(choice.options) < min(MIN_OPTIONS, template.choices):
            problem(
                fact,
                f"card {card.id} can offer {plural(len(choice.options), 'option')}, too few for "
                f"multiple choice ({where}): {fits} ({rules}not in the question); "
                "add 'distractors:' to the fact",
            )
            dropped.add(index)
            continue
        if choice.distractors < choice.wanted:
            problem(
                fact,
                f"card {card.id} gets {len(choice.options)} options, not the "
                f"{template.choices} {where} asks for: {fits} ({rules}not in the question); "
                "add 'distractors:' to the fact",
                warning=True,
            )
        cards[index] = replace(card, choices=choice.options)
    if dropped:
        cards = [c for i, c in enumerate(cards) if i not in dropped]

    if complete:
        problems += _unused(project, used)
    return cards, problems


def _unused(project: Project, used: dict[tuple[str, str], int]) -> list[Problem]:
    """A template that applies to none of its kind's facts is a mistake (a field misnamed, a
    condition no fact meets). A kind no fact uses is not: a project may keep kinds it has no
    facts for yet, as it does when it starts from a copy of the bundled templates."""
    kinds_used = {fact.kind for source in project.sources for fact in source.facts}
    problems = []
    for kind in project.kinds.values():
        if kind.name not in kinds_used:
            message = f"kind '{kind.name}' is used by no fact"
            problems.append(Problem(kind.path, kind.line, message, warning=True))
            continue
        for template in kind.templates:
            if not used[kind.name, template.id]:
                message = f"template '{kind.name}/{template.id}' applies to no fact"
                problems.append(Problem(template.path, template.line, message))
    return problems
