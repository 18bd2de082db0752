"""Anki output: turn a compiled project into an .apkg that imports cleanly and updates in place.

    notetypes  the four frozen note types and their CSS
    notes      cards -> notes: escaped fields, deck, tags
    lock       quizgen.lock: what each note was and when it last changed
    package    the .apkg itself: SQLite in genanki's layout, zipped deterministically
    progress   the terminal's scheduling and review log, for `build --with-progress`

`build` runs them in order: validate everything (output path, lock file), reconcile the notes
with the lock, write the package, then record the build in the lock file. genanki is imported
only when writing.

`build_project` compiles a project folder and builds it, but first asks `up_to_date` whether
the last build's package is still what a build would write: then it writes nothing. Each
build leaves a stamp in the user cache folder (quizgen.cache) saying what it was made from: a
digest of the inputs and of quizgen's code, and the lock file's and the package file's
identities (size, times, inode). A build with progress never leaves one: the history changes
without any input file changing.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

from quizgen.errors import InputError, Problem, display_path

if TYPE_CHECKING:  # the writers load when a build runs: `up_to_date` needs none of them
    from quizgen.anki import kept, lock
    from quizgen.anki.notes import Note
    from quizgen.model import Card, Project

DIST = Path("dist")


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote, with notes counted against the previous build.

    `new`, `changed` and `unchanged` count the notes of current cards; `retired` counts the
    notes of removed cards (`newly_retired` of them removed since the last build). `warning`
    says why a build that changed something could not be recorded in the lock file."""

    output: Path
    lock: Path
    lock_written: bool
    notes: int
    cards: int
    new: int
    changed: int
    unchanged: int
    retired: int
    newly_retired: int
    warning: str = ""
    progress: ProgressCount | None = None
    up_to_date: bool = False  # nothing to do: the package already is what a build would write

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = asdict(self)
        data["output"] = display_path(self.output)
        data["lock"] = display_path(self.lock)
        if self.progress is None:
            del data["progress"]  # a plain build reports what it always did
        else:
            data["progress"]["state"] = display_path(self.progress.state)  # type: ignore[index]
        if not self.up_to_date:
            del data["up_to_date"]  # said only when it is news
        return data


@dataclass(frozen=True)
class ProgressCount:
    """What `--with-progress` put in the package: the history it read, the cards it scheduled
    and the reviews it logged."""

    state: Path
    cards: int
    reviews: int


def default_output(title: str) -> Path:
    """dist/<slug of the deck title>.apkg, relative to the working folder."""
    slug = re.sub(r"[^\w]+", "-", title.casefold()).strip("-_") or "deck"
    return DIST / f"{slug}.apkg"


def build_project(
    path: Path | None, output: Path | None, now: float, progress_from: Path | None = None
) -> BuildResult:
    """Compile the project at `path` (see `quizgen.project.resolve_root`) and `build` it,
    unless `up_to_date` finds the last build's package still current: then nothing is read
    past the input files' bytes and nothing is written. Raises InputError as `build` does,
    and for every problem of the project."""
    from quizgen import cache
    from quizgen.project import resolve_root

    root = resolve_root(path)
    inputs = digests = None
    if root.is_dir():
        digests = cache.input_digests(root)  # before compiling: an edit meanwhile is a miss
        if progress_from is None:
            inputs = cache.fingerprint(root, digests)
            done = up_to_date(root, output, inputs)
            if done is not None:
                return done
    # The last package's collection is claimed while the sources compile (see anki.kept).
    with _kept(root if progress_from is None else None) as keeper:
        return _compile_and_build(root, output, now, progress_from, inputs, digests, keeper)


def _compile_and_build(
    root: Path,
    output: Path | None,
    now: float,
    progress_from: Path | None,
    inputs: str | None,
    digests: dict[Path, str] | None,
    keeper: kept.Kept | None,
) -> BuildResult:
    from quizgen import cache
    from quizgen.anki.notes import notes_for
    from quizgen.project import compile_cached

    # The whole compilation is not stored: writing it costs a build more than it saves it.
    project, cards, store = compile_cached(root, digests=digests)
    notes = notes_for(project, cards, store.known_notes(project) if store else None)
    saved: list[bool] = []

    def save() -> None:  # the per-source entries: while the package is zipped, or after
        if store is not None and not saved:
            saved.append(True)
            for note in notes:
                note.guid  # noqa: B018 (found now, it is kept with the note)
            store.save(project, cards, notes)

    try:
        result = build(project, cards, output, now, progress_from, notes, save, keeper)
    finally:
        save()  # (if the build failed before it could)
    name = _stamp_name(root, output)
    if inputs is None or not result.lock.is_file() or result.warning:
        cache.forget_record(_STAMPS, name)  # unrecorded changes count again next time
        return result
    identity = _identity(result.output)
    lock_identity = _identity(result.lock)
    if identity is not None and lock_identity is not None:
        stamp = {
            "format": _STAMP_FORMAT,
            "inputs": inputs,
            "lock": lock_identity,
            "package": identity,
            "target": str(result.output),
            "notes": result.notes,
            "retired": result.retired,
        }
        cache.write_record(_STAMPS, name, stamp)
    return result


def _kept(root: Path | None) -> contextlib.AbstractContextManager[kept.Kept | None]:
    """The kept collection of the project at `root`, being claimed (see anki.kept); none
    without a root or a cache folder."""
    from quizgen.anki import kept

    keeper = kept.Kept.of(root) if root is not None else None
    return keeper.start() if keeper is not None else contextlib.nullcontext()


_STAMPS = "builds"
_STAMP_FORMAT = 2  # (1 held the lock file's digest)


def up_to_date(root: Path, output: Path | None, inputs: str) -> BuildResult | None:
    """What the last build of `root` to `output` wrote, if a build now would write the same:
    its stamp says so for these `inputs` (`quizgen.cache.fingerprint`), this lock file and
    this very package file, none of them changed since. Else None: build."""
    from quizgen import cache
    from quizgen.anki.lock import LOCK_NAME

    stamp = cache.read_record(_STAMPS, _stamp_name(root, output))
    if stamp is None or stamp.get("format") != _STAMP_FORMAT or stamp.get("inputs") != inputs:
        return None
    target, notes, retired = stamp.get("target"), stamp.get("notes"), stamp.get("retired")
    if not (isinstance(target, str) and _count(notes) and _count(retired) and retired <= notes):
        return None
    target_path = Path(target) if output is None else output
    lock_path = root / LOCK_NAME
    if _identity(target_path) != stamp.get("package") or _identity(lock_path) != stamp.get("lock"):
        return None
    return BuildResult(
        output=target_path,
        lock=lock_path,
        lock_written=False,
        notes=notes,
        cards=notes,
        new=0,
        changed=0,
        unchanged=notes - retired,
        retired=retired,
        newly_retired=0,
        up_to_date=True,
    )


def _count(value: object) -> TypeGuard[int]:
    return type(value) is int and value >= 0


def _stamp_name(root: Path, output: Path | None) -> str:
    """Which build a stamp is of: the project folder and the output, both absolute (without
    -o, the default output of the working folder: its file name follows the deck title, which
    the inputs cover)."""
    where = os.path.abspath(output) if output is not None else "default " + os.path.abspath(DIST)
    return f"{os.path.abspath(root)}\0{where}"


def _identity(path: Path) -> list[int] | None:
    """A file (the package, the lock file) as it stands: any write, rename over it or touch
    changes one of these (ctime too, which no one can set back)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def build(
    project: Project,
    cards: Sequence[Card],
    output: Path | None,
    now: float,
    progress_from: Path | None = None,
    notes: Sequence[Note] | None = None,
    meanwhile: Callable[[], object] | None = None,
    keeper: kept.Kept | None = None,
) -> BuildResult:
    """Write the project's Anki package to `output` (default: `default_output`, creating
    dist/ if needed) and record the build in the project's quizgen.lock.

    With `progress_from` (a review history file, which must exist), the package also carries
    the terminal's scheduling of every studied card and its review log (see anki.progress).

    Raises InputError, before writing anything, when the output cannot be written or may not be
    (a file of the project, a file that is not an earlier package: see `quizgen.outputs`), the
    lock file is not one quizgen wrote or the history cannot be read. `now` (Unix seconds)
    stamps new and changed notes. `notes`, when given, are `notes.notes_for(project, cards)`,
    made already. `meanwhile`, when given, is called while the package is written (see
    `package.write_package`), or else once it is written. `keeper`, the project's kept
    collection (see anki.kept), is what the package is updated from; without one, and
    without `progress_from`, the build finds and keeps its own."""
    from collections import Counter
    from operator import attrgetter

    from quizgen.anki import lock
    from quizgen.anki.notes import deck_name, notes_for
    from quizgen.outputs import check_output

    target = output if output is not None else default_output(project.title)
    lock_path = project.root / lock.LOCK_NAME
    problems: list[Problem] = []
    try:
        if output is not None or target.parent.exists():
            check_output(target, "package", project.root)
        if target.suffix.lower() != ".apkg":
            raise InputError.single(target, "the output must end in .apkg (Anki imports .apkg)")
    except InputError as exc:
        problems += exc.problems
    try:
        previous = lock.read(lock_path)
    except InputError as exc:
        problems += exc.problems
        previous = {}
    history = None
    if progress_from is not None:
        from quizgen.anki.progress import read_history

        try:
            history = read_history(progress_from)
        except InputError as exc:
            problems += exc.problems
    notes = notes_for(project, cards) if notes is None else notes
    top = deck_name(project.title)
    source_decks = {s.id: deck_name(project.title, s.short) for s in project.sources}
    entries = lock.reconcile(  # (pure: nothing is written before the problems are known)
        notes, previous, now, lambda card_id: source_decks.get(card_id.split("/")[0], top)
    )
    problems += _note_type_problems(project, cards, entries, previous)
    if problems:
        raise InputError(problems)

    write_lock = not lock_path.exists() or any(e.status != "unchanged" for e in entries)
    warning = ""
    if write_lock and not os.access(project.root, os.W_OK):
        # A read-only project (the bundled deck in site-packages, a read-only checkout) still
        # builds a correct package: changed notes are newer. Unrecorded, the next build counts
        # the same changes again, which Anki takes as harmless updates.
        write_lock = False
        warning = (
            f"{display_path(project.root)} is not writable, so this build is not recorded in "
            f"{lock_path.name}; the next build will count the same changes again"
        )
    if output is None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError.single(
                target.parent, f"cannot create folder: {exc.strerror}"
            ) from None

    from quizgen.anki.package import write_package

    progress = counted = None
    if history is not None and progress_from is not None:
        from quizgen.anki.progress import progress_for

        progress = progress_for(entries, history, history.settings)
        counted = ProgressCount(progress_from, len(progress.cards), len(progress.revlog))
    # The lock file is written while the package is zipped (see write_package), to a file
    # beside it, and put in place only once the package is: the lock says what Anki was given.
    staged: Path | None = None
    lock_error: OSError | None = None
    called = False
    count: Counter[tuple[bool, str]] = Counter()

    def prepare_lock() -> None:
        nonlocal staged, lock_error, called, count
        called = True
        if write_lock:
            try:
                staged = lock.stage(lock_path, lock.prepare(lock_path, entries))
            except OSError as exc:
                lock_error = exc
        count = Counter(map(attrgetter("note.retired", "status"), entries))  # (retired, status)
        if meanwhile is not None:
            meanwhile()

    try:
        with contextlib.ExitStack() as stack:
            if keeper is None and progress is None:  # (kept once the lock file is staged)
                keeper = stack.enter_context(_kept(project.root))
            try:
                write_package(
                    entries,
                    _decks(project, entries),
                    target,
                    progress,
                    meanwhile=prepare_lock,
                    keep=keeper,
                )
            except (OSError, sqlite3.Error) as exc:  # a full disk, say: the old package stays
                raise InputError.single(
                    target, f"cannot write the package: {_reason(exc)}"
                ) from None
            if not called:  # (a writer that does not call back)
                prepare_lock()
            if write_lock:
                try:
                    if lock_error is not None:
                        raise lock_error
                    assert staged is not None
                    os.replace(staged, lock_path)
                    staged = None
                except OSError as exc:
                    raise InputError.single(
                        lock_path,
                        f"cannot record this build: {_reason(exc)}; the package was written, "
                        "and the next build will count the same changes again",
                    ) from None
    finally:
        if staged is not None:  # (not put in place: the package or the rename failed)
            staged.unlink(missing_ok=True)

    return BuildResult(
        output=target,
        lock=lock_path,
        lock_written=write_lock,
        notes=len(entries),
        cards=len(entries),  # one card per note
        new=count[False, "new"],
        changed=count[False, "changed"],
        unchanged=count[False, "unchanged"],
        retired=sum(n for (retired, _), n in count.items() if retired),
        # a retired note is "changed" only in the build that retires it
        newly_retired=count[True, "changed"],
        warning=warning,
        progress=counted,
    )


def _reason(exc: Exception) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)


def _note_type_problems(
    project: Project,
    cards: Sequence[Card],
    entries: Sequence[lock.Entry],
    previous: dict[str, lock.Record],
) -> list[Problem]:
    """A card whose note type changed since the last build (a template now typed, or now a
    cloze) cannot update in Anki, which keeps the old note untouched: refuse the build.
    `entries` are `lock.reconcile`'s, the current cards' first and in card order: only a
    "changed" one can have changed its type."""
    from operator import attrgetter

    from quizgen.anki.notetypes import NOTE_TYPES

    problems: dict[tuple[str, str], Problem] = {}
    statuses = map(attrgetter("status"), entries[: len(cards)])
    for i in [i for i, status in enumerate(statuses) if status == "changed"]:
        card, note = cards[i], entries[i].note
        old = previous[note.card_id]
        if old.type == note.type or (card.kind, card.template) in problems:
            continue
        template = next(t for t in project.kinds[card.kind].templates if t.id == card.template)
        problems[card.kind, card.template] = Problem(
            template.path,
            template.line,
            f"template '{card.kind}/{card.template}' now makes '{NOTE_TYPES[note.type].name}' "
            f"notes, but Anki has its cards as '{NOTE_TYPES[old.type].name}' notes and cannot "
            "change a note's type on import; give the template a new id (its old cards are "
            "then retired)",
        )
    return list(problems.values())


def _decks(project: Project, entries: Sequence[lock.Entry]) -> dict[str, str]:
    """Every deck the notes use, with its parents, each with its description."""
    from quizgen.anki.notes import deck_name, html_text, source_deck_description

    described = {deck_name(project.title): html_text(project.description)}
    for source in project.sources:
        described[deck_name(project.title, source.short)] = source_deck_description(source)
    decks: dict[str, str] = {}
    for name in {e.note.deck for e in entries}:
        levels = name.split("::")
        for depth in range(1, len(levels) + 1):
            deck = "::".join(levels[:depth])
            decks[deck] = described.get(deck, "")
    return decks
