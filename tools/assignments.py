"""Build, grade and mutate the course's otter-grader assignments, without Docker.

Every assignment lives in ``assignments/<name>/``: the source notebook
``<name>.ipynb`` (otter-assign format: solutions, public and hidden tests with
points) and ``mutants.yml`` (careless answers the tests must catch).

    python tools/assignments.py build [NAME ...] [--no-run-tests]
        otter assign each source notebook into _build/assignments/<name>/:
        student/<name>.ipynb (to hand out: no solutions, public tests only) and
        autograder/ (solution notebook, all tests, <name>-autograder_*.zip).

    python tools/assignments.py grade NAME SUBMISSIONS [--out scores.csv] [--jobs 2]
            [--build-dir DIR] [--cell-timeout S] [--call-timeout S] [--time-budget S]
        grade every .ipynb (any letter case) in the folder SUBMISSIONS and
        write one row per submission (points per question, total, error,
        notes) to a CSV (default <build-dir>/<name>/scores.csv), rewritten
        after each notebook. Each notebook runs in its own sandbox
        (tools/grading: bubblewrap, a throwaway uid, no network) and is scored
        in this process from the data its functions return; otter is not used
        for grading. Refuses to run when the sandbox is unavailable.

    python tools/assignments.py mutants NAME [OUTDIR]
        write one submission per mutant (the solution notebook with the
        mutant's replacements applied), to see the tests catch each one.

Nothing here uses the network or Docker; the environment that runs this script
must already have what the notebooks import (numpy, tempered, otter-grader),
and grading needs bubblewrap (`make sandbox`) and root (to switch uid).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "tools") not in sys.path:  # tools/grading, also when loaded by path
    sys.path.insert(0, str(ROOT / "tools"))
import grading  # noqa: E402

SOURCES = ROOT / "assignments"
BUILD = ROOT / "_build" / "assignments"
CELL_TIMEOUT = 300  # seconds a single cell of a submission may run while grading


# --- discovery ------------------------------------------------------------------------


def assignment_names() -> list[str]:
    """Every assignment: a folder of assignments/ holding a notebook with the
    folder's name."""
    return sorted(
        p.parent.name for p in SOURCES.glob("*/*.ipynb") if p.stem == p.parent.name
    )


def source_notebook(name: str) -> Path:
    path = SOURCES / name / f"{name}.ipynb"
    if not path.is_file():
        raise SystemExit(
            f"no assignment {name!r}: {path.relative_to(ROOT)} does not exist "
            f"(known: {', '.join(assignment_names())})"
        )
    return path


def load_mutants(name: str) -> list[dict]:
    """The mutants of an assignment.

    Each has name, question, mistake, replace: [{old, new}, ...].
    """
    path = SOURCES / name / "mutants.yml"
    mutants = yaml.safe_load(path.read_text()) if path.exists() else None
    return mutants or []


def student_notebook(name: str, build: Path = BUILD) -> Path:
    return build / name / "student" / f"{name}.ipynb"


def solution_notebook(name: str, build: Path = BUILD) -> Path:
    return build / name / "autograder" / f"{name}.ipynb"


def autograder_zip(name: str, build: Path = BUILD) -> Path:
    zips = sorted((build / name / "autograder").glob(f"{name}-autograder_*.zip"))
    if not zips:
        raise SystemExit(
            f"{name}: no autograder zip under {build / name / 'autograder'}; "
            "run `make assignments` (tools/assignments.py build) first"
        )
    return zips[-1]


# --- build ----------------------------------------------------------------------------


def _needs_build(name: str, build_dir: Path = BUILD) -> bool:
    """True when the assignment was never built or its source notebook changed since."""
    zips = sorted((build_dir / name / "autograder").glob(f"{name}-autograder_*.zip"))
    return (
        not zips
        or not zips[-1].with_suffix(".sha256").is_file()
        or source_notebook(name).stat().st_mtime > zips[-1].stat().st_mtime
    )


def _assign(
    name: str, build: Path, run_tests: bool, term_seed: int = 0
) -> tuple[str, int, str]:
    out = build / name
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    # `otter assign` in a child process (it changes directory),
    # with otter's log receiver patched.
    cmd = [sys.executable, __file__, "assign-one", name, str(out)] + (
        [] if run_tests else ["--no-run-tests"]
    )
    cmd += ["--term-seed", str(term_seed)]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    return name, result.returncode, result.stdout + result.stderr


def reseed_hidden_tests(nb, seed: int):
    """Add ``seed`` to every ``default_rng(<n>)`` of the hidden test cells.

    A term's variant of an assignment: other hidden inputs, the same student
    notebook (public tests are left alone).
    """
    for cell in nb.cells:
        if cell.cell_type == "code" and re.search(r"hidden:\s*true", cell.source):
            cell.source = re.sub(
                r"default_rng\((\d+)\)",
                lambda m: f"default_rng({int(m.group(1)) + seed})",
                cell.source,
            )
    return nb


def assign_one(name: str, out: Path, run_tests: bool, term_seed: int = 0) -> None:
    """``otter assign`` one source notebook into ``out``.

    This is what ``otter assign --no-pdfs`` does; with ``term_seed``, on a copy
    whose hidden tests are reseeded (:func:`reseed_hidden_tests`).
    """
    import tempfile

    from otter.assign import main as otter_assign

    _init_worker(CELL_TIMEOUT, quiet=False)
    with tempfile.TemporaryDirectory() as tmp:
        source = source_notebook(name)
        if term_seed:
            shutil.copytree(SOURCES, Path(tmp) / "assignments")
            source = Path(tmp) / "assignments" / name / f"{name}.ipynb"
            nbformat.write(
                reseed_hidden_tests(nbformat.read(source, as_version=4), term_seed),
                source,
            )
        otter_assign(str(source), str(out), no_pdfs=True, no_run_tests=not run_tests)
    _reword_check_all(student_notebook(name, out.parent))


# otter's check_all cell says "rerun all of the autograder tests"; a student runs the
# public ones only, and all green must not read as full marks.
CHECK_ALL_OLD = "the cell below will rerun all of the autograder tests."
CHECK_ALL_NEW = (
    "the cell below reruns the public tests. Hidden tests run only when your work "
    "is graded, so all green here is necessary, not sufficient."
)


def _reword_check_all(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and CHECK_ALL_OLD in cell.source:
            cell.source = cell.source.replace(CHECK_ALL_OLD, CHECK_ALL_NEW)
    nbformat.write(nb, path)


def build(
    names: list[str] | None = None,
    *,
    build_dir: Path = BUILD,
    run_tests: bool = True,
    jobs: int = 2,
    term_seed: int = 0,
) -> None:
    """Run ``otter assign`` on each assignment (in parallel); raise if any fails."""
    names = names or assignment_names()
    n = len(names)
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, n))) as pool:
        results = list(
            pool.map(_assign, names, [build_dir] * n, [run_tests] * n, [term_seed] * n)
        )
    failed = [(n, log) for n, code, log in results if code != 0]
    for name, code, _log in results:
        if code == 0:  # grading refuses a bundle whose hash differs from this record
            grading.record_bundle(autograder_zip(name, build_dir))
    for name, code, _log in results:
        print(f"{name}: {'ok' if code == 0 else 'FAILED'} -> {build_dir / name}")
    if failed:
        raise RuntimeError(
            "otter assign failed:\n"
            + "\n\n".join(f"--- {n}\n{log[-3000:]}" for n, log in failed)
        )


def build_cached(cache: Path = ROOT / "_build" / "test-assignments") -> Path:
    """Every assignment built once per content: for the test suite.

    The folder is named after a hash of everything the build reads (the
    assignments, this script, the pinned requirements), so a change rebuilds
    and an unchanged tree is reused across test runs and test workers (a lock
    makes parallel workers wait for one build). Older builds are removed.
    """
    import fcntl
    import hashlib

    digest = hashlib.sha256()
    inputs = sorted(SOURCES.rglob("*")) + [Path(__file__), ROOT / "requirements.txt"]
    for path in inputs:
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    out = cache / digest.hexdigest()[:16]
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / ".complete").is_file():
            for old in cache.iterdir():
                if old.is_dir():
                    shutil.rmtree(old, ignore_errors=True)
            build(build_dir=out, run_tests=False)
            (out / ".complete").touch()
    return out


# --- grading --------------------------------------------------------------------------


def _patch_otter_log_receiver() -> None:
    """Make otter 7.0.0's log receiver drop what it receives, unread.

    ``otter assign`` checks the solution through otter's log socket on
    127.0.0.1, which unpickles whatever any local process sends it (code
    execution as this user), and spins forever on a closed connection. We
    need none of its records: this version reads nothing and closes.
    """
    from otter.execute import logging as otter_logging

    def handle(self):
        self.connection.close()

    otter_logging.LogRecordStreamHandler.handle = handle
    otter_logging.LogRecordSocketReceiver.daemon_threads = True


def _init_worker(cell_timeout: int, quiet: bool) -> None:
    """Prepare a grading process.

    Patch otter's log receiver, give each executed cell a time limit (nbclient
    has none by default) and silence the kernels' stderr.
    """
    from nbconvert.preprocessors import ExecutePreprocessor

    _patch_otter_log_receiver()
    if not getattr(ExecutePreprocessor, "_course_timeout", None):
        original_init = ExecutePreprocessor.__init__

        def __init__(self, *args, **kwargs):  # otter creates it without a timeout
            original_init(self, *args, **kwargs)
            if self.timeout is None:
                self.timeout = ExecutePreprocessor._course_timeout

        ExecutePreprocessor.__init__ = __init__
    ExecutePreprocessor._course_timeout = cell_timeout
    if quiet:  # the kernels inherit file descriptor 2 and log connection warnings to it
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)


def run_notebook(path: str, timeout: int = CELL_TIMEOUT) -> list[str]:
    """Run a notebook top to bottom in a fresh kernel, in its own folder.

    As a learner would (only for the course's own notebooks: nothing is
    sandboxed). Errors are allowed (the run goes on); returns the errors that
    cells raised.
    """
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    with (
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(Path(path).parent)}},
        ).execute()
    return [
        f"cell {i}: {out.get('ename')}: {out.get('evalue')}"[:300]
        for i, cell in enumerate(nb.cells)
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]


def prepare(name: str, build_dir: Path = BUILD, limits=None):
    """The assignment as the grader needs it (tests from the hash-checked bundle)."""
    return grading.prepare(
        name,
        autograder_zip(name, build_dir),
        solution_notebook(name, build_dir),
        SOURCES / name / "grading.yml",
        limits,
    )


def grade(
    name: str,
    submissions: list[Path],
    *,
    build_dir: Path = BUILD,
    jobs: int = 2,
    limits=None,
    csv_path: Path | None = None,
    assignment=None,
) -> list[dict]:
    """Grade notebooks of one assignment, each in its own sandbox (tools/grading).

    One dict per submission, in the given order: points per question,
    ``total``, ``possible``, ``error`` and ``notes``.
    """
    assignment = assignment or prepare(name, build_dir, limits)
    return grading.grade_paths(
        assignment,
        list(submissions),
        autograder_zip(name, build_dir),
        jobs=jobs,
        limits=limits,
        csv_path=csv_path,
    )


# --- mutants --------------------------------------------------------------------------


def solution_cells_by_question(nb) -> dict[str, list[int]]:
    """Map each question to the indices of its solution cells.

    The notebook is an otter-assign output notebook.

    A solution cell is tagged ``otter_assign_solution_cell`` (autograder version) or
    ``otter_answer_cell`` (student version); it belongs to the question whose
    ``grader.check("...")`` cell comes next.
    """
    tags = {"otter_assign_solution_cell", "otter_answer_cell"}
    pending, out = [], {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if tags & set(cell.metadata.get("tags", [])):
            pending.append(i)
            continue
        src = cell.source.strip()
        if src.startswith('grader.check("') and src.endswith('")'):
            out.setdefault(src[len('grader.check("') : -2], []).extend(pending)
            pending = []
    return out


def apply_mutant(nb, mutant: dict):
    """Return a copy of the solution notebook ``nb`` with the mutant's replacements.

    Each ``old`` text must occur exactly once in the solution cells of the
    mutant's question, so a mutant can never silently become the solution.
    """
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    cells = solution_cells_by_question(nb).get(mutant["question"])
    if not cells:
        raise ValueError(
            f"mutant {mutant['name']}: "
            f"no solution cell for question {mutant['question']!r}"
        )
    for rep in mutant["replace"]:
        hits = [(i, nb.cells[i].source.count(rep["old"])) for i in cells]
        total = sum(n for _, n in hits)
        if total != 1:
            raise ValueError(
                f"mutant {mutant['name']}: {rep['old']!r} occurs {total} times "
                "in the solution "
                f"of {mutant['question']} (it must occur exactly once)"
            )
        i = next(i for i, n in hits if n)
        nb.cells[i].source = nb.cells[i].source.replace(rep["old"], rep["new"])
    return nb


def write_mutants(name: str, out_dir: Path, build_dir: Path = BUILD) -> list[Path]:
    """Write ``<name>--<mutant>.ipynb`` for each mutant of the assignment.

    Returns the paths.
    """
    nb = nbformat.read(solution_notebook(name, build_dir), as_version=4)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for mutant in load_mutants(name):
        path = out_dir / f"{name}--{mutant['name']}.ipynb"
        nbformat.write(apply_mutant(nb, mutant), path)
        paths.append(path)
    return paths


def grade_command(args) -> None:
    """``grade``: check isolation, then grade a folder into a CSV, row by row."""
    source_notebook(args.name)
    if not args.submissions.is_dir():
        raise SystemExit(
            f"SUBMISSIONS must be a folder of .ipynb files, got {args.submissions}"
        )
    out = (args.out or args.build_dir / args.name / "scores.csv").resolve()
    try:
        grading.check_sandbox([SOURCES, args.build_dir, args.submissions, out])
    except grading.sandbox.Unavailable as err:
        raise SystemExit(f"refusing to grade: {err}") from None
    if _needs_build(args.name, args.build_dir):
        build([args.name], build_dir=args.build_dir, run_tests=False)
    subs, others = grading.submissions_in(args.submissions)
    for path in others:
        print(f"skipped (not an .ipynb): {path.name!r}")
    if not subs:
        raise SystemExit(f"no .ipynb files in {args.submissions}")
    limits = grading.Limits(args.cell_timeout, args.call_timeout, args.time_budget)
    rows = grade(
        args.name,
        subs,
        build_dir=args.build_dir,
        jobs=args.jobs,
        limits=limits,
        csv_path=out,
    )
    width = max(len(repr(r["submission"])) for r in rows)
    for r in rows:
        print(
            f"{r['submission']!r:<{width}}  {r['total']:g} / {r['possible']:g}"
            + (f"  ({r['error']})" if r["error"] else "")
        )
    digest = grading.grader.sha256(out)
    print(f"scores of {len(rows)} submission(s) written to {out} (SHA-256 {digest})")


# --- command line ---------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser(
        "build", help="otter assign every (or the named) assignment"
    )
    p_build.add_argument("names", nargs="*")
    p_build.add_argument(
        "--no-run-tests",
        action="store_true",
        help="skip otter's check of the solutions",
    )
    p_build.add_argument("--jobs", type=int, default=2)
    p_build.add_argument(
        "--build-dir",
        type=Path,
        default=BUILD,
        help="output folder (default %(default)s)",
    )
    p_build.add_argument(
        "--term-seed",
        type=int,
        default=0,
        help="add this to every default_rng(n) seed of the hidden tests (a term's "
        "private variant; keep it secret)",
    )
    p_grade = sub.add_parser(
        "grade", help="grade a folder of submitted notebooks into a CSV"
    )
    p_grade.add_argument("name")
    p_grade.add_argument("submissions", type=Path)
    p_grade.add_argument("--out", type=Path)
    p_grade.add_argument("--jobs", type=int, default=2, help="parallel sandboxes")
    p_grade.add_argument(
        "--cell-timeout", type=float, default=60, help="seconds per code cell"
    )
    p_grade.add_argument(
        "--call-timeout", type=float, default=30, help="seconds per graded call"
    )
    p_grade.add_argument(
        "--time-budget", type=float, default=300, help="seconds per notebook"
    )
    p_grade.add_argument(
        "--build-dir",
        type=Path,
        default=BUILD,
        help="where `build` put the assignments (default _build/assignments); "
        "a stale or missing bundle is rebuilt there",
    )
    p_mut = sub.add_parser("mutants", help="write one mutant submission per mutant")
    p_mut.add_argument("name")
    p_mut.add_argument("out_dir", type=Path, nargs="?")
    sub.add_parser("list", help="list the assignments")
    p_one = sub.add_parser(
        "assign-one"
    )  # used by build, one child process per assignment
    p_one.add_argument("name")
    p_one.add_argument("out", type=Path)
    p_one.add_argument("--no-run-tests", action="store_true")
    p_one.add_argument("--term-seed", type=int, default=0)
    args = parser.parse_args(argv)

    if args.command == "assign-one":
        assign_one(
            args.name,
            args.out,
            run_tests=not args.no_run_tests,
            term_seed=args.term_seed,
        )
    elif args.command == "list":
        print("\n".join(assignment_names()))
    elif args.command == "build":
        for n in args.names:
            source_notebook(n)
        build(
            args.names or None,
            build_dir=args.build_dir,
            run_tests=not args.no_run_tests,
            jobs=args.jobs,
            term_seed=args.term_seed,
        )
    elif args.command == "mutants":
        out = args.out_dir or BUILD / args.name / "mutants"
        for path in write_mutants(args.name, out):
            print(path)
    elif args.command == "grade":
        grade_command(args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
