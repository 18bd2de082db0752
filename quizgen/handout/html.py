"""The HTML handout: one self-contained file (inline CSS, no scripts, nothing fetched) that
reads on a phone and prints cleanly on A4 or Letter.

Every piece of user text goes through `html.escape`; links are made only for addresses that
`text.safe_link` accepts. The print rules put the version label and page numbers in the page margins
(@page margin boxes), start the key on a new page and keep each question on one page.
"""

from __future__ import annotations

import html

from quizgen.handout.layout import Document, Question
from quizgen.outputs import HTML_MARK
from quizgen.text import safe_link

_PAGE = {"a4": "A4", "letter": "letter"}

_CSS = """\
:root { color-scheme: light; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0 auto; max-width: 44rem; padding: 1.25rem 1rem 3rem;
  font: 17px/1.5 Georgia, "DejaVu Serif", "Times New Roman", serif; color: #111; background: #fff;
}
header { border-bottom: 2px solid #111; margin-bottom: 1rem; }
h1 { font-size: 1.6rem; line-height: 1.2; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; break-after: avoid; page-break-after: avoid; }
.sub { margin: 0 0 .5rem; color: #444; }
.version { float: right; font-weight: bold; border: 1.5px solid #111; padding: 0 .4em; }
.papers ul { margin: .25rem 0; padding-left: 1.2rem; }
.papers li { margin-bottom: .25rem; }
a { color: #0645ad; overflow-wrap: anywhere; }
ol.questions, ol.key-list, ul.options { list-style: none; margin: 0; padding: 0; }
/* Hanging indents: numbers and letters sit in the gutter, wrapped lines align with the text. */
.q { position: relative; padding-left: 2em; margin: 0 0 1.1rem;
  break-inside: avoid; page-break-inside: avoid; }
.q p { margin: 0 0 .35rem; }
.num { position: absolute; left: 0; font-weight: bold; }
ul.options li { position: relative; padding-left: 1.8em; margin: .15rem 0; }
.letter { position: absolute; left: 0; font-weight: bold; }
.blank { display: inline-block; min-width: 9em; border-bottom: 1px solid #111; height: 1em; }
/* Lines to write on are borders, not backgrounds: browsers leave backgrounds out of print. */
.write span { display: block; height: 1.7em; border-bottom: 1px solid #999; }
.key { break-before: page; page-break-before: always; }
.key .q { margin-bottom: .9rem; }
blockquote { margin: .2rem 0; padding-left: .6em; border-left: 3px solid #bbb; font-style: italic; }
.q .cite, .q .note { margin: .15rem 0 0; font-size: .88em; color: #333; }
@media (max-width: 30rem) {
  body { padding: 1rem .75rem 2rem; }
  h1 { font-size: 1.35rem; }
  .q { padding-left: 1.7em; }
}
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  a { color: inherit; text-decoration: none; }
  .version { display: none; }
}
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _link(text: str, url: str) -> str:
    url = safe_link(url)
    return f'<a href="{_e(url)}">{_e(text)}</a>' if url else _e(text)


def _page_css(doc: Document) -> str:
    """@page rules: paper size, and the label and page numbers in the margins of every page.
    The label is made by quizgen ('Version A'), never user text, so it is safe in CSS."""
    boxes = '  @bottom-center { content: "Page " counter(page) " of " counter(pages); }\n'
    if doc.label:
        boxes += f'  @top-right {{ content: "{doc.label}"; font-weight: bold; }}\n'
    return (
        f"@page {{\n  size: {_PAGE[doc.paper_size]};\n  margin: 18mm 17mm 20mm;\n{boxes}"
        "  font: 9pt Georgia, serif; color: #444;\n}\n"
    )


def _question(q: Question) -> list[str]:
    # The space after each gutter label keeps copied text and screen readers at "1. Which";
    # on screen it vanishes (a line's leading space collapses).
    num = f'<span class="num">{q.number}.</span> '
    if q.style == "cloze":
        text = "".join(
            '<span class="blank" role="img" aria-label="blank"></span>' if s.hidden else _e(s.text)
            for s in q.cloze
        )
        body = [f'<p class="prompt cloze">{num}{text.strip()}</p>']
    else:
        body = [f'<p class="prompt">{num}{_e(q.prompt)}</p>']
    if q.options:
        body.append('<ul class="options">')
        body += [
            f'<li><span class="letter">{letter})</span> {_e(option)}</li>'
            for letter, option in q.lettered_options
        ]
        body.append("</ul>")
    elif q.style == "basic":
        body.append(
            '<div class="write" role="img" aria-label="space for your answer">'
            "<span></span><span></span></div>"
        )
    return [f'<li class="q" id="q{q.number}">', *body, "</li>"]


def _key_entry(q: Question) -> list[str]:
    lines = [
        f'<li class="q" id="a{q.number}">',
        f'<p class="answer"><span class="num">{q.number}.</span> '
        f"<strong>{_e(q.key_answer)}</strong></p>",
    ]
    lines += [f"<blockquote>“{_e(quote)}”</blockquote>" for quote in q.evidence]
    lines.append(f'<p class="cite">— {_link(q.paper.citation, q.paper.link)}</p>')
    if q.note:
        lines.append(f'<p class="note">Note: {_e(q.note)}</p>')
    lines.append("</li>")
    return lines


def render(doc: Document) -> bytes:
    """The handout as one UTF-8 HTML document."""
    title = doc.title + (f" — {doc.label}" if doc.label else "")
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        HTML_MARK.decode(),  # marks an earlier handout, which a later one may replace
        f"<title>{_e(title)}</title>",
        f"<style>\n{_CSS}{_page_css(doc)}</style>",
        "</head>",
        "<body>",
        "<header>",
    ]
    if doc.label:
        out.append(f'<span class="version">{doc.label}</span>')
    out += [
        f"<h1>{_e(doc.title)}</h1>",
        f'<p class="sub">{_e(doc.subtitle)}</p>',
        "</header>",
        '<section class="papers">',
        "<h2>Papers covered</h2>",
        "<ul>",
        *(f"<li>{_link(p.name, p.link)}</li>" for p in doc.papers),
        "</ul>",
        "</section>",
    ]
    if doc.show_questions:
        out.append("<main>")
        for section in doc.sections:
            out.append('<section class="paper">')
            if section.paper is not None:
                out.append(f"<h2>{_e(section.paper.short)}</h2>")
            out.append('<ol class="questions">')
            for q in section.questions:
                out += _question(q)
            out += ["</ol>", "</section>"]
        out.append("</main>")
    if doc.show_key:
        # The key file of --answers separate has no questions: no page break before its key.
        key_class = "key" if doc.show_questions else "key-only"
        out += [f'<section class="{key_class}">', f"<h2>{_e(doc.key_heading)}</h2>"]
        out.append('<ol class="key-list">')
        for q in doc.questions:
            out += _key_entry(q)
        out += ["</ol>", "</section>"]
    out += ["</body>", "</html>"]
    return ("\n".join(out) + "\n").encode()
