"""The PDF handout, made with fpdf2 (pure Python: nothing to install beyond pip).

Text is set in DejaVu Serif, shipped in quizgen/fonts/ and embedded as a subset, so accents,
arrows, maths signs, dashes and curly quotes print on any machine; a face is read only when
the handout first uses it (a handout without its key never needs the italic). Every page
carries the title and version label at the top and "Page n of N" at the bottom; a question or
key entry never splits across pages. The creation date is the handout's date, so the same
options give the same bytes.

This module imports fpdf at the top: the handout package imports it only for PDFs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timezone
from pathlib import Path

from fpdf import FPDF

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
HEADER_Y, HEADER_H, HEADER_RULE_Y = 10.0, 4.0, 15.0


class _HandoutPDF(FPDF):
    """FPDF with the handout's fonts, running header and footer, and cached measurements."""

    def __init__(self, doc: Document) -> None:
        super().__init__(orientation="portrait", unit="mm", format=_FORMATS[doc.paper_size])
        self.doc = doc
        self._widths: dict[tuple[str, float, str], float] = {}
        self._wrapped: dict[tuple[str, float, float, str], list[str]] = {}
        self._header_title: str | None = None
        self.number_width = NUM_W

    def face(self, style: str, size: float) -> None:
        """Set DejaVu Serif in `style` ("", "B" or "I") at `size` points, reading the face's
        file the first time it is used."""
        if FAMILY.lower() + style not in self.fonts:
            self.add_font(FAMILY, style, str(FONTS / _FONT_FILES[style]))
        self.set_font(FAMILY, style, size)

    def width_of(self, text: str) -> float:
        """The width of `text` in the current font, cached: handouts repeat words a lot."""
        key = (self.font_style, self.font_size_pt, text)
        width = self._widths.get(key)
        if width is None:
            # The sum of the font's glyph widths, as get_string_width() takes it, without the
            # bidi pass and text fragments it sets up for every call (quizgen sets no letter
            # spacing, stretching or text shaping, which are all it would add).
            font = self.current_font
            assert font is not None, "face() first"
            width = font.get_text_width(text, self.font_size_pt, None)[1] / self.k
            self._widths[key] = width
        return width

    def wrap(self, text: str, width: float) -> list[str]:
        """`text` broken into lines no wider than `width` in the current font: at spaces, and
        inside a word only when the word alone is too wide (a long address)."""
        key = (self.font_style, self.font_size_pt, width, text)
        if key not in self._wrapped:
            self._wrapped[key] = _wrap(text, width, self.width_of)
        return self._wrapped[key]

    def room(self, height: float) -> None:
        """Turn the page first if `height` mm no longer fit on it (as fpdf's cell() does by
        itself: only a block taller than a page ever needs it)."""
        if self.will_page_break(height):
            self.add_page()

    def line_of_text(self, x: float, height: float, text: str, link: str = "") -> None:
        """One line of text in the current font at `x` mm, on a line `height` mm tall whose
        top is the current y, vertically placed as fpdf's cell() places it; y stays."""
        if not text:
            return
        size = self.font_size  # in mm
        self.text(x, self.y + 0.5 * height + 0.3 * size, text)
        if link:
            top = self.y + 0.5 * height - 0.5 * size
            self.link(x, top, self.width_of(text), size, link)

    def header(self) -> None:
        label = self.doc.label
        self.face("", TINY)
        label_w = self.width_of(label) + 2 if label else 0
        if self._header_title is None:
            self._header_title = _fit(self, self.doc.title, self.epw - label_w - 4)
        self.set_text_color(*GREY)
        self.y = HEADER_Y
        self.line_of_text(self.l_margin, HEADER_H, self._header_title)
        if label:
            self.face("B", SMALL)
            self.set_text_color(*INK)
            self.line_of_text(self.w - self.r_margin - self.width_of(label), HEADER_H, label)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, HEADER_RULE_Y, self.w - self.r_margin, HEADER_RULE_Y)
        self.set_text_color(*INK)
        self.set_xy(self.l_margin, MARGIN_TOP)

    def footer(self) -> None:
        # A cell, not text(): only cells fill in the page count ({nb}) at output.
        self.set_y(-12)
        self.face("", TINY)
        self.set_text_color(*GREY)
        self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(*INK)


def _fit(pdf: _HandoutPDF, text: str, width: float) -> str:
    """`text` cut with an ellipsis to fit `width` (for the one-line running header)."""
    if pdf.width_of(text) <= width:
        return text
    while text and pdf.width_of(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _new_pdf(doc: Document) -> _HandoutPDF:
    pdf = _HandoutPDF(doc)
    pdf.face("", BODY)  # every page's header and footer need the regular face
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


class _Block:
    """One block of a page (a question, a key entry, a heading), laid out once.

    Adding to a block breaks its paragraphs into lines, from cached word widths, and adds up
    its height; `draw` then sets the lines down from the current y. A question must not split
    across pages, so the caller knows the height before drawing and turns the page first if
    it would not fit. (fpdf's own `unbreakable()` deep-copies the whole document, fonts
    included, for every block, and its multi_cell re-measures the growing line for every
    character: both far too slow for a long handout.) Each line is one `FPDF.text`, which
    writes one text object; `cell()` would build styled fragments and copy the graphics
    state for every line, the larger part of the drawing time."""

    def __init__(self, pdf: _HandoutPDF) -> None:
        self.pdf = pdf
        self.height = 0.0
        self._steps: list[Callable[[], None]] = []

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
        pdf.face(style, size)
        height = line or size * 0.5
        lines = pdf.wrap(text, pdf.epw - x)
        self.height += height * len(lines)

        def draw() -> None:
            pdf.face(style, size)
            pdf.set_text_color(*color)
            for text_line in lines:
                pdf.room(height)
                pdf.line_of_text(pdf.l_margin + x, height, text_line, link)
                pdf.ln(height)
            pdf.set_text_color(*INK)

        self._steps.append(draw)

    def label(
        self, text: str, x: float, style: str = "B", size: float = BODY, line: float = LINE
    ) -> None:
        """A label (a number, a letter, a bullet) left of the paragraph that follows on its
        line; it adds no height of its own."""
        pdf = self.pdf

        def draw() -> None:
            pdf.face(style, size)
            pdf.room(line)
            pdf.line_of_text(pdf.l_margin + x, line, text)

        self._steps.append(draw)

    def ruled_line(self, x: float, height: float) -> None:
        """An empty line to write on."""
        self.height += height
        pdf = self.pdf

        def draw() -> None:
            pdf.set_draw_color(*RULE)
            pdf.set_line_width(0.2)
            pdf.room(height)
            y = pdf.y + height
            pdf.line(pdf.l_margin + x, y, pdf.w - pdf.r_margin, y)
            pdf.ln(height)

        self._steps.append(draw)

    def gap(self, height: float) -> None:
        self.height += height
        self._steps.append(lambda: self.pdf.ln(height))

    def draw(self) -> None:
        for step in self._steps:
            step()


def _keep_together(pdf: _HandoutPDF, block: _Block, extra: float = 0.0) -> None:
    """Draw a block on this page if it fits (with `extra` mm after it), else on the next."""
    if pdf.will_page_break(block.height + extra) and pdf.get_y() > pdf.t_margin + 1:
        pdf.add_page()
    block.draw()


def _heading(pdf: _HandoutPDF, text: str, size: float) -> _Block:
    block = _Block(pdf)
    block.gap(2)
    block.text(text, size, "B", line=size * 0.5)
    block.ruled_line(0, 1.2)
    block.gap(3)
    return block


def _title_block(pdf: _HandoutPDF, doc: Document) -> _Block:
    block = _Block(pdf)
    block.text(doc.title, 18, "B", line=8)
    block.gap(1)
    block.text(doc.subtitle, BODY, color=GREY)
    block.gap(3)
    block.text("Papers covered", BODY, "B")
    block.gap(1)
    for paper in doc.papers:
        block.label("•", 1, "", SMALL, SMALL * 0.5)
        block.text(paper.name, SMALL, x=5, link=safe_link(paper.link))
        block.gap(0.8)
    return block


def _question(pdf: _HandoutPDF, q: Question) -> _Block:
    block = _Block(pdf)
    indent = pdf.number_width
    block.label(f"{q.number}.", 0)
    if q.style == "cloze":
        # Each hidden part becomes a blank line to write on.
        sentence = "".join(BLANK if s.hidden else s.text for s in q.cloze).strip()
        block.text(sentence, BODY, x=indent, line=LINE)
    else:
        block.text(q.prompt, BODY, x=indent, line=LINE)
    if q.options:
        block.gap(0.8)
        for letter, option in q.lettered_options:
            block.label(f"{letter})", indent)
            block.text(option, BODY, x=indent + LETTER_W, line=LINE)
            block.gap(0.6)
    elif q.style == "basic":
        block.ruled_line(indent, 8)
        block.ruled_line(indent, 8)
    block.gap(5)
    return block


def _key_entry(pdf: _HandoutPDF, q: Question) -> _Block:
    block = _Block(pdf)
    indent = pdf.number_width
    block.label(f"{q.number}.", 0)
    block.text(q.key_answer, BODY, "B", x=indent, line=LINE)
    for quote in q.evidence:
        block.gap(0.5)
        block.text(f"“{quote}”", SMALL, "I", x=indent, line=SMALL * 0.48)
    block.gap(0.5)
    link = safe_link(q.paper.link)
    block.text(f"— {q.paper.citation}", TINY, x=indent, link=link, color=GREY)
    if q.note:
        block.gap(0.5)
        block.text(f"Note: {q.note}", TINY, x=indent, color=GREY)
    block.gap(3.5)
    return block


def _section(pdf: _HandoutPDF, heading: _Block, blocks: list[_Block]) -> None:
    """A heading kept on the same page as the block after it, then the blocks."""
    _keep_together(pdf, heading, extra=blocks[0].height if blocks else 0.0)
    for block in blocks:
        _keep_together(pdf, block)


def render(doc: Document) -> bytes:
    """The handout as PDF bytes."""
    pdf = _new_pdf(doc)
    pdf.face("B", BODY)
    widest = pdf.get_string_width(f"{len(doc.questions)}.")
    pdf.number_width = max(NUM_W, widest + 3)
    pdf.add_page()
    _title_block(pdf, doc).draw()
    if doc.show_questions:
        for section in doc.sections:
            blocks = [_question(pdf, q) for q in section.questions]
            if section.paper is not None:
                heading = _heading(pdf, section.paper.short, 13)
            else:
                heading = _Block(pdf)
                heading.gap(4)
            _section(pdf, heading, blocks)
    if doc.show_key:
        if doc.show_questions:
            pdf.add_page()
        else:
            pdf.ln(2)
        heading = _heading(pdf, doc.key_heading, 14)
        _section(pdf, heading, [_key_entry(pdf, q) for q in doc.questions])
    return bytes(pdf.output())
