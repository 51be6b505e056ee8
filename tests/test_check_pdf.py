"""tools/check_pdf.py finds each kind of PDF defect (on small made-up inputs)."""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import check_pdf  # noqa: E402


def test_log_problems_find_glyphs_references_and_big_overfull_boxes():
    log = "\n".join(
        [
            "Missing character: There is no ⧵ (U+29F5) in font latinmodern-math.otf!",
            "LaTeX Warning: Reference `book/04:thm' on page 12 undefined on line 9.",
            r"Overfull \hbox (94.1pt too wide) in paragraph at lines 15127--15130",
            r"Overfull \hbox (5.7pt too wide) in paragraph at lines 10--12",
        ]
    )
    problems = check_pdf.log_problems(log)
    assert len(problems) == 3
    assert any("U+29F5" in p for p in problems)
    assert any("undefined" in p for p in problems)
    assert any("94.1pt" in p for p in problems)
    assert check_pdf.log_problems("Output written on book.pdf (230 pages).") == []


def test_empty_chapters_are_found():
    tex = (
        r"\begin{document}\chapter{Softmax}\label{a}Some real text about the softmax."
        r"\chapter{References}\label{book/references::doc}"
        r"\chapter{Guide}More text that is long enough to count.\end{document}"
    )
    assert check_pdf.empty_chapters(tex) == ["empty chapter: References"]


def test_raw_markup_and_unresolved_marks_in_the_text_are_found():
    text = "\n".join(
        [
            "Defaults in \\texttt common/common.h.",
            "See Theorem ?? for the bound.",
            "A {cite}`holtzman` left over.",
            "    print('\\texttt in code is fine')",
            "Plain prose with (4.2) and U ∖ M.",
        ]
    )
    problems = check_pdf.text_problems(text)
    assert [p.split(":")[0] for p in problems] == ["raw markup on text line 1"] + [
        "raw markup on text line 2",
        "raw markup on text line 3",
    ]


def test_bibliography_labels_are_the_citations_author_year_and_unique():
    from pybtex.database import parse_string

    sys.path.insert(0, str(ROOT / "_ext"))
    import course_bibstyle

    bib = """
    @article{a, author = {Hinton, G. and Vinyals, O. and Dean, J.}, title = {D},
             journal = {J}, year = {2015}}
    @article{b, author = {Held, M. and Karp, R.}, title = {P}, journal = {J},
             year = {1962}}
    @article{c, author = {Held, M. and Karp, R.}, title = {Q}, journal = {J},
             year = {1962}}
    """
    entries = parse_string(bib, "bibtex").entries.values()
    labels = [e.label for e in course_bibstyle.CourseStyle().format_entries(entries)]
    assert labels == [
        "Held and Karp, 1962a",
        "Held and Karp, 1962b",
        "Hinton et al., 2015",
    ]


def test_no_latex_markup_in_bibliography_text_fields():
    # pybtex prints such commands raw (the PDF showed "\texttt temperature").
    text = (ROOT / "references.bib").read_text()
    fields = re.findall(r"^\s*(?:title|note|booktitle)\s*=\s*(.*)$", text, re.MULTILINE)
    assert fields and not [f for f in fields if re.search(r"\\[a-zA-Z]+\{", f)]


def test_a_proof_prints_as_text_with_an_end_mark():
    from docutils import nodes

    sys.path.insert(0, str(ROOT / "_ext"))
    import course_latex

    admonition = nodes.admonition("", nodes.paragraph("", "Proof. Since p > 0."))
    proof = nodes.container("", admonition)
    course_latex._proof_as_text(proof)
    assert not list(proof.findall(nodes.admonition))
    paragraph = proof[0]
    assert paragraph[0].astext() == "Proof."
    assert paragraph.astext().startswith("Proof. Since p > 0.")
    assert r"\square" in paragraph[-1].astext()


def _page(words, height=792):
    boxes = "".join(
        f'<word xMin="{x0}" yMin="{y}" xMax="{x1}" yMax="{y + 10}">{w}</word>\n'
        for x0, x1, y, w in words
    )
    return f'<page width="612.000000" height="{height}.000000">\n{boxes}</page>\n'


def test_a_running_title_over_the_page_number_is_found():
    footer = 741.9
    clear = _page([(72, 88.6, footer, "200"), (300, 340, footer, "Chapter")])
    clash = _page([(72, 88.6, footer, "200"), (82.2, 120.3, footer, "Chapter")])
    # Body text may set words tight (math): only the running lines are checked.
    body = _page([(72, 88.6, 400, "x"), (82.2, 120.3, 400, "y")])
    assert check_pdf.running_line_collisions(clear + body) == []
    problems = check_pdf.running_line_collisions(clear + clash)
    assert problems == [
        "page 2: '200' and 'Chapter' overprint in the running header or footer"
    ]
