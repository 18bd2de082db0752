"""The Markdown handout: plain CommonMark that reads well as text and renders well on GitHub.

Markdown has no pages, so the version label sits in the title and in the key's heading, and a
thematic break stands where the printed key starts a new page. The last line is an HTML comment
(invisible when rendered) that marks the file as a quizgen handout, which a later handout may
replace (see quizgen.outputs).
"""

from __future__ import annotations

import re

from quizgen.handout.layout import Document, Question
from quizgen.outputs import MARKDOWN_MARK
from quizgen.text import safe_link

# The ASCII characters that make Markdown syntax inside a line: emphasis, code, links, raw HTML,
# entity references ('&'), GitHub's maths ('$'), tables, strikethrough and closing heading
# hashes. User text never starts a line here (every line has its own prefix), so list and
# heading markers need no escaping. CommonMark lets any ASCII punctuation be backslash-escaped.
_SPECIAL = re.compile(r"([\\`*_\[\]<>&$|~#])")
BLANK = r"\_" * 12


def escape(text: str) -> str:
    """User text as literal Markdown: no emphasis, links, HTML or headings can come from it."""
    return _SPECIAL.sub(r"\\\1", text)


def _link(text: str, url: str) -> str:
    """A link only for the addresses `text.safe_link` accepts (never javascript: and the like)."""
    url = safe_link(url)
    return f"[{escape(text)}](<{url}>)" if url else escape(text)


def _question(q: Question) -> list[str]:
    if q.style == "cloze":
        text = "".join(BLANK if s.hidden else escape(s.text) for s in q.cloze)
        lines = [f"**{q.number}.** {text.strip()}"]
    else:
        lines = [f"**{q.number}.** {escape(q.prompt)}"]
    if q.options:
        lines += [
            "",
            *(f"- **{letter})** {escape(option)}" for letter, option in q.lettered_options),
        ]
    elif q.style == "basic":
        lines += ["", f"Answer: {BLANK * 3}"]
    lines.append("")
    return lines


def _key_entry(q: Question) -> list[str]:
    lines = [f"**{q.number}.** {escape(q.key_answer)}", ""]
    lines += [
        f"> “{escape(quote)}”" + ("  " if i < len(q.evidence) - 1 else "")
        for i, quote in enumerate(q.evidence)
    ]
    lines.append(">")
    lines.append(f"> — {_link(q.paper.citation, q.paper.link)}")
    if q.note:
        lines += [">", f"> Note: {escape(q.note)}"]
    lines.append("")
    return lines


def render(doc: Document) -> bytes:
    """The handout as UTF-8 Markdown bytes."""
    title = escape(doc.title) + (f" — {doc.label}" if doc.label else "")
    lines = [f"# {title}", "", escape(doc.subtitle), ""]
    lines += ["**Papers covered**", ""]
    lines += [f"- {_link(p.name, p.link)}" for p in doc.papers]
    lines.append("")
    if doc.show_questions:
        for section in doc.sections:
            if section.paper is not None:
                lines += [f"## {escape(section.paper.short)}", ""]
            for q in section.questions:
                lines += _question(q)
    if doc.show_key:
        if doc.show_questions:
            lines += ["---", ""]
        lines += [f"## {escape(doc.key_heading)}", ""]
        for q in doc.questions:
            lines += _key_entry(q)
    text = "\n".join(lines).rstrip("\n")
    return f"{text}\n\n{MARKDOWN_MARK}\n".encode()
