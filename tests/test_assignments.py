"""The classroom: every assignment under assignments/ builds, grades and catches
careless answers.

For each assignment (found by glob, never listed here) ``otter assign`` makes a
student and an autograder version. Graded by the sandboxed grader of
``make grade`` (tools/grading), the solution must score full points and the
untouched student version must run to the end without an error (also as a
learner runs it, in a Jupyter kernel) and score 0. Every mutant in
``mutants.yml`` must lose points on its own question and fail a public check
whose message names the mistake. Hidden tests must never reach the student
version. Everything is built once per content of assignments/ (under
_build/test-assignments/, not the output of ``make assignments``) and graded
once per session.
"""

from __future__ import annotations

import ast
import csv
import dataclasses
import json
import re
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
import yaml

from tests.tool_module import load_tool

ROOT = Path(__file__).resolve().parents[1]
A = load_tool("assignments", "course_assignments")

pytestmark = pytest.mark.filterwarnings(
    "ignore:Traits should be given as instances:DeprecationWarning"
)

NAMES = A.assignment_names()
MUTANTS = [(name, m) for name in NAMES for m in A.load_mutants(name)]


def test_assignments_are_discovered():
    assert len(NAMES) >= 4, (
        f"expected at least four assignments under assignments/, found {NAMES}"
    )


@pytest.fixture(scope="session")
def classroom(tmp_path_factory):
    """Build every assignment, write its submissions, grade them all once.

    Returns the scores.

    The solution, the untouched student version and every mutant of each
    assignment are graded, two sandboxes at a time, by the same sandboxed
    grader as ``make grade`` (tools/grading). The untouched student version is
    also run as a learner runs it (a Jupyter kernel, public checks from its
    metadata).
    """
    build_dir = A.build_cached()  # built once per content of assignments/
    subs = tmp_path_factory.mktemp("submissions")
    copies = []
    for name in NAMES:
        folder = tmp_path_factory.mktemp(f"learner-{name}")
        copies.append(
            str(
                shutil.copy(
                    A.student_notebook(name, build_dir), folder / f"{name}.ipynb"
                )
            )
        )
    # The learner runs (Jupyter kernels) overlap the sandboxed grading.
    with ProcessPoolExecutor(max_workers=1) as pool:
        learner = pool.map(A.run_notebook, copies)
        maxima, tasks = {}, []  # (key, name, notebook, assignment as graded)
        for name in NAMES:
            folder = subs / name
            folder.mkdir()
            assignment = A.prepare(name, build_dir)
            maxima[name] = assignment.points
            for key, source in (
                ("solution", A.solution_notebook(name, build_dir)),
                ("student", A.student_notebook(name, build_dir)),
            ):
                path = shutil.copy(source, folder / f"{key}.ipynb")
                tasks.append(((name, key), name, path, assignment))
            # Each mutant is scored on its own question only (the others are the
            # solution's), which keeps the slow statistical tests to one run each.
            solution = nbformat.read(A.solution_notebook(name, build_dir), as_version=4)
            for mutant in A.load_mutants(name):
                path = folder / f"{mutant['name']}.ipynb"
                nbformat.write(A.apply_mutant(solution, mutant), path)
                q = mutant["question"]
                only_q = dataclasses.replace(
                    assignment,
                    questions={q: assignment.questions[q]},
                    points={q: assignment.points[q]},
                )
                tasks.append(((name, mutant["name"]), name, path, only_q))

        def grade(task):
            _key, name, path, assignment = task
            return A.grade(name, [path], build_dir=build_dir, assignment=assignment)[0]

        with ThreadPoolExecutor(max_workers=2) as threads:  # two sandboxes at a time
            scores = dict(zip([t[0] for t in tasks], threads.map(grade, tasks)))
        learner_errors = dict(zip(NAMES, learner))
    return {
        "build": build_dir,
        "maxima": maxima,
        "scores": scores,
        "submissions": subs,
        "learner_errors": learner_errors,
    }


def _report(row: dict) -> str:
    return json.dumps({k: v for k, v in row.items() if k != "submission"}, indent=1)[
        :3000
    ]


@pytest.mark.parametrize("name", NAMES)
def test_solution_scores_full_points(classroom, name):
    row = classroom["scores"][(name, "solution")]
    maxima = classroom["maxima"][name]
    assert not row["error"], _report(row)
    assert not row["notes"], f"{name}: the solution notebook: {row['notes']}"
    assert row["possible"] > 0
    for q, points in maxima.items():
        assert row[q] == pytest.approx(points), (
            f"{name}: the solution loses points on {q}\n{_report(row)}"
        )


@pytest.mark.parametrize("name", NAMES)
def test_student_version_runs_to_the_end_and_scores_zero(classroom, name):
    errors = classroom["learner_errors"][name]
    assert not errors, (
        f"{name}: the untouched student notebook raises errors "
        f"when a learner runs it: {errors}"
    )
    row = classroom["scores"][(name, "student")]
    assert not row["error"], _report(row)
    cell_notes = [n for n in row["notes"].split("; ") if n.startswith("cell ")]
    assert not cell_notes, (
        f"{name}: the untouched student notebook raises errors when graded: "
        f"{cell_notes}"
    )
    assert row["total"] == 0, (
        f"{name}: the untouched student notebook earns points\n{_report(row)}"
    )


@pytest.mark.parametrize(
    "name, mutant", MUTANTS, ids=[f"{n}--{m['name']}" for n, m in MUTANTS]
)
def test_mutant_loses_points(classroom, name, mutant):
    row = classroom["scores"][(name, mutant["name"])]
    assert not row["error"], (
        f"{name}: the mutant {mutant['name']!r} could not be graded\n{_report(row)}"
    )
    q = mutant["question"]
    lost = classroom["maxima"][name][q] - row[q]
    assert lost > 0, (
        f"{name}: the tests do not catch the mutant {mutant['name']!r} "
        f"({mutant['mistake']}); it keeps all points of {q}\n{_report(row)}"
    )


@pytest.mark.parametrize(
    "name, mutant", MUTANTS, ids=[f"{n}--{m['name']}" for n, m in MUTANTS]
)
def test_mutant_fails_a_public_check_that_names_the_mistake(classroom, name, mutant):
    """Fair to students: the public checks catch each careless answer, and say why.

    A mutant marked ``hidden_only`` (with a reason) is caught by hidden tests only.
    """
    details = classroom["scores"][(name, mutant["name"])]["details"]
    mine = [d for d in details if d["question"] == mutant["question"]]
    if mutant.get("hidden_only"):
        assert len(str(mutant["hidden_only"])) > 20, (
            f"{name}: mutant {mutant['name']} is hidden_only without a reason"
        )
        assert any(d["hidden"] and not d["passed"] for d in mine)
        return
    public = [d for d in mine if not d["hidden"] and not d["passed"]]
    assert public, (
        f"{name}: the mutant {mutant['name']!r} ({mutant['mistake']}) passes every "
        "public check of its question: students would see all green"
    )
    hint = mutant.get("message")
    assert hint, f"{name}: mutant {mutant['name']} needs `message:` in mutants.yml"
    assert any(hint.lower() in d["message"].lower() for d in public), (
        f"{name}: no public check of {mutant['question']} tells a student making the "
        f"mistake {mutant['mistake']!r} about it (expected {hint!r} in one of "
        f"{[d['message'][:300] for d in public]})"
    )


def test_the_public_check_rule_can_fail(classroom):
    """A solution graded as a 'mutant' passes every public check: the rule sees it."""
    name = NAMES[0]
    details = classroom["scores"][(name, "solution")]["details"]
    assert details and all(d["passed"] for d in details if not d["hidden"])


@pytest.mark.parametrize("name", NAMES)
def test_every_question_has_tests_points_and_a_mutant(name):
    nb = nbformat.read(A.source_notebook(name), as_version=4)
    questions = _questions(nb)
    assert questions, f"{name}: no questions found"
    mutated = {m["question"] for m in A.load_mutants(name)}
    for q, info in questions.items():
        assert info["points"] and info["points"] > 0, f"{name} {q}: no points"
        assert sum(t["points"] for t in info["tests"]) == info["points"], (
            f"{name} {q}: test points do not add up"
        )
        assert any(not t["hidden"] for t in info["tests"]), (
            f"{name} {q}: no public test"
        )
        assert any(t["hidden"] for t in info["tests"]), f"{name} {q}: no hidden test"
        assert q in mutated, (
            f"{name} {q}: no mutant in mutants.yml exercises this question"
        )
    for m in A.load_mutants(name):
        assert m["question"] in questions, (
            f"{name}: mutant {m['name']} names an unknown question"
        )
        assert m.get("mistake") and m.get("replace"), (
            f"{name}: mutant {m['name']} needs a mistake and replacements"
        )


@pytest.mark.parametrize("name", NAMES)
def test_hidden_tests_never_reach_the_student_version(classroom, name):
    hidden = _hidden_tests(name)
    assert hidden, f"{name}: no hidden tests"
    with zipfile.ZipFile(A.autograder_zip(name, classroom["build"])) as zf:
        autograder_text = "\n".join(
            zf.read(n).decode() for n in zf.namelist() if n.startswith("tests/")
        )
    for t in hidden:
        assert t["function"] in autograder_text, (
            f"{name}: hidden test {t['function']} is missing from the autograder"
        )
    leaks = _leaks(name, classroom["build"] / name / "student")
    assert not leaks, f"{name}: hidden test text in the student version: {leaks}"


def test_the_leak_check_can_fail(classroom, tmp_path):
    """A student folder doctored to contain one hidden test is caught."""
    name = NAMES[0]
    folder = tmp_path / "student"
    shutil.copytree(classroom["build"] / name / "student", folder)
    nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
    secret = next(
        c.source
        for c in nbformat.read(A.source_notebook(name), as_version=4).cells
        if "hidden: true" in c.source
    )
    nb.cells.append(nbformat.v4.new_code_cell(secret.split("# END TEST CONFIG", 1)[1]))
    nbformat.write(nb, folder / f"{name}.ipynb")
    assert _leaks(name, folder)


@pytest.mark.parametrize("name", NAMES)
def test_student_version_has_no_solutions(classroom, name):
    student = nbformat.read(A.student_notebook(name, classroom["build"]), as_version=4)
    text = "\n".join(c.source for c in student.cells if c.cell_type == "code")
    assert "BEGIN SOLUTION" not in text and "# SOLUTION" not in text
    for mutant in A.load_mutants(
        name
    ):  # the replaced solution lines are answers, so they must be gone
        for rep in mutant["replace"]:
            line = rep["old"].strip().splitlines()[0]
            if len(line) >= 12:
                assert line not in text, (
                    f"{name}: the solution text {line!r} appears in the student version"
                )
    assert student.metadata["kernelspec"]["name"] == "python3"
    prose = "\n".join(c.source for c in student.cells if c.cell_type == "markdown")
    assert A.CHECK_ALL_OLD not in prose, f"{name}: check_all still promises all tests"


def test_grading_command_writes_a_csv(classroom, tmp_path):
    """The command behind `make grade` grades a folder into one CSV row per notebook.

    It checks that the sandbox works first, and reads .ipynb in any letter case.
    """
    name = NAMES[0]
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(
        classroom["submissions"] / name / "solution.ipynb", folder / "alice.ipynb"
    )
    shutil.copy(classroom["submissions"] / name / "student.ipynb", folder / "bob.IPYNB")
    (folder / "carol.ipynb").write_text("this is not a notebook")
    out = tmp_path / "scores.csv"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "assignments.py"),
            "grade",
            name,
            str(folder),
            "--out",
            str(out),
            "--build-dir",
            str(classroom["build"]),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {r["submission"]: r for r in csv.DictReader(out.open())}
    questions = sorted(classroom["maxima"][name])
    assert list(next(iter(rows.values())).keys()) == [
        "submission",
        *questions,
        "total",
        "possible",
        "error",
        "notes",
    ]
    possible = sum(classroom["maxima"][name].values())
    assert float(rows["alice.ipynb"]["total"]) == pytest.approx(possible)
    assert float(rows["bob.IPYNB"]["total"]) == 0
    assert float(rows["carol.ipynb"]["total"]) == 0 and rows["carol.ipynb"]["error"]


def test_apply_mutant_refuses_text_that_is_not_there(classroom):
    name = NAMES[0]
    nb = nbformat.read(A.solution_notebook(name, classroom["build"]), as_version=4)
    q = sorted(classroom["maxima"][name])[0]
    with pytest.raises(ValueError, match="exactly once"):
        A.apply_mutant(
            nb,
            {
                "name": "ghost",
                "question": q,
                "replace": [{"old": "no such code", "new": ""}],
            },
        )


# --- reading the source notebooks -----------------------------------------------------


def _hidden_tests(name: str) -> list[dict]:
    source = nbformat.read(A.source_notebook(name), as_version=4)
    return [
        t for info in _questions(source).values() for t in info["tests"] if t["hidden"]
    ]


def _leaks(name: str, student_dir: Path) -> list[str]:
    """Names and lines of hidden tests found anywhere in a student folder."""
    source = nbformat.read(A.source_notebook(name), as_version=4)
    # Text students see anyway (the notebook's own cells, public tests) is not a leak.
    visible = "\n".join(
        c.source
        for c in source.cells
        if "BEGIN TEST CONFIG" not in c.source or "hidden: false" in c.source
    )
    text = _all_text(student_dir)
    found = []
    for t in _hidden_tests(name):
        if t["function"] in text:
            found.append(t["function"])
        found += [line for line in t["body"] if line not in visible and line in text]
    return found


def _questions(nb) -> dict[str, dict]:
    """Questions of an otter-assign source notebook.

    For each: points and tests (hidden?, points, body).
    """
    out, current, in_tests = {}, None, False
    for cell in nb.cells:
        src = cell.source.strip()
        if cell.cell_type == "raw" and src.startswith("# BEGIN QUESTION"):
            config = yaml.safe_load(src.split("\n", 1)[1])
            current = out.setdefault(
                config["name"], {"points": config.get("points"), "tests": []}
            )
        elif cell.cell_type == "raw" and src.startswith("# BEGIN TESTS"):
            in_tests = True
        elif cell.cell_type == "raw" and src.startswith("# END TESTS"):
            in_tests = False
        elif cell.cell_type == "code" and in_tests and current is not None:
            current["tests"].append(_test_cell(src))
    return out


def _test_cell(src: str) -> dict:
    m = re.match(
        r'"""\s*# BEGIN TEST CONFIG\n(.*?)"""\s*# END TEST CONFIG\n', src, re.S
    )
    config = yaml.safe_load(m.group(1)) if m else {}
    code = src[m.end() :] if m else src
    func = next(
        node for node in ast.parse(code).body if isinstance(node, ast.FunctionDef)
    )
    body = [line.strip() for line in code.splitlines()[func.lineno : func.end_lineno]]
    return {
        "hidden": bool(config.get("hidden", False)),
        "points": config.get("points", 0),
        "function": func.name,
        "body": [line for line in body if len(line) >= 25],
    }


def _all_text(folder: Path) -> str:
    """Every file of a folder as text.

    Notebooks both raw and decoded (so escaping hides nothing).
    """
    parts = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            raw = path.read_text(errors="replace")
            parts.append(raw)
            if path.suffix == ".ipynb":
                parts.append(
                    json.dumps(json.loads(raw), ensure_ascii=False)
                )  # normalised
                parts.extend(_strings(json.loads(raw)))
    return "\n".join(parts)


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        if obj and all(isinstance(x, str) for x in obj):
            yield "".join(obj)  # a notebook cell's source as a list of lines
        for v in obj:
            yield from _strings(v)


def test_term_seed_changes_only_hidden_seeds():
    """A term's variant: hidden tests' generators move by the seed, public ones stay."""
    name = "a2-entropy-temperature"
    nb = nbformat.read(A.source_notebook(name), as_version=4)
    before = [c.source for c in nb.cells]
    A.reseed_hidden_tests(nb, 1000)
    changed = [i for i, c in enumerate(nb.cells) if c.source != before[i]]
    assert changed, "no hidden test of a2 uses default_rng(n)"
    for i in changed:
        assert "hidden: true" in before[i]
        assert "default_rng(1041)" in nb.cells[i].source


def test_make_grade_passes_the_build_dir():
    result = subprocess.run(
        [
            "make",
            "-n",
            "grade",
            "ASSIGNMENT=a1",
            "SUBMISSIONS=x",
            "BUILD_DIR=/elsewhere",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert '--build-dir "/elsewhere"' in result.stdout, result.stdout + result.stderr
