"""Local Sphinx extension: a PDF worth printing (``make pdf``; LaTeX builder only).

- The preamble draws set-minus with a glyph the math font has, prints code a
  size smaller so that the course's 88-column lines fit the text width without
  wrapping mid-word, lets inline code break after hyphens and keeps table columns
  at least 80 pt wide (no names running over a column), and lets the
  bibliography sit under the References chapter's own heading instead of a
  second, unnumbered chapter; the introduction's footer names no "CONTENTS".
- The bibliography entries, which Sphinx gathers at the end of the document, are
  moved into the References chapter (which was otherwise empty on paper).
- A proof is printed as text that starts with *Proof.* and ends with a square,
  instead of an admonition box with an empty title bar.
- Notebook headings that carry their own number ("9. Try it") lose it: LaTeX
  numbers sections itself.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx import addnodes
from sphinx.builders.latex.nodes import thebibliography
from sphinx.transforms.post_transforms import SphinxPostTransform

PREAMBLE = r"""
% Set-minus: unicode-math maps \setminus to U+29F5, which Latin Modern Math lacks.
\AtBeginDocument{\renewcommand{\setminus}{\mathbin{\backslash}}}
% Inline code may break after a hyphen, so long names (a1-tempered-softmax) fit table
% columns instead of running over them.
\protected\def\coursehyphenbreak#1{-\discretionary{}{}{}}
\renewcommand*{\sphinxhyphenininlineliteral}{\coursehyphenbreak}
% Table columns at least 80 pt wide: tabulary otherwise squeezes a column of names below
% the width of its longest word (the instructor guide's assignments table).
\setlength{\tymin}{80pt}
% The introduction, between the contents and chapter 1, has no running "CONTENTS" mark.
\makeatletter
\g@addto@macro\sphinxtableofcontents{\markboth{}{}}
\makeatother
% The footer's running title is the chapter's title up to its first colon: the long
% titles of chapters 8 and 9 otherwise ran into the page number beside them.
\makeatletter
\def\course@beforecolon#1:#2\@nil{#1}
\renewcommand{\chaptermark}[1]{%
  \markboth{\@chapapp\ \thechapter.\ \course@beforecolon#1:\@nil}{}}
\makeatother
% The bibliography goes under the References chapter's heading (course_latex.py).
\makeatletter
\renewenvironment{sphinxthebibliography}[1]
  {\renewcommand{\chapter}[2]{}\begin{thebibliography}{#1}}
  {\end{thebibliography}}
\makeatother
"""
REFERENCES_DOC = "book/references"  # its page holds only the bibliography
_OWN_NUMBER = re.compile(r"^\d+\.\s+")


class BibliographyUnderReferences(SphinxPostTransform):
    """Move the gathered bibliography into the References chapter."""

    default_priority = 760  # after Sphinx's BibliographyTransform (750)
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        bibliographies = list(self.document.findall(thebibliography))
        target = next(
            (
                section
                for start in self.document.findall(addnodes.start_of_file)
                if start["docname"] == REFERENCES_DOC
                for section in start.findall(nodes.section)
            ),
            None,
        )
        if not bibliographies or target is None:
            return
        for bibliography in bibliographies:
            bibliography.parent.remove(bibliography)
            target += bibliography


def _proof_as_text(proof) -> None:
    """Unwrap a sphinx-proof ``proof`` admonition and end it with a square."""
    admonition = proof[0] if len(proof) else None
    if not isinstance(admonition, nodes.admonition):
        return
    children = list(admonition.children)
    if children and isinstance(children[0], nodes.paragraph):
        first = children[0]
        text = first[0] if len(first) else None
        if isinstance(text, nodes.Text) and text.startswith("Proof. "):
            first.replace(text, nodes.Text(text[len("Proof. ") :]))
            first.insert(0, nodes.emphasis("", "Proof."))
            first.insert(1, nodes.Text(" "))
    end = nodes.raw("", r"\nobreak\hfill\ensuremath{\square}", format="latex")
    if children and isinstance(children[-1], nodes.paragraph):
        children[-1] += end
    else:
        children.append(nodes.paragraph("", "", end))
    proof.replace(admonition, children)


def _for_print(app, doctree, docname) -> None:
    if app.builder.format != "latex":
        return
    for node in list(doctree.findall(nodes.Element)):
        if node.__class__.__name__ == "proof_node":
            _proof_as_text(node)
    for title in doctree.findall(nodes.title):
        if isinstance(title.parent, nodes.section) and len(title):
            text = title[0]
            if isinstance(text, nodes.Text) and _OWN_NUMBER.match(text):
                title.replace(text, nodes.Text(_OWN_NUMBER.sub("", text)))


def _preamble(app, config) -> None:
    elements = dict(config.latex_elements or {})
    elements["preamble"] = elements.get("preamble", "") + PREAMBLE
    # Code a size smaller: 88 columns fit the text width, so lines do not wrap.
    elements["fvset"] = r"\fvset{fontsize=\footnotesize}"
    config.latex_elements = elements


def setup(app):
    app.connect("config-inited", _preamble)
    app.add_post_transform(BibliographyUnderReferences)
    app.connect("doctree-resolved", _for_print)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
