"""The quiz directive in a tiny Sphinx project (MyST, no notebooks): a few seconds.

HTML gets the forms; LaTeX (the PDF) gets the questions in place and their
answers at the end of the page; a question whose answer is not among its
choices stops the build with a message naming the file and the question.
"""

from pathlib import Path

from tests.sphinx_project import sphinx_build

ROOT = Path(__file__).resolve().parents[1]

QUIZ = """chapter: 01-demo
title: Demo
questions:
  - id: pick
    kind: predict
    stem: Which is larger, $e$ or $\\pi$?
    choices: ["$e$", "$\\\\pi$"]
    answer_code: answer = "$\\\\pi$" if np.pi > np.e else "$e$"
    reveal: See {eq}`eq-demo`.
    explanation: Compare the decimals in {eq}`eq-demo`.
  - id: number
    kind: numeric
    stem: What is $\\log 2$?
    answer_code: answer = float(np.log(2))
    tolerance: 0.001
    explanation: Numerically, {eq}`eq-demo`.
"""

PAGE = """# Demo

$$ e < \\pi $$ (eq-demo)

```{quiz} 01-demo
:questions: pick
```

## Check your understanding

```{quiz} 01-demo
```
"""


def build(tmp_path, builder, quiz=QUIZ):
    """Build the demo page with ``builder``; return the finished process and out dir."""
    src = tmp_path / "src"
    (src / "quizzes").mkdir(parents=True)
    (src / "quizzes" / "01-demo.yml").write_text(quiz)
    (src / "index.md").write_text(PAGE)
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['myst_parser', 'course_quiz']\n"
        "myst_enable_extensions = ['dollarmath', 'amsmath']\n"
        "math_numfig = True\n"
        f"course_quiz_dir = {str(src / 'quizzes')!r}\n"
    )
    out = tmp_path / builder
    return sphinx_build(src, out, builder), out


def built(tmp_path, builder):
    """The output directory of a build that must succeed with no warning."""
    result, out = build(tmp_path, builder)
    assert result.returncode == 0, result.stderr
    return out


def test_html_has_one_form_per_question_in_page_order(tmp_path):
    html = (built(tmp_path, "html") / "index.html").read_text()
    assert html.count('<form class="cq-question') == 2
    assert html.index('data-qid="pick"') < html.index('data-qid="number"')
    assert 'data-correct="1"' in html and 'data-answer="0.6931471805599453"' in html
    assert "<legend>Question 1 (predict, then see)</legend>" in html
    assert 'aria-live="polite"' in html and 'href="#equation-eq-demo"' in html


def test_latex_lists_the_answers_at_the_end(tmp_path):
    out = built(tmp_path, "latex")
    tex = next(out.glob("*.tex")).read_text()
    answers = tex.index("Answers to the quiz")
    assert tex.index("Which is larger") < answers < tex.index("0.6931 (answers within")
    assert tex.index("Compare the decimals") > answers


def test_a_wrong_answer_stops_the_build(tmp_path):
    bad = QUIZ.replace(
        'answer_code: answer = "$\\\\pi$" if', 'answer_code: answer = "3" if'
    )
    assert bad != QUIZ
    result, _ = build(tmp_path, "html", bad)
    assert result.returncode != 0
    assert "01-demo.yml: question 'pick'" in result.stderr, result.stderr
