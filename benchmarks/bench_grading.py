"""Grading throughput: submissions per minute for a class of 40, sandbox included.

Builds assignment a1 into a temporary folder, writes a class of 40 mixed
submissions (correct, untouched, each careless mutant, a few that crash,
hang in one cell or print a flood) and grades the folder exactly as
``make grade`` does: two parallel sandboxes (bubblewrap, a throwaway uid),
scoring in the grader, the CSV rewritten after each notebook. Prints the
submissions per minute (target >= 20 on 2 cores) and the time of one
sandbox start.

    .venv/bin/python benchmarks/bench_grading.py   (as root, with bubblewrap)
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "assignments", ROOT / "tools" / "assignments.py"
)
A = importlib.util.module_from_spec(_spec)
sys.modules["assignments"] = A
_spec.loader.exec_module(A)

NAME, CLASS_SIZE, JOBS = "a1-tempered-softmax", 40, 2
TROUBLE = {  # code cells appended after the last answer
    "crashes": "import os\nos._exit(1)",
    "hangs": "while True:\n    pass",
    "prints": "print('x' * 10_000_000)",
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        build, inbox = Path(tmp, "build"), Path(tmp, "inbox")
        inbox.mkdir()
        A.build([NAME], build_dir=build, run_tests=False)
        solution = nbformat.read(A.solution_notebook(NAME, build), as_version=4)
        student = nbformat.read(A.student_notebook(NAME, build), as_version=4)
        kinds = [("solution", solution), ("student", student)]
        kinds += [
            (m["name"], A.apply_mutant(solution, m)) for m in A.load_mutants(NAME)
        ]
        for label, code in TROUBLE.items():
            nb = nbformat.from_dict(solution)
            nb = nbformat.reads(nbformat.writes(nb), as_version=4)
            nb.cells.append(nbformat.v4.new_code_cell(code))
            kinds.append((label, nb))
        for i in range(CLASS_SIZE):
            label, nb = kinds[i % len(kinds)]
            nbformat.write(nb, inbox / f"{i:02d}-{label}.ipynb")
        start = time.perf_counter()
        box = A.grading.sandbox.Sandbox(0, [])
        box.request({"op": "cell", "code": "x = 1"}, 60)
        box.kill()
        one_start = time.perf_counter() - start
        limits = A.grading.Limits(cell=5, call=10, notebook=60)
        start = time.perf_counter()
        subs, _ = A.grading.submissions_in(inbox)
        rows = A.grade(
            NAME,
            subs,
            build_dir=build,
            jobs=JOBS,
            limits=limits,
            csv_path=Path(tmp, "scores.csv"),
        )
        seconds = time.perf_counter() - start
    full = sum(r["total"] == r["possible"] for r in rows)
    check_grades(rows)
    print(f"one sandbox start and first cell: {one_start:.2f} s")
    print(
        f"graded {len(rows)} submissions ({full} with full marks) in {seconds:.1f} s "
        f"on {JOBS} sandboxes (one 'hangs' cell costs its 5 s timeout)"
    )
    print(
        f"throughput: {60 * len(rows) / seconds:.1f} submissions per minute "
        "(target >= 20)"
    )


def check_grades(rows) -> None:
    """The class is graded correctly, not only fast: the solution and the solution
    followed by a crashing, hanging or flooding cell keep full marks, the untouched
    student version scores 0, and every mutant loses points."""
    wrong = []
    for row in rows:
        label = row["submission"].split("-", 1)[1].removesuffix(".ipynb")
        full = row["total"] == row["possible"]
        if label in ("solution", *TROUBLE) and not full:
            wrong.append(f"{row['submission']}: {row['total']}/{row['possible']}")
        elif label == "student" and row["total"] != 0:
            wrong.append(f"{row['submission']}: {row['total']} instead of 0")
        elif label not in ("solution", "student", *TROUBLE) and full:
            wrong.append(f"{row['submission']}: a mutant kept full marks")
    if wrong:
        raise SystemExit("bench_grading: graded wrongly: " + "; ".join(wrong))
    print(f"all {len(rows)} submissions graded as expected")


if __name__ == "__main__":
    main()
