"""Printable study-group handouts: Markdown, HTML and PDF, with answer keys and variants.

    options    what can be asked for: the formats, key placements, paper sizes (the one list
               of each) and the `Options` of one handout
    selection  which questions, and in what order; none gives another's answer away
    layout     the format-neutral `Document` of each file: header, sections, key
    markdown, html, pdf
               one writer per format: a `Document` in, bytes out
    files      names the files, checks every one may be written, renders them all, then
               writes them (atomically)

This package imports nothing itself, so the command line can read `options` cheaply; writers
are imported when used, so reportlab loads only for PDFs.
"""
