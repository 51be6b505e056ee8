"""Build, grade and mutate the course's otter-grader assignments, without Docker.

Every assignment lives in ``assignments/<name>/``: the source notebook
``<name>.ipynb`` (otter-assign format: solutions, public and hidden tests with
points) and ``mutants.yml`` (careless answers the tests must catch).

    python tools/assignments.py build [NAME ...] [--no-run-tests]
        otter assign each source notebook into _build/assignments/<name>/:
        student/<name>.ipynb (to hand out: no solutions, public tests only) and
        autograder/ (solution notebook, all tests, <name>-autograder_*.zip).

    python tools/assignments.py grade NAME SUBMISSIONS [--out scores.csv] [--jobs 2]
        grade every .ipynb in the folder SUBMISSIONS with the autograder zip,
        through ``otter run`` (otter's non-containerised grader: each notebook
        is executed in a local Jupyter kernel of this environment), and write
        one row per submission with the points of each question to a CSV
        (default _build/assignments/<name>/scores.csv).

    python tools/assignments.py mutants NAME [OUTDIR]
        write one submission per mutant (the solution notebook with the
        mutant's replacements applied), to see the tests catch each one.

Nothing here uses the network or Docker; the environment that runs this script
must already have what the notebooks import (numpy, tempered, otter-grader).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
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
    return not zips or source_notebook(name).stat().st_mtime > zips[-1].stat().st_mtime


def _assign(name: str, build: Path, run_tests: bool) -> tuple[str, int, str]:
    out = build / name
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    # `otter assign` in a child process (it changes directory),
    # with otter's log receiver patched.
    cmd = [sys.executable, __file__, "assign-one", name, str(out)] + (
        [] if run_tests else ["--no-run-tests"]
    )
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    return name, result.returncode, result.stdout + result.stderr


def assign_one(name: str, out: Path, run_tests: bool) -> None:
    """``otter assign`` one source notebook into ``out``.

    This is what ``otter assign --no-pdfs`` does.
    """
    from otter.assign import main as otter_assign

    _init_worker(CELL_TIMEOUT, quiet=False)
    otter_assign(
        str(source_notebook(name)), str(out), no_pdfs=True, no_run_tests=not run_tests
    )


def build(
    names: list[str] | None = None,
    *,
    build_dir: Path = BUILD,
    run_tests: bool = True,
    jobs: int = 2,
) -> None:
    """Run ``otter assign`` on each assignment (in parallel); raise if any fails."""
    names = names or assignment_names()
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(names)))) as pool:
        results = list(
            pool.map(_assign, names, [build_dir] * len(names), [run_tests] * len(names))
        )
    failed = [(n, log) for n, code, log in results if code != 0]
    for name, code, _log in results:
        print(f"{name}: {'ok' if code == 0 else 'FAILED'} -> {build_dir / name}")
    if failed:
        raise RuntimeError(
            "otter assign failed:\n"
            + "\n\n".join(f"--- {n}\n{log[-3000:]}" for n, log in failed)
        )


# --- grading --------------------------------------------------------------------------


def _patch_otter_log_receiver() -> None:
    """Stop otter 7.0.0's log receiver from spinning forever.

    This happens when a kernel hangs up mid-record.

    ``otter.execute.logging.LogRecordStreamHandler.handle`` reads a record with
    ``while len(chunk) < slen: chunk += recv(...)``; once the kernel's socket is
    closed, ``recv`` returns b"" for ever and the thread burns a core. In a
    worker that grades many notebooks these threads pile up. This version
    stops reading at end of stream, and the threads no longer block exit.
    """
    import logging as std_logging
    import struct

    from otter.execute import logging as otter_logging

    def handle(self):
        while True:
            head = self.connection.recv(4)
            if len(head) < 4:
                return
            size = struct.unpack(">L", head)[0]
            chunk = b""
            while len(chunk) < size:
                more = self.connection.recv(size - len(chunk))
                if not more:  # the kernel hung up
                    return
                chunk += more
            record = std_logging.makeLogRecord(self.unpickle(chunk))
            self.handle_log_record(record)

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


def _one_line(text: str, limit: int = 300) -> str:
    return " ".join(text.split())[:limit]


def _assignment_of(zip_path: str) -> str:
    """The assignment name recorded in an autograder zip.

    Otter checks submissions against it.
    """
    import zipfile

    with zipfile.ZipFile(zip_path) as zf:
        return json.loads(zf.read("otter_config.json"))["assignment_name"]


def grade_one(submission: str, zip_path: str) -> dict:
    """Grade one notebook with ``otter run`` (no container).

    Returns its score per question.

    The dict has the submission's file name, one entry per question graded,
    ``error`` (empty when grading went through) and ``cell_errors``, the
    exceptions raised by the submission's own cells while it ran. The notebook
    is graded under the assignment's file name, because its set-up cell opens
    ``otter.Notebook("<name>.ipynb")`` and LMS downloads are usually renamed.
    """
    from otter.run import main as otter_run

    row: dict = {"submission": Path(submission).name, "error": "", "cell_errors": []}
    try:
        with (
            _tempdir() as tmp,
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
        ):
            copy = Path(tmp) / f"{_assignment_of(zip_path)}.ipynb"
            shutil.copyfile(submission, copy)
            results = otter_run(
                str(copy), autograder=zip_path, output_dir=None, no_logo=True
            )
    except Exception as err:  # a submission that cannot be graded scores 0 and says why
        row["error"] = _one_line(f"{type(err).__name__}: {err}")
        return row
    if results.catastrophic_error:
        row["error"] = _one_line(
            f"{type(results.catastrophic_error).__name__}: {results.catastrophic_error}"
        )
    for q, test_file in results.results.items():
        row[q] = round(float(test_file.score), 4)
    for cell in results.notebook.cells if results.notebook is not None else []:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                row["cell_errors"].append(
                    f"{out.get('ename')}: {out.get('evalue')}"[:200]
                )
    return row


def grade_in_process(submission: str, zip_path: str) -> dict:
    """Grade a *trusted* notebook quickly.

    As ``otter run`` does, but without a Jupyter kernel.

    Only for notebooks the course itself writes (the mutants of the test suite):
    the cells run with ``exec`` in this process, with no time limit. Like
    otter's grading preprocessor, it switches ``otter.Notebook`` into grading
    mode with the autograder's tests, runs every code cell in order (an error
    skips the rest of that cell only), then runs each test file not yet
    checked and scores it with otter's own test classes. Returns the same dict
    as :func:`grade_one`.
    """
    import zipfile

    from IPython.core.inputtransformer2 import TransformerManager
    from otter import Notebook
    from otter.execute import Checker
    from otter.test_files import GradingResults

    row: dict = {"submission": Path(submission).name, "error": "", "cell_errors": []}
    nb = nbformat.read(submission, as_version=4)
    transform = TransformerManager().transform_cell
    cwd = os.getcwd()
    with (
        _tempdir() as tmp,
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(tmp)
        tests = sorted(str(p) for p in Path(tmp, "tests").glob("*.py"))
        shutil.copyfile(submission, Path(tmp) / f"{_assignment_of(zip_path)}.ipynb")
        os.chdir(tmp)
        try:
            Notebook.init_grading_mode(str(Path(tmp, "tests")))
            env: dict = {"__name__": "__main__"}
            for i, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or "otter_ignore" in cell.metadata.get(
                    "tags", []
                ):
                    continue
                try:
                    exec(compile(transform(cell.source), f"<cell {i}>", "exec"), env)
                except (
                    Exception
                ) as err:  # like a kernel with allow_errors: note it and go on
                    row["cell_errors"].append(f"{type(err).__name__}: {err}"[:200])
            for test in tests:
                Checker.check_if_not_already_checked(test, global_env=env)
            results = GradingResults(Checker.get_results())
        except BaseException as err:
            row["error"] = _one_line(f"{type(err).__name__}: {err}")
            return row
        finally:
            os.chdir(cwd)
            Checker.disable_tracking()
            Checker.clear_results()
            Notebook._grading_mode = False
            Notebook._tests_dir_override = None
    for q, test_file in results.results.items():
        row[q] = round(float(test_file.score), 4)
    return row


def run_notebook(path: str, timeout: int = CELL_TIMEOUT) -> list[str]:
    """Run a notebook top to bottom in a fresh kernel, in its own folder.

    As a learner would.

    Errors are allowed (the run goes on); returns the errors that cells raised.
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


def grade_tasks(
    tasks: list[tuple[Path, Path]],
    *,
    jobs: int = 2,
    cell_timeout: int = CELL_TIMEOUT,
    quiet: bool = True,
    fast: list[bool] | None = None,
) -> list[dict]:
    """Grade (submission, autograder zip) pairs in parallel processes.

    In the given order.

    ``fast[i]`` grades task i with :func:`grade_in_process` instead of ``otter run``.
    """
    if not tasks:
        return []
    fast = fast or [False] * len(tasks)
    with ProcessPoolExecutor(
        max_workers=max(1, min(jobs, len(tasks))),
        initializer=_init_worker,
        initargs=(cell_timeout, quiet),
    ) as pool:
        futures = [
            pool.submit(grade_in_process if f else grade_one, str(s), str(z))
            for (s, z), f in zip(tasks, fast)
        ]
        return [f.result() for f in futures]


def grade(
    name: str,
    submissions: list[Path],
    *,
    build_dir: Path = BUILD,
    jobs: int = 2,
    cell_timeout: int = CELL_TIMEOUT,
) -> list[dict]:
    """Grade notebooks of one assignment; one dict per submission, in the given order.

    Besides :func:`grade_one`'s entries, each dict has every question (0 when
    it could not be graded), the ``total`` and the ``possible`` points.
    """
    zip_path = autograder_zip(name, build_dir)
    rows = grade_tasks(
        [(s, zip_path) for s in submissions], jobs=jobs, cell_timeout=cell_timeout
    )
    return add_totals(rows, points_possible(name, build_dir))


def add_totals(rows: list[dict], maxima: dict[str, float]) -> list[dict]:
    for row in rows:
        for q in maxima:  # a question the grader could not reach scores 0
            row.setdefault(q, 0.0)
        row["total"] = round(sum(row[q] for q in maxima), 4)
        row["possible"] = round(sum(maxima.values()), 4)
    return rows


def points_possible(name: str, build_dir: Path = BUILD) -> dict[str, float]:
    """Points of each question.

    Read from the autograder's test files (public + hidden).
    """
    import zipfile

    from otter.test_files import ExceptionTestFile

    out = {}
    with zipfile.ZipFile(autograder_zip(name, build_dir)) as zf, _tempdir() as tmp:
        zf.extractall(tmp)
        for path in sorted(Path(tmp, "tests").glob("*.py")):
            out[path.stem] = float(ExceptionTestFile.from_file(str(path)).possible)
    return out


@contextlib.contextmanager
def _tempdir():
    import tempfile

    path = tempfile.mkdtemp()
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def write_csv(rows: list[dict], path: Path, questions: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = ["submission", *questions, "total", "possible", "error"]
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(
            f, fieldnames=fields, extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)


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
    p_grade = sub.add_parser(
        "grade", help="grade a folder of submitted notebooks into a CSV"
    )
    p_grade.add_argument("name")
    p_grade.add_argument("submissions", type=Path)
    p_grade.add_argument("--out", type=Path)
    p_grade.add_argument("--jobs", type=int, default=2)
    p_grade.add_argument("--cell-timeout", type=int, default=CELL_TIMEOUT)
    p_grade.add_argument(
        "--build-dir", type=Path, default=BUILD, help=argparse.SUPPRESS
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
    args = parser.parse_args(argv)

    if args.command == "assign-one":
        assign_one(args.name, args.out, run_tests=not args.no_run_tests)
    elif args.command == "list":
        print("\n".join(assignment_names()))
    elif args.command == "build":
        for n in args.names:
            source_notebook(n)
        build(args.names or None, run_tests=not args.no_run_tests, jobs=args.jobs)
    elif args.command == "mutants":
        out = args.out_dir or BUILD / args.name / "mutants"
        for path in write_mutants(args.name, out):
            print(path)
    elif args.command == "grade":
        source_notebook(args.name)
        if not args.submissions.is_dir():
            raise SystemExit(
                f"SUBMISSIONS must be a folder of .ipynb files, got {args.submissions}"
            )
        if _needs_build(args.name, args.build_dir):
            build([args.name], build_dir=args.build_dir, run_tests=False)
        subs = sorted(
            p
            for p in args.submissions.glob("*.ipynb")
            if ".ipynb_checkpoints" not in p.parts
        )
        if not subs:
            raise SystemExit(f"no .ipynb files in {args.submissions}")
        questions = sorted(points_possible(args.name, args.build_dir))
        rows = grade(
            args.name,
            subs,
            build_dir=args.build_dir,
            jobs=args.jobs,
            cell_timeout=args.cell_timeout,
        )
        out = args.out or args.build_dir / args.name / "scores.csv"
        write_csv(rows, out, questions)
        width = max(len(r["submission"]) for r in rows)
        for r in rows:
            print(
                f"{r['submission']:<{width}}  {r['total']:g} / {r['possible']:g}"
                + (f"  ({r['error'][:80]})" if r["error"] else "")
            )
        print(f"scores of {len(rows)} submission(s) written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
