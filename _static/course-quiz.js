// The chapter quizzes of the built book (forms written by _ext/course_quiz.py).
// Plain ES2020, no libraries, offline. Each question is a <form>: choosing a radio button or
// typing a number, then Check (or Enter), marks the answer right or wrong in a live region
// and opens the explanation. A prediction is committed once, then the reveal is shown.
// Progress is kept per chapter in localStorage and restored on the next visit.
"use strict";

(function () {
  const STORE = "course-quiz:v1:";

  function load(chapter) {
    try {
      return JSON.parse(window.localStorage.getItem(STORE + chapter)) || {};
    } catch {
      return {}; // storage disabled or corrupt: start afresh
    }
  }

  function save(chapter, progress) {
    try {
      window.localStorage.setItem(STORE + chapter, JSON.stringify(progress));
    } catch {
      // storage full or disabled: the quiz still works, it just forgets
    }
  }

  // Accepts "0.91", "0,91", " 1e-3 ", "−0.5" (a typographic minus); NaN otherwise.
  function parseNumber(text) {
    const cleaned = text.trim().replace(/\u2212/g, "-").replace(",", ".");
    if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(cleaned)) return NaN;
    return Number(cleaned);
  }

  // The reader's answer: {value, correct} or null when nothing was given.
  function readAnswer(form) {
    if (form.dataset.kind === "numeric") {
      const field = form.querySelector(".cq-number input");
      if (!field.value.trim()) return null;
      const value = parseNumber(field.value);
      if (Number.isNaN(value)) return { value: field.value, correct: false, invalid: true };
      const target = Number(form.dataset.answer);
      const tolerance = Number(form.dataset.tolerance);
      return { value: field.value, correct: Math.abs(value - target) <= tolerance * (1 + 1e-9) };
    }
    const chosen = form.querySelector("input[type=radio]:checked");
    if (!chosen) return null;
    return { value: chosen.value, correct: chosen.value === form.dataset.correct };
  }

  function show(form, result, restored) {
    const feedback = form.querySelector(".cq-feedback");
    const answer = form.querySelector(".cq-answer");
    const predict = form.dataset.kind === "predict";
    form.dataset.state = result.correct ? "correct" : "wrong";
    let text;
    if (predict) {
      text = result.correct ? "Your prediction was right." : "Your prediction was not right.";
    } else {
      text = result.correct ? "Correct." : "Not quite.";
    }
    feedback.textContent = text + (restored ? " (your earlier answer)" : "")
      + " The answer and its explanation are below.";
    answer.hidden = false;
    answer.open = true;
    if (form.dataset.correct !== undefined) {
      const right = form.querySelector(`input[type=radio][value="${form.dataset.correct}"]`);
      right.closest(".cq-choice").classList.add("cq-is-answer");
    }
    if (predict) {
      // A prediction is committed once: the reveal would make a second guess meaningless.
      form.querySelectorAll("input[type=radio]").forEach((input) => { input.disabled = true; });
      form.querySelector(".cq-check").disabled = true;
    }
  }

  function updateProgress(block, progress) {
    const forms = block.querySelectorAll("form.cq-question");
    const done = [...forms].filter((f) => progress[f.dataset.qid]).length;
    const right = [...forms].filter((f) => (progress[f.dataset.qid] || {}).correct).length;
    block.querySelector(".cq-progress").textContent =
      `${done} of ${forms.length} answered, ${right} correct (kept in this browser).`;
  }

  function restore(form, saved) {
    if (form.dataset.kind === "numeric") {
      form.querySelector(".cq-number input").value = saved.value;
    } else {
      const input = form.querySelector(`input[type=radio][value="${saved.value}"]`);
      if (input) input.checked = true;
    }
    show(form, saved, true);
  }

  function setUp(block) {
    const chapter = block.dataset.chapter;
    const progress = load(chapter);
    block.querySelectorAll("form.cq-question").forEach((form) => {
      const answer = form.querySelector(".cq-answer");
      answer.hidden = true; // without this script the <details> stays usable
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const result = readAnswer(form);
        const feedback = form.querySelector(".cq-feedback");
        if (!result) {
          feedback.textContent = form.dataset.kind === "numeric"
            ? "Type a number first." : "Choose an answer first.";
          return;
        }
        if (result.invalid) {
          feedback.textContent = "That is not a number: write it like 0.91 or 1e-3.";
          return;
        }
        const fresh = load(chapter); // another quiz block on the page may have saved
        fresh[form.dataset.qid] = { value: result.value, correct: result.correct };
        save(chapter, fresh);
        Object.assign(progress, fresh);
        show(form, result, false);
        document.querySelectorAll(`.course-quiz[data-chapter="${chapter}"]`)
          .forEach((b) => updateProgress(b, progress));
      });
      const saved = progress[form.dataset.qid];
      if (saved) restore(form, saved);
    });
    updateProgress(block, progress);
  }

  function start() {
    document.querySelectorAll(".course-quiz").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
