"""The one rule both writers follow: which files an output may replace. (The commands' refusals,
end to end, are in tests/test_handout_cli.py and tests/test_build.py.)"""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

from quizgen.errors import InputError
from quizgen.handout.files import render
from quizgen.handout.layout import lay_out
from quizgen.handout.options import FORMATS, Options
from quizgen.outputs import check_output, is_ours, project_inputs
from quizgen.project import compile_project

FIXTURE = Path(__file__).parent / "fixtures" / "handout"


@pytest.fixture(scope="module")
def document():
    project, cards = compile_project(FIXTURE)
    return lay_out(project, cards, Options(date=date(2026, 11, 26)))[0]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_handout_format_is_recognised_as_ours(document, tmp_path, fmt):
    path = tmp_path / f"h.{fmt}"
    path.write_bytes(render(document, fmt))
    assert is_ours(path, "handout")
    assert not is_ours(path, "package"), "a handout is not a package"
    check_output(path, "handout", None)  # may be replaced
    with pytest.raises(InputError, match="is not an Anki package quizgen built"):
        check_output(path, "package", None)


def test_a_handout_edited_by_hand_into_other_text_is_not_ours(document, tmp_path):
    path = tmp_path / "h.md"
    path.write_bytes(render(document, "md"))
    path.write_text(path.read_text().rsplit("\n\n", 1)[0] + "\n\nmy own notes\n")
    assert not is_ours(path, "handout")


def test_a_package_quizgen_built_is_ours_and_a_clock_stamped_one_is_not(mini, tmp_path):
    from quizgen.anki import build

    project, cards = compile_project(mini)
    ours = build(project, cards, tmp_path / "deck.apkg", now=1_800_000_000).output
    assert is_ours(ours, "package")
    other = tmp_path / "other.apkg"
    with zipfile.ZipFile(ours) as src, zipfile.ZipFile(other, "w") as dst:
        for name in src.namelist():  # the same entries, stamped with the clock (genanki)
            dst.writestr(name, src.read(name))
    assert not is_ours(other, "package")


def test_project_inputs_are_every_file_the_project_is_read_from(mini):
    (mini / "quizgen.lock").write_text("{}")
    (mini / "sources" / "notes.txt").write_text("not yaml, but in sources/")
    named = sorted(
        (str(path.relative_to(mini)), what) for path, what in project_inputs(mini).values()
    )
    assert named == [
        ("deck.yaml", "the deck file"),
        ("quizgen.lock", "the lock file"),
        ("sources/muesli.yaml", "a source"),
        ("sources/notes.txt", "a source"),
        *[(f"templates/{p.name}", "a template") for p in sorted((mini / "templates").iterdir())],
    ]


def test_a_dangling_link_may_be_replaced(tmp_path):
    link = tmp_path / "h.md"
    link.symlink_to(tmp_path / "gone.md")
    check_output(link, "handout", None)
