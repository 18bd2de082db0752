"""The PDF handout, made with fpdf2 (pure Python: nothing to install beyond pip).

Text is set in DejaVu Serif, shipped in quizgen/fonts/ and embedded as a subset, so accents,
arrows, maths signs, dashes and curly quotes print on any machine. Every page carries the
title and version label at the top and "Page n of N" at the bottom; a question or key entry
never splits across pages. The creation date is the handout's date, so the same options give
the same bytes.

This module imports fpdf at the top: the handout package imports it only for PDFs.
"""

from __future__ import annotations

from datetime import datetime, time, timezone
from pathlib import Path
from typing import cast

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from quizgen.handout.layout import Document, Question

FONTS = Path(__file__).resolve().parent.parent / "fonts"
FAMILY = "DejaVuSerif"
_FONT_FILES = {"": "DejaVuSerif.ttf", "B": "DejaVuSerif-Bold.ttf", "I": "DejaVuSerif-Italic.ttf"}
_FORMATS = {"a4": "A4", "letter": "Letter"}

# Sizes in points, lengths in millimetres.
BODY, SMALL, TINY = 10.5, 9.0, 8.0
LINE = 5.2  # body line height
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 20.0, 22.0, 18.0
NUM_W = 8.0  # the hanging indent the question numbers sit in
LETTER_W = 7.0
BLANK = "_" * 20
INK, GREY, RULE = (17, 17, 17), (90, 90, 90), (160, 160, 160)


class _HandoutPDF(FPDF):
    """FPDF with the handout's running header and footer."""

    def __init__(self, doc: Document) -> None:
        super().__init__(orientation="portrait", unit="mm", format=_FORMATS[doc.paper_size])
        self.doc = doc
        self.running_title = doc.title

    def header(self) -> None:
        self.set_y(10)
        self.set_font(FAMILY, "", TINY)
        self.set_text_color(*GREY)
        label_w = self.get_string_width(self.doc.label) + 2 if self.doc.label else 0
        title = _fit(self, self.running_title, self.epw - label_w - 4)
        self.cell(self.epw - label_w, 4, title, new_x=XPos.RIGHT, new_y=YPos.TOP)
        if self.doc.label:
            self.set_font(FAMILY, "B", SMALL)
            self.set_text_color(*INK)
            self.cell(label_w, 4, self.doc.label, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, 15, self.w - self.r_margin, 15)
        self.set_text_color(*INK)
        self.set_y(MARGIN_TOP)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", TINY)
        self.set_text_color(*GREY)
        self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(*INK)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """`text` cut with an ellipsis to fit `width` (for the one-line running header)."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _new_pdf(doc: Document) -> _HandoutPDF:
    pdf = _HandoutPDF(doc)
    for style, name in _FONT_FILES.items():
        pdf.add_font(FAMILY, style, str(FONTS / name))
    pdf.set_margins(MARGIN_X, MARGIN_TOP, MARGIN_X)
    pdf.set_auto_page_break(True, MARGIN_BOTTOM)
    pdf.alias_nb_pages()
    title = doc.title + (f" — {doc.label}" if doc.label else "")
    pdf.set_title(title if doc.show_questions else f"{title} — answer key")
    pdf.set_subject("Study-group handout")
    pdf.set_creator("quizgen")
    pdf.set_lang("en")
    pdf.set_creation_date(datetime.combine(doc.date, time(0, 0), tzinfo=timezone.utc))
    pdf.set_text_color(*INK)
    return pdf


def _text(
    pdf: FPDF,
    text: str,
    size: float,
    style: str = "",
    x: float | None = None,
    link: str = "",
    height: float | None = None,
    color: tuple[int, int, int] = INK,
) -> None:
    """A left-aligned wrapped paragraph from `x` (default: the left margin) to the right margin."""
    pdf.set_font(FAMILY, style, size)
    pdf.set_text_color(*color)
    left = pdf.l_margin if x is None else x
    pdf.set_x(left)
    pdf.multi_cell(
        pdf.w - pdf.r_margin - left,
        height or size * 0.5,
        text,
        align="L",
        link=link or None,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_text_color(*INK)


def _safe_link(url: str) -> str:
    return url if url.startswith(("https://", "http://")) else ""


def _heading(pdf: FPDF, text: str, size: float, keep: float) -> None:
    """A heading with a rule under it, moved to the next page unless `keep` mm follow it."""
    if pdf.will_page_break(size * 0.5 + 4 + keep):
        pdf.add_page()
    pdf.ln(2)
    _text(pdf, text, size, "B")
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin, pdf.get_y() + 0.8, pdf.w - pdf.r_margin, pdf.get_y() + 0.8)
    pdf.ln(3)


def _title_block(pdf: FPDF, doc: Document) -> None:
    _text(pdf, doc.title, 18, "B", height=8)
    pdf.ln(1)
    _text(pdf, doc.subtitle, BODY, color=GREY)
    pdf.ln(3)
    _text(pdf, "Papers covered", BODY, "B")
    pdf.ln(1)
    for paper in doc.papers:
        y = pdf.get_y()
        pdf.set_font(FAMILY, "", SMALL)
        pdf.set_xy(pdf.l_margin + 1, y)
        pdf.cell(4, SMALL * 0.5, "•")
        _text(pdf, paper.citation, SMALL, x=pdf.l_margin + 5, link=_safe_link(paper.link))
        pdf.ln(0.8)


def _canvas(recorder: object) -> FPDF:
    """Inside `unbreakable()`, fpdf hands out a recorder that stands in for the FPDF (it
    records each call to replay it on a new page if the block does not fit)."""
    return cast(FPDF, recorder)


def _number(pdf: FPDF, q: Question) -> float:
    """Print the question number in the hanging indent; return where the text starts."""
    pdf.set_font(FAMILY, "B", BODY)
    pdf.set_x(pdf.l_margin)
    pdf.cell(NUM_W, LINE, f"{q.number}.", new_x=XPos.RIGHT, new_y=YPos.TOP)
    return pdf.l_margin + NUM_W


def _question(pdf: FPDF, q: Question) -> None:
    with pdf.unbreakable() as recorder:
        block = _canvas(recorder)
        indent = _number(block, q)
        if q.style == "cloze":
            _cloze(block, q, indent)
        else:
            _text(block, q.prompt, BODY, x=indent, height=LINE)
        if q.options:
            block.ln(0.8)
            for letter, option in q.lettered_options:
                block.set_font(FAMILY, "B", BODY)
                block.set_x(indent)
                block.cell(LETTER_W, LINE, f"{letter})", new_x=XPos.RIGHT, new_y=YPos.TOP)
                _text(block, option, BODY, x=indent + LETTER_W, height=LINE)
                block.ln(0.6)
        elif q.style == "basic":
            # Two ruled lines to write on, drawn as bottom borders: coordinates read inside
            # an unbreakable block would be stale once fpdf replays it on a new page.
            block.set_draw_color(*RULE)
            block.set_line_width(0.2)
            for _ in range(2):
                block.set_x(indent)
                block.cell(
                    block.epw - NUM_W, 8, "", border="B", new_x=XPos.LMARGIN, new_y=YPos.NEXT
                )
        block.ln(5)


def _cloze(pdf: FPDF, q: Question, indent: float) -> None:
    """The sentence with each hidden part as a blank line to write on, wrapped at `indent`."""
    left = pdf.l_margin
    pdf.set_left_margin(indent)
    pdf.set_x(indent)
    pdf.set_font(FAMILY, "", BODY)
    text = "".join(BLANK if s.hidden else s.text for s in q.cloze).strip()
    pdf.write(LINE, text)
    pdf.set_left_margin(left)
    pdf.ln(LINE)


def _key_entry(pdf: FPDF, q: Question) -> None:
    with pdf.unbreakable() as recorder:
        block = _canvas(recorder)
        indent = _number(block, q)
        _text(block, q.key_answer, BODY, "B", x=indent, height=LINE)
        for quote in q.evidence:
            block.ln(0.5)
            _text(block, f"“{quote}”", SMALL, "I", x=indent, height=SMALL * 0.48)
        block.ln(0.5)
        _text(
            block,
            f"— {q.paper.citation}",
            TINY,
            x=indent,
            link=_safe_link(q.paper.link),
            color=GREY,
        )
        if q.note:
            block.ln(0.5)
            _text(block, f"Note: {q.note}", TINY, x=indent, color=GREY)
        block.ln(3.5)


def render(doc: Document) -> bytes:
    """The handout as PDF bytes."""
    pdf = _new_pdf(doc)
    pdf.add_page()
    _title_block(pdf, doc)
    if doc.show_questions:
        for section in doc.sections:
            if section.paper is not None:
                _heading(pdf, section.paper.short, 13, keep=25)
            else:
                pdf.ln(4)
            for q in section.questions:
                _question(pdf, q)
    if doc.show_key:
        if doc.show_questions:
            pdf.add_page()
        else:
            pdf.ln(2)
        _heading(pdf, doc.key_heading, 14, keep=20)
        for q in doc.questions:
            _key_entry(pdf, q)
    return bytes(pdf.output())
