"""`quizgen import`: Anki's reviews of quizgen's cards, merged into the review history.

Anki's cards are matched to quizgen's card ids through the note GUID that `build` writes (a
hash of the card id, see quizgen.anki.package.guid_for): a note of the current sources matches
by GUID alone, and any other note whose CardId field hashes to its GUID is a quizgen card no
longer in these sources (its history is kept, as the terminal keeps it). Every other note is
the learner's own and is counted and skipped.

Anki's review log entries map to reviews one to one (button 1-4 is the rating, the entry id is
the time in ms, which also keys the review so a second import adds nothing). Entries that are
not answers are skipped and counted: manual changes (set due date, forget, reset), entries of
rescheduling, answers in a filtered deck that does not reschedule (cram), and any without a
button. Each card with new reviews then has its whole merged log replayed by the scheduler.
"""

from __future__ import annotations

import html
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from quizgen.errors import display_path
from quizgen.history.ankifile import AnkiHistory, RevlogEntry, read_history
from quizgen.store import LoggedReview, MergeCounts, Store
from quizgen.text import plural

# Why an entry of Anki's review log is not a review, by Anki's entry kinds (RevlogReviewKind)
MANUAL, RESCHEDULED, CRAM, UNANSWERED, UNKNOWN = (
    "manual",
    "rescheduled",
    "cram",
    "unanswered",
    "unknown kind",
)
SKIP_REASONS = (MANUAL, RESCHEDULED, CRAM, UNANSWERED, UNKNOWN)
_ANSWERS = {0, 1, 2, 3}  # learn, review, relearn, filtered


@dataclass(frozen=True)
class Matched:
    """Anki's reviews of quizgen's cards, as reviews, and what was left out and why."""

    reviews: dict[str, list[LoggedReview]]  # by quizgen card id, oldest first
    cards: int  # quizgen cards found in the collection
    outside_sources: int  # ... of which no longer (or never) in these sources
    foreign_cards: int  # the learner's own cards, not quizgen's
    foreign_reviews: int
    orphan_reviews: int  # entries of cards deleted from the collection
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class ImportReport:
    file: Path
    state: Path
    format: str
    dry_run: bool
    matched: Matched
    merged: MergeCounts

    def to_dict(self) -> dict[str, Any]:
        m = self.matched
        return {
            "file": str(self.file),
            "state": str(self.state),
            "format": self.format,
            "dry_run": self.dry_run,
            "reviews": {
                "added": self.merged.added,
                "already_present": self.merged.present,
                "skipped": {reason: m.skipped.get(reason, 0) for reason in SKIP_REASONS},
                "of_other_cards": m.foreign_reviews,
                "of_deleted_cards": m.orphan_reviews,
            },
            "cards": {
                "matched": m.cards,
                "outside_sources": m.outside_sources,
                "replayed": self.merged.cards,
                "foreign_skipped": m.foreign_cards,
            },
        }


def match(history: AnkiHistory, guids: dict[str, str], guid_for: Callable[[str], str]) -> Matched:
    """Map a collection's review log to reviews of quizgen card ids.

    `guids` maps the GUID of each card of the sources to its card id."""
    by_note: dict[int, str] = {}
    outside = 0
    for note_id, guid, fields in history.notes:
        card_id = guids.get(guid)
        if card_id is None:
            card_id = _card_id_field(guid, fields, guid_for)
            outside += card_id is not None
        if card_id is not None:
            by_note[note_id] = card_id
    # One Anki card per quizgen note (template 0); a card the learner added to one is theirs.
    ours = {
        cid: by_note[nid] for cid, (nid, ordinal) in history.cards.items()
        if ordinal == 0 and nid in by_note
    }  # fmt: skip
    reviews: dict[str, list[LoggedReview]] = {}
    skipped: Counter[str] = Counter()
    foreign = orphans = 0
    for entry in history.revlog:
        card_id = ours.get(entry.card)
        if card_id is None:
            if entry.card in history.cards:
                foreign += 1
            else:
                orphans += 1
            continue
        reason = skip_reason(entry)
        if reason:
            skipped[reason] += 1
            continue
        reviews.setdefault(card_id, []).append(
            LoggedReview(
                at=datetime.fromtimestamp(entry.id / 1000, timezone.utc),
                rating=entry.ease,
                duration_ms=max(0, entry.duration_ms),
                anki_id=entry.id,
            )
        )
    return Matched(
        reviews=reviews,
        cards=len(set(ours.values())),
        outside_sources=outside,
        foreign_cards=len(history.cards) - len(ours),
        foreign_reviews=foreign,
        orphan_reviews=orphans,
        skipped=skipped,
    )


def skip_reason(entry: RevlogEntry) -> str | None:
    """Why an entry of Anki's review log is not a review to replay, or None if it is one (as
    Anki's own FSRS reads its log: rslib/src/scheduler/fsrs/params.rs, reviews_for_fsrs)."""
    if entry.kind == 4:
        return MANUAL
    if entry.kind == 5:
        return RESCHEDULED
    if entry.kind not in _ANSWERS:
        return UNKNOWN
    if not 1 <= entry.ease <= 4:
        return UNANSWERED
    if entry.kind == 3 and entry.factor == 0:
        return CRAM
    return None


def _card_id_field(guid: str, fields: str, guid_for: Callable[[str], str]) -> str | None:
    """A note's card id from its CardId field (the last one of every quizgen note type) when
    the id hashes to the note's GUID; None for a note that is not quizgen's."""
    value = html.unescape(fields.rsplit("\x1f", 1)[-1])
    if value and "/" in value and guid_for(value) == guid:
        return value
    return None


def import_file(
    file: Path,
    *,
    state: Path | None,
    project: Path | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Merge the reviews in an Anki export (or collection file) into the review history.

    The file is read whole and checked before the history is opened: a bad file leaves the
    history as it was (or not created). A dry run computes everything and writes nothing."""
    from quizgen.anki.package import guid_for
    from quizgen.history import config
    from quizgen.planning import card_hash
    from quizgen.project import compile_project
    from quizgen.scheduler import replay
    from quizgen.store import default_path

    history = read_history(file)
    _, cards = compile_project(project, cached=True)
    matched = match(history, {guid_for(c.id): c.id for c in cards}, guid_for)
    hashes: dict[str, str | None] = {c.id: card_hash(c) for c in cards if c.id in matched.reviews}
    state_path = state or default_path()
    with _open(state_path, dry_run, make_folder=state is None) as store:
        settings = config.settings(store)
        merged = store.merge_reviews(
            matched.reviews,
            lambda log: replay(log, settings),
            text_hashes=hashes,
            dry_run=dry_run,
        )
    return ImportReport(file, state_path, history.format, dry_run, matched, merged)


class _open:
    """The store to merge into; on a dry run with no store yet, an empty one in a temporary
    folder, so that nothing is created where the history would be."""

    def __init__(self, path: Path, dry_run: bool, *, make_folder: bool) -> None:
        self.path, self.dry_run, self.make_folder = path, dry_run, make_folder
        self.tmp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Store:
        if self.dry_run and not self.path.exists():
            self.tmp = tempfile.TemporaryDirectory(prefix="quizgen-dry-run-")
            self.store = Store.open(Path(self.tmp.name) / "reviews.sqlite3")
        else:
            if self.make_folder:  # the default place, as `quiz` makes it
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.store = Store.open(self.path)
        return self.store

    def __exit__(self, *exc: object) -> None:
        self.store.close()
        if self.tmp is not None:
            self.tmp.cleanup()


def render(report: ImportReport) -> list[str]:
    """The summary as text lines."""
    m, merged = report.matched, report.merged
    verb = "would be added" if report.dry_run else "added"
    lines = [
        f"{display_path(report.file)}: {plural(merged.added, 'review')} {verb}, "
        f"{merged.present} already in the history ({report.format})",
        f"cards: {m.cards} of quizgen's found"
        + (f" ({m.outside_sources} not in these sources)" if m.outside_sources else "")
        + f", {merged.cards} with new reviews replayed from the merged history; "
        f"{plural(m.foreign_cards, 'other card')} skipped",
    ]
    skipped = [f"{m.skipped[r]} {r}" for r in SKIP_REASONS if m.skipped.get(r)]
    if skipped:
        lines.append(f"skipped log entries that are not answers: {', '.join(skipped)}")
    if report.dry_run:
        lines.append(f"dry run: {display_path(report.state)} was not changed")
    else:
        lines.append(f"history: {display_path(report.state)}")
    return lines
