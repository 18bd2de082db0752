"""`quizgen handout` end to end: files written, variants and their keys, reproducible bytes,
and bad input that writes nothing."""

from __future__ import annotations

import datetime
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from quizgen.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "handout"
REPO = Path(__file__).parent.parent
DATE = ["--date", "2026-11-26"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dest = tmp_path / "project"
    shutil.copytree(FIXTURE, dest)
    return dest


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def run(*args: str | Path):
    result = CliRunner().invoke(main, ["handout", *map(str, args)])
    assert "Traceback" not in result.output
    return result


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_writes_handout_pdf_in_the_working_folder_by_default(project, out, monkeypatch):
    monkeypatch.chdir(out)
    result = run(project, *DATE)
    assert result.exit_code == 0, result.output
    assert result.output == "wrote handout.pdf (6 questions)\n"
    assert (out / "handout.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(("name", "magic"), [("q.md", b"# "), ("q.html", b"<!DOCTYPE html>")])
def test_format_follows_the_output_extension(project, out, name, magic):
    result = run(project, "-o", out / name, *DATE)
    assert result.exit_code == 0, result.output
    assert (out / name).read_bytes().startswith(magic)


def test_format_option_names_the_default_file(project, out, monkeypatch):
    monkeypatch.chdir(out)
    assert run(project, "--format", "html", *DATE).exit_code == 0
    assert files(out) == ["handout.html"]


def test_answers_separate_writes_a_key_file_and_none_writes_no_key(project, out):
    result = run(project, "--format", "md", "-o", out / "quiz.md", "--answers", "separate", *DATE)
    assert result.exit_code == 0, result.output
    assert (
        result.output
        == f"wrote {out}/quiz.md (6 questions)\nwrote {out}/quiz-key.md (answer key)\n"
    )
    assert "Answer key" not in (out / "quiz.md").read_text()
    assert "## Answer key" in (out / "quiz-key.md").read_text()
    result = run(project, "-o", out / "bare.md", "--answers", "none", *DATE)
    assert result.exit_code == 0
    assert "Answer key" not in (out / "bare.md").read_text()
    assert files(out) == ["bare.md", "quiz-key.md", "quiz.md"]


def _questions(md: str) -> list[tuple[str, list[str]]]:
    """(question, options) in order, from the question part of a Markdown handout."""
    body = md.split("\n---\n")[0]
    found = []
    for block in re.split(r"\n(?=\*\*\d+\.\*\* )", body)[1:]:
        first, *rest = block.splitlines()
        options = [line.split(")** ", 1)[1] for line in rest if line.startswith("- **")]
        found.append((re.sub(r"^\*\*\d+\.\*\* ", "", first), options))
    return found


def _key(md: str) -> list[str]:
    key = md.split("## Answer key", 1)[1]
    return re.findall(r"^\*\*\d+\.\*\* (.*)$", key, flags=re.M)


def test_variants_differ_and_each_key_matches_its_variant(project, out):
    args = ["--count", "12", "--variants", "3", "--seed", "4", "--format", "md"]
    result = run(project, *args, "-o", out / "quiz.md", *DATE)
    assert result.exit_code == 0, result.output
    assert files(out) == ["quiz-A.md", "quiz-B.md", "quiz-C.md"]
    variants = {}
    for letter in "ABC":
        md = (out / f"quiz-{letter}.md").read_text()
        assert md.startswith(f"# Reading Group — Version {letter}\n")
        assert f"## Answer key — Version {letter}" in md
        questions, key = _questions(md), _key(md)
        assert len(questions) == len(key) == 12
        for (question, options), answer in zip(questions, key, strict=True):
            if options:
                letter_, text = answer.split(") ", 1)
                assert options["ABCD".index(letter_)] == text, (question, options, answer)
                assert text in options
        variants[letter] = questions
    orders = [tuple(q for q, _ in v) for v in variants.values()]
    assert len(set(orders)) == 3
    assert len({frozenset(o) for o in orders}) == 1
    options = [{q: tuple(o) for q, o in v if o} for v in variants.values()]
    assert options[0] and any(options[0] != other for other in options[1:])


def test_variants_with_separate_keys(project, out):
    result = run(project, "--variants", "2", "--answers", "separate", "-o", out / "q.pdf", *DATE)
    assert result.exit_code == 0, result.output
    assert files(out) == ["q-A-key.pdf", "q-A.pdf", "q-B-key.pdf", "q-B.pdf"]
    for name, label in [("q-A-key.pdf", "Version A"), ("q-B.pdf", "Version B")]:
        reader = PdfReader(out / name)
        assert all(label in page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("fmt", ["md", "html", "pdf"])
def test_same_seed_same_bytes_other_seed_other_bytes(project, out, fmt):
    args = ["--format", fmt, "--count", "8", "--variants", "2", "--shuffle", *DATE]
    for name, seed in [("a", "3"), ("b", "3"), ("c", "4")]:
        (out / name).mkdir()
        assert run(project, *args, "--seed", seed, "-o", out / name / f"h.{fmt}").exit_code == 0
    for variant in "AB":
        a, b, c = (out / n / f"h-{variant}.{fmt}" for n in "abc")
        assert a.read_bytes() == b.read_bytes()
        assert a.read_bytes() != c.read_bytes()


def test_same_bytes_across_processes(project, out):
    """Nothing depends on hash randomisation, the clock (given --date) or the machine."""
    outputs = []
    for n, hash_seed in enumerate(["1", "2"]):
        folder = out / str(n)
        folder.mkdir()
        for fmt in ("md", "html", "pdf"):
            subprocess.run(
                [sys.executable, "-m", "quizgen", "handout", str(project), "--variants", "2",
                 "--count", "7", "--seed", "9", "-o", str(folder / f"h.{fmt}"), *DATE],
                check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": hash_seed},
                cwd=REPO,
            )  # fmt: skip
        outputs.append({p.name: p.read_bytes() for p in sorted(folder.iterdir())})
    assert len(outputs[0]) == 6
    assert outputs[0] == outputs[1]


def test_date_defaults_to_today(project, out):
    assert run(project, "-o", out / "h.md").exit_code == 0
    today = datetime.date.today()
    assert (out / "h.md").read_text().splitlines()[2].startswith(f"{today.day} ")
    assert str(today.year) in (out / "h.md").read_text().splitlines()[2]


def test_title_filters_and_paper(project, out):
    result = run(
        project, "--title", "Week 3: <Gemini> & co", "--source", "cafe", "--kind", "result",
        "--tag", "unicode", "--paper", "letter", "-o", out / "w.pdf", *DATE,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {out}/w.pdf (2 questions)\n"
    reader = PdfReader(out / "w.pdf")
    assert round(float(reader.pages[0].mediabox.width)) == 612
    text = reader.pages[0].extract_text()
    assert "Week 3: <Gemini> & co" in text
    assert "Second Paper" not in text


def test_json_lists_the_files(project, out):
    result = run(project, "--variants", "2", "--answers", "separate", "--count", "3",
                 "-o", out / "h.md", "--json", *DATE)  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [(d["path"], d["variant"], d["key"]) for d in data] == [
        (str(out / "h-A.md"), "A", False),
        (str(out / "h-A-key.md"), "A", True),
        (str(out / "h-B.md"), "B", False),
        (str(out / "h-B-key.md"), "B", True),
    ]
    assert all(len(d["questions"]) == 3 for d in data)
    assert sorted(data[0]["questions"]) == sorted(data[2]["questions"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "nope"], "--source: unknown source 'nope'; valid: cafe, second"),
        (["--kind", "fact"], "--kind: unknown kind 'fact'; valid: result"),
        (["--tag", "x"], "--tag: unknown tag 'x'; valid: cafe, markup, result, second, unicode"),
        (["--source", "second", "--tag", "unicode"], "selection: no card matches these filters"),
        (["--count", "0"], "--count: must be at least 1 (got 0)"),
        (["--count", "99"], "--count: asks for 99 questions but only 18 match the filters"),
        (["--variants", "0"], "--variants: must be 1 to 26 (got 0)"),
    ],
)
def test_bad_input_is_one_line_exit_1_and_writes_nothing(project, out, args, message):
    result = run(project, *args, "-o", out / "h.pdf", *DATE)
    assert result.exit_code == 1
    assert result.output == message + "\n"
    assert files(out) == []


def test_missing_output_folder(project, out):
    result = run(project, "-o", out / "missing" / "h.pdf", *DATE)
    assert result.exit_code == 1
    assert result.output == f"{out / 'missing'}: output folder does not exist\n"
    assert files(out) == []


def test_broken_project_reports_problems_and_writes_nothing(project, out):
    src = project / "sources" / "second.yaml"
    src.write_text(
        src.read_text().replace("evidence: Beta*Net doubles throughput.", "evidence: nope")
    )
    result = run(project, "-o", out / "h.pdf", *DATE)
    assert result.exit_code == 1
    assert "second.yaml:" in result.output and "evidence" in result.output
    assert files(out) == []


def test_an_earlier_handout_is_replaced_whole(project, out):
    for name in ("h.md", "h.html", "h.pdf"):
        target = out / name
        assert run(project, "-o", target, "--title", "First", *DATE).exit_code == 0
        result = run(project, "-o", target, "--title", "Second", *DATE)
        assert result.exit_code == 0, result.output
        assert b"Second" in target.read_bytes() or name.endswith(".pdf")
    assert PdfReader(out / "h.pdf").metadata.title == "Second"
    assert files(out) == ["h.html", "h.md", "h.pdf"]


def test_an_empty_file_is_replaced(project, out):
    (out / "h.md").touch()
    assert run(project, "-o", out / "h.md", *DATE).exit_code == 0
    assert (out / "h.md").read_text().startswith("# Reading Group")


# -- outputs never destroy input: one line, exit 1, nothing written ----------------------------


def refused(project: Path, out: Path, target: Path, *args: str) -> str:
    """Run the handout; assert it wrote nothing and changed no file; return its one line."""
    before = snapshot(project, out)
    result = run(project, "-o", target, *args, *DATE)
    assert result.exit_code == 1, result.output
    assert result.output.count("\n") == 1, result.output
    assert snapshot(project, out) == before
    return result.output.rstrip("\n")


def snapshot(*folders: Path) -> dict[Path, bytes]:
    return {
        p: p.read_bytes() if p.is_file() else b"<folder>"
        for folder in folders
        for p in sorted(folder.rglob("*"))
    }


@pytest.mark.parametrize(
    ("relative", "what"),
    [
        ("sources/cafe.yaml", "a source"),
        ("templates/result.yaml", "a template"),
        ("deck.yaml", "the deck file"),
    ],
)
def test_a_file_of_the_project_is_never_an_output(project, out, relative, what):
    target = project / relative
    assert refused(project, out, target) == (
        f"{target}: is {what} of the project; quizgen never writes over what it reads: "
        "choose another output file"
    )


def test_the_lock_file_is_never_an_output(project, out):
    built = CliRunner().invoke(main, ["build", str(project), "-o", str(out / "d.apkg")])
    assert built.exit_code == 0
    (out / "d.apkg").unlink()
    lock = project / "quizgen.lock"
    assert refused(project, out, lock, "--format", "md").startswith(
        f"{lock}: is the lock file of the project;"
    )


def test_another_spelling_of_a_source_is_caught(project, out):
    target = project / "sources" / ".." / "sources" / "cafe.yaml"
    assert refused(project, out, target, "--format", "html") == (
        f"{target}: is the same file as {project / 'sources' / 'cafe.yaml'}, a source of the "
        "project; quizgen never writes over what it reads: choose another output file"
    )


def test_a_symlink_to_a_template_is_caught(project, out):
    link = out / "handout.pdf"
    link.symlink_to(project / "templates" / "result.yaml")
    assert refused(project, out, link).startswith(
        f"{link}: is the same file as {project / 'templates' / 'result.yaml'}, a template"
    )
    assert link.is_symlink()


def test_a_hard_link_to_a_source_is_caught(project, out):
    link = out / "h.md"
    os.link(project / "sources" / "second.yaml", link)
    assert "is the same file as" in refused(project, out, link)


def test_a_symlinked_project_is_caught(project, out, tmp_path):
    alias = tmp_path / "alias"
    alias.symlink_to(project)
    target = project / "sources" / "cafe.yaml"
    result = run(alias, "-o", target, "--format", "md", *DATE)
    assert result.exit_code == 1 and "is the same file as" in result.output


def test_a_new_file_in_the_sources_folder_is_refused(project, out):
    target = project / "sources" / "handout.md"
    assert refused(project, out, target) == (
        f"{target}: is in the project's sources/ folder, which quizgen reads as input; "
        "choose a file outside it"
    )
    assert not target.exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("notes.md", b"# My notes\n\nDo not lose these.\n"),
        ("page.html", b"<!DOCTYPE html>\n<html><body>my page</body></html>\n"),
        ("paper.pdf", b"%PDF-1.7\n1 0 obj << /Creator (LaTeX) >> endobj\n%%EOF\n"),
        ("reviews.sqlite3", b"SQLite format 3\x00" + bytes(100)),
    ],
)
def test_a_file_quizgen_did_not_write_is_never_replaced(project, out, name, data):
    target = out / name
    target.write_bytes(data)
    assert refused(project, out, target, "--format", "md") == (
        f"{target}: exists and is not a handout quizgen wrote; quizgen replaces only its own "
        "outputs: move it away or choose another output file"
    )


def test_every_file_of_the_handout_is_checked_before_any_is_written(project, out):
    (out / "q-B-key.md").write_text("my key, by hand\n")
    line = refused(project, out, out / "q.md", "--variants", "2", "--answers", "separate")
    assert line.startswith(f"{out / 'q-B-key.md'}: exists and is not a handout quizgen wrote")
    assert files(out) == ["q-B-key.md"]


def test_a_read_only_handout_is_not_replaced(project, out, read_only):
    target = out / "h.md"
    assert run(project, "-o", target, *DATE).exit_code == 0
    read_only(target)
    assert refused(project, out, target) == (
        f"{target}: is read-only; quizgen will not replace it: make it writable or choose "
        "another output file"
    )


def test_a_read_only_folder_is_named(project, out, read_only):
    read_only(out)
    assert refused(project, out, out / "h.pdf") == f"{out}: output folder is not writable"


def test_a_folder_as_output_is_one_line_and_exit_1(project, out):
    assert refused(project, out, out) == f"{out}: is a folder; give a file name for the output"


def test_usage_errors_exit_2(project, out):
    assert run(project, "--format", "docx").exit_code == 2
    assert run(project, "--answers", "maybe").exit_code == 2
    assert run(project, "--date", "26/11/2026").exit_code == 2


def test_help_lists_every_option():
    result = CliRunner().invoke(main, ["handout", "--help"])
    assert result.exit_code == 0
    for option in ["--format", "-o, --output", "--source", "--kind", "--tag", "--count",
                   "--shuffle", "--answers", "--variants", "--seed", "--paper", "--title",
                   "--date", "--json"]:  # fmt: skip
        assert option in result.output


def test_help_and_markdown_handouts_never_load_reportlab(project, out):
    code = (
        "import sys; from quizgen.cli import main\n"
        "try:\n"
        f"    main(['handout', {str(project)!r}, '-o', {str(out / 'h.md')!r}, *{DATE!r}])\n"
        "except SystemExit as e:\n"
        "    assert e.code in (0, None), e.code\n"
        "assert 'reportlab' not in sys.modules, 'reportlab imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
    assert (out / "h.md").exists()


def test_pdf_reads_back_through_the_command(project, out):
    assert run(project, "--count", "6", "-o", out / "h.pdf", *DATE).exit_code == 0
    reader = PdfReader(io.BytesIO((out / "h.pdf").read_bytes()))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    assert "Reading Group" in text and "Answer key" in text
    assert "Café-Net" in text


def test_progress_is_reported_per_file(project, out):
    from quizgen.handout.files import write_handouts
    from quizgen.handout.options import Options

    seen = []
    options = Options(date=datetime.date(2026, 11, 26), variants=2, answers="separate")
    outputs = write_handouts(
        project, options, "md", out / "h.md", progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert [o.path.name for o in outputs] == ["h-A.md", "h-A-key.md", "h-B.md", "h-B-key.md"]


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_questions_never_show_a_papers_title(out, fmt):
    """Titles name answers ("Muesli: ...", "Podracer architectures"): the question sheet lists
    papers by author and year; full citations are in the key only."""
    import yaml

    from quizgen.project import bundled_root

    sheet = out / f"q.{fmt}"
    result = run(bundled_root(), "-o", sheet, "--answers", "separate", "--date", "2026-01-01")
    assert result.exit_code == 0, result.output
    text = sheet.read_text()
    for path in sorted((bundled_root() / "sources").glob("*.yaml")):
        source = yaml.safe_load(path.read_text())
        title = source["title"].replace("&", "&amp;") if fmt == "html" else source["title"]
        assert title not in text, source["id"]
        assert source["arxiv"] in text
    key = (out / f"q-key.{fmt}").read_text()
    assert any(
        yaml.safe_load(p.read_text())["title"].split(":")[0] in key
        for p in (bundled_root() / "sources").glob("*.yaml")
    )
