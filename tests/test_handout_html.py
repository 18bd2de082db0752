"""The HTML handout: well-formed, self-contained, escaped, and printable (checked in Chromium
when it is installed)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from handout_checks import assert_document_shown
from pypdf import PdfReader

from quizgen.handout import html as html_writer
from quizgen.handout.layout import lay_out, parts
from quizgen.handout.options import Options
from quizgen.project import compile_project

FIXTURE = Path(__file__).parent / "fixtures" / "handout"
DAY = date(2026, 11, 26)
VOID = {"meta", "br", "hr", "img", "link", "input", "wbr"}


class Strict(HTMLParser):
    """Parses a page, failing on unbalanced tags; keeps the visible text and every tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.style = ""
        self.decl = ""

    def handle_decl(self, decl):
        self.decl = decl

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "style":
            self.style += data
        elif self.stack and self.stack[-1] != "title":
            self.text.append(data)


def parse(page: bytes) -> Strict:
    parser = Strict()
    parser.feed(page.decode("utf-8"))
    parser.close()
    assert parser.stack == [], f"unclosed: {parser.stack}"
    assert parser.decl == "DOCTYPE html"
    return parser


def visible(parser: Strict) -> str:
    return re.sub(r"\s+", " ", "".join(parser.text))


@pytest.fixture(scope="module")
def docs():
    project, cards = compile_project(FIXTURE)
    return lay_out(project, cards, Options(date=DAY, count=18, variants=2, seed=5))


def test_every_question_option_and_answer_appears(docs):
    for doc in docs:
        page = parse(html_writer.render(doc))
        text = visible(page)
        assert_document_shown(doc, text)
        blanks = [t for t, a in page.tags if a.get("class") == "blank"]
        assert len(blanks) == sum(s.hidden for q in doc.questions for s in q.cloze)
        writes = [t for t, a in page.tags if a.get("class") == "write"]
        assert len(writes) == sum(q.style == "basic" for q in doc.questions)


def test_user_text_is_escaped(docs):
    raw = html_writer.render(docs[0])
    page = parse(raw)
    assert b"<script" not in raw.lower()
    assert "<script>alert(1)</script>" in visible(page)
    assert "A Second Paper & <b>Friends</b>" in visible(page)
    assert [t for t, _ in page.tags].count("b") == 0
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    hrefs = [a["href"] for t, a in page.tags if t == "a"]
    assert "https://example.org/second?a=1&b=2" in hrefs
    assert html_writer._link("x", "javascript:alert(1)") == "x"


def test_self_contained_no_scripts_and_nothing_fetched(docs):
    raw = html_writer.render(docs[0])
    page = parse(raw)
    tags = {t for t, _ in page.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert not any("src" in a for _, a in page.tags)
    assert "url(" not in page.style and "@import" not in page.style
    assert ("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}) in (
        page.tags
    )


def test_print_css_paper_size_key_page_break_and_labels(docs):
    page = parse(html_writer.render(docs[1]))
    css = re.sub(r"\s+", " ", page.style)
    assert "size: A4;" in css
    assert '@top-right { content: "Version B";' in css
    assert 'counter(page) " of " counter(pages)' in css
    assert ".key { break-before: page;" in css
    assert "break-inside: avoid" in css
    letter = Options(date=DAY, paper="letter")
    project, cards = compile_project(FIXTURE)
    (single,) = lay_out(project, cards, letter)
    css = parse(html_writer.render(single)).style
    assert "size: letter;" in css and "@top-right" not in css
    key_classes = [a.get("class") for t, a in page.tags if t == "section"]
    assert key_classes[-1] == "key"


def test_separate_key_has_no_questions_and_no_page_break(docs):
    (_, questions), (_, key) = parts(docs[0], "separate")
    q_page = parse(html_writer.render(questions))
    k_page = parse(html_writer.render(key))
    assert "Answer key" not in visible(q_page)
    assert "Answer key — Version A" in visible(k_page)
    assert [a.get("class") for t, a in k_page.tags if t == "section"] == ["papers", "key-only"]
    assert not any(a.get("class") == "prompt" for _, a in k_page.tags)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")
def test_chromium_prints_the_handout_with_labels_and_the_key_on_its_own_page(docs, tmp_path):
    page = tmp_path / "handout.html"
    page.write_bytes(html_writer.render(docs[0]))
    pdf = tmp_path / "printed.pdf"
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    reader = PdfReader(pdf)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    pages = [re.sub(r"\s+", " ", p.extract_text()) for p in reader.pages]
    assert len(pages) >= 2
    assert "Reading Group" in pages[0] and "Papers covered" in pages[0]
    first = docs[0].questions[0]
    assert first.prompt[:30] in pages[0] or first.style == "cloze"
    for n, text in enumerate(pages, 1):
        assert "Version A" in text, f"page {n} lacks the version label"
        assert f"Page {n} of {len(pages)}" in text
    key_pages = [n for n, text in enumerate(pages) if "Answer key — Version A" in text]
    assert key_pages, "the key is printed"
    before_key = " ".join(pages[: key_pages[0]])
    assert "Answer key" not in before_key
    key_text = pages[key_pages[0]]
    assert not any(q.prompt in key_text for q in docs[0].questions if q.style != "cloze")
