"""Which questions a handout asks, and in what order.

Pure: cards in, cards out. Every choice comes from a `random.Random` seeded with the handout
seed and a label for the purpose, so the same seed and options always give the same handout.
(Seeding with a string is stable across runs and machines; it does not depend on
PYTHONHASHSEED.)

A handout is read whole before it is answered, so no question may give away another: two
questions are never chosen together when what one shows (its question, or the visible part of
a cloze sentence) contains the other's answer (or another form of it) as whole words, compared
folded (no case, accents or punctuation). A cloze sentence shows most of a fact, so it is the
usual culprit: "Muesli reaches [...] on Atari" gives away "Which agent reaches 562%?".
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence

from quizgen.errors import InputError
from quizgen.model import Card
from quizgen.text import fold

# How many times to reshuffle a variant whose order repeats an earlier variant's.
_RESHUFFLES = 50


def answers_of(card: Card) -> frozenset[str]:
    """The card's answer as a reader would spot it in other text, folded: the answer (each
    hidden part of a cloze) and every other form of it."""
    forms = [s.text for s in card.cloze if s.hidden] if card.cloze else [card.answer]
    forms += [form for _, others in card.aliases for form in others]
    return frozenset(f for f in map(fold, forms) if f)


def shown_by(card: Card) -> tuple[str, ...]:
    """What the question shows before it is answered, folded, one string per stretch of text
    (a cloze's blanks split its sentence: no phrase runs across a blank)."""
    texts = [s.text for s in card.cloze if not s.hidden] if card.cloze else [card.front]
    parts = map(fold, texts)
    return tuple(p for p in parts if p)


def gives_away(shown: Card, asked: Card) -> bool:
    """Whether `shown`'s question contains `asked`'s answer, as whole words."""
    texts = [f" {text} " for text in shown_by(shown)]
    return any(f" {answer} " in text for answer in answers_of(asked) for text in texts)


def _phrases(texts: Iterable[str], lengths: Iterable[int]) -> set[str]:
    """Every run of whole words in the texts that is one of `lengths` words long."""
    found: set[str] = set()
    for text in texts:
        words = text.split()
        for n in lengths:
            found.update(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    return found


class _Chosen:
    """The questions chosen so far, kept so that a candidate is checked against all of them at
    once: the text their questions show (padded lines, indexed by word), and their answers
    with the numbers of words these have."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.by_word: dict[str, list[int]] = {}
        self.hidden: set[str] = set()
        self.lengths: set[int] = set()
        self._folded: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {}

    def _of(self, card: Card) -> tuple[frozenset[str], tuple[str, ...]]:
        """The card's answers and shown text, folded once (a card is looked at twice)."""
        found = self._folded.get(card.id)
        if found is None:
            found = self._folded[card.id] = (answers_of(card), shown_by(card))
        return found

    def _shows(self, answer: str) -> bool:
        """Whether a chosen question shows `answer` (looked for only in the lines that have
        its first word)."""
        padded = f" {answer} "
        lines = self.by_word.get(answer.split(" ", 1)[0], ())
        return any(padded in self.lines[i] for i in lines)

    def clashes(self, card: Card) -> bool:
        """Whether `card` would give away, or be given away by, a chosen question."""
        answers, shown = self._of(card)
        if any(map(self._shows, answers)):
            return True
        return not self.hidden.isdisjoint(_phrases(shown, self.lengths))

    def add(self, card: Card) -> None:
        answers, shown = self._of(card)
        for text in shown:
            for word in set(text.split()):
                self.by_word.setdefault(word, []).append(len(self.lines))
            self.lines.append(f" {text} ")
        self.hidden |= answers
        self.lengths |= {a.count(" ") + 1 for a in answers}


class _Queue:
    """One paper's candidates in the order they are asked for: a card of each fact in turn,
    then a second card of each fact, and so on. A card that clashes with a chosen question is
    dropped for good (the chosen only grow) and its fact is asked another way in the same turn.
    `once`: at most one card per fact."""

    def __init__(self, facts: list[list[Card]], once: bool) -> None:
        self.facts = [list(reversed(cards)) for cards in facts]  # pop() takes the first
        self.left = sum(map(len, facts))
        self.once = once
        self.turn = 0
        self.position = 0

    def take(self, chosen: _Chosen) -> Card | None:
        """The next card that clashes with nothing chosen, or None when none is left."""
        while self.left and not (self.once and self.turn > 0):
            if self.position == len(self.facts):
                self.turn, self.position = self.turn + 1, 0
                continue
            cards = self.facts[self.position]
            self.position += 1
            while cards:
                card = cards.pop()
                self.left -= 1
                if not chosen.clashes(card):
                    return card
        return None


def choose(cards: Sequence[Card], count: int | None, seed: int) -> list[Card]:
    """The questions to ask, in the cards' own order; no two of them give each other away.

    Without `count`, one question per fact (the seed picks which of the fact's cards; a fact
    whose every card would give away, or be given away by, a question already chosen is left
    out). With it, `count` questions shared as evenly as possible among the papers; within a
    paper, distinct facts come first, and a fact is asked a second way only when its paper has
    too few facts. Raises InputError about the setting `count` when that many cannot be asked.
    """
    papers: dict[str, dict[str, list[Card]]] = {}
    for card in cards:
        papers.setdefault(card.source, {}).setdefault(card.fact, []).append(card)
    rng = random.Random(f"quizgen-handout/{seed}/choose")
    orders: dict[str, list[list[Card]]] = {}
    for source, facts in papers.items():
        fact_lists = list(facts.values())
        rng.shuffle(fact_lists)
        orders[source] = []
        for fact_cards in fact_lists:
            fact_cards = fact_cards[:]
            rng.shuffle(fact_cards)
            orders[source].append(fact_cards)
    if count is None:
        quotas = {source: len(facts) for source, facts in papers.items()}
    else:
        if count > len(cards):
            raise InputError.about(
                "count", f"asks for {count} questions but only {len(cards)} match the filters"
            )
        sizes = {s: sum(map(len, facts)) for s, facts in orders.items()}
        quotas = _balance(sizes, count, rng)
    queues = {source: _Queue(facts, once=count is None) for source, facts in orders.items()}
    chosen = _Chosen()
    picked: list[Card] = []
    taken = dict.fromkeys(queues, 0)

    def take_turns(room: Callable[[str], bool]) -> None:
        """Papers take turns, one card each, so that no paper's questions crowd out another's
        in the clashes; until each is out of `room` or of cards, or the count is reached."""
        progress = True
        while progress:
            progress = False
            for source, queue in queues.items():
                if count is not None and len(picked) == count:
                    return
                if not room(source):
                    continue
                card = queue.take(chosen)
                if card is not None:
                    chosen.add(card)
                    picked.append(card)
                    taken[source] += 1
                    progress = True

    take_turns(lambda source: taken[source] < quotas[source])
    if count is not None and len(picked) < count:
        # A paper whose questions clash with those chosen leaves its share to the others.
        take_turns(lambda source: True)
    if count is not None and len(picked) < count:
        raise InputError.about(
            "count",
            f"asks for {count} questions but only {len(picked)} can be asked without one "
            "giving away another's answer",
        )
    ids = {c.id for c in picked}
    return [c for c in cards if c.id in ids]


def _balance(capacity: dict[str, int], count: int, rng: random.Random) -> dict[str, int]:
    """Share `count` among papers as evenly as their sizes allow; the seed decides who gets
    the leftover questions when they do not divide evenly."""
    quotas = dict.fromkeys(capacity, 0)
    while (left := count - sum(quotas.values())) > 0:
        open_ = [s for s in capacity if quotas[s] < capacity[s]]
        share, extra = divmod(left, len(open_))
        if share == 0:
            for s in rng.sample(open_, extra):
                quotas[s] += 1
            break
        for s in open_:
            quotas[s] = min(capacity[s], quotas[s] + share)
    return quotas


def order(
    chosen: Sequence[Card],
    *,
    shuffle: bool,
    seed: int,
    variant: str,
    earlier: Sequence[tuple[str, ...]],
) -> list[list[Card]]:
    """A version's question order, as groups: one per paper, or a single group when shuffled.

    A single handout keeps the sources' order unless `shuffle`; variants are always shuffled
    (within each paper unless `shuffle`) and reshuffled while they repeat an `earlier` order."""
    if shuffle:
        groups = [list(chosen)]
    else:
        by_paper: dict[str, list[Card]] = {}
        for card in chosen:
            by_paper.setdefault(card.source, []).append(card)
        groups = list(by_paper.values())
    if not (shuffle or variant):
        return groups
    rng = random.Random(f"quizgen-handout/{seed}/{variant}/order")
    for _ in range(_RESHUFFLES):
        shuffled = [rng.sample(g, len(g)) for g in groups]
        if tuple(c.id for g in shuffled for c in g) not in earlier:
            break
    return shuffled
