"""The quizzes' MyST, turned into what a learning platform reads.

The book's questions cite the book with MyST roles ({prf:ref}`thm-...`,
{eq}`eq-...`, {numref}`fig-...`, {ref}`ex-...`); outside the book there is no
target, so a role becomes the name of what it cites, e.g. "Theorem
thm-ch3-power in the book". Math stays LaTeX: ``$...$`` for text2qti (which
renders it for Canvas), ``\\(...\\)`` in HTML for Moodle's MathJax filter.
"""

from __future__ import annotations

import html
import re

ROLE = re.compile(r"\{(?:prf:ref|eq|numref|ref|doc)\}`([^`]+)`")
MATH = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$")
KIND = {
    "thm": "Theorem",
    "prop": "Proposition",
    "eq": "Equation",
    "fig": "Figure",
    "ex": "Exercise",
    "ch": "Chapter",
}


def _cite(match: re.Match) -> str:
    target = match.group(1)
    if "<" in target:  # {ref}`text <label>`
        target = target.split("<", 1)[1].rstrip(">")
    kind = KIND.get(target.split("-", 1)[0], "Section")
    return f"{kind} {target} in the book"


def to_markdown(text: str) -> str:
    """MyST to plain Markdown with ``$...$`` math: roles named, lines joined."""
    return " ".join(ROLE.sub(_cite, text).split())


def to_html(text: str) -> str:
    """MyST to a small HTML fragment for Moodle: math as ``\\(...\\)``."""
    parts, last = [], 0
    text = to_markdown(text)
    for match in MATH.finditer(text):
        parts.append(_inline_html(text[last : match.start()]))
        parts.append(html.escape(f"\\({match.group(1)}\\)", quote=False))
        last = match.end()
    parts.append(_inline_html(text[last:]))
    return "<p>" + "".join(parts) + "</p>"


def _inline_html(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*([^*]+)\*", r"<em>\1</em>", text)


def words(text: str) -> list[str]:
    """Lower-case words of a text with its math, markup and tags removed.

    Used to compare a question as exported with its source.
    """
    text = MATH.sub(" ", text)  # before the tags: "$a < b$" is not a tag
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))  # tags first: "&lt;" is text
    text = re.sub(r"\\\((.+?)\\\)", " ", text)
    return re.findall(r"[a-z0-9]+", text.lower())


def formulas(text: str) -> list[str]:
    """The LaTeX of every ``$...$`` in a MyST text, in order."""
    return MATH.findall(to_markdown(text))
