"""Check the built PDF (``make test-pdf``): what a reader of the printout would trip on.

    .venv/bin/python tools/check_pdf.py _build/latex

Fails (exit 1, one line per problem) on
- a glyph missing from a font (the LaTeX log's "Missing character"),
- an unresolved reference or citation (the log, and "??" in the text),
- an empty chapter (a chapter of the .tex with no text before the next one),
- raw LaTeX or MyST in the PDF's text layer (pdftotext), outside code,
- an overfull box of more than 10 pt,
- words that overprint each other in a page's header or footer (a long running
  title over the page number), from pdftotext's word boxes.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

MAX_OVERFULL_PT = 10.0
# Markup that must never reach the page: LaTeX commands a bibliography or a
# caption can leak, and MyST roles and fences.
RAW_MARKUP = re.compile(
    r"\\(?:texttt|textbf|textit|emph|sphinx[A-Za-z]*|hyperref|begin\{|end\{|cite\b|"
    r"label\{|ref\{|url\{)|\{(?:cite|eq|ref|numref|prf:[a-z]+)\}`|^:::|\$\$"
)
UNDEFINED = re.compile(
    r"(?:Reference|Citation) `[^']*' on page \d+ undefined|There were undefined"
)
OVERFULL = re.compile(r"Overfull \\[hv]box \(([\d.]+)pt too (?:wide|high)\)[^\n]*")


def log_problems(log: str) -> list[str]:
    """Missing glyphs, undefined references and big overfull boxes in a LaTeX log."""
    problems = sorted(
        {f"missing glyph: {m}" for m in re.findall(r"Missing character: ([^\n]*)", log)}
    )
    problems += sorted({f"unresolved: {m[0]}" for m in UNDEFINED.finditer(log)})
    for match in OVERFULL.finditer(log):
        if float(match[1]) > MAX_OVERFULL_PT:
            problems.append(f"overfull box: {match[0].strip()}")
    return problems


def empty_chapters(tex: str) -> list[str]:
    """Chapters of the LaTeX source with no text of their own."""
    body = tex.split(r"\begin{document}", 1)[-1]
    parts = re.split(r"\\chapter\*?\{([^}]*)\}", body)
    problems = []
    for title, content in zip(parts[1::2], parts[2::2]):
        content = re.split(
            r"\\(?:part|appendix|backmatter)\b|\\end\{document\}", content
        )[0]
        content = re.sub(r"\\label\{[^}]*\}|\\[A-Za-z@]+\*?|[{}\[\]%\s]", "", content)
        if len(content) < 20:
            problems.append(f"empty chapter: {title}")
    return problems


def text_problems(text: str) -> list[str]:
    """Raw LaTeX or MyST and unresolved '??' in the PDF's text, outside code lines."""
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(("    ", ">>>", "...")) or "↪" in line:
            continue  # a code line (pdftotext keeps the listings' indentation)
        if RAW_MARKUP.search(line) or re.search(r"(?<![?\w])\?\?(?![?\w])", line):
            problems.append(f"raw markup on text line {number}: {line.strip()[:80]}")
    return problems


WORD_BOX = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">'
    r"([^<]*)</word>"
)
RUNNING_BAND = 0.07  # header and footer: the top and bottom 7% of a page


def running_line_collisions(bbox_html: str) -> list[str]:
    """Pages whose header or footer has two words overprinting each other.

    ``bbox_html`` is the output of ``pdftotext -bbox``: one <page> per page, one
    <word> box each. Words on one line of the running band that overlap by more
    than half a point are a collision (e.g. a page number under a long title).
    """
    problems = []
    pages = re.split(r"<page width=\"[\d.]+\" height=\"([\d.]+)\">", bbox_html)
    for number, (height, body) in enumerate(zip(pages[1::2], pages[2::2]), 1):
        band = float(height) * RUNNING_BAND
        lines: dict[float, list] = {}
        for x0, y0, x1, word in WORD_BOX.findall(body):
            y = float(y0)
            if band < y < float(height) - band:
                continue
            lines.setdefault(round(y, 1), []).append((float(x0), float(x1), word))
        for words in lines.values():
            words.sort()
            for (_, right, first), (left, _, second) in zip(words, words[1:]):
                if left < right - 0.5:
                    problems.append(
                        f"page {number}: {first!r} and {second!r} overprint"
                        " in the running header or footer"
                    )
                    break
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("latex_dir", type=Path, help="the LaTeX build, _build/latex")
    args = parser.parse_args(argv)
    folder = args.latex_dir
    pdf, log, tex = (folder / f"book.{ext}" for ext in ("pdf", "log", "tex"))
    missing = [p.name for p in (pdf, log, tex) if not p.is_file()]
    if missing:
        print(f"check_pdf: {', '.join(missing)} missing in {folder}: run make pdf")
        return 1

    def pdftotext(mode: str) -> str:
        command = ["pdftotext", mode, str(pdf), "-"]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        return done.stdout

    text, boxes = pdftotext("-layout"), pdftotext("-bbox")
    problems = (
        log_problems(log.read_text(errors="replace"))
        + empty_chapters(tex.read_text())
        + text_problems(text)
        + running_line_collisions(boxes)
    )
    for problem in problems:
        print(problem)
    print(f"check_pdf: {len(problems)} problem(s) in {pdf}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
