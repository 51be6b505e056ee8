"""Canvas QTI for one chapter's quiz, written by text2qti from its plain-text format.

text2qti (https://github.com/gpoore/text2qti) turns a Markdown-based text into a
QTI 1.2 zip that Canvas imports; LaTeX in ``$...$`` becomes Canvas's own
equation images (``/equation_images/`` on the importing Canvas instance, so
nothing is fetched here). Choice and predict questions become multiple-choice
questions, numeric ones numerical questions with ``answer +- tolerance``.
"""

from __future__ import annotations

from quiz_markup import to_markdown

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def text2qti_source(quiz) -> str:
    """The quiz in text2qti's plain-text format."""
    lines = [
        f"Quiz title: {quiz.title}",
        f"Quiz description: Questions on the chapter {quiz.title} of the course "
        "Temperature.",
        "",
    ]
    for number, q in enumerate(quiz.questions, 1):
        lines += [f"Title: {q.id}", f"{number}.  {to_markdown(q.stem)}"]
        feedback = to_markdown(q.explanation)
        if q.reveal:
            feedback = to_markdown(q.reveal) + " " + feedback
        lines.append(f"... {feedback}")
        if q.kind == "numeric":
            lines.append(f"=   {q.answer!r} +- {q.tolerance!r}")
        else:
            for letter, choice in zip(LETTERS, q.choices):
                mark = "*" if choice == q.answer else ""
                lines.append(f"{mark}{letter}) {to_markdown(choice)}")
        lines.append("")
    return "\n".join(lines)


def qti_zip(quiz) -> bytes:
    """The quiz as a Canvas QTI zip (bytes)."""
    from text2qti.config import Config
    from text2qti.qti import QTI
    from text2qti.quiz import Quiz

    # Config() without .load(): defaults only, no ~/.text2qti.bespon is read or written.
    parsed = Quiz(
        text2qti_source(quiz), config=Config(), source_name=f"{quiz.chapter}.yml"
    )
    return QTI(parsed).zip_bytes()
