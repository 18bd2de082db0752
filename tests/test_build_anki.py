"""`quizgen build` proven in real Anki: packages imported with the official `anki` library into
fresh collections, with Anki's default import options (update notes and note types if newer)."""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from anki.collection import Collection
from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest
from click.testing import CliRunner

from quizgen.anki import build
from quizgen.cli import main
from quizgen.project import compile_project

FIXTURES = Path(__file__).parent / "fixtures" / "build"
UNRENDERED = re.compile(r"\{\{|\}\}|\{[A-Za-z_]+\}")


def new_collection(folder: Path) -> Collection:
    folder.mkdir()
    return Collection(str(folder / "collection.anki2"))


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    collection = new_collection(tmp_path / "anki")
    yield collection
    collection.close()


def import_package(col: Collection, path: Path):  # type: ignore[no-untyped-def]
    request = ImportAnkiPackageRequest(package_path=str(path), options=ImportAnkiPackageOptions())
    return col.import_anki_package(request).log


def run_build(project: Path, out: Path, now: float) -> None:
    proj, cards = compile_project(project)
    build(proj, cards, out, now=now)


def notes_by_card_id(col: Collection) -> dict[str, int]:
    return {col.get_note(nid)["CardId"]: nid for nid in col.find_notes("")}


def visible_text(rendered: str) -> str:
    """What a student reads: the card HTML without its style, tags and entities."""
    body = re.sub(r"<style>.*?</style>", "", rendered, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_first_import_has_every_card_rendered(mini: Path, tmp_path: Path, col: Collection) -> None:
    out = tmp_path / "deck.apkg"
    run_build(mini, out, now=1_800_000_000)
    _, cards = compile_project(mini)

    log = import_package(col, out)

    assert len(log.new) == len(cards) == 9
    assert col.note_count() == 9 and col.card_count() == 9
    assert sorted(notes_by_card_id(col)) == sorted(c.id for c in cards)
    assert sorted(d.name for d in col.decks.all_names_and_ids()) == [
        "Default",
        "Mini Deck",
        "Mini Deck::Hessel et al.",
    ]
    by_id = {c.id: c for c in cards}
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        note = card.note()
        expected = by_id[note["CardId"]]
        question, answer = card.question(), card.answer()
        assert visible_text(question).strip() and visible_text(answer).strip()
        assert not UNRENDERED.search(question) and not UNRENDERED.search(answer)
        assert col.decks.name(card.did) == "Mini Deck::Hessel et al."
        assert sorted(note.tags) == ["quizgen::kind::result", "quizgen::source::muesli"]
        # the back lets the student check the answer against the paper
        assert "arxiv.org/abs/2104.06159" in answer
        assert expected.evidence[0][:40] in visible_text(answer)
        if expected.style == "cloze":
            assert question.count('class="cloze"') == 1 and "[...]" in question
            assert expected.back in visible_text(answer)
        else:
            assert expected.front in visible_text(question)
        if expected.style == "choice":
            letter = "AB"[expected.correct_choice]
            assert [f"A {expected.choices[0]}", f"B {expected.choices[1]}"] == [
                " ".join(visible_text(li).split()) for li in re.findall(r"<li>.*?</li>", question)
            ]
            assert f"{letter} {expected.answer}" in " ".join(visible_text(answer).split())


def test_editing_a_fact_updates_its_notes_in_place_and_keeps_history(
    mini: Path, tmp_path: Path, col: Collection
) -> None:
    first, second = tmp_path / "1.apkg", tmp_path / "2.apkg"
    run_build(mini, first, now=1_800_000_000)
    import_package(col, first)
    ids_before = notes_by_card_id(col)
    mods_before = {cid: col.get_note(nid).mod for cid, nid in ids_before.items()}
    # study the card whose fact will change
    edited = col.get_note(ids_before["muesli/acts/which"]).cards()[0]
    edited.start_timer()
    col.sched.answerCard(edited, 3)
    edited.load()
    assert edited.reps == 1 and edited.queue != 0

    source = mini / "sources" / "muesli.yaml"
    source.write_text(
        source.read_text().replace(
            "claim: acts directly with a policy network", "claim: acts with just a policy network"
        )
    )
    run_build(mini, second, now=1_800_000_100)
    log = import_package(col, second)

    changed = {"muesli/acts/which", "muesli/acts/cloze", "muesli/acts/choice"}
    assert len(log.new) == 0
    assert sorted(n.id.nid for n in log.updated) == sorted(ids_before[c] for c in changed)
    assert notes_by_card_id(col) == ids_before  # same note ids, no new notes
    assert col.get_note(ids_before["muesli/acts/which"])["Front"] == (
        "Which policy update acts with just a policy network?"
    )
    for card_id, nid in ids_before.items():
        note = col.get_note(nid)
        if card_id in changed:
            assert note.mod > mods_before[card_id]
        else:
            assert note.mod == mods_before[card_id]
    kept = col.get_card(edited.id)
    assert kept.reps == 1 and kept.queue == edited.queue and kept.due == edited.due
    assert col.db.scalar("select count() from revlog where cid = ?", edited.id) == 1


def test_unchanged_rebuild_is_identical_and_updates_nothing(
    mini: Path, tmp_path: Path, col: Collection
) -> None:
    first, second = tmp_path / "1.apkg", tmp_path / "2.apkg"
    run_build(mini, first, now=1_800_000_000)
    lock = (mini / "quizgen.lock").read_bytes()
    import_package(col, first)
    mods = {nid: col.get_note(nid).mod for nid in col.find_notes("")}

    run_build(mini, second, now=1_800_086_400)  # a day later
    assert second.read_bytes() == first.read_bytes()
    assert (mini / "quizgen.lock").read_bytes() == lock
    log = import_package(col, second)

    assert len(log.new) == 0 and len(log.updated) == 0
    assert {nid: col.get_note(nid).mod for nid in col.find_notes("")} == mods


def test_removed_fact_is_retired(mini: Path, tmp_path: Path, col: Collection) -> None:
    first, second = tmp_path / "1.apkg", tmp_path / "2.apkg"
    run_build(mini, first, now=1_800_000_000)
    import_package(col, first)
    ids = notes_by_card_id(col)

    source = mini / "sources" / "muesli.yaml"
    text = source.read_text()
    start = text.index("  - id: acts")
    source.write_text(text[:start] + text[text.index("  - id: other") :])
    run_build(mini, second, now=1_800_000_100)
    log = import_package(col, second)

    gone = ["muesli/acts/choice", "muesli/acts/cloze", "muesli/acts/which"]
    assert len(log.new) == 0 and sorted(n.id.nid for n in log.updated) == sorted(
        ids[c] for c in gone
    )
    retired = col.find_notes("tag:quizgen::retired")
    assert sorted(retired) == sorted(ids[c] for c in gone)
    assert col.note_count() == 9  # Anki never deletes on import
    for nid in retired:
        note = col.get_note(nid)
        card = note.cards()[0]
        assert "was removed from the deck" in visible_text(card.question())
        assert card.queue == 0  # a card the student already has keeps its scheduling
    # A fresh collection gets the retired notes too, last in its queue of new cards.
    fresh = new_collection(tmp_path / "fresh")
    try:
        import_package(fresh, second)
        retired_cards = [fresh.get_card(c) for c in fresh.find_cards("tag:quizgen::retired")]
        active = [fresh.get_card(c) for c in fresh.find_cards("-tag:quizgen::retired")]
        assert len(retired_cards) == 3 and len(active) == 6
        assert min(c.due for c in retired_cards) > max(c.due for c in active)
    finally:
        fresh.close()


def test_user_text_shows_literally(tmp_path: Path, col: Collection) -> None:
    project = tmp_path / "tricky"
    shutil.copytree(FIXTURES / "tricky", project)
    out = tmp_path / "tricky.apkg"
    run_build(project, out, now=1_800_000_000)
    _, cards = compile_project(project)

    log = import_package(col, out)

    assert len(log.new) == len(cards) == 15
    assert sorted(d.name for d in col.decks.all_names_and_ids())[1:] == [
        "Tricky <Deck> & Co",
        "Tricky <Deck> & Co::Tricky",
    ]
    notes = notes_by_card_id(col)
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        question, answer = card.question(), card.answer()
        for rendered in (question, answer):
            assert "<script" not in rendered and "<b>" not in rendered.replace("<b>tag:", "")
            assert not UNRENDERED.search(rendered)
        assert card.question_av_tags() == [] and card.answer_av_tags() == []
        # A quote has no place in an address (it must be percent-encoded): the link is shown as
        # escaped text, never made a link, as in every other output (text.safe_link).
        assert "<a href" not in answer
        assert "https://example.org/paper?a=1&amp;b=&quot;2&quot;" in answer
        assert (
            'A. <b>Bold</b> & B. Author (2024). Escaping: <script>alert("title")</script> & more'
            in visible_text(answer)
        )

    def shown(card_id: str, side: str) -> str:
        card = col.get_note(notes[card_id]).cards()[0]
        return visible_text(card.question() if side == "q" else card.answer())

    assert "<script>alert(1)</script>" in shown("tricky/script/which", "a")
    assert "a < b & c" in shown("tricky/less/which", "a")
    assert "What is literal [sound:evil.mp3]?" in shown("tricky/cloze-syntax/which", "q")
    assert "{{c1::x}} :: }}" in shown("tricky/cloze-syntax/which", "a")
    assert "Hint :: here and }} there <i>not italic</i>" in shown("tricky/cloze-syntax/which", "a")
    # The cloze hides exactly the subject, whatever braces and colons it holds.
    cloze = col.get_note(notes["tricky/cloze-syntax/cloze"]).cards()[0]
    assert cloze.question().count('class="cloze"') == 1
    assert shown("tricky/cloze-syntax/cloze", "q").startswith("[...] is literal [sound:evil.mp3].")
    assert shown("tricky/cloze-syntax/cloze", "a").startswith(
        "{{c1::x}} :: }} is literal [sound:evil.mp3]."
    )
    assert "[...] holds." in shown("tricky/less/cloze", "q")
    # Typed cards ask for typing (Anki's reviewer turns this marker into the input box, and
    # compares what was typed with the Answer field); multiple choice letters its options.
    typed = col.get_note(notes["tricky/less/typed"])
    assert "[[type:Answer]]" in typed.cards()[0].question()
    assert visible_text(typed["Answer"]) == "a < b & c"
    # what the student types is compared with the escaped field as plain text
    for card_id, answer in (
        ("tricky/less/typed", "a < b & c"),
        ("tricky/cloze-syntax/typed", "{{c1::x}} :: }}"),
    ):
        expected = col.get_note(notes[card_id])["Answer"]
        comparison = col.compare_answer(expected, answer)
        assert "typeGood" in comparison and "typeBad" not in comparison
    typed_cloze = col.get_note(notes["tricky/less/typed-cloze"]).cards()[0]
    assert "[[type:cloze:Text]]" in typed_cloze.question()
    assert shown("tricky/less/typed-cloze", "q").startswith("It is [...] that holds.")
    choice = shown("tricky/script/choice", "q")
    assert re.search(r"A .+ B .+ C .+", choice) and "<script>alert(1)</script>" in choice
    tags = col.get_note(notes["tricky/cloze-syntax/which"]).tags
    assert sorted(tags) == [
        "quizgen::kind::claim",
        "quizgen::source::tricky",
        "quizgen::tag::a::b",
        "quizgen::tag::syntax",
    ]


def test_changing_a_templates_note_type_is_refused(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "deck.apkg"
    run_build(mini, out, now=1_800_000_000)
    before = out.read_bytes(), (mini / "quizgen.lock").read_bytes()
    template = mini / "templates" / "result.yaml"
    template.write_text(
        template.read_text().replace(
            "    answer: subject\n  - id: cloze",
            "    answer: subject\n    typed: true\n  - id: cloze",
        )
    )

    result = CliRunner().invoke(main, ["build", str(mini), "-o", str(out)])

    assert result.exit_code == 1
    assert result.stderr == (
        f"{template}:8: template 'result/which' now makes 'quizgen: typed answer' notes, but "
        "Anki has its cards as 'quizgen: question' notes and cannot change a note's type on "
        "import; give the template a new id (its old cards are then retired)\n"
    )
    assert (out.read_bytes(), (mini / "quizgen.lock").read_bytes()) == before


def test_anki_really_refuses_a_changed_note_type(
    mini: Path, tmp_path: Path, col: Collection
) -> None:
    """Why the build above is refused: Anki keeps the old note when the note type differs."""
    first, second = tmp_path / "1.apkg", tmp_path / "2.apkg"
    run_build(mini, first, now=1_800_000_000)
    import_package(col, first)
    (mini / "quizgen.lock").unlink()  # bypass the check: every note counts as new
    template = mini / "templates" / "result.yaml"
    template.write_text(
        template.read_text().replace(
            "    answer: subject\n  - id: cloze",
            "    answer: subject\n    typed: true\n  - id: cloze",
        )
    )
    run_build(mini, second, now=1_800_000_100)
    log = import_package(col, second)
    which = [n for n in log.conflicting]
    assert len(which) == 3
    nid = notes_by_card_id(col)["muesli/acts/which"]
    assert col.get_note(nid).note_type()["name"] == "quizgen: question"
