"""The PDF handout, made with fpdf2 (pure Python: nothing to install beyond pip).

Text is set in DejaVu Serif, shipped in quizgen/fonts/ and embedded as a subset, so accents,
arrows, maths signs, dashes and curly quotes print on any machine. Every page carries the
title and version label at the top and "Page n of N" at the bottom; a question or key entry
never splits across pages. The creation date is the handout's date, so the same options give
the same bytes.

This module imports fpdf at the top: the handout package imports it only for PDFs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timezone
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from quizgen.handout.layout import Document, Question
from quizgen.outputs import PDF_CREATOR
from quizgen.text import safe_link

FONTS = Path(__file__).resolve().parent.parent / "fonts"
FAMILY = "DejaVuSerif"
_FONT_FILES = {"": "DejaVuSerif.ttf", "B": "DejaVuSerif-Bold.ttf", "I": "DejaVuSerif-Italic.ttf"}
_FORMATS = {"a4": "A4", "letter": "Letter"}

# Sizes in points, lengths in millimetres.
BODY, SMALL, TINY = 10.5, 9.0, 8.0
LINE = 5.2  # body line height
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 20.0, 22.0, 18.0
NUM_W = 8.0  # the least hanging indent for question numbers; wider for "100."
LETTER_W = 7.0
BLANK = "_" * 20
INK, GREY, RULE = (17, 17, 17), (90, 90, 90), (160, 160, 160)


class _HandoutPDF(FPDF):
    """FPDF with the handout's running header and footer."""

    def __init__(self, doc: Document) -> None:
        super().__init__(orientation="portrait", unit="mm", format=_FORMATS[doc.paper_size])
        self.doc = doc
        self.running_title = doc.title
        self._widths: dict[tuple[str, float, str], float] = {}
        self._wrapped: dict[tuple[str, float, float, str], list[str]] = {}
        self.number_width = NUM_W

    def width_of(self, text: str) -> float:
        """The width of `text` in the current font, cached: handouts repeat words a lot."""
        key = (self.font_style, self.font_size_pt, text)
        width = self._widths.get(key)
        if width is None:
            width = self._widths[key] = self.get_string_width(text)
        return width

    def wrap(self, text: str, width: float) -> list[str]:
        """`text` broken into lines no wider than `width` in the current font: at spaces, and
        inside a word only when the word alone is too wide (a long address)."""
        key = (self.font_style, self.font_size_pt, width, text)
        if key not in self._wrapped:
            self._wrapped[key] = _wrap(text, width, self.width_of)
        return self._wrapped[key]

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
    pdf.c_margin = 0  # no padding inside cells: text lines up with the rules and the margin
    pdf.set_auto_page_break(True, MARGIN_BOTTOM)
    pdf.alias_nb_pages()
    title = doc.title + (f" — {doc.label}" if doc.label else "")
    pdf.set_title(title if doc.show_questions else f"{title} — answer key")
    pdf.set_subject("Study-group handout")
    pdf.set_creator(PDF_CREATOR)  # marks an earlier handout, which a later one may replace
    pdf.set_lang("en")
    pdf.set_creation_date(datetime.combine(doc.date, time(0, 0), tzinfo=timezone.utc))
    pdf.set_text_color(*INK)
    return pdf


def _wrap(text: str, width: float, width_of: Callable[[str], float]) -> list[str]:
    """Greedy line breaking (what word processors do for ragged-right text)."""
    space = width_of(" ")
    lines: list[str] = []
    words: list[str] = []
    used = 0.0
    for word in text.split(" "):
        if not word:
            continue
        w = width_of(word)
        if w > width:  # too long for any line: break it between characters
            if words:
                lines.append(" ".join(words))
            *full, word = _split_word(word, width, width_of)
            lines += full
            words, used = [word], width_of(word)
        elif words and used + space + w > width:
            lines.append(" ".join(words))
            words, used = [word], w
        else:
            used += (space if words else 0.0) + w
            words.append(word)
    if words or not lines:
        lines.append(" ".join(words))
    return lines


def _split_word(word: str, width: float, width_of: Callable[[str], float]) -> list[str]:
    pieces = [""]
    used = 0.0
    for char in word:
        w = width_of(char)
        if pieces[-1] and used + w > width:
            pieces.append("")
            used = 0.0
        pieces[-1] += char
        used += w
    return pieces


class _Flow:
    """Lays out one block of a page, either drawing it or only measuring its height.

    A question must not split across pages, so each block is first run with `dry=True` to
    learn its height and then drawn, after a page break if it would not fit. (fpdf's own
    `unbreakable()` deep-copies the whole document, fonts included, for every block: far too
    slow for a long handout.) Paragraphs are broken into lines here, from cached word widths,
    and each line is one cell: fpdf's multi_cell re-measures the growing line for every
    character, which made a 300-question handout take over ten seconds."""

    def __init__(self, pdf: _HandoutPDF, dry: bool) -> None:
        self.pdf = pdf
        self.dry = dry
        self.height = 0.0

    def text(
        self,
        text: str,
        size: float,
        style: str = "",
        x: float = 0.0,
        line: float | None = None,
        link: str = "",
        color: tuple[int, int, int] = INK,
    ) -> None:
        """A left-aligned paragraph from `x` mm right of the margin to the right margin."""
        pdf = self.pdf
        pdf.set_font(FAMILY, style, size)
        width = pdf.epw - x
        line = line or size * 0.5
        lines = pdf.wrap(text, width)
        self.height += line * len(lines)
        if self.dry:
            return
        pdf.set_text_color(*color)
        for text_line in lines:
            pdf.set_x(pdf.l_margin + x)
            pdf.cell(width, line, text_line, link=link, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*INK)

    def gutter(self, text: str, x: float, width: float) -> None:
        """A bold label (a number, a letter) left of the paragraph that follows on its line."""
        if not self.dry:
            self.pdf.set_font(FAMILY, "B", BODY)
            self.pdf.set_x(self.pdf.l_margin + x)
            self.pdf.cell(width, LINE, text, new_x=XPos.RIGHT, new_y=YPos.TOP)

    def ruled_line(self, x: float, height: float) -> None:
        """An empty line to write on."""
        self.height += height
        if not self.dry:
            self.pdf.set_draw_color(*RULE)
            self.pdf.set_line_width(0.2)
            self.pdf.set_x(self.pdf.l_margin + x)
            self.pdf.cell(
                self.pdf.epw - x, height, "", border="B", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )

    def gap(self, height: float) -> None:
        self.height += height
        if not self.dry:
            self.pdf.ln(height)


def _measure(pdf: _HandoutPDF, draw: Callable[[_Flow], None]) -> float:
    flow = _Flow(pdf, dry=True)
    draw(flow)
    return flow.height


def _keep_together(pdf: _HandoutPDF, draw: Callable[[_Flow], None], extra: float = 0.0) -> None:
    """Draw a block on this page if it fits (with `extra` mm after it), else on the next."""
    if pdf.will_page_break(_measure(pdf, draw) + extra) and pdf.get_y() > pdf.t_margin + 1:
        pdf.add_page()
    draw(_Flow(pdf, dry=False))


def _heading(text: str, size: float) -> Callable[[_Flow], None]:
    def draw(flow: _Flow) -> None:
        flow.gap(2)
        flow.text(text, size, "B", line=size * 0.5)
        flow.ruled_line(0, 1.2)
        flow.gap(3)

    return draw


def _title_block(pdf: _HandoutPDF, doc: Document) -> None:
    flow = _Flow(pdf, dry=False)
    flow.text(doc.title, 18, "B", line=8)
    flow.gap(1)
    flow.text(doc.subtitle, BODY, color=GREY)
    flow.gap(3)
    flow.text("Papers covered", BODY, "B")
    flow.gap(1)
    for paper in doc.papers:
        pdf.set_font(FAMILY, "", SMALL)
        pdf.set_x(pdf.l_margin + 1)
        pdf.cell(4, SMALL * 0.5, "•", new_x=XPos.RIGHT, new_y=YPos.TOP)
        flow.text(paper.name, SMALL, x=5, link=safe_link(paper.link))
        flow.gap(0.8)


def _question(q: Question) -> Callable[[_Flow], None]:
    def draw(flow: _Flow) -> None:
        indent = flow.pdf.number_width
        flow.gutter(f"{q.number}.", 0, indent)
        if q.style == "cloze":
            # Each hidden part becomes a blank line to write on.
            sentence = "".join(BLANK if s.hidden else s.text for s in q.cloze).strip()
            flow.text(sentence, BODY, x=indent, line=LINE)
        else:
            flow.text(q.prompt, BODY, x=indent, line=LINE)
        if q.options:
            flow.gap(0.8)
            for letter, option in q.lettered_options:
                flow.gutter(f"{letter})", indent, LETTER_W)
                flow.text(option, BODY, x=indent + LETTER_W, line=LINE)
                flow.gap(0.6)
        elif q.style == "basic":
            flow.ruled_line(indent, 8)
            flow.ruled_line(indent, 8)
        flow.gap(5)

    return draw


def _key_entry(q: Question) -> Callable[[_Flow], None]:
    def draw(flow: _Flow) -> None:
        indent = flow.pdf.number_width
        flow.gutter(f"{q.number}.", 0, indent)
        flow.text(q.key_answer, BODY, "B", x=indent, line=LINE)
        for quote in q.evidence:
            flow.gap(0.5)
            flow.text(f"“{quote}”", SMALL, "I", x=indent, line=SMALL * 0.48)
        flow.gap(0.5)
        link = safe_link(q.paper.link)
        flow.text(f"— {q.paper.citation}", TINY, x=indent, link=link, color=GREY)
        if q.note:
            flow.gap(0.5)
            flow.text(f"Note: {q.note}", TINY, x=indent, color=GREY)
        flow.gap(3.5)

    return draw


def _section(
    pdf: _HandoutPDF, heading: Callable[[_Flow], None], blocks: list[Callable[[_Flow], None]]
) -> None:
    """A heading kept on the same page as the block after it, then the blocks."""
    first = _measure(pdf, blocks[0]) if blocks else 0.0
    _keep_together(pdf, heading, extra=first)
    for block in blocks:
        _keep_together(pdf, block)


def render(doc: Document) -> bytes:
    """The handout as PDF bytes."""
    pdf = _new_pdf(doc)
    pdf.set_font(FAMILY, "B", BODY)
    widest = pdf.get_string_width(f"{len(doc.questions)}.")
    pdf.number_width = max(NUM_W, widest + 3)
    pdf.add_page()
    _title_block(pdf, doc)
    if doc.show_questions:
        for section in doc.sections:
            blocks = [_question(q) for q in section.questions]
            if section.paper is not None:
                _section(pdf, _heading(section.paper.short, 13), blocks)
            else:
                _section(pdf, lambda flow: flow.gap(4), blocks)
    if doc.show_key:
        if doc.show_questions:
            pdf.add_page()
        else:
            pdf.ln(2)
        _section(pdf, _heading(doc.key_heading, 14), [_key_entry(q) for q in doc.questions])
    return bytes(pdf.output())
