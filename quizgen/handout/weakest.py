"""The facts a learner, or a study group, remembers worst: `quizgen handout --weakest N`.

Each member's review history predicts, for every card they studied, the chance of recalling it
now (FSRS retrievability, `quizgen.scheduler.retrievability`). From that:

- a member's recall of a fact is the mean over the fact's cards they studied; a fact they never
  studied counts as recall 0 for them: they cannot recall what they never learned;
- the group's recall of a fact is the mean over the members, its lapses the sum of theirs;
- facts rank by that recall to the whole percent, lowest first, then by lapses, most first,
  then in the sources' order. So facts nobody has studied come first: narrow the handout
  with --source / --tag to what the group has covered.

Pure except `read_members`, which reads the histories. The handout then asks one question per
chosen fact, the seed picking which of its cards, as for any handout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from quizgen.errors import InputError, Problem
from quizgen.model import Card
from quizgen.scheduler import Memory, retrievability

Member = Mapping[str, Memory]  # one member's history: card id -> memory


@dataclass(frozen=True)
class FactRecall:
    """How well the group remembers one fact now."""

    source: str
    fact: str
    recall: float  # mean predicted recall over the members, 0 to 1
    lapses: int  # summed over the members and the fact's cards
    studied_by: int  # members who studied at least one of its cards

    @property
    def id(self) -> str:
        return f"{self.source}/{self.fact}"


def read_members(paths: Sequence[Path]) -> list[dict[str, Memory]]:
    """Each history's memories, in the order given. A history must exist (none is created);
    raises InputError listing every one that is missing or unreadable."""
    from quizgen.store import Store

    members: list[dict[str, Memory]] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            store = Store.open_existing(path)
            if store is None:
                problems.append(Problem(str(path), 0, "no review history here"))
                continue
            with store:
                members.append({card_id: e.memory for card_id, e in store.all_entries()})
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    return members


def rank(cards: Sequence[Card], members: Sequence[Member], now: datetime) -> list[FactRecall]:
    """Every fact of `cards`, the worst remembered first (see the module's notes)."""
    facts: dict[tuple[str, str], list[Card]] = {}
    for card in cards:
        facts.setdefault((card.source, card.fact), []).append(card)
    order = {key: i for i, key in enumerate(facts)}
    ranked = []
    for (source, fact), fact_cards in facts.items():
        recall, lapses, studied_by = 0.0, 0, 0
        for member in members:
            memories = [member[c.id] for c in fact_cards if c.id in member]
            if memories:
                recall += sum(retrievability(m, now) for m in memories) / len(memories)
                lapses += sum(m.lapses for m in memories)
                studied_by += 1
        mean = recall / len(members) if members else 0.0
        ranked.append(FactRecall(source, fact, mean, lapses, studied_by))
    ranked.sort(key=lambda f: (round(f.recall * 100), -f.lapses, order[f.source, f.fact]))
    return ranked


@dataclass
class Weakest:
    """`--weakest N`: called with the selected cards, keeps those of the N worst-remembered
    facts (and remembers the ranking, for the report)."""

    members: Sequence[Member]
    count: int
    now: datetime
    chosen: list[FactRecall] = field(default_factory=list)

    def __call__(self, cards: Sequence[Card]) -> list[Card]:
        if self.count < 1:
            raise InputError.single("--weakest", f"must be at least 1 (got {self.count})")
        ranked = rank(cards, self.members, self.now)
        if self.count > len(ranked):
            raise InputError.single(
                "--weakest",
                f"asks for {self.count} facts but only {len(ranked)} match the filters",
            )
        self.chosen = ranked[: self.count]
        keep = {(f.source, f.fact) for f in self.chosen}
        return [c for c in cards if (c.source, c.fact) in keep]
