"""Benchmark: `quizgen handout` in each format against `quizgen check` on the same project,
and the PDF handout against the Markdown one and against what its PDF library alone costs.

    python benchmarks/bench_handout.py [--facts 1000] [--counts 100 1000] [--runs 5]
    python benchmarks/bench_handout.py --pdf [--facts 1000] [--counts 100] [--runs 7]
                                       [--other CHECKOUT]

`check` loads, validates and expands the project, which every handout must do too, so the
ratio shows what choosing, laying out and writing the handout adds. All commands run as fresh
subprocesses, alternating, so machine noise hits each alike; figures are medians.

`--pdf` times, in each round, the Markdown handout, the PDF handout, a plain reportlab script
that writes the same PDF's text, the imports that script needs and a bare `python -c pass`,
and prints the PDF/Markdown ratio (median and min-max over the rounds; goal: within 2x). The
plain script is the floor of any reportlab writer: it imports reportlab, registers the fonts
the handout uses and puts every run of text the handout has (read back from it with pypdf:
same words, faces, sizes and places, nothing to measure or break into lines) on the same
pages, then writes the file with the fonts subset. So `md + floor - bare` is about the least a
PDF handout can cost with reportlab: quizgen's loading work plus reportlab's own.

Where fpdf2 is installed (quizgen used it before reportlab), the same rounds also time the
same plain script written for fpdf2 and `import fpdf`, for comparison. `--other CHECKOUT`
times the PDF handout of another copy of quizgen too (a folder holding its `quizgen`
package, e.g. from `git worktree add` or `git archive`), run on this environment's libraries.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synth import make, timed, use_bytecode  # noqa: E402

from quizgen.handout.options import FORMATS  # noqa: E402

# Each floor runs as `python -c FLOOR runs.json out.pdf`; it reads nothing of quizgen.
FLOOR = """
import json, sys
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfbase.pdfmetrics import registerFont
from reportlab.pdfbase.ttfonts import TTFont
spec = json.load(open(sys.argv[1]))
canvas = Canvas(sys.argv[2], pagesize=tuple(spec["size"]), invariant=True)
for style in spec["faces"]:
    registerFont(TTFont("F" + style, spec["fonts"][style]))
for runs in spec["pages"]:
    for style, size, x, y, text in runs:
        canvas.setFont("F" + style, size)
        canvas.drawString(x, y, text)
    canvas.showPage()
canvas.save()
"""
IMPORTS = (
    "from reportlab.pdfgen.canvas import Canvas; from reportlab.pdfbase.pdfmetrics import"
    " registerFont; from reportlab.pdfbase.ttfonts import TTFont"
)
FPDF_FLOOR = """
import json, sys
from fpdf import FPDF
spec = json.load(open(sys.argv[1]))
pdf = FPDF(unit="pt", format=tuple(spec["size"]))
pdf.set_auto_page_break(False)
for style in spec["faces"]:
    pdf.add_font("F", style, spec["fonts"][style])
for runs in spec["pages"]:
    pdf.add_page()
    for style, size, x, y, text in runs:
        pdf.set_font("F", style, size)
        pdf.text(x, pdf.h - y, text)
pdf.output(sys.argv[2])
"""


def text_runs(pdf_file: Path) -> dict[str, object]:
    """Every run of text in `pdf_file` with its face, size and place, for FLOOR."""
    from pypdf import PdfReader

    from quizgen.handout import pdf as pdf_writer

    reader = PdfReader(pdf_file)
    pages = []
    for page in reader.pages:
        runs: list[tuple[str, float, float, float, str]] = []

        def visit(text, cm, tm, font, size, runs=runs):
            if text.strip() and font is not None:
                name = str(font["/BaseFont"])
                face = "B" if "Bold" in name else "I" if "Italic" in name else ""
                runs.append((face, size, tm[4], tm[5], text.strip()))

        page.extract_text(visitor_text=visit)
        pages.append(runs)
    faces = sorted({run[0] for runs in pages for run in runs})
    box = reader.pages[0].mediabox
    fonts = {style: str(pdf_writer.FONTS / name) for style, name in pdf_writer._FONT_FILES.items()}
    return {"size": [float(box.width), float(box.height)], "faces": faces, "fonts": fonts,
            "pages": pages}  # fmt: skip


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def bench_pdf(root: Path, out: Path, counts: list[int], runs: int, other: Path | None) -> None:
    """The PDF handout against the Markdown one and the plain-reportlab floor."""
    for count in counts:
        handout = [sys.executable, "-m", "quizgen", "handout", str(root), "--count", str(count),
                   "--date", "2026-11-26", "-o"]  # fmt: skip
        timed([*handout, str(out / "h.pdf")])
        spec = out / "runs.json"
        spec.write_text(json.dumps(text_runs(out / "h.pdf")))
        cmds = {
            "md": [*handout, str(out / "h.md")],
            "pdf": [*handout, str(out / "h.pdf")],
            "floor": [sys.executable, "-c", FLOOR, str(spec), str(out / "floor.pdf")],
            "import": [sys.executable, "-c", IMPORTS],
            "bare": [sys.executable, "-c", "pass"],
        }
        if importlib.util.find_spec("fpdf") is not None:
            cmds["fpdf"] = [sys.executable, "-c", FPDF_FLOOR, str(spec), str(out / "fpdf.pdf")]
            cmds["ifpdf"] = [sys.executable, "-c", "import fpdf"]
        if other is not None:
            # Its own cache folder: sharing one, each copy's code would miss the other's.
            run_other = (
                f"import os, runpy, sys; sys.path.insert(0, {str(other)!r}); "
                f"os.environ['QUIZGEN_CACHE_DIR'] = {str(out / 'other-cache')!r}; "
                "runpy.run_module('quizgen', run_name='__main__')"
            )
            cmds["other"] = [sys.executable, "-c", run_other, *handout[3:], str(out / "o.pdf")]
            timed(cmds["other"])  # fills its cache, as the first run above fills quizgen's
        times: dict[str, list[float]] = {name: [] for name in cmds}
        for _ in range(runs):
            for name, cmd in cmds.items():
                times[name].append(timed(cmd))
        print(f"{count} questions; seconds, median (min-max) of {runs} alternating rounds")
        for name in cmds:
            print(f"  {name:<6} {spread(times[name])}")
        print(f"  pdf / md                   {spread(per_md(times, 'pdf'))}   goal <= 2")
        print(f"  (md + floor - bare) / md   {spread(least(times, 'floor'))}   with reportlab")
        if "fpdf" in cmds:
            print(f"  (md + fpdf - bare) / md    {spread(least(times, 'fpdf'))}   with fpdf2")
        if "other" in cmds:
            print(f"  other / md                 {spread(per_md(times, 'other'))}   {other}")


def per_md(times: dict[str, list[float]], name: str) -> list[float]:
    """Each round's time of `name` over the Markdown handout's."""
    return [t / m for t, m in zip(times[name], times["md"], strict=True)]


def least(times: dict[str, list[float]], floor: str) -> list[float]:
    """Each round's (md + floor - bare) / md: the least a PDF handout could cost, per md."""
    rounds = zip(times["md"], times[floor], times["bare"], strict=True)
    return [(m + f - b) / m for m, f, b in rounds]


def bench_formats(root: Path, out: Path, counts: list[int], runs: int) -> None:
    quizgen = [sys.executable, "-m", "quizgen"]
    print(
        f"{'questions':>9} {'check (s)':>10}"
        + "".join(f" {f + ' (s)':>9} {'ratio':>6}" for f in FORMATS)
    )
    for count in counts:
        times: dict[str, list[float]] = {"check": [], **{f: [] for f in FORMATS}}
        for _ in range(runs):
            times["check"].append(timed([*quizgen, "check", str(root)]))
            for fmt in FORMATS:
                cmd = [*quizgen, "handout", str(root), "--count", str(count),
                       "--date", "2026-11-26", "-o", str(out / f"h.{fmt}")]  # fmt: skip
                times[fmt].append(timed(cmd))
        base = statistics.median(times["check"])
        row = f"{count:>9} {base:>10.3f}"
        for fmt in FORMATS:
            t = statistics.median(times[fmt])
            row += f" {t:>9.3f} {t / base:>6.2f}"
        print(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--facts", type=int, default=1000)
    parser.add_argument("--counts", type=int, nargs="+")
    parser.add_argument("--runs", type=int)
    parser.add_argument("--pdf", action="store_true", help="PDF vs Markdown and the floor")
    parser.add_argument("--other", type=Path, help="with --pdf: another quizgen checkout too")
    args = parser.parse_args()
    use_bytecode()
    if args.other:
        compileall.compile_dir(args.other / "quizgen", quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        root = make(Path(tmp) / "project", args.facts)
        out = Path(tmp) / "out"
        out.mkdir()
        print(f"{args.facts} facts")
        if args.pdf:
            bench_pdf(root, out, args.counts or [100], args.runs or 7, args.other)
        else:
            print(f"medians of {args.runs or 5} runs")
            bench_formats(root, out, args.counts or [100, 1000], args.runs or 5)


if __name__ == "__main__":
    main()
