"""The quizzes in the built book: each question answered wrongly, then rightly.

One page load per chapter. Choices are made with the keyboard (focus, Space)
and checked with the button (Enter); numbers are typed and submitted with
Enter. A prediction can be committed once, so after the wrong guess the test
re-enables the form, as a fresh visit would, before committing the right one.
Every link in the explanations must point at a page and an element id that
exist in the built book. Progress must land in localStorage.
"""

import json
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.browser.pages import open_page

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "_ext"))
from quiz_source import all_quizzes  # noqa: E402

QUIZZES = {quiz.chapter: quiz for quiz in all_quizzes()}
WRONG_NUMBER = "123456"


def answer(page, form, question, right: bool):
    """Answer one question through the keyboard and return its marked state."""
    anchor = f"quiz-{question.chapter}-{question.id}"
    if question.kind == "numeric":
        field = form.locator(".cq-number input")
        field.fill("")
        field.focus()
        value = repr(question.answer) if right else WRONG_NUMBER
        page.keyboard.type(value)
        page.keyboard.press("Enter")
    else:
        index = (
            question.correct_index
            if right
            else (question.correct_index + 1) % len(question.choices)
        )
        form.locator(f"#{anchor}-{index}").focus()
        page.keyboard.press("Space")
        form.locator(".cq-check").focus()
        page.keyboard.press("Enter")
    return form.get_attribute("data-state")


def internal_targets(page) -> list[str]:
    return page.eval_on_selector_all(
        ".cq-answer a[href]", "links => links.map(a => a.href)"
    )


def assert_link_resolves(built_book: Path, site: str, url: str):
    parsed = urlparse(url)
    assert parsed.netloc == urlparse(site).netloc, f"explanation links outside: {url}"
    target = built_book / parsed.path.lstrip("/")
    assert target.is_file(), f"explanation link to a missing page: {url}"
    if parsed.fragment:
        text = target.read_text(encoding="utf-8")
        assert re.search(rf'id="{re.escape(parsed.fragment)}"', text), (
            f"explanation link to a missing element: {url}"
        )


@pytest.mark.parametrize("chapter", sorted(QUIZZES))
def test_every_question_marks_right_and_wrong(browser, site, built_book, chapter):
    quiz = QUIZZES[chapter]
    context, page, _, errors = open_page(browser, f"{site}/book/{chapter}.html")
    try:
        forms = page.locator("form.cq-question")
        shown = [forms.nth(i).get_attribute("data-qid") for i in range(forms.count())]
        assert sorted(shown) == sorted(q.id for q in quiz.questions), (
            "questions missing"
        )
        for question in quiz.questions:
            form = page.locator(f"#quiz-{chapter}-{question.id}")
            assert form.locator(".cq-answer").is_hidden()
            assert answer(page, form, question, right=False) == "wrong", question.id
            assert form.locator(".cq-answer").is_visible(), question.id
            if question.kind == "predict":
                assert form.locator(".cq-check").is_disabled()
                form.evaluate(
                    "f => f.querySelectorAll('input, button')"
                    ".forEach(e => { e.disabled = false; })"
                )
            assert answer(page, form, question, right=True) == "correct", question.id
            feedback = form.locator(".cq-feedback").inner_text()
            right = ("Correct.", "Your prediction was right.")
            assert feedback.startswith(right), feedback
        stored = json.loads(
            page.evaluate(f"localStorage.getItem('course-quiz:v1:{chapter}')")
        )
        assert set(stored) == {q.id for q in quiz.questions}
        assert all(entry["correct"] for entry in stored.values())
        links = internal_targets(page)
        assert links, "the explanations link nowhere"
        for url in links:
            assert_link_resolves(built_book, site, url)
        assert not errors, f"console errors: {errors}"
    finally:
        context.close()
