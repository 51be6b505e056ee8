"""Local Sphinx extension: the ``quiz`` directive renders a chapter's quiz.

    ```{quiz} 03-temperature
    ```

renders every question of ``book/quizzes/03-temperature.yml`` not already shown
on the page, and ``:questions: id1 id2`` renders only those (a prediction
mid-page). The source is loaded and its answers computed at build time
(``quiz_source``); a failing question stops the build with a Sphinx error.

HTML: one form per question (fieldset and legend, radio buttons or a labelled
number field, a Check button, a live feedback region, the explanation in a
``<details>`` that ``_static/course-quiz.js`` opens after an answer). Jupyter
Book links every script and style sheet in ``_static/`` into each page, as it
does for the widgets' script, so they are not added a second time here.
Other builders (the PDF): the questions in place, and their answers with the
explanations in an "Answers to the quiz" section after each chapter's quiz.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from quiz_source import QUIZ_DIR
from quiz_source import QuizError
from quiz_source import load_quiz
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

LETTERS = "abcdefghijklmnopqrstuvwxyz"
KIND_NAMES = {
    "choice": "multiple choice",
    "numeric": "numeric answer",
    "predict": "predict, then see",
}


class quiz_block(nodes.General, nodes.Element):
    """A group of questions from one chapter's quiz."""


class quiz_question(nodes.General, nodes.Element):
    """One question: its stem, choices or field, controls and explanation."""


class quiz_choice(nodes.General, nodes.Element):
    """One radio button and its label."""


class quiz_answer(nodes.General, nodes.Element):
    """The answer and its explanation (and a prediction's reveal)."""


@cache
def _cached_quiz(path: str, mtime: float):
    return load_quiz(Path(path))


def quiz_for(chapter: str, folder: Path = QUIZ_DIR):
    """The chapter's quiz, loaded once per build process and file version."""
    path = Path(folder) / f"{chapter}.yml"
    if not path.exists():
        raise QuizError(f"quiz: no quiz source {path.name} in {folder}")
    return _cached_quiz(str(path), path.stat().st_mtime)


class QuizDirective(SphinxDirective):
    """``{quiz} <chapter>`` with an optional ``:questions:`` list of ids."""

    required_arguments = 1
    has_content = False
    option_spec = {"questions": directives.unchanged}

    def run(self):
        chapter = self.arguments[0]
        try:
            quiz = quiz_for(chapter, self.config.course_quiz_dir)
            if "questions" in self.options:
                chosen = [quiz.question(i) for i in self.options["questions"].split()]
            else:
                chosen = list(quiz.questions)
        except QuizError as error:
            raise ExtensionError(f"{self.get_location()}: {error}") from error
        self.env.note_dependency(str(quiz.path))
        shown = getattr(self.state.document, "course_quiz_shown", set())
        self.state.document.course_quiz_shown = shown
        if "questions" not in self.options:
            chosen = [q for q in chosen if (chapter, q.id) not in shown]
        shown.update((chapter, q.id) for q in chosen)
        block = quiz_block(chapter=chapter, title=quiz.title)
        block["classes"].append("course-quiz")
        for question in chosen:
            block += self._question(question)
        return [block]

    def _parse(self, text: str, node: nodes.Element) -> nodes.Element:
        self.state.nested_parse(StringList(text.splitlines(), "quiz"), 0, node)
        return node

    def _inline(self, text: str, node: nodes.Element) -> nodes.Element:
        """Parse MyST and unwrap a single paragraph, for labels."""
        holder = self._parse(text, nodes.container())
        children = holder.children
        if len(children) == 1 and isinstance(children[0], nodes.paragraph):
            children = children[0].children
        node.extend(list(children))
        return node

    def _question(self, q) -> quiz_question:
        anchor = f"quiz-{q.chapter}-{q.id}"
        node = quiz_question(
            chapter=q.chapter,
            qid=q.id,
            kind=q.kind,
            anchor=anchor,
            data=_data_attributes(q),
        )
        node["ids"].append(anchor)
        stem = nodes.container(classes=["cq-stem"], ids=[f"{anchor}-stem"])
        node += self._parse(q.stem, stem)
        for index, choice in enumerate(q.choices):
            node += self._inline(
                choice,
                quiz_choice(index=index, anchor=anchor, correct=choice == q.answer),
            )
        answer = quiz_answer(qid=q.id, anchor=anchor, answer=_answer_label(q))
        if q.reveal:
            answer += self._parse(q.reveal, nodes.container(classes=["cq-reveal"]))
        answer += self._parse(q.explanation, nodes.container(classes=["cq-explain"]))
        node += answer
        return node


def _data_attributes(q) -> dict:
    if q.kind == "numeric":
        return {"data-answer": repr(q.answer), "data-tolerance": repr(q.tolerance)}
    return {"data-correct": str(q.correct_index)}


# ---- HTML ---------------------------------------------------------------------


def _attrs(attributes: dict) -> str:
    return "".join(
        f' {k}="{html.escape(str(v), quote=True)}"' for k, v in attributes.items()
    )


def visit_block_html(self, node):
    self.body.append(
        f'<div class="course-quiz" data-chapter="{html.escape(node["chapter"])}">'
        '<p class="cq-progress" aria-live="polite"></p>'
    )


def depart_block_html(self, node):
    self.body.append("</div>")


def visit_question_html(self, node):
    self._cq_number = getattr(self, "_cq_number", 0) + 1
    anchor = node["anchor"]
    attributes = {
        "class": f"cq-question cq-{node['kind']}",
        "id": anchor,
        "data-qid": node["qid"],
        "data-kind": node["kind"],
        **node["data"],
    }
    legend = f"Question {self._cq_number} ({KIND_NAMES[node['kind']]})"
    self.body.append(
        f'<form{_attrs(attributes)}><fieldset aria-describedby="{anchor}-stem">'
        f"<legend>{legend}</legend>"
    )


def depart_question_html(self, node):
    self.body.append("</fieldset></form>")


def visit_choice_html(self, node):
    anchor, index = node["anchor"], node["index"]
    self.body.append(
        f'<div class="cq-choice"><input type="radio" name="{anchor}" '
        f'id="{anchor}-{index}" value="{index}"><label for="{anchor}-{index}">'
        f'<span class="cq-letter">({LETTERS[index]})</span> '
    )


def depart_choice_html(self, node):
    self.body.append("</label></div>")


def visit_answer_html(self, node):
    anchor = node["anchor"]
    question = node.parent
    controls = []
    if question["kind"] == "numeric":
        controls.append(
            f'<div class="cq-number"><label for="{anchor}-value">Your answer</label> '
            f'<input type="text" inputmode="decimal" id="{anchor}-value" '
            f'autocomplete="off" spellcheck="false"></div>'
        )
    verb = "Commit my prediction" if question["kind"] == "predict" else "Check"
    controls.append(
        '<div class="cq-actions">'
        f'<button type="submit" class="cq-check">{verb}</button>'
        f'<p class="cq-feedback" id="{anchor}-feedback" role="status" '
        'aria-live="polite"></p></div>'
    )
    self.body.append(
        "".join(controls)
        + f'<details class="cq-answer" id="{anchor}-answer"><summary>Answer: '
        + f'<span class="cq-answer-text">{html.escape(node["answer"])}</span></summary>'
    )


def depart_answer_html(self, node):
    self.body.append("</details>")


# ---- other builders (LaTeX for the PDF, text, ...) -----------------------------


def visit_block_other(self, node):
    pass


def depart_block_other(self, node):
    pass


def _move_answers(app, doctree, docname):
    """Outside HTML: number questions, letter choices, move the answers to the end.

    The LaTeX builder resolves the whole book as one tree, so the questions are
    grouped by chapter: each chapter gets its answers in a section of its own,
    right after the section that holds its last quiz.
    """
    if app.builder.format == "html":
        return
    chapters = {}
    for block in doctree.findall(quiz_block):
        chapters.setdefault(block["chapter"], []).append(block)
    for chapter, blocks in chapters.items():
        section = nodes.section(ids=[f"quiz-answers-{chapter}"])
        section += nodes.title(text="Answers to the quiz")
        questions = [
            q for b in blocks for q in b.children if isinstance(q, quiz_question)
        ]
        for number, question in enumerate(questions, 1):
            section += _lay_out(question, number)
        holder = blocks[-1].parent
        while holder.parent is not None and not isinstance(holder, nodes.section):
            holder = holder.parent
        if holder.parent is None:
            holder += section
        else:
            holder.parent.insert(holder.parent.index(holder) + 1, section)
    for node in list(doctree.findall(quiz_question)) + list(
        doctree.findall(quiz_block)
    ):
        node.replace_self(nodes.container("", *node.children))


def _lay_out(question, number: int) -> list:
    """Number the question, letter its choices; return its answer's paragraphs."""
    label = nodes.paragraph()
    label += nodes.strong(text=f"Question {number}. ")
    question.children[0].insert(0, label)
    letters = nodes.enumerated_list(enumtype="loweralpha", prefix="(", suffix=")")
    for choice in [c for c in question.children if isinstance(c, quiz_choice)]:
        letters += nodes.list_item("", nodes.paragraph("", "", *choice.children))
        question.remove(choice)
    if len(letters):
        question.insert(1, letters)
    answer = next(c for c in question.children if isinstance(c, quiz_answer))
    question.remove(answer)
    heading = nodes.paragraph()
    heading += nodes.strong(text=f"Question {number}: ")
    heading += nodes.Text(answer["answer"] + ". ")
    return [heading, *answer.children]


def _answer_label(q) -> str:
    """The answer in words: a number with its tolerance, or a choice's letter."""
    if q.kind == "numeric":
        return f"{q.answer_text()} (answers within {q.tolerance:g} count)"
    return f"({LETTERS[q.correct_index]})"


def setup(app):
    app.add_node(
        quiz_block,
        html=(visit_block_html, depart_block_html),
        latex=(visit_block_other, depart_block_other),
        text=(visit_block_other, depart_block_other),
    )
    for node, html_pair in (
        (quiz_question, (visit_question_html, depart_question_html)),
        (quiz_choice, (visit_choice_html, depart_choice_html)),
        (quiz_answer, (visit_answer_html, depart_answer_html)),
    ):
        app.add_node(
            node,
            html=html_pair,
            latex=(visit_block_other, depart_block_other),
            text=(visit_block_other, depart_block_other),
        )
    app.add_config_value("course_quiz_dir", str(QUIZ_DIR), "env")
    app.add_directive("quiz", QuizDirective)
    app.connect("doctree-resolved", _move_answers)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
