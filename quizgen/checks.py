"""Card-quality findings: the checks that are not about the input's form but about whether a
card teaches. Each is a warning (`quizgen check --strict` makes them errors). Pure: a project
and its cards in, problems out.

A card is good when a student who knows the paper answers it and one who does not cannot guess
it. These findings catch what gives an answer away or leaves more than one right:

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
from collections.abc import Sequence

from quizgen.distractors import compatible, shape_of
from quizgen.errors import Problem
from quizgen.model import Card, Fact, Project, Source
from quizgen.text import contains_words, fold, join_list

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


def gives_away(card: Card) -> bool:
    """Whether what is shown before the answer holds the answer or all its content words."""
    question = fold(card.question)
    answers = [card.answer, *(form for _, forms in card.aliases for form in forms)]
    if any(contains_words(question, fold(a)) for a in answers):
        return True
    wanted = content_words(card.answer)
    return bool(wanted) and wanted <= content_words(card.question)


def named_after_paper(card: Card, source: Source) -> bool:
    """Whether the answer carries the paper's short name and the question shows it: "In the
    Gemini 1.5 report, which model ...?" answers itself with "Gemini 1.5 Pro"."""
    short = fold(source.short)
    if len(card.answer.split()) > NAME_WORDS:
        return False  # a description that mentions the paper's model is not its name
    return contains_words(fold(card.answer), short) and contains_words(fold(card.question), short)


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
    others = [len(o.split()) for o in card.choices if o != card.answer]
    return words > NAME_WORDS and len(others) >= 2 and words > LONGEST_MARGIN * max(others)


def names_paper(card: Card, source: Source) -> bool:
    """Whether the question says which paper it is about: its author-year name, title, short
    title, or its first author's surname together with its year."""
    question = fold(card.question)
    fields = source.fields
    names = [fields["paper"], source.title, source.short]
    if any(contains_words(question, fold(n)) for n in names if fold(n)):
        return True
    first = fold(source.authors.split(",")[0]).split()
    return bool(first) and contains_words(question, first[-1]) and str(source.year) in question


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


def quality(project: Project, cards: Sequence[Card]) -> list[Problem]:
    """Every card-quality warning for the cards of `project`."""
    sources = project.sources_by_id
    facts: dict[str, Fact] = {f"{s.id}/{f.id}": f for s in project.sources for f in s.facts}
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
    for card in cards:
        fact = facts[card.fact_id]

        def warn(message: str, fact: Fact = fact) -> None:
            problems.append(Problem(fact.path, fact.line, message, warning=True))

        source = sources[card.source]
        if gives_away(card):
            warn(f'card {card.id} gives its answer away: the question shows "{card.answer}"')
        elif contains_words(fold(source.short), fold(card.answer)):
            warn(
                f'card {card.id} gives its answer away: the paper\'s short name "{source.short}" '
                "heads its Anki deck and handout section; set a neutral 'short:' in the "
                f'source, like "{source.fields["paper"]}"'
            )
        elif named_after_paper(card, source):
            warn(
                f'card {card.id} gives its answer away: "{card.answer}" is named after the '
                f'paper the question names ("{source.short}"); ask about something else'
            )
        if card.choices and mixed_shapes(card, items_of):
            warn(
                f"card {card.id} mixes options of different shapes ("
                + " / ".join(card.choices)
                + "): a student can rule some out by their look; add 'distractors:' or 'agree:'"
            )
        elif card.choices and majority_answer(card, items_of):
            warn(
                f"card {card.id} can be answered by counting: each item of the answer appears "
                "in more options than any wrong item; balance the distractors' items"
            )
        elif card.choices and longest_by_far(card):
            warn(
                f"card {card.id} has the answer as its longest option by far: a test-wise "
                "student picks it; write distractors as long as the answer"
            )
        kind = project.kinds.get(card.kind)
        if kind is not None and not kind.standalone and not names_paper(card, source):
            warn(
                f"card {card.id} does not say which paper it is about: name it with {{paper}} "
                f'("{source.fields["paper"]}") in the template, or mark the kind standalone'
            )
        stated = stated_count(card.question)
        if stated is not None and len(card.answer_items) > 1 and stated != len(card.answer_items):
            warn(
                f"card {card.id} says {stated} items but its answer has "
                f"{len(card.answer_items)}: {card.answer}"
            )
        key = fold(card.question)
        other = seen.get(key)
        if other is not None and other.fact_id != card.fact_id:
            warn(
                f"card {card.id} asks the same question as {other.id} of another fact "
                f'("{card.question}"): a student cannot tell which answer is wanted'
            )
        seen.setdefault(key, card)
    return problems
