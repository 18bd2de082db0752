"""The PDF handout, read back with pypdf: text (accents, arrows, maths signs, dashes, curly
quotes), version labels and page numbers on every page, paper sizes, metadata, the key on its
own page, links on the text they belong to, and only the fonts a file uses."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from handout_checks import assert_document_shown
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from quizgen.handout import pdf as pdf_writer
from quizgen.handout.layout import lay_out, parts
from quizgen.handout.options import Options
from quizgen.outputs import is_ours
from quizgen.project import compile_project
from quizgen.text import safe_link

FIXTURE = Path(__file__).parent / "fixtures" / "handout"
DAY = date(2026, 11, 26)


def read(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return reader, [re.sub(r"\s+", " ", page.extract_text()).strip() for page in reader.pages]


def runs(page) -> list[tuple[str, float, float, str]]:
    """Each run of text on `page`: its font, where it starts (x, y in points from the bottom
    left) and its text."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip() and font is not None:
            found.append((str(font["/BaseFont"]), tm[4], tm[5], text.strip()))

    page.extract_text(visitor_text=visit)
    return found


def fonts_embedded(reader: PdfReader) -> set[str]:
    """The name of every font object in the file, used on a page or not."""
    objects = (reader.get_object(n) for n in range(1, reader.trailer["/Size"]))
    return {
        str(obj["/BaseFont"]).split("+")[-1]
        for obj in objects
        if isinstance(obj, dict) and obj.get("/Type") == "/Font"
    }


@pytest.fixture(scope="module")
def compiled():
    return compile_project(FIXTURE)


@pytest.fixture(scope="module")
def docs(compiled):
    project, cards = compiled
    return lay_out(project, cards, Options(date=DAY, count=18, variants=2, seed=5))


@pytest.fixture(scope="module")
def rendered(docs):
    return [read(pdf_writer.render(doc)) for doc in docs]


def test_every_question_option_and_answer_reads_back(docs, rendered):
    for doc, (_, pages) in zip(docs, rendered, strict=True):
        text = " ".join(pages)
        assert_document_shown(doc, text, blank=pdf_writer.BLANK)


def test_non_ascii_text_survives(rendered):
    text = " ".join(rendered[0][1])
    for phrase in [
        "Zoë Müller, José Álvarez",
        "Café-Net: Learning → Faster",
        "reaches ≥ 90% accuracy — without pretraining",
        "the “résumé” encoder",
        "<script>alert(1)</script>",
    ]:
        assert phrase in text


def test_label_and_page_numbers_on_every_page(docs, rendered):
    for doc, (_, pages) in zip(docs, rendered, strict=True):
        assert len(pages) >= 3
        for n, text in enumerate(pages, 1):
            assert text.startswith(f"Reading Group {doc.label} ")
            assert text.endswith(f"Page {n} of {len(pages)}")


def test_key_starts_on_its_own_page(docs, rendered):
    doc, (_, pages) = docs[0], rendered[0]
    starts = [n for n, text in enumerate(pages) if "Answer key — Version A" in text]
    assert len(starts) == 1
    first_key_page = pages[starts[0]]
    assert first_key_page.startswith("Reading Group Version A Answer key — Version A 1. ")
    assert all("Answer key" not in p for p in pages[: starts[0]])
    last = doc.questions[-1]
    assert any(f"{last.number}. " in p for p in pages[: starts[0]])


def test_metadata_is_fixed_by_the_date(rendered):
    reader, _ = rendered[1]
    meta = reader.metadata
    assert meta.title == "Reading Group — Version B"
    assert meta.creator == "quizgen"
    assert meta.creation_date.date() == DAY
    assert meta["/CreationDate"] == "D:20261126000000Z"


@pytest.mark.parametrize(("paper", "size"), [("a4", (595, 842)), ("letter", (612, 792))])
def test_paper_size(compiled, paper, size):
    project, cards = compiled
    (doc,) = lay_out(project, cards, Options(date=DAY, paper=paper))
    reader, _ = read(pdf_writer.render(doc))
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == size


def test_same_document_same_bytes(docs):
    assert pdf_writer.render(docs[0]) == pdf_writer.render(docs[0])
    assert pdf_writer.render(docs[0]) != pdf_writer.render(docs[1])


def test_separate_key_and_no_key(docs):
    (_, questions), (_, key) = parts(docs[0], "separate")
    _, q_pages = read(pdf_writer.render(questions))
    _, k_pages = read(pdf_writer.render(key))
    assert not any("Answer key" in p for p in q_pages)
    assert "Answer key — Version A" in k_pages[0]
    assert "answer key" in k_pages[0]  # in the subtitle
    k_text = " ".join(k_pages)
    assert not any(q.prompt in k_text for q in key.questions if q.style != "cloze")


def test_a_question_never_splits_across_pages(docs):
    # Sixty multiple-choice questions make page breaks fall everywhere.
    choice = [q for q in docs[0].questions if q.options]
    many = tuple(replace(choice[i % len(choice)], number=i + 1) for i in range(60))
    section = replace(docs[0].sections[0], questions=many)
    doc = replace(docs[0], sections=(section,), show_key=False)
    _, pages = read(pdf_writer.render(doc))
    assert len(pages) >= 4
    for q in many:
        (page,) = [p for p in pages if f" {q.number}. {q.prompt}" in p]
        block = page.split(f" {q.number}. {q.prompt}", 1)[1].split(f" {q.number + 1}. ", 1)[0]
        assert all(f"{letter}) {option}" in block for letter, option in q.lettered_options)


def _char_widths(text: str) -> float:
    """A stand-in font: every character 1 unit wide except 'W', 3 units."""
    return sum(3.0 if c == "W" else 1.0 for c in text)


@given(
    st.lists(st.text(alphabet="abcW", min_size=1, max_size=25), min_size=0, max_size=30),
    st.floats(min_value=3, max_value=40),
)
def test_wrap_fills_lines_without_overflow_and_loses_nothing(words, width):
    text = " ".join(words)
    lines = pdf_writer._wrap(text, width, _char_widths)
    assert all(_char_widths(line) <= width for line in lines)
    # Nothing lost, nothing reordered: words broken only when too long for any line.
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    if all(_char_widths(w) <= width for w in words):
        assert lines == [" ".join(line.split()) for line in lines]
        for line, following in zip(lines, lines[1:], strict=False):
            next_word = following.split(" ")[0]
            assert _char_widths(line) + 1 + _char_widths(next_word) > width, "greedy fill"


def test_wrap_breaks_an_over_long_address():
    lines = pdf_writer._wrap("see https://example.org/a/very/long/path now", 10, _char_widths)
    assert lines == ["see", "https://ex", "ample.org/", "a/very/lon", "g/path now"]


def test_links_lie_on_the_text_they_belong_to(docs, rendered):
    """Each paper in the header and each citation in the key opens the paper's address, and
    each link's box sits on its line of text."""
    doc, (reader, _) = docs[0], rendered[0]
    linked = [p for p in doc.papers if safe_link(p.link)]
    assert linked
    by_text: dict[str, list[str]] = {}
    for page in reader.pages:
        on_page = runs(page)
        for annot in page.get("/Annots", []):
            annot = annot.get_object()
            x0, y0, x1, _ = (float(v) for v in annot["/Rect"])
            (run,) = [r for r in on_page if abs(r[1] - x0) < 0.05 and y0 < r[2] < y0 + 12]
            assert x1 - x0 > 10
            by_text.setdefault(run[3], []).append(str(annot["/A"]["/URI"]))
    for paper in linked:
        assert by_text[paper.name] == [safe_link(paper.link)]
        cited = [q for q in doc.questions if q.paper == paper]
        starts = [t for t in by_text if paper.citation.startswith(t.removeprefix("— "))]
        assert sum(len(by_text[t]) for t in starts) == len(cited)
    unlinked = [p for p in doc.papers if not safe_link(p.link)]
    assert not any(p.name in by_text for p in unlinked)


def test_a_file_embeds_only_the_faces_it_uses(docs):
    """Only the key prints evidence in italics: a questions-only file never reads that face."""
    (_, questions), (_, key) = parts(docs[0], "separate")
    q_reader, _ = read(pdf_writer.render(questions))
    k_reader, _ = read(pdf_writer.render(key))
    assert fonts_embedded(q_reader) == {"DejaVuSerif", "DejaVuSerif-Bold"}
    assert fonts_embedded(k_reader) == {"DejaVuSerif", "DejaVuSerif-Bold", "DejaVuSerif-Italic"}


def test_a_question_taller_than_a_page_runs_on_to_the_next(docs):
    first = docs[0].questions[0]
    words = [f"w{i}" for i in range(1500)]
    huge = replace(first, style="basic", prompt=" ".join(words), options=())
    section = replace(docs[0].sections[0], questions=(huge,))
    doc = replace(docs[0], sections=(section,), show_key=False)
    reader, pages = read(pdf_writer.render(doc))
    assert len(pages) >= 3
    printed = [
        word
        for page in reader.pages
        for run in runs(page)
        for word in run[3].split()
        if re.fullmatch(r"w\d+", word)
    ]
    assert printed == words  # every word once, in order
    bottom = pdf_writer.MARGIN_BOTTOM * 72 / 25.4
    for page in reader.pages:
        for _, _, y, text in runs(page):
            assert y > bottom or text.startswith("Page "), "text in the bottom margin"


@pytest.fixture(scope="module")
def measuring(docs):
    return pdf_writer._Pages(docs[0])


@given(text=st.text(alphabet="aW .,ïé—→≥“”ЖΩ\u4e2d", min_size=1, max_size=40))
def test_cached_widths_are_reportlabs_own(measuring, text):
    """The writer measures words with the font's own widths and caches them; that must be what
    reportlab's canvas measures (and so places) in the same font, or lines would break in the
    wrong places (no glyph in DejaVu for the CJK character: the font's missing-glyph width)."""
    canvas = Canvas(io.BytesIO())
    for style, size in [("", pdf_writer.BODY), ("B", pdf_writer.TINY), ("I", 13.0)]:
        measuring.face(style, size)
        expected = canvas.stringWidth(text, pdf_writer._FONT_NAMES[style], size) / pdf_writer.MM
        assert measuring.width_of(text) == pytest.approx(expected)


def test_a_long_handout_is_known_as_quizgens_own(docs, tmp_path):
    """A later handout may replace an earlier one only if quizgen recognises it by its
    Creator, which reportlab writes before the pages' contents: over 64 KiB from the end of a
    long handout, where only the trailer and the cross-reference table lead to it."""
    choice = [q for q in docs[0].questions if q.options]
    many = tuple(replace(choice[i % len(choice)], number=i + 1) for i in range(400))
    doc = replace(docs[0], sections=(replace(docs[0].sections[0], questions=many),))
    data = pdf_writer.render(doc)
    assert len(data) - data.index(b"/Creator (quizgen)") > 65536
    path = tmp_path / "long.pdf"
    path.write_bytes(data)
    assert is_ours(path, "handout")
    path.write_bytes(data.replace(b"/Creator (quizgen)", b"/Creator (someone)"))
    assert not is_ours(path, "handout")
