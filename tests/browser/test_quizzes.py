"""The quizzes in the built book: each question answered wrongly, then rightly.

One page load per chapter, without MathJax. Choices are made with the keyboard
(Space on the radio button) and checked with Enter on the button; numbers are
typed and submitted with Enter. A prediction can be committed once, so after
the wrong guess the test re-enables the form, as a fresh visit would, before
committing the right one.
Every link in the explanations must point at a page and an element id that
exist in the built book. Progress must land in localStorage. In dark mode the
quiz's text keeps a contrast of at least 4.5 (one page).
"""

import json
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.browser.pages import CONTRAST_JS

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "_ext"))
from quiz_source import QUIZ_DIR  # noqa: E402
from quiz_source import load_quiz  # noqa: E402

CHAPTERS = sorted(path.stem for path in QUIZ_DIR.glob("*.yml"))
WRONG_NUMBER = "123456"


def answer(form, question, right: bool):
    """Answer one question through the keyboard and return its marked state."""
    anchor = f"quiz-{question.chapter}-{question.id}"
    if question.kind == "numeric":
        field = form.locator(".cq-number input")
        field.fill(repr(question.answer) if right else WRONG_NUMBER)
        field.press("Enter")
    else:
        index = question.correct_index
        if not right:
            index = (index + 1) % len(question.choices)
        form.locator(f"#{anchor}-{index}").press("Space")
        form.locator(".cq-check").press("Enter")
    return form.get_attribute("data-state")


def open_quiz_page(browser, url, theme="light"):
    """The page without MathJax (the page tests check the math): it is most of
    the load time, and the quizzes do not need it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(
        f"localStorage.setItem('theme', '{theme}');"
        f" localStorage.setItem('mode', '{theme}');"
    )
    context.route(
        re.compile(r".*/vendor/mathjax/.*"),
        lambda route: route.fulfill(body="", content_type="text/javascript"),
    )
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function(
        "[...document.querySelectorAll('.cq-progress')].every(p => p.textContent)"
    )
    return context, page, errors


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


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_question_marks_right_and_wrong(browser, site, built_book, chapter):
    quiz = load_quiz(QUIZ_DIR / f"{chapter}.yml")
    context, page, errors = open_quiz_page(browser, f"{site}/book/{chapter}.html")
    try:
        forms = page.locator("form.cq-question")
        shown = [forms.nth(i).get_attribute("data-qid") for i in range(forms.count())]
        assert sorted(shown) == sorted(q.id for q in quiz.questions), (
            "questions missing"
        )
        for question in quiz.questions:
            form = page.locator(f"#quiz-{chapter}-{question.id}")
            assert form.locator(".cq-answer").is_hidden()
            assert answer(form, question, right=False) == "wrong", question.id
            assert form.locator(".cq-answer").is_visible(), question.id
            if question.kind == "predict":
                assert form.locator(".cq-check").is_disabled()
                form.evaluate(
                    "f => f.querySelectorAll('input, button')"
                    ".forEach(e => { e.disabled = false; })"
                )
            assert answer(form, question, right=True) == "correct", question.id
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


def test_quiz_text_is_readable_in_dark_mode(browser, site):
    chapter = "03-temperature"
    context, page, errors = open_quiz_page(
        browser, f"{site}/book/{chapter}.html", theme="dark"
    )
    try:
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        question = load_quiz(QUIZ_DIR / f"{chapter}.yml").questions[0]
        form = page.locator(f"#quiz-{chapter}-{question.id}")
        assert answer(form, question, right=False) == "wrong"
        contrast = (
            "el => { " + CONTRAST_JS.split("\n", 1)[1] + "\n return contrastOf(el); }"
        )
        for part in ("legend", ".cq-stem p", "label", ".cq-feedback", ".cq-explain p"):
            ratio = form.locator(part).first.evaluate(contrast)
            assert ratio >= 4.5, f"{part}: contrast {ratio:.2f} in dark mode"
        assert not errors, f"console errors: {errors}"
    finally:
        context.close()
