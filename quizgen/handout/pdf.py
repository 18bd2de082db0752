"""The PDF handout, made with reportlab's canvas (pure Python: nothing to install beyond pip).

Text is set in DejaVu Serif, shipped in quizgen/fonts/ and embedded as a subset, so accents,
arrows, maths signs, dashes and curly quotes print on any machine; a face is read only when
the handout first uses it (a handout without its key never needs the italic). Every page
carries the title and version label at the top and "Page n of N" at the bottom; a question or
key entry never splits across pages. The creation date is the handout's date, and reportlab
writes in its invariant mode, so the same options give the same bytes (its file identifier
follows SOURCE_DATE_EPOCH where that is set, as reproducible builds ask).

Pages are laid out first, into a list of what to draw on each (lengths in millimetres from
the top left, as the layout thinks of them), and drawn on the canvas once the page count is
known, which every footer prints.

This module imports reportlab at the top: the handout package imports it only for PDFs.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from reportlab.lib.pagesizes import A4, letter
from reportlab.pdfbase.pdfmetrics import getFont, getRegisteredFontNames, registerFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from quizgen.handout.layout import Document, Question
from quizgen.outputs import PDF_CREATOR
from quizgen.text import safe_link

FONTS = Path(__file__).resolve().parent.parent / "fonts"
_FONT_FILES = {"": "DejaVuSerif.ttf", "B": "DejaVuSerif-Bold.ttf", "I": "DejaVuSerif-Italic.ttf"}
# reportlab keeps one registry of fonts per process: quizgen's own names for its files.
_FONT_NAMES = {style: "quizgen-" + name.removesuffix(".ttf") for style, name in _FONT_FILES.items()}
MM = 72 / 25.4  # points per millimetre
_FORMATS = {"a4": A4, "letter": letter}  # in points

# Sizes in points, lengths in millimetres.
BODY, SMALL, TINY = 10.5, 9.0, 8.0
LINE = 5.2  # body line height
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 20.0, 22.0, 18.0
NUM_W = 8.0  # the least hanging indent for question numbers; wider for "100."
LETTER_W = 7.0
BLANK = "_" * 20
INK, GREY, RULE = (17, 17, 17), (90, 90, 90), (160, 160, 160)
HEADER_Y, HEADER_H, HEADER_RULE_Y = 10.0, 4.0, 15.0
FOOTER_Y, FOOTER_H = 12.0, 4.0  # the footer's line, from the bottom edge
RULE_W = 0.2


def font(style: str) -> TTFont:
    """DejaVu Serif in `style` ("", "B" or "I"), its file read the first time it is asked for
    in this process."""
    name = _FONT_NAMES[style]
    if name not in getRegisteredFontNames():
        registerFont(TTFont(name, str(FONTS / _FONT_FILES[style])))
    found = getFont(name)
    assert isinstance(found, TTFont)
    return found


class _Text(NamedTuple):
    style: str
    size: float
    color: tuple[int, int, int]
    x: float
    baseline: float
    text: str


class _Link(NamedTuple):
    x: float
    top: float
    width: float
    height: float
    url: str


class _Rule(NamedTuple):
    x1: float
    x2: float
    y: float


_Op = _Text | _Link | _Rule


class _Pages:
    """The handout's pages as they are laid out: the current font and y, page breaks, cached
    measurements, and what to draw on each page, drawn by `output` once all are known."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        width, height = _FORMATS[doc.paper_size]
        self.w, self.h = width / MM, height / MM
        self.l_margin = MARGIN_X
        self.epw = self.w - 2 * MARGIN_X  # the width between the margins
        self.y = MARGIN_TOP
        self.pages: list[list[_Op]] = []
        self.style, self.size = "", BODY
        self.color = INK
        self._font = font("")
        self._fonts = {"": self._font}
        self._widths: dict[tuple[str, float, str], float] = {}
        self._wrapped: dict[tuple[str, float, float, str], list[str]] = {}
        self.number_width = NUM_W

    def face(self, style: str, size: float) -> None:
        """Set DejaVu Serif in `style` ("", "B" or "I") at `size` points."""
        if style != self.style:
            found = self._fonts.get(style)
            if found is None:
                found = self._fonts[style] = font(style)
            self._font = found
        self.style, self.size = style, size

    def width_of(self, text: str) -> float:
        """The width of `text` in mm in the current font, cached: handouts repeat words."""
        key = (self.style, self.size, text)
        width = self._widths.get(key)
        if width is None:
            width = self._font.stringWidth(text, self.size) / MM
            self._widths[key] = width
        return width

    def wrap(self, text: str, width: float) -> list[str]:
        """`text` broken into lines no wider than `width` in the current font: at spaces, and
        inside a word only when the word alone is too wide (a long address)."""
        key = (self.style, self.size, width, text)
        if key not in self._wrapped:
            self._wrapped[key] = _wrap(text, width, self.width_of)
        return self._wrapped[key]

    def add_page(self) -> None:
        self.pages.append([])
        self.y = MARGIN_TOP

    def will_page_break(self, height: float) -> bool:
        """Whether `height` mm more would run into the bottom margin."""
        return self.y + height > self.h - MARGIN_BOTTOM

    def room(self, height: float) -> None:
        """Turn the page first if `height` mm no longer fit on it (only a block taller than
        a page ever needs it: blocks are kept together before they are drawn)."""
        if self.will_page_break(height):
            self.add_page()

    def ln(self, height: float) -> None:
        self.y += height

    def line_of_text(self, x: float, height: float, text: str, link: str = "") -> None:
        """One line of text in the current font and colour at `x` mm, centred on a line
        `height` mm tall whose top is the current y; y stays."""
        self.pages[-1] += self._line(x, self.y, height, text, link)

    def _line(self, x: float, y: float, height: float, text: str, link: str = "") -> list[_Op]:
        if not text:
            return []
        size = self.size / MM  # in mm
        middle = y + 0.5 * height
        line: list[_Op] = [_Text(self.style, self.size, self.color, x, middle + 0.3 * size, text)]
        if link:
            line.append(_Link(x, middle - 0.5 * size, self.width_of(text), size, link))
        return line

    def rule(self, x1: float, x2: float, y: float) -> None:
        self.pages[-1].append(_Rule(x1, x2, y))

    def output(self) -> bytes:
        """The PDF: every page's header, what was laid out on it, and its footer."""
        doc = self.doc
        out = io.BytesIO()
        canvas = Canvas(
            out,
            pagesize=_FORMATS[doc.paper_size],
            invariant=True,  # no time stamp nor random file identifier: the same bytes
            pageCompression=1,  # whatever a reportlab settings file says
            initialFontName=_FONT_NAMES[""],  # else every page would name Helvetica
            lang="en",
        )
        title = doc.title + (f" — {doc.label}" if doc.label else "")
        canvas.setTitle(title if doc.show_questions else f"{title} — answer key")
        canvas.setSubject("Study-group handout")
        canvas.setAuthor("")
        canvas.setCreator(PDF_CREATOR)  # marks an earlier handout, which a later one may replace
        date = doc.date.strftime("D:%Y%m%d000000Z")
        canvas.setDateFormatter(lambda *_: date)
        header = self._header()
        for number, page in enumerate(self.pages, 1):
            footer = self._footer(f"Page {number} of {len(self.pages)}")
            _draw(canvas, self.h, [*header, *page, *footer])
            canvas.showPage()
        canvas.save()
        return out.getvalue()

    def _header(self) -> list[_Op]:
        """What tops every page: the title, cut to fit, the version label and a rule."""
        label = self.doc.label
        self.face("", TINY)
        label_w = self.width_of(label) + 2 if label else 0
        self.color = GREY
        title = _fit(self, self.doc.title, self.epw - label_w - 4)
        ops = self._line(self.l_margin, HEADER_Y, HEADER_H, title)
        if label:
            self.face("B", SMALL)
            self.color = INK
            x = self.w - MARGIN_X - self.width_of(label)
            ops += self._line(x, HEADER_Y, HEADER_H, label)
        return [*ops, _Rule(self.l_margin, self.w - MARGIN_X, HEADER_RULE_Y)]

    def _footer(self, text: str) -> list[_Op]:
        """The page count, centred at the foot of the page."""
        self.face("", TINY)
        self.color = GREY
        x = self.l_margin + (self.epw - self.width_of(text)) / 2
        return self._line(x, self.h - FOOTER_Y, FOOTER_H, text)


def _draw(canvas: Canvas, page_h: float, ops: list[_Op]) -> None:
    """Draw one page's text, links and rules, turning millimetres from the top left into
    reportlab's points from the bottom left."""
    fonts: tuple[str, float] | None = None
    fill: tuple[int, int, int] | None = None
    canvas.setLineWidth(RULE_W * MM)
    canvas.setStrokeColorRGB(*(c / 255 for c in RULE))
    for op in ops:
        if isinstance(op, _Text):
            if fonts != (op.style, op.size):
                fonts = (op.style, op.size)
                canvas.setFont(_FONT_NAMES[op.style], op.size)
            if fill != op.color:
                fill = op.color
                canvas.setFillColorRGB(*(c / 255 for c in op.color))
            canvas.drawString(op.x * MM, (page_h - op.baseline) * MM, op.text)
        elif isinstance(op, _Link):
            bottom = page_h - op.top - op.height
            rect = (op.x, bottom, op.x + op.width, bottom + op.height)
            canvas.linkURL(op.url, tuple(v * MM for v in rect), thickness=0)
        else:
            y = (page_h - op.y) * MM
            canvas.line(op.x1 * MM, y, op.x2 * MM, y)


def _fit(pdf: _Pages, text: str, width: float) -> str:
    """`text` cut with an ellipsis to fit `width` (for the one-line running header)."""
    if pdf.width_of(text) <= width:
        return text
    while text and pdf.width_of(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


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
    it would not fit."""

    def __init__(self, pdf: _Pages) -> None:
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
            pdf.color = color
            for text_line in lines:
                pdf.room(height)
                pdf.line_of_text(pdf.l_margin + x, height, text_line, link)
                pdf.ln(height)
            pdf.color = INK

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
            pdf.room(height)
            pdf.rule(pdf.l_margin + x, pdf.w - MARGIN_X, pdf.y + height)
            pdf.ln(height)

        self._steps.append(draw)

    def gap(self, height: float) -> None:
        self.height += height
        self._steps.append(lambda: self.pdf.ln(height))

    def draw(self) -> None:
        for step in self._steps:
            step()


def _keep_together(pdf: _Pages, block: _Block, extra: float = 0.0) -> None:
    """Draw a block on this page if it fits (with `extra` mm after it), else on the next."""
    if pdf.will_page_break(block.height + extra) and pdf.y > MARGIN_TOP + 1:
        pdf.add_page()
    block.draw()


def _heading(pdf: _Pages, text: str, size: float) -> _Block:
    block = _Block(pdf)
    block.gap(2)
    block.text(text, size, "B", line=size * 0.5)
    block.ruled_line(0, 1.2)
    block.gap(3)
    return block


def _title_block(pdf: _Pages, doc: Document) -> _Block:
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


def _question(pdf: _Pages, q: Question) -> _Block:
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


def _key_entry(pdf: _Pages, q: Question) -> _Block:
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


def _section(pdf: _Pages, heading: _Block, blocks: list[_Block]) -> None:
    """A heading kept on the same page as the block after it, then the blocks."""
    _keep_together(pdf, heading, extra=blocks[0].height if blocks else 0.0)
    for block in blocks:
        _keep_together(pdf, block)


def render(doc: Document) -> bytes:
    """The handout as PDF bytes."""
    pdf = _Pages(doc)
    pdf.face("B", BODY)
    widest = pdf.width_of(f"{len(doc.questions)}.")
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
    return pdf.output()
