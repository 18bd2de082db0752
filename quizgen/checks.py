"""The checks that are not schema: what the loader cannot see in one record. Pure: a project
and its cards in, problems out.

`structural` finds what makes a card unusable, each an error that keeps the card out (the
build stops): a fact that yields no card, a card that renders an empty question or answer, a
cloze that hides nothing, a question asked twice, a multiple-choice card with too few options;
and templates that apply to no fact (an error) or kinds no fact uses (a warning).

`quality` finds what keeps a card from teaching, each a warning (`quizgen check --strict`
makes them errors). A card is good when a student who knows the paper answers it and one who
does not cannot guess it. These findings catch what gives an answer away or leaves more than one
right:

- the question shows the answer, or every content word of it;
- a multiple-choice card whose options are of mixed shape (a list of two beside lists of three,
  a percentage beside a count, one long option among short ones);
- a question that names neither its paper nor its authors and year, for kinds whose questions
  only have one answer within one paper (every kind not marked `standalone: true`);
- a question that says how many items ("the two ...") when the answer has another number;
- two facts whose questions read the same: the student cannot tell which answer is wanted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from itertools import groupby

from quizgen.distractors import MIN_OPTIONS, compatible, shape_of
from quizgen.errors import Problem
from quizgen.model import Card, CardTemplate, Project, Source
from quizgen.text import contains_words, fold, join_list, plural, question_digest

# Words that carry no content of their own: an answer made only of these plus words the
# question shows gives nothing to recall.
STOPWORDS = frozenset(
    (
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "with",
        "from",
        "as",
        "and",
        "or",
        "but",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "that",
        "this",
        "these",
        "those",
        "it",
        "its",
        "their",
        "his",
        "her",
        "our",
        "your",
        "which",
        "who",
        "whom",
        "what",
        "when",
        "where",
        "why",
        "how",
        "than",
        "then",
        "so",
        "such",
        "into",
        "onto",
        "over",
        "under",
        "about",
        "via",
        "per",
        "not",
        "no",
        "nor",
        "do",
        "does",
        "did",
        "has",
        "have",
        "had",
        "can",
        "could",
        "may",
        "might",
        "will",
        "would",
        "shall",
        "should",
    )
)
_COUNT_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "pair": 2, "couple": 2,
}  # fmt: skip
_COUNTED = re.compile(
    r"\b(?:the|these|its|their|all)\s+(?P<n>" + "|".join(_COUNT_WORDS) + r"|\d+)\b(?!\s*%)",
    re.IGNORECASE,
)


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def content_words(text: str) -> set[str]:
    return {_stem(w) for w in fold(text).split() if w not in STOPWORDS}


class _Question:
    """One card's question, folded once for every check that reads it (a 30,000-card project
    asks each of them 30,000 times)."""

    __slots__ = ("folded", "padded", "_words")

    def __init__(self, question: str) -> None:
        self.folded = fold(question)
        self.padded = f" {self.folded} "  # contains_words, with the haystack padded once
        self._words: set[str] | None = None

    def shows(self, folded: str) -> bool:
        """contains_words(self.folded, folded)."""
        return bool(folded) and f" {folded} " in self.padded

    def has_content_word(self, stem: str) -> bool:
        """Whether some content word of the question stems to `stem`: `stem` itself or `stem`
        with an 's' are the only words that can (see _stem), and both hold it as a substring,
        which most questions rule out without being split into words."""
        if stem not in self.folded:
            return False
        if self._words is None:
            self._words = set(self.folded.split()) - STOPWORDS
        if stem in self._words and _stem(stem) == stem:
            return True
        plural = stem + "s"
        return plural in self._words and _stem(plural) == stem


def gives_away(
    card: Card, question: _Question | None = None, wanted: set[str] | None = None
) -> bool:
    """Whether what is shown before the answer holds the answer or all its content words.
    `question` and `wanted` (the answer's content words) when the caller has them."""
    q = question or _Question(card.question)
    if q.shows(fold(card.answer)):
        return True
    if card.aliases and any(q.shows(fold(form)) for _, forms in card.aliases for form in forms):
        return True
    if wanted is None:
        wanted = content_words(card.answer)
    return bool(wanted) and all(q.has_content_word(w) for w in wanted)


def named_after_paper(card: Card, source: Source, question: _Question | None = None) -> bool:
    """Whether the answer carries the paper's short name and the question shows it: "In the
    Gemini 1.5 report, which model ...?" answers itself with "Gemini 1.5 Pro"."""
    short = fold(source.short)
    q = question or _Question(card.question)
    if not q.shows(short):  # most questions do not: the cheapest test first
        return False
    if len(card.answer.split()) > NAME_WORDS:
        return False  # a description that mentions the paper's model is not its name
    return contains_words(fold(card.answer), short)


def majority_answer(card: Card, items_of: dict[str, tuple[str, ...]]) -> bool:
    """Whether a list answer can be found by counting: each of its items appears in more
    options than any wrong item does."""
    if len(card.answer_items) < 2 or len(card.choices) < 3:
        return False
    counts: dict[str, int] = {}
    for option in card.choices:
        for entry in {fold(i) for i in items_of.get(option, (option,))}:
            counts[entry] = counts.get(entry, 0) + 1
    right = {fold(i) for i in card.answer_items}
    wrong = [n for entry, n in counts.items() if entry not in right]
    return bool(wrong) and min(counts.get(r, 0) for r in right) > max(wrong)


LONGEST_MARGIN = 1.3  # an answer this much longer (in words) than every other option stands out
NAME_WORDS = 4  # answers of up to this many words read as names, whose length says nothing


def longest_by_far(card: Card) -> bool:
    """Whether a phrase answer is the longest option by a margin: the test-wise pick."""
    words = len(card.answer.split())
    if words <= NAME_WORDS:
        return False
    others = [len(o.split()) for o in card.choices if o != card.answer]
    return len(others) >= 2 and words > LONGEST_MARGIN * max(others)


class _PaperNames:
    """What a question may name a paper by, folded once per source."""

    __slots__ = ("names", "surname", "year")

    def __init__(self, source: Source) -> None:
        names = (source.fields["paper"], source.title, source.short)
        self.names = [folded for folded in map(fold, names) if folded]
        first = fold(source.authors.split(",")[0]).split()
        self.surname = first[-1] if first else ""
        self.year = str(source.year)

    def named_in(self, q: _Question) -> bool:
        if any(q.shows(name) for name in self.names):
            return True
        return bool(self.surname) and q.shows(self.surname) and self.year in q.folded


def stated_count(question: str) -> int | None:
    """The number of items a question says the answer has ("the two sub-tasks", "its 3
    parts"). A bare "both" is not counted: it often describes another noun ("the tasks of
    both competitions")."""
    match = _COUNTED.search(question)
    if match is None:
        return None
    word = match["n"].lower()
    return int(word) if word.isdigit() else _COUNT_WORDS[word]


def mixed_shapes(card: Card, items_of: dict[str, tuple[str, ...]]) -> bool:
    """Whether some option of a multiple-choice card could be ruled out by its look."""
    answer_shape = shape_of(card.answer_items if len(card.answer_items) > 1 else card.answer)
    for option in card.choices:
        if option == card.answer:
            continue
        value = items_of.get(option, (option,))
        if not compatible(answer_shape, shape_of(value if len(value) > 1 else option)):
            return True
    return False


def structural(
    project: Project,
    cards: Sequence[Card],
    *,
    complete: bool = True,
    settled: Mapping[str, bytes] | None = None,
) -> tuple[list[Card], list[Problem]]:
    """The cards fit to use, and every problem that keeps one out or is wrong with the project
    as a whole (see the module's docstring).

    complete=False says some files failed to load: the checks that need every fact (options
    too few, templates that apply to no fact) are left out rather than reported falsely.

    `settled` maps the ids of sources whose cards are known to pass every check of a card by
    itself (quizgen.cache: an unchanged paper whose cards had no problem last time and kept
    their options) to their cards' questions (`expand.Draft.keys`): only that no other card
    asks the same is checked. When one may, every card is checked, to name the first asker."""
    from operator import attrgetter

    asked_there: set[int] = set()
    if settled and complete:
        from quizgen.expand import digests_of

        for keys in settled.values():
            asked_there.update(digests_of(keys))
        if len(asked_there) * 8 != sum(map(len, settled.values())):
            settled = None  # a question asked twice among them
    else:
        settled = None

    # For each template: what the common case needs of it, so that a card with nothing wrong
    # (nearly all of 30,000) costs a few lookups: the prefix of its question's key, whether it
    # is a cloze, and the options it must offer (none when the pool may be incomplete).
    templates = {
        (kind.name, template.id): (
            template,
            f"{template.style}:",  # (a question is compared as text.question_key reads it)
            template.cloze is not None,
            template.choices if complete else 0,
        )
        for kind in project.kinds.values()
        for template in kind.templates
    }
    facts = {
        (s.id, f.id): f
        for s in project.sources
        if settled is None or s.id not in settled  # (a settled paper's facts all have cards)
        for f in s.facts
    }
    problems: list[Problem] = []
    kept: list[Card] = []
    questions: dict[str, str] = {}
    hidden = attrgetter("hidden")
    runs = ((None, cards),) if settled is None else groupby(cards, attrgetter("source"))
    checked: list[Card] = []  # (with `settled`: the cards looked at one by one)
    for source_id, run in runs:
        if settled is not None:
            if source_id in settled:
                kept += run
                continue
            run = list(run)
            checked += run
        for card in run:
            template, prefix, cloze, choices = templates[card.kind, card.template]
            if card.front and card.back and not (cloze and not any(map(hidden, card.cloze))):
                question = prefix + card.front.casefold()
                if asked_there and question_digest(question) in asked_there:
                    # (a settled card asks it too, or one with the same digest: the long way)
                    return structural(project, cards, complete=complete)
                if questions.setdefault(question, card.id) is card.id:  # asked first here
                    if not choices or len(card.choices) >= choices:
                        kept.append(card)
                        continue
                    del questions[question]  # `_unusable` asks it again, says what is wrong
            message, warning = _unusable(card, template, template.style, questions, complete)
            if message:
                fact = facts[card.source, card.fact]
                problems.append(Problem(fact.path, fact.line, message, warning))
            if not message or warning:
                kept.append(card)
    looked_at = cards if settled is None else checked
    with_cards = set(map(attrgetter("source", "fact"), looked_at))  # (no Python loop: quicker)
    for (source_id, fact_id), fact in facts.items():
        if (source_id, fact_id) not in with_cards:
            problems.append(
                Problem(
                    fact.path,
                    fact.line,
                    f"fact '{source_id}/{fact_id}' yields no card: no template of kind "
                    f"'{fact.kind}' applies to the fields it has",
                )
            )
    if complete:
        used = set(map(attrgetter("kind", "template"), looked_at))
        if settled is not None and not used.issuperset(templates):
            used = set(map(attrgetter("kind", "template"), cards))
        problems += _unused(project, used)
    return kept, problems


def _unusable(
    card: Card, template: CardTemplate, style: str, questions: dict[str, str], complete: bool
) -> tuple[str, bool]:
    """What is wrong with one card, if anything, and whether it is only a warning. `style` is
    the template's; `questions` holds the questions seen so far."""
    if not card.front or not card.back:
        return f"card {card.id} renders an empty question or answer", False
    if template.cloze is not None and not any(s.hidden for s in card.cloze):
        return f"card {card.id} is a cloze that hides nothing", False
    # Two cards of one style asking the same thing: a student cannot tell which answer is
    # wanted (multiple-choice options don't make the question different).
    question = f"{style}:{card.front.casefold()}"
    if question in questions:
        return (
            f'card {card.id} asks the same question as {questions[question]}: "{card.front}"',
            False,
        )
    questions[question] = card.id
    if not template.choices or not complete:
        # With files that failed to load, the pool lacks their answers: a shortage reported
        # now could be false. The card keeps what there is.
        return "", False
    offered = len(card.choices)
    if offered >= template.choices:
        return "", False
    n, field = offered - 1, template.answer
    rules = "same shape, " + (f"same {', '.join(template.agree)}, " if template.agree else "")
    fits = (
        f"no other '{field}' answer fits"
        if n == 0
        else f"only {n} other '{field}' {'answer fits' if n == 1 else 'answers fit'}"
    )
    where = f"template '{card.kind}/{template.id}'"
    if offered < min(MIN_OPTIONS, template.choices):
        return (
            f"card {card.id} can offer {plural(offered, 'option')}, too few for multiple choice "
            f"({where}): {fits} ({rules}not in the question); add 'distractors:' to the fact"
        ), False
    return (
        f"card {card.id} gets {offered} options, not the {template.choices} {where} asks for: "
        f"{fits} ({rules}not in the question); add 'distractors:' to the fact"
    ), True


def _unused(project: Project, used: set[tuple[str, str]]) -> list[Problem]:
    """A template that applies to none of its kind's facts is a mistake (a field misnamed, a
    condition no fact meets). A kind no fact uses is not: a project may keep kinds it has no
    facts for yet, as it does when it starts from a copy of the bundled templates."""
    from itertools import chain
    from operator import attrgetter

    facts = chain.from_iterable(source.facts for source in project.sources)
    kinds_used = set(map(attrgetter("kind"), facts))
    problems = []
    for kind in project.kinds.values():
        if kind.name not in kinds_used:
            message = f"kind '{kind.name}' is used by no fact"
            problems.append(Problem(kind.path, kind.line, message, warning=True))
            continue
        for template in kind.templates:
            if (kind.name, template.id) not in used:
                message = f"template '{kind.name}/{template.id}' applies to no fact"
                problems.append(Problem(template.path, template.line, message))
    return problems


def quality(project: Project, cards: Sequence[Card]) -> list[Problem]:
    """Every card-quality warning for the cards of `project`."""
    sources = project.sources_by_id
    facts = {(s.id, f.id): f for s in project.sources for f in s.facts}
    papers = {source.id: _PaperNames(source) for source in project.sources}
    short_names = {source.id: fold(source.short) for source in project.sources}
    # Kinds whose questions must say which paper they are about.
    needs_paper = {name for name, kind in project.kinds.items() if not kind.standalone}
    # A list answer shows as "a, b and c": remember its items to judge its shape.
    items_of: dict[str, tuple[str, ...]] = {}
    for card in cards:
        if len(card.answer_items) > 1:
            items_of.setdefault(card.answer, card.answer_items)
    for source in project.sources:
        for fact in source.facts:
            for options in fact.distractors.values():
                for option in options:
                    if not isinstance(option, str):
                        items_of.setdefault(join_list(option), option)
    problems: list[Problem] = []
    seen: dict[str, Card] = {}
    wanted_of: dict[str, set[str]] = {}  # an answer's content words (a fact's cards share it)
    for card in cards:
        found: list[str] = []
        source = sources[card.source]
        question = _Question(card.question)
        answer = card.answer
        wanted = wanted_of.get(answer)
        if wanted is None:
            wanted = wanted_of[answer] = content_words(answer)
        short = short_names[card.source]
        if gives_away(card, question, wanted):
            found.append(f'card {card.id} gives its answer away: the question shows "{answer}"')
        elif contains_words(short, fold(answer)):
            found.append(
                f'card {card.id} gives its answer away: the paper\'s short name "{source.short}" '
                "heads its Anki deck and handout section; set a neutral 'short:' in the "
                f'source, like "{source.fields["paper"]}"'
            )
        elif question.shows(short) and named_after_paper(card, source, question):
            found.append(
                f'card {card.id} gives its answer away: "{card.answer}" is named after the '
                f'paper the question names ("{source.short}"); ask about something else'
            )
        if card.choices:
            if mixed_shapes(card, items_of):
                found.append(
                    f"card {card.id} mixes options of different shapes ("
                    + " / ".join(card.choices)
                    + "): a student can rule some out by their look; add 'distractors:' or "
                    "'agree:'"
                )
            elif majority_answer(card, items_of):
                found.append(
                    f"card {card.id} can be answered by counting: each item of the answer "
                    "appears in more options than any wrong item; balance the distractors' items"
                )
            elif longest_by_far(card):
                found.append(
                    f"card {card.id} has the answer as its longest option by far: a test-wise "
                    "student picks it; write distractors as long as the answer"
                )
        if card.kind in needs_paper and not papers[card.source].named_in(question):
            found.append(
                f"card {card.id} does not say which paper it is about: name it with {{paper}} "
                f'("{source.fields["paper"]}") in the template, or mark the kind standalone'
            )
        items = len(card.answer_items)
        if items > 1:  # a count in the question only matters beside a list answer
            stated = stated_count(card.question)
            if stated is not None and stated != items:
                found.append(
                    f"card {card.id} says {stated} items but its answer has {items}: {card.answer}"
                )
        other = seen.get(question.folded)
        if other is None:
            seen[question.folded] = card
        elif other.fact != card.fact or other.source != card.source:
            found.append(
                f"card {card.id} asks the same question as {other.id} of another fact "
                f'("{card.question}"): a student cannot tell which answer is wanted'
            )
        if found:
            fact = facts[card.source, card.fact]
            problems += (Problem(fact.path, fact.line, m, warning=True) for m in found)
    return problems
