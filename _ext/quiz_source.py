"""The quizzes' single source: one YAML file per chapter in ``book/quizzes/``.

Each file holds ``chapter`` (the page's name, e.g. ``03-temperature``) and a list
of ``questions``; every question has an ``id``, a ``kind`` and a MyST ``stem``:

- ``choice``: ``choices`` (MyST strings) and either ``answer`` (one of the
  choices, verbatim) or ``answer_code`` (Python that sets ``answer`` to one of
  them);
- ``predict``: as ``choice``, plus ``reveal`` (MyST shown once the reader has
  committed a guess, typically pointing at the figure that settles it);
- ``numeric``: ``answer_code`` (Python that sets ``answer`` to a number) and
  ``tolerance`` (absolute), optionally ``digits`` (significant digits shown).

Every question has an ``explanation`` (MyST, citing a theorem or equation of the
chapter). Answer code runs at build time with ``np`` and ``tempered`` in scope;
a question whose code fails, or whose answer is not among its choices, raises a
:class:`QuizError` that names the file and the question. The book's extension
(``_ext/course_quiz.py``) and the exporter (``tools/quizzes.py``) both load the
quizzes through :func:`load_quiz`.
"""

from __future__ import annotations

import math
import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
QUIZ_DIR = ROOT / "book" / "quizzes"
KINDS = ("choice", "numeric", "predict")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class QuizError(ValueError):
    """A quiz source that cannot be used: the message names file and question."""


@dataclass(frozen=True)
class Question:
    """One question, with its answer computed."""

    chapter: str
    id: str
    kind: str
    stem: str
    explanation: str
    choices: tuple[str, ...] = ()
    answer: str | float = ""
    tolerance: float = 0.0
    digits: int = 4
    reveal: str = ""

    @property
    def correct_index(self) -> int:
        """Index of the correct choice (choice and predict questions)."""
        return self.choices.index(self.answer)

    def answer_text(self) -> str:
        """The answer as the reader sees it: a choice, or a rounded number."""
        if self.kind == "numeric":
            return format_number(self.answer, self.digits)
        return self.answer


@dataclass(frozen=True)
class Quiz:
    """A chapter's questions, in their order in the source."""

    chapter: str
    title: str
    path: Path
    questions: tuple[Question, ...]

    def question(self, qid: str) -> Question:
        """The question with this id (QuizError if there is none)."""
        for q in self.questions:
            if q.id == qid:
                return q
        raise QuizError(f"{self.path.name}: no question with id {qid!r}")


def format_number(x: float, digits: int) -> str:
    """``x`` to ``digits`` significant digits, without exponent for usual sizes."""
    return f"{x:.{digits}g}"


def run_answer_code(code: str, where: str):
    """Run answer code with ``np`` and ``tempered`` in scope; return ``answer``."""
    import numpy as np

    import tempered

    scope = {"np": np, "tempered": tempered, "__name__": "quiz_answer"}
    try:
        exec(compile(code, where, "exec"), scope)  # the book's own code, as a page cell
    except Exception as error:
        last = traceback.format_exception_only(type(error), error)[-1].strip()
        raise QuizError(f"{where}: answer_code failed: {last}") from error
    if "answer" not in scope:
        raise QuizError(f"{where}: answer_code must set the variable `answer`")
    return scope["answer"]


def _text(raw: dict, key: str, where: str, required: bool = True) -> str:
    value = raw.get(key, "")
    if required and (not isinstance(value, str) or not value.strip()):
        raise QuizError(f"{where}: `{key}` must be a non-empty string")
    if not isinstance(value, str):
        raise QuizError(f"{where}: `{key}` must be a string, got {value!r}")
    return value.strip()


def _question(raw, chapter: str, path: Path, number: int) -> Question:
    if not isinstance(raw, dict):
        raise QuizError(f"{path.name}: question {number} is not a mapping")
    qid = raw.get("id")
    if not isinstance(qid, str) or not _ID.match(qid):
        raise QuizError(
            f"{path.name}: question {number}: `id` must be lower-case letters, "
            f"digits and dashes, got {qid!r}"
        )
    where = f"{path.name}: question {qid!r}"
    kind = raw.get("kind")
    if kind not in KINDS:
        raise QuizError(f"{where}: `kind` must be one of {KINDS}, got {kind!r}")
    unknown = set(raw) - {
        "id", "kind", "stem", "choices", "answer", "answer_code", "tolerance",
        "digits", "explanation", "reveal",
    }  # fmt: skip
    if unknown:
        raise QuizError(f"{where}: unknown keys {sorted(unknown)}")
    common = dict(
        chapter=chapter,
        id=qid,
        kind=kind,
        stem=_text(raw, "stem", where),
        explanation=_text(raw, "explanation", where),
    )
    if kind == "numeric":
        return _numeric(raw, where, common)
    return _choice(raw, where, common, kind)


def _numeric(raw: dict, where: str, common: dict) -> Question:
    code = raw.get("answer_code")
    if not isinstance(code, str) or "answer" in raw:
        raise QuizError(
            f"{where}: a numeric answer is computed by `answer_code`, never typed"
        )
    tolerance = raw.get("tolerance")
    if not isinstance(tolerance, (int, float)) or not tolerance > 0:
        raise QuizError(f"{where}: `tolerance` must be a number > 0, got {tolerance!r}")
    answer = run_answer_code(code, where)
    try:
        answer = float(answer)
    except (TypeError, ValueError):
        raise QuizError(f"{where}: answer_code gave {answer!r}, not a number") from None
    if not math.isfinite(answer):
        raise QuizError(f"{where}: answer_code gave {answer!r}, not a finite number")
    digits = raw.get("digits", 4)
    if not isinstance(digits, int) or not 1 <= digits <= 12:
        raise QuizError(f"{where}: `digits` must be an integer from 1 to 12")
    shown = float(format_number(answer, digits))
    if abs(shown - answer) > tolerance:
        raise QuizError(
            f"{where}: the answer shown with {digits} digits, {shown}, is outside "
            f"the tolerance {tolerance} of {answer}: show more digits"
        )
    return Question(**common, answer=answer, tolerance=float(tolerance), digits=digits)


def _choice(raw: dict, where: str, common: dict, kind: str) -> Question:
    choices = raw.get("choices")
    if (
        not isinstance(choices, list)
        or len(choices) < 2
        or not all(isinstance(c, str) and c.strip() for c in choices)
    ):
        raise QuizError(f"{where}: `choices` must be a list of at least two strings")
    choices = tuple(c.strip() for c in choices)
    if len(set(choices)) != len(choices):
        raise QuizError(f"{where}: two choices are the same")
    if ("answer" in raw) == ("answer_code" in raw):
        raise QuizError(f"{where}: give exactly one of `answer` and `answer_code`")
    if "answer_code" in raw:
        answer = run_answer_code(raw["answer_code"], where)
    else:
        answer = raw["answer"]
    answer = answer.strip() if isinstance(answer, str) else answer
    if answer not in choices:
        raise QuizError(f"{where}: the answer {answer!r} is not among the choices")
    reveal = _text(raw, "reveal", where, required=kind == "predict")
    if reveal and kind != "predict":
        raise QuizError(f"{where}: only a predict question has a `reveal`")
    return Question(**common, choices=choices, answer=answer, reveal=reveal)


def load_quiz(path: Path) -> Quiz:
    """Read, check and evaluate one chapter's quiz file."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise QuizError(f"{path.name}: cannot read the quiz: {error}") from error
    if not isinstance(raw, dict) or not isinstance(raw.get("questions"), list):
        raise QuizError(f"{path.name}: expected `chapter`, `title` and `questions`")
    chapter = raw.get("chapter")
    if chapter != path.name.removesuffix(".yml"):
        raise QuizError(
            f"{path.name}: `chapter` must be {path.stem!r}, got {chapter!r}"
        )
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise QuizError(f"{path.name}: `title` must be a non-empty string")
    questions = tuple(
        _question(q, chapter, path, n) for n, q in enumerate(raw["questions"], 1)
    )
    ids = [q.id for q in questions]
    duplicate = sorted({i for i in ids if ids.count(i) > 1})
    if duplicate:
        raise QuizError(f"{path.name}: question ids used twice: {duplicate}")
    return Quiz(chapter, title.strip(), path, questions)


def all_quizzes() -> list[Quiz]:
    """Every chapter's quiz, in chapter order."""
    return [load_quiz(p) for p in sorted(QUIZ_DIR.glob("*.yml"))]
