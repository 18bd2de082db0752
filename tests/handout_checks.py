"""What every handout format must show, checked against the text read back from it."""

from __future__ import annotations

from quizgen.handout.layout import Document


def assert_document_shown(doc: Document, text: str, *, blank: str | None = None) -> None:
    """Every question, option, key answer, evidence quote, note and citation of `doc` is in
    `text`, with the key headed by the variant label. Cloze sentences are checked run by run,
    or, given the `blank` a format draws, as whole sentences."""
    for q in doc.questions:
        if q.style == "cloze" and blank is None:
            for seg in q.cloze:
                assert seg.hidden or seg.text.strip() in text
        elif q.style == "cloze":
            sentence = "".join(blank if s.hidden else s.text for s in q.cloze)
            assert f"{q.number}. {sentence.strip()}" in text
        else:
            assert f"{q.number}. {q.prompt}" in text
        for letter, option in q.lettered_options:
            assert f"{letter}) {option}" in text
        assert f"{q.number}. {q.key_answer}" in text
        for quote in q.evidence:
            assert f"“{quote}”" in text
        if q.note:
            assert f"Note: {q.note}" in text
    for paper in doc.papers:
        assert paper.citation in text
    assert any(q.note for q in doc.questions)
    assert f"Answer key — {doc.label}" in text
