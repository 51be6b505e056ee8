"""The chapter quizzes: one checked source, exports that read back as written.

Cheap: no book build. Loading every quiz runs its answer code (about a second);
the export writes and parses back 18 small files.
"""

import html
import io
import re
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "_ext"), str(ROOT / "tools")]

import quizzes  # noqa: E402
from quiz_markup import formulas  # noqa: E402
from quiz_markup import to_markdown  # noqa: E402
from quiz_markup import words  # noqa: E402
from quiz_source import QuizError  # noqa: E402
from quiz_source import all_quizzes  # noqa: E402
from quiz_source import load_quiz  # noqa: E402

CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("[0-9][0-9]-*.md"))


@pytest.fixture(scope="module")
def quizzes_by_chapter():
    return {q.chapter: q for q in all_quizzes()}


def test_every_chapter_page_shows_its_quiz(quizzes_by_chapter):
    assert sorted(quizzes_by_chapter) == CHAPTERS
    mid_page = 0
    for chapter, quiz in quizzes_by_chapter.items():
        assert len(quiz.questions) >= 6, f"{chapter}: fewer than 6 questions"
        page = (ROOT / "book" / f"{chapter}.md").read_text()
        assert f"```{{quiz}} {chapter}\n```" in page, f"{chapter}: no end-of-page quiz"
        for qid in re.findall(rf"```{{quiz}} {chapter}\n:questions: (.+)", page):
            mid_page += 1
            assert all(quiz.question(i).kind == "predict" for i in qid.split())
    assert mid_page >= 3
    kinds = {q.kind for quiz in quizzes_by_chapter.values() for q in quiz.questions}
    assert kinds == {"choice", "numeric", "predict"}


def labels_of(page: str) -> set[str]:
    """Every label a page defines: directives, equations, figures, targets."""
    return set(
        re.findall(r":label: (\S+)", page)
        + re.findall(r"^\$\$ \((\S+)\)$", page, flags=re.M)
        + re.findall(r"^\s*\$\$ \((\S+)\)$", page, flags=re.M)
        + re.findall(r"name: (fig-\S+)", page)
        + re.findall(r"^\((\S+)\)=$", page, flags=re.M)
    )


def test_every_explanation_cites_the_book(quizzes_by_chapter):
    every_label = set()
    for page in (ROOT / "book").glob("*.md"):
        every_label |= labels_of(page.read_text())
    for quiz in quizzes_by_chapter.values():
        for q in quiz.questions:
            cited = re.findall(r"\{(?:prf:ref|eq)\}`([^`]+)`", q.explanation)
            assert cited, (
                f"{quiz.chapter}/{q.id}: the explanation cites no theorem or equation"
            )
            text = " ".join([q.stem, q.explanation, q.reveal, *q.choices])
            for label in re.findall(r"\{(?:prf:ref|eq|numref|ref)\}`([^`]+)`", text):
                assert label in every_label, (
                    f"{quiz.chapter}/{q.id}: unknown label {label}"
                )


# Each numeric answer, worked out independently with the package's functions or in
# closed form from the chapter's theorem.
def expected_numeric():
    from tempered import entropy
    from tempered import tempered_softmax
    from tempered.energy import free_energy

    seven = np.array([3.2, 2.4, 2.1, 1.6, 0.8, 0.3, -1.5])
    tie = np.array([3.2, 3.2, 2.1, 1.6, 0.3, -np.inf])
    return {
        "01-why-temperature/p-mat": 100 * tempered_softmax(seven)[0],
        "01-why-temperature/ratio-half": np.exp(0.8 / 0.5),
        "02-softmax-derived/lse-big": 1000 + np.log1p(np.exp(-1) + np.exp(-2)),
        "02-softmax-derived/smooth-max": 0.5 * np.log(np.exp(4) + np.exp(2) + 1),
        "03-temperature/log-odds": 0.8 / 0.25,
        "03-temperature/two-class-t": 2 / np.log(9),
        "03-temperature/compose": 0.5 * 3,
        "04-limits-and-entropy/entropy-cold": np.log(2),
        "04-limits-and-entropy/entropy-hot": np.log(5),
        "04-limits-and-entropy/eps-cold": 1 - 2 * tempered_softmax(tie, 0.2)[0],
        "04-limits-and-entropy/argmax-tv": 1 - 1 / 3,
        "05-energy-based-models/uphill": np.exp(-0.5 / 0.25),
        "05-energy-based-models/free-energy": free_energy([0.0, 1.0, 1.0], 1.0),
        "05-energy-based-models/swap": np.exp((4 - 2) * (0.2 - 1.0)),
        "06-temperature-in-language-models/tok-bb": 0.16 / 0.52,
        "06-temperature-in-language-models/seq-bb": 0.16 / 0.34,
        "07-reshape-vs-truncate/threshold": 1 / np.log(2 + 2 * np.sqrt(2)),
        "07-reshape-vs-truncate/min-p-third": 2 / np.log(5),
        "08-beyond-fixed-temperature/dynatemp-hstar": 2**-0.5,
        "08-beyond-fixed-temperature/presence-frequency": 1 - 3 * 0.2 - 0.5,
        "08-beyond-fixed-temperature/mirostat-update": 8 - 0.1 * (6 - 4),
        "08-beyond-fixed-temperature/edt-value": 0.8**0.5,
        "09-temperature-in-practice/acceptance-number": 0.2 + 0.3 + 0.2,
        "09-temperature-in-practice/scores-vs-logits": 3.0 / 0.5,
        "09-temperature-in-practice/naive-gradient": 0.5 * (1 - 0.5),
        "09-temperature-in-practice/pass-at-k": 1 - 0.9**10,
        "10-continuous-temperature/gaussian-std": np.sqrt(0.25) * 2,
        "10-continuous-temperature/std-factor": 0.7**2,
        "10-continuous-temperature/exponent-d": 1 - 1 / 0.25,
        "11-temperature-elsewhere/distill-grad": (
            tempered_softmax(np.array([2.0, 0, -1]), 4)[0]
            - tempered_softmax(np.array([1.0, 0.5, 0]), 4)[0]
        )
        / 4,
        "11-temperature-elsewhere/regret": 1
        - tempered_softmax(np.array([1.0, 0.5, 0]), 0.5) @ [1.0, 0.5, 0],
        "_entropy_check": entropy(np.array([0.5, 0.5])) - np.log(2),
    }


def test_numeric_answers_equal_the_package(quizzes_by_chapter):
    expected = expected_numeric()
    assert abs(expected.pop("_entropy_check")) < 1e-12
    numeric = {
        f"{quiz.chapter}/{q.id}": q
        for quiz in quizzes_by_chapter.values()
        for q in quiz.questions
        if q.kind == "numeric"
    }
    assert sorted(numeric) == sorted(expected), (
        "a numeric question lacks its check here"
    )
    for key, q in numeric.items():
        assert abs(q.answer - expected[key]) <= 1e-9 * max(1, abs(expected[key])), key
        assert q.tolerance < 0.05 * max(abs(q.answer), 1e-3) or q.tolerance <= 0.5, key


def parse_qti(data: bytes) -> dict:
    """{title: (question html, [choice html], correct html, (min, max))} from a zip."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert "imsmanifest.xml" in names
        (name,) = [
            n for n in names if n.endswith(".xml") and "/" in n and "meta" not in n
        ]
        root = ET.fromstring(archive.read(name))
    ns = {"q": root.tag.split("}")[0].strip("{")}
    items = {}
    for item in root.iter(f"{{{ns['q']}}}item"):
        text = item.find(".//q:presentation/q:material/q:mattext", ns).text
        labels = {  # a numerical question has one label without text
            lab.get("ident"): lab.find(".//q:mattext", ns).text
            for lab in item.iter(f"{{{ns['q']}}}response_label")
            if lab.find(".//q:mattext", ns) is not None
        }
        correct, bounds = None, None
        for cond in item.iter(f"{{{ns['q']}}}respcondition"):
            if (
                cond.find(".//q:setvar", ns) is None
                or cond.find(".//q:setvar", ns).text != "100"
            ):
                continue
            equal = cond.find(".//q:varequal", ns)
            if labels and equal is not None:
                correct = labels[equal.text]
            low, high = cond.find(".//q:vargte", ns), cond.find(".//q:varlte", ns)
            if low is not None:
                bounds = (float(low.text), float(high.text))
        items[item.get("title")] = (text, list(labels.values()), correct, bounds)
    return items


def parse_moodle(data: bytes) -> dict:
    """{idnumber: (question html, [choice html], correct html, (min, max))}."""
    root = ET.fromstring(data)
    out = {}
    for question in root.findall("question"):
        if question.get("type") == "category":
            continue
        text = question.find("questiontext/text").text
        answers = question.findall("answer")
        choices = [a.find("text").text for a in answers]
        correct = [a.find("text").text for a in answers if a.get("fraction") == "100"]
        numeric = None
        if question.get("type") == "numerical":
            answer = float(choices[0])
            tolerance = float(answers[0].find("tolerance").text)
            numeric = (answer - tolerance, answer + tolerance)
            choices = []
        out[question.find("idnumber").text] = (text, choices, correct[0], numeric)
    return out


def test_export_reads_back_as_the_source(tmp_path, quizzes_by_chapter):
    written = quizzes.export(tmp_path)
    assert len(written) == 2 * len(CHAPTERS)
    for quiz in quizzes_by_chapter.values():
        qti = parse_qti((tmp_path / f"{quiz.chapter}.qti.zip").read_bytes())
        moodle = parse_moodle((tmp_path / f"{quiz.chapter}.moodle.xml").read_bytes())
        assert list(qti) == [q.id for q in quiz.questions]
        assert list(moodle) == [f"{quiz.chapter}/{q.id}" for q in quiz.questions]
        for q in quiz.questions:
            # text2qti writes numerical bounds with four decimals; Moodle XML exactly
            for (text, choices, correct, bounds), slack in (
                (qti[q.id], 5e-5),
                (moodle[f"{quiz.chapter}/{q.id}"], 1e-12),
            ):
                assert words(text) == words(to_markdown(q.stem)), q.id
                for formula in formulas(q.stem):
                    assert formula in html.unescape(text), (q.id, formula)
                if q.kind == "numeric":
                    assert choices == []
                    assert abs(bounds[0] - (q.answer - q.tolerance)) <= slack, q.id
                    assert abs(bounds[1] - (q.answer + q.tolerance)) <= slack, q.id
                else:
                    plain = [words(to_markdown(c)) for c in q.choices]
                    assert [words(c) for c in choices] == plain, q.id
                    assert words(correct) == words(to_markdown(q.answer)), q.id


BAD = {
    "not-among": (
        "- id: not-among\n  kind: choice\n  stem: s\n  explanation: e\n"
        "  choices: [a, b]\n  answer: c\n",
        "the answer 'c' is not among the choices",
    ),
    "code-not-among": (
        "- id: code-not-among\n  kind: predict\n  stem: s\n  explanation: e\n"
        "  reveal: r\n  choices: [a, b]\n  answer_code: answer = 'z'\n",
        "the answer 'z' is not among the choices",
    ),
    "fails": (
        "- id: fails\n  kind: numeric\n  stem: s\n  explanation: e\n"
        "  tolerance: 0.1\n  answer_code: answer = 1 / 0\n",
        "answer_code failed: ZeroDivisionError",
    ),
    "typed": (
        "- id: typed\n  kind: numeric\n  stem: s\n  explanation: e\n"
        "  tolerance: 0.1\n  answer: 3\n",
        "computed by `answer_code`, never typed",
    ),
    "no-answer": (
        "- id: no-answer\n  kind: numeric\n  stem: s\n  explanation: e\n"
        "  tolerance: 0.1\n  answer_code: x = 1\n",
        "must set the variable `answer`",
    ),
    "coarse": (
        "- id: coarse\n  kind: numeric\n  stem: s\n  explanation: e\n"
        "  tolerance: 0.001\n  digits: 2\n  answer_code: answer = np.pi\n",
        "outside the tolerance",
    ),
}


@pytest.mark.parametrize("qid", sorted(BAD))
def test_a_bad_question_names_file_and_question(tmp_path, qid):
    source, message = BAD[qid]
    path = tmp_path / "99-bad.yml"
    path.write_text("chapter: 99-bad\ntitle: Bad\nquestions:\n" + source)
    with pytest.raises(QuizError) as error:
        load_quiz(path)
    assert f"99-bad.yml: question {qid!r}" in str(error.value)
    assert message in str(error.value)
