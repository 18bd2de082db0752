"""The Markdown handout, rendered back with a CommonMark parser to check what readers see."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from handout_checks import assert_document_shown
from markdown_it import MarkdownIt

from quizgen.handout import markdown
from quizgen.handout.layout import lay_out, parts
from quizgen.handout.options import Options
from quizgen.project import compile_project

FIXTURE = Path(__file__).parent / "fixtures" / "handout"
DAY = date(2026, 11, 26)


class _Text(HTMLParser):
    """The visible text of rendered HTML, and every tag that appears."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def rendered(md: str) -> _Text:
    parser = _Text()
    parser.feed(MarkdownIt("commonmark").render(md))
    return parser


def visible(md: str) -> str:
    return re.sub(r"\s+", " ", "".join(rendered(md).text))


@pytest.fixture(scope="module")
def docs():
    project, cards = compile_project(FIXTURE)
    return lay_out(project, cards, Options(date=DAY, count=18, variants=2, seed=5))


def test_every_question_option_and_answer_reads_back(docs):
    for doc in docs:
        text = visible(markdown.render(doc).decode())
        assert_document_shown(doc, text)


def test_user_text_is_escaped_not_interpreted(docs):
    md = markdown.render(docs[0]).decode()
    page = rendered(md)
    # Only the tags the writer means: no <script>, <b>, <em> or <code> from user text.
    assert set(page.tags) <= {"h1", "h2", "p", "strong", "ul", "li", "a", "blockquote", "hr"}
    text = "".join(page.text)
    for literal in ["<script>alert(1)</script>", "Beta*Net", "Gamma_Net", "Delta `v2`",
                    "[long]", "A Second Paper & <b>Friends</b>"]:  # fmt: skip
        assert literal in text


def test_links_are_made_for_web_addresses_only(docs):
    md = markdown.render(docs[0]).decode()
    html = MarkdownIt("commonmark").render(md)
    assert 'href="https://example.org/second?a=1&amp;b=2"' in html
    assert 'href="https://arxiv.org/abs/2301.00001"' in html
    assert markdown._link("x", "javascript:alert(1)") == "x"


def test_layout_title_sections_blanks_and_key(docs):
    doc = docs[1]
    md = markdown.render(doc).decode()
    lines = md.splitlines()
    assert lines[0] == "# Reading Group — Version B"
    assert lines[2] == "26 November 2026 · Version B · 18 questions"
    assert "## Café-Net" in md
    assert md.count("\n---\n") == 1
    assert md.index("## Second Paper") < md.index("\n---\n") < md.index("## Answer key")
    blank = markdown.BLANK
    cloze = [q for q in doc.questions if q.style == "cloze"]
    assert md.count(blank) >= len(cloze)
    basic = [q for q in doc.questions if q.style == "basic"]
    assert md.count("Answer: " + blank * 3) == len(basic)
    assert md.endswith("\n") and not md.endswith("\n\n")


def test_key_only_and_no_key_parts(docs):
    (questions, _), (key, _) = [(d, s) for s, d in parts(docs[0], "separate")]
    q_md = markdown.render(questions).decode()
    k_md = markdown.render(key).decode()
    assert "Answer key" not in q_md and "---" not in q_md
    assert "Answer key — Version A" in k_md
    assert "answer key" in k_md.splitlines()[2]
    assert all(f"**{q.number}.** {markdown.escape(q.prompt)}" not in k_md for q in key.questions)


@pytest.mark.parametrize(
    "text", ["a*b*c", "_x_", "`code`", "<em>hi</em>", "[a](b)", "# h #", "x | y", "$x$", "&amp;"]
)
def test_escape_keeps_text_literal(text):
    assert visible(markdown.escape(text)).strip() == text


def test_line_breaks_in_source_text_cannot_start_markdown_blocks():
    from quizgen.template import Segment

    project, cards = compile_project(FIXTURE)
    cloze = next(c for c in cards if c.style == "cloze")
    odd = cloze._replace(cloze=(Segment("X", True), Segment(" is\n# not a heading\n- nor a list.")))
    (doc,) = lay_out(project, [odd], Options(date=DAY))
    assert doc.questions[0].cloze[1].text == " is # not a heading - nor a list."
    page = rendered(markdown.render(doc).decode())
    assert page.tags.count("h1") == 1 and page.tags.count("li") == len(doc.papers)
    assert "# not a heading - nor a list." in "".join(page.text)
