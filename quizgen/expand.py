"""Expansion: templates applied to facts give cards. Pure: a project in, its cards out."""

from __future__ import annotations

import sys
from array import array
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import itemgetter

from quizgen.distractors import Pools, draw, pool_digests, source_pool_digests
from quizgen.model import Card, CardTemplate, Fact, FieldValue, Kind, Project, Source
from quizgen.template import Segment
from quizgen.text import fold, join_list, question_key

BLANK = "[...]"


def _render_values(fields: dict[str, str], values: dict[str, FieldValue]) -> dict[str, str]:
    """The texts a fact's templates read: its source's `fields` and its own values."""
    texts = dict(fields)
    for k, v in values.items():
        texts[k] = v if isinstance(v, str) else join_list(v)
    return texts


def _make_card(
    source: Source,
    fact: Fact,
    kind: Kind,
    template: CardTemplate,
    texts: dict[str, str],
    tags: tuple[str, ...],
) -> Card:
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
    # In Card's field order (see Card.built): tens of thousands of cards.
    return Card.built(
        (
            f"{source.id}/{fact.id}/{template.id}",  # id
            source.id,
            fact.id,
            template.id,
            kind.name,
            front,
            back,
            answer,
            items,  # answer_items
            fact.evidence,
            tags,
            fact.note,
            cloze,
            (),  # choices
            template.typed,
            aliases,
        )
    )


@dataclass
class Draft:
    """What one source makes by itself: its cards in order, each with the fold of its question
    and of its answer. Kept (quizgen.cache) to be made again only when the source changes.

    A multiple-choice card's options can take every source (see `expand`), so `expand` puts
    the options it draws into the draft's card, with what they were drawn from (`drawn`: card
    index -> whether they looked past the card's paper, the digest of the pool they read (the
    paper's part of it when they did not) and the answers the question excluded); an
    expansion with the same draft, pool digest and excluded answers keeps them. `pools` is
    the digest of the source's answers in each pool (`distractors.source_pool_digests`),
    found by the first expansion that needs it: then the pools' digests hash only the answers
    of the sources that changed. `redrawn` says it drew some options anew (or found `pools`):
    the draft changed."""

    cards: list[Card]
    folded: list[tuple[str, str]]
    drawn: dict[int, tuple[bool, str, tuple[str, ...]]] = field(default_factory=dict)
    redrawn: bool = False
    pools: dict[tuple[str, str], str] | None = None
    # What lets an expansion (and `checks.structural`) pass over a reused draft without
    # looking at each of its cards. `choice_at`: the indices of the cards that draw options;
    # `keys`: each card's `text.question_key`, 8 bytes each (an array of unsigned 64-bit
    # integers, little-endian).
    choice_at: tuple[int, ...] = ()
    keys: bytes = b""
    # The pools its options were drawn from, each with its digest then, and whether some
    # question of its multiple-choice cards was also asked by another paper (whose answers it
    # then excluded); None until options are drawn for the draft. `fit`: no card of it had
    # a problem in the last `checks.structural` (None: not checked yet).
    drawn_from: frozenset[tuple[tuple[str, ...], str]] | None = None
    foreign: bool = False
    fit: bool | None = None


def draft(project: Project, source: Source, *, keyed: bool = True) -> Draft:
    """The cards of one source, in order, before their multiple-choice options are drawn.
    Pure: the same source (with the same `paper` name, which can depend on the other
    sources) and kinds give equal drafts. keyed=False leaves out the questions' digests
    (`Draft.keys`), which only a draft that is kept needs."""
    cards: list[Card] = []
    folded: list[tuple[str, str]] = []
    keys = array("Q")
    choice_at: list[int] = []
    fields = source.fields  # a property that makes the dict (and the citation) anew each time
    # Per kind, what deciding on each template needs, looked up once rather than per fact.
    plans = {
        name: [
            (template, template.required_set, template.style, template.choices)
            for template in kind.templates
        ]
        for name, kind in project.kinds.items()
    }
    for fact in source.facts:
        kind = project.kinds[fact.kind]
        texts = _render_values(fields, fact.values)
        present = texts.keys()
        tags = (source.id, kind.name, *fact.tags)
        skip = fact.skip
        for template, required, style, choices in plans[fact.kind]:
            if present >= required and (not skip or template.id not in skip):
                card = _make_card(source, fact, kind, template, texts, tags)
                if choices:
                    choice_at.append(len(cards))
                cards.append(card)
                folded.append((fold(card.front), fold(card.answer)))
                if keyed:
                    keys.append(question_key(style, card.front))
    return Draft(cards, folded, choice_at=tuple(choice_at), keys=_little(keys))


def _little(keys: array[int]) -> bytes:
    if sys.byteorder != "little":
        keys.byteswap()
    return keys.tobytes()


def digests_of(keys: bytes) -> array[int]:
    """The `text.question_key` of each card, from `Draft.keys`."""
    out = array("Q", keys)
    if sys.byteorder != "little":
        out.byteswap()
    return out


def expand(project: Project, drafts: Mapping[str, Draft] | None = None) -> list[Card]:
    """Every card the project makes, in a stable order, multiple-choice options drawn.

    Every template that applies to a fact makes its card, even a broken one (an empty
    question, a cloze that hides nothing, a question asked twice): `checks.structural` finds
    those and says which cards may be used. `drafts` holds, by source id, what `draft` gave
    before for some sources: those are not made again, their options are drawn again only
    when what they depend on changed, and the drafts are updated with the options drawn."""
    # Per kind, its templates by id, each with the style of its cards.
    templates: dict[str, dict[str, tuple[CardTemplate, str]]] = {
        kind.name: {template.id: (template, template.style) for template in kind.templates}
        for kind in project.kinds.values()
    }
    if drafts is not None:
        quick = _expand_drafts(project, drafts, templates)
        if quick is not None:
            return quick
        for reused in drafts.values():
            reused.drawn_from = None  # (not kept up below: such a draft is looked at again)
    cards: list[Card] = []
    styles: list[str] = []
    folded: list[tuple[str, str]] = []
    to_choose: list[tuple[int, Source, Fact, CardTemplate, Draft, int]] = []
    for source in project.sources:
        made = drafts.get(source.id) if drafts is not None else None
        made = draft(project, source, keyed=False) if made is None else made
        facts: dict[str, Fact] | None = None
        start = len(cards)
        for i, card in enumerate(made.cards):
            template, style = templates[card.kind][card.template]
            if template.choices:
                if facts is None:
                    facts = {fact.id: fact for fact in source.facts}
                to_choose.append((start + i, source, facts[card.fact], template, made, i))
            styles.append(style)
        cards += made.cards
        folded += made.folded
    if not to_choose:
        return cards
    # Options are drawn once every question is known: another fact's right answer to the
    # same question must not be offered as wrong. Only what is answered to a multiple-choice
    # card's question is ever looked up.
    wanted = {folded[index][0] for index, *_ in to_choose}
    answers_to: dict[str, set[str]] = defaultdict(set)
    asked: set[tuple[str, str]] = set()
    for card, style, (question, answer) in zip(cards, styles, folded, strict=True):
        # A question asked again in the same style is an error (checks.structural): let only
        # its first card count, or the two would take each other's answer off their options.
        key = (style, card.front.casefold())
        if key not in asked:
            asked.add(key)
            if question in wanted:
                answers_to[question].add(answer)
    if drafts is None:
        # The drafts were made here and are seen by no one: draw every card's options, and
        # record nothing of what they were drawn from (`pool_digests` alone hashes every
        # answer of the project).
        pools = Pools(project)  # (every card draws)
        pools.answers_to = answers_to
        for index, source, fact, template, _, _ in to_choose:
            card = cards[index]
            aliases = [form for _, forms in card.aliases for form in forms]
            question = folded[index][0]
            options, _ = draw(pools, source, fact, template, card.id, question, aliases)
            cards[index] = card.with_choices(options)
        return cards
    digests = _digests(project, [(s, drafts[s.id]) for s in project.sources if s.id in drafts])
    draws = _Draws(project, answers_to, digests)
    for index, source, fact, template, made, i in to_choose:
        draws.keep_or_draw(made, i, source, fact, template, folded[index][0])
        cards[index] = made.cards[i]
    return cards


def _expand_drafts(
    project: Project,
    drafts: Mapping[str, Draft],
    templates: dict[str, dict[str, tuple[CardTemplate, str]]],
) -> list[Card] | None:
    """`expand(project, drafts)` without looking at each card of a draft whose options still
    hold: a build after an edit of one paper in a hundred looks at that paper's cards (and at
    those whose pools or excluded answers changed), not at the other 99 papers' 30,000.

    None when some question is asked twice in one style (an error that `checks.structural`
    reports): which of the two cards counts is then for `expand`'s card-by-card way to say."""
    parts: list[tuple[Source, Draft, int]] = []
    cards: list[Card] = []
    folded: list[tuple[str, str]] = []
    keys: set[int] = set()
    for source in project.sources:
        made = drafts.get(source.id)
        made = draft(project, source) if made is None else made
        if len(made.keys) != 8 * len(made.cards):
            return None
        parts.append((source, made, len(cards)))
        cards += made.cards
        folded += made.folded
        keys.update(digests_of(made.keys))
    if len(keys) != len(cards):
        return None  # some question asked twice
    # With no question asked twice, every card's answer counts against the options of a card
    # asking the same (folded) question, which is nearly always a card of the same paper.
    seen: set[str] = set()
    shared: set[str] = set()  # questions that more than one paper asks
    questions = []
    for _, made, _ in parts:
        asked = set(map(itemgetter(0), made.folded))
        shared |= seen & asked
        seen |= asked
        questions.append(asked)
    digests = _digests(project, [(source, made) for source, made, _ in parts])

    def choice_questions(made: Draft) -> set[str]:
        return {made.folded[i][0] for i in made.choice_at}

    # A draft whose options were drawn from pools of the same digests, none of whose
    # multiple-choice questions another paper asks (now or when they were drawn), keeps them.
    todo = [
        (source, made, start)
        for source, made, start in parts
        if made.choice_at
        and (
            made.drawn_from is None
            or made.foreign
            or any(digests.get(where, "") != digest for where, digest in made.drawn_from)
            or (shared and not choice_questions(made).isdisjoint(shared))
        )
    ]
    if not todo:
        return cards
    wanted: set[str] = set()
    for _, made, _ in todo:
        wanted |= choice_questions(made)
    answers_to: dict[str, set[str]] = defaultdict(set)
    for asked, (_, made, _) in zip(questions, parts, strict=True):
        if not asked.isdisjoint(wanted):
            for question, answer in made.folded:
                if question in wanted:
                    answers_to[question].add(answer)
    draws = _Draws(project, answers_to, digests)
    for source, made, start in todo:
        facts = {fact.id: fact for fact in source.facts}
        drawn_from: set[tuple[tuple[str, ...], str]] = set()
        for i in made.choice_at:
            card = made.cards[i]
            template = templates[card.kind][card.template][0]
            question = made.folded[i][0]
            drawn_from.add(
                draws.keep_or_draw(made, i, source, facts[card.fact], template, question)
            )
            cards[start + i] = made.cards[i]
        made.drawn_from = frozenset(drawn_from)
        made.foreign = bool(shared) and not choice_questions(made).isdisjoint(shared)
    return cards


def _digests(project: Project, made: list[tuple[Source, Draft]]) -> dict[tuple[str, ...], str]:
    """`distractors.pool_digests`, with each draft's digests of its paper's answers
    (`Draft.pools`), found now for a draft that has none yet."""
    known: dict[str, dict[tuple[str, str], str]] = {}
    for source, one in made:
        if one.pools is None:
            one.pools = source_pool_digests(project, source)
            one.redrawn = True
        known[source.id] = one.pools
    return pool_digests(project, known)


class _Draws:
    """What drawing a card's options anew reads (`Pools`, made when first needed), and what
    tells whether the options a draft holds still stand."""

    def __init__(
        self,
        project: Project,
        answers_to: dict[str, set[str]],
        digests: dict[tuple[str, ...], str],
    ) -> None:
        self.project, self.answers_to, self.digests = project, answers_to, digests
        self.pools: Pools | None = None

    def keep_or_draw(
        self, made: Draft, i: int, source: Source, fact: Fact, template: CardTemplate, question: str
    ) -> tuple[tuple[str, ...], str]:
        """Keep the options of the draft's card `i` if what they were drawn from is unchanged
        (the pool's digest, the answers its question excludes), else draw them anew into
        the draft. Returns the pool they come from and its digest."""
        card = made.cards[i]
        excluded = tuple(sorted(self.answers_to.get(question, ())))
        before = made.drawn.get(i)
        if before is not None:
            wide, digest, was_excluded = before
            where = (fact.kind, template.answer) + (() if wide else (source.id,))
            if digest == self.digests.get(where, "") and excluded == was_excluded:
                return where, digest  # the card holds the options these give
        if self.pools is None:
            self.pools = Pools(self.project)
            self.pools.answers_to = self.answers_to
        aliases = [form for _, forms in card.aliases for form in forms]
        options, wide = draw(self.pools, source, fact, template, card.id, question, aliases)
        made.cards[i] = card.with_choices(options)
        where = (fact.kind, template.answer) + (() if wide else (source.id,))
        digest = self.digests.get(where, "")
        made.drawn[i] = (wide, digest, excluded)
        made.redrawn = True
        return where, digest
