"""Grade notebooks safely without Docker: each in a sandbox, scored in this process.

- sandbox.py: bubblewrap under a throwaway uid, no network, limits, kill-all.
- runner.py: runs inside the sandbox; executes cells, answers calls as JSON.
- session.py: one submission's run, restarted around crashing or hanging cells.
- grader.py: loads the bundle's tests and scores them here, with proxies.
- csvout.py: the CSV, rewritten atomically after each submission.

:func:`prepare` reads an assignment once (checking the bundle's hash) and
:func:`grade_paths` grades notebooks on parallel slots, one sandbox each.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from queue import Queue

import yaml

from . import sandbox
from .csvout import ScoresCsv
from .grader import Assignment
from .grader import BundleChanged
from .grader import NotGradable
from .grader import bound_names
from .grader import grade_cells
from .grader import load_tests
from .grader import read_cells
from .grader import sha256
from .grader import verify_bundle
from .session import Limits
from .session import Session

__all__ = [
    "Assignment",
    "BundleChanged",
    "Limits",
    "ScoresCsv",
    "Session",
    "grade_paths",
    "prepare",
    "record_bundle",
    "submissions_in",
]


def record_bundle(zip_path: Path) -> Path:
    """Write the zip's SHA-256 next to it (at build time); grading checks it."""
    record = Path(zip_path).with_suffix(".sha256")
    record.write_text(sha256(zip_path) + "\n")
    return record


def prepare(
    name: str,
    zip_path: Path,
    solution: Path,
    rules: Path | None = None,
    limits: Limits | None = None,
) -> Assignment:
    """Everything needed to grade one assignment, from trusted files only.

    ``rules`` is the assignment's ``grading.yml`` (``forbidden:`` modules).
    The reference solution runs once in a sandbox to record the values the
    assignment provides (its data cells), which the tests then use.
    """
    record = Path(zip_path).with_suffix(".sha256")
    if not record.is_file():
        raise BundleChanged(f"{zip_path} has no recorded hash: rebuild it")
    expected = record.read_text().strip()
    verify_bundle(zip_path, expected)
    questions, points = load_tests(zip_path)
    config = yaml.safe_load(rules.read_text()) if rules and rules.is_file() else None
    forbidden = list((config or {}).get("forbidden", []))
    nb = json.loads(Path(solution).read_text())
    answers = set()
    for cell in nb["cells"]:
        if "otter_assign_solution_cell" in cell.get("metadata", {}).get("tags", []):
            answers |= bound_names("".join(cell["source"]))
    assignment = Assignment(
        name, questions, points, forbidden, answers, bundle_sha256=expected
    )
    wanted = sorted(
        {a for cases in questions.values() for c in cases for a in c.arguments}
        - answers
    )
    if wanted:
        cells, _ = read_cells(Path(solution), name)
        session = Session(cells, 0, [], limits or Limits(), notebook=f"{name}.ipynb")
        try:
            for key, kind in session.kinds(wanted).items():
                if kind == "value":
                    assignment.provided[key] = session.value(key)
        finally:
            session.close()
    return assignment


def submissions_in(folder: Path) -> tuple[list[Path], list[Path]]:
    """Notebooks to grade (``.ipynb`` in any letter case) and the other entries."""
    entries = sorted(
        p for p in Path(folder).iterdir() if p.name != ".ipynb_checkpoints"
    )
    notebooks = [p for p in entries if p.name.lower().endswith(".ipynb")]
    return notebooks, [p for p in entries if p not in notebooks]


def grade_paths(
    assignment: Assignment,
    paths: list[Path],
    zip_path: Path,
    *,
    jobs: int = 2,
    limits: Limits | None = None,
    csv_path: Path | None = None,
) -> list[dict]:
    """Grade notebooks on ``jobs`` slots; one row each, in the order given.

    Each row has the submission's file name, the points per question, the
    ``total``, ``possible``, ``error`` (why it could not be graded at all)
    and ``notes`` (what lost points, in the grader's words only). With
    ``csv_path`` the CSV is rewritten after every submission.
    """
    limits = limits or Limits()
    questions = list(assignment.points)
    out = (
        ScoresCsv(
            csv_path, ["submission", *questions, "total", "possible", "error", "notes"]
        )
        if csv_path
        else None
    )
    slots: Queue = Queue()
    for slot in range(max(1, jobs)):
        slots.put(slot)

    def one(path: Path) -> dict:
        slot = slots.get()
        try:
            row = _grade_one(assignment, path, zip_path, slot, limits)
        finally:
            slots.put(slot)
        if out is not None:
            out.add(row)
        return row

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, paths))


def _grade_one(
    assignment: Assignment, path: Path, zip_path: Path, slot: int, limits: Limits
) -> dict:
    row: dict = {"submission": Path(path).name, "error": "", "notes": ""}
    points = {q: 0.0 for q in assignment.points}
    try:
        verify_bundle(zip_path, assignment.bundle_sha256)
        cells, warnings = read_cells(path, assignment.name)
        result = grade_cells(assignment, cells, slot, limits)
        points.update(result.points)
        row["notes"] = "; ".join(warnings + result.notes)
        row["details"] = result.details  # test messages: for feedback, not the CSV
    except (NotGradable, BundleChanged) as err:
        row["error"] = str(err)
    except Exception as err:  # never lose the row: say that grading itself failed
        row["error"] = f"grading failed: {type(err).__name__}"
    row.update(points)
    row["total"] = round(sum(points.values()), 4)
    row["possible"] = round(sum(assignment.points.values()), 4)
    return row


def check_sandbox(secret_dirs: list[Path]) -> None:
    """Refuse to grade without isolation (see :func:`sandbox.check`)."""
    sandbox.check(secret_dirs)
