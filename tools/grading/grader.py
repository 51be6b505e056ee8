"""Score submissions in this (trusted) process, with the submission's code sandboxed.

The autograder bundle's test files (otter format: ``@test_case`` functions
whose arguments name the submission's functions and values) run here, with
this process's own NumPy and ``tempered``. Each argument is a stand-in: a
function argument becomes a :class:`Proxy` that sends the call's inputs to the
sandbox as data and returns the result as data; a value argument is fetched as
data. Nothing the submission does inside its sandbox (patching numpy,
builtins or otter, reading files, forging results) can change how the result
is compared, and no test text ever enters the sandbox.

Values the assignment itself provides (data cells outside the answer cells,
such as a validation set) are taken from the reference solution's run, so a
submission cannot make a test easier by editing them.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import zipfile
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from .session import CallFailed
from .session import Limits
from .session import Session

MAX_NOTEBOOK_BYTES = 32 * 2**20


@dataclass
class TestCase:
    """One ``@test_case`` of a question."""

    function: object
    points: float
    hidden: bool

    @property
    def arguments(self) -> list[str]:
        return list(inspect.signature(self.function).parameters)


@dataclass
class Assignment:
    """What grading one assignment needs, read once from trusted files."""

    name: str
    questions: dict[str, list[TestCase]]
    points: dict[str, float]
    forbidden: list[str] = field(default_factory=list)
    answer_names: set[str] = field(default_factory=set)
    provided: dict[str, object] = field(default_factory=dict)
    bundle_sha256: str = ""


class BundleChanged(RuntimeError):
    """The autograder bundle is not the one that was built."""


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def verify_bundle(zip_path: Path, expected: str) -> None:
    """Raise :class:`BundleChanged` unless the zip still has the recorded hash."""
    if sha256(zip_path) != expected:
        raise BundleChanged(
            f"{zip_path} changed since it was built (SHA-256 differs from the "
            "record): rebuild it with `make assignments` before grading"
        )


def load_tests(zip_path: Path) -> tuple[dict[str, list[TestCase]], dict[str, float]]:
    """The test cases and points of every question in an autograder zip.

    Each ``tests/<q>.py`` is executed here with our own ``test_case``
    decorator (the bundle is trusted once its hash is checked), not otter's.
    """
    questions, points = {}, {}
    with zipfile.ZipFile(zip_path) as zf:
        names = sorted(
            n for n in zf.namelist() if n.startswith("tests/") and n.endswith(".py")
        )
        for entry in names:
            cases: list[TestCase] = []

            def test_case(
                points=None,
                hidden=False,
                name=None,
                success_message=None,
                failure_message=None,
                cases=cases,
            ):
                def register(fn):
                    cases.append(TestCase(fn, float(points or 0), bool(hidden)))
                    return fn

                return register

            tree = ast.parse(zf.read(entry).decode())
            tree.body = [
                node
                for node in tree.body
                if not (
                    isinstance(node, ast.ImportFrom)
                    and (node.module or "").startswith("otter")
                )
            ]
            env = {"test_case": test_case, "__name__": entry}
            exec(compile(tree, entry, "exec"), env)
            q = env.get("name", Path(entry).stem)
            questions[q] = cases
            declared = env.get("points")
            points[q] = float(
                declared if declared is not None else sum(c.points for c in cases)
            )
    return questions, points


def bound_names(code: str) -> set[str]:
    """Names a cell defines at top level (functions, classes, assignments)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    out = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                out |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return out


def uses_module(code: str, modules: list[str]) -> list[str]:
    """Forbidden modules a cell imports or names (a static check)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found |= {m for m in modules if m in node.value.split(".")}
    return sorted(found & set(modules))


class Proxy:
    """Stands for a function of the submission: calls go to the sandbox as data."""

    def __init__(self, session: Session, name: str, forbidden: list[str]):
        self._session, self._name, self._forbidden = session, name, forbidden

    def __call__(self, *args, **kwargs):
        return self._session.call(self._name, args, kwargs, self._forbidden)

    def __repr__(self):
        return f"<submitted function {self._name}>"


@dataclass
class Result:
    """The grade of one submission."""

    points: dict[str, float]
    notes: list[str]
    details: list[dict] = field(default_factory=list)


def grade_cells(
    assignment: Assignment, cells: list[tuple[int, str]], slot: int, limits: Limits
) -> Result:
    """Run the cells in a sandbox and score every question from its test calls."""
    session = Session(
        cells, slot, assignment.forbidden, limits, notebook=f"{assignment.name}.ipynb"
    )
    points: dict[str, float] = {}
    notes: list[str] = []
    details: list[dict] = []  # each test's outcome and message: feedback, never CSV
    owner = _cell_owners(assignment, cells)
    try:
        for q, cases in assignment.questions.items():
            forbidden: list[str] = []
            score, failed = 0.0, []
            for number, case in enumerate(cases, 1):
                message = ""
                try:
                    _run_case(session, assignment, case, forbidden)
                    score += case.points
                except CallFailed as err:
                    message = str(err)
                    failed.append(f"test {number} ({err})")
                except Exception as err:  # the test's assertion or a bad result
                    message = f"{type(err).__name__}: {err}"
                    failed.append(f"test {number} ({type(err).__name__})")
                details.append(
                    {
                        "question": q,
                        "test": number,
                        "hidden": case.hidden,
                        "passed": not message,
                        "message": message,
                    }
                )
            static = [
                m
                for i, code in cells
                if owner.get(i) == q
                for m in uses_module(code, assignment.forbidden)
            ]
            dynamic = forbidden + [
                m
                for i, ms in session.forbidden_in_cells.items()
                if owner.get(i) == q
                for m in ms
            ]
            dynamic = [m for m in dynamic if m in assignment.forbidden]
            if static or dynamic:
                used = ", ".join(sorted(set(static) | set(dynamic)))
                notes.append(
                    f"{q}: uses {used}, which this assignment forbids: 0 points"
                )
                score = 0.0
            elif failed:
                notes.append(f"{q}: failed " + ", ".join(failed))
            points[q] = round(score, 4)
    finally:
        session.close()
    errors = [f"cell {i} raised {e}" for i, e in sorted(session.cell_errors.items())]
    elsewhere = sorted(
        {
            m
            for i, ms in session.forbidden_in_cells.items()
            if i not in owner
            for m in ms
        }
        & set(assignment.forbidden)
    )
    if elsewhere:
        errors.append(f"tried to import {', '.join(elsewhere)} (forbidden)")
    return Result(points, session.notes + errors + notes, details)


def _run_case(
    session: Session, assignment: Assignment, case: TestCase, forbidden: list[str]
) -> None:
    names = case.arguments
    kinds = session.kinds(names)
    args = []
    for name in names:
        if name in assignment.provided and name not in assignment.answer_names:
            args.append(assignment.provided[name])
        elif kinds[name] == "callable":
            args.append(Proxy(session, name, forbidden))
        elif kinds[name] == "value":
            args.append(session.value(name))
        else:
            raise CallFailed(f"{name} is not defined")
    case.function(*args)


def _cell_owners(assignment: Assignment, cells: list[tuple[int, str]]) -> dict:
    """The question each cell answers: the first whose tests use a name it defines."""
    owner = {}
    for index, code in cells:
        defined = bound_names(code)
        for q, cases in assignment.questions.items():
            if defined & {a for c in cases for a in c.arguments}:
                owner[index] = q
                break
    return owner


# --- reading a submission ------------------------------------------------------------


class NotGradable(Exception):
    """A submission that cannot be graded at all (the message is safe for the CSV)."""


def read_cells(path: Path, assignment_name: str) -> tuple[list[tuple[int, str]], list]:
    """The code cells of a submitted notebook as plain Python, and warnings.

    Never follows a symlink, and never puts the file's content in a message.
    """
    path = Path(path)
    if path.is_symlink():
        raise NotGradable("is a symbolic link; submit the notebook file itself")
    if not path.is_file():
        raise NotGradable("is not a regular file")
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise NotGradable("is larger than 32 MB")
    try:
        nb = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise NotGradable("is not a notebook (not JSON text)") from None
    if type(nb) is not dict or type(nb.get("cells")) is not list:
        raise NotGradable("is not a notebook (no list of cells)")
    meta = nb.get("metadata") if type(nb.get("metadata")) is dict else {}
    warnings = []
    language = _get(meta, "kernelspec", "language") or _get(
        meta, "language_info", "name"
    )
    if language and str(language).lower() != "python":
        raise NotGradable("is not a Python notebook")
    recorded = _get(meta, "otter", "assignment_name")
    if recorded is None:
        warnings.append(f"no otter metadata: graded as {assignment_name}")
    elif recorded != assignment_name:
        raise NotGradable("belongs to another assignment (otter metadata)")
    transform = _transformer()
    cells = []
    for i, cell in enumerate(nb["cells"]):
        if type(cell) is not dict or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if type(source) is list else source
        if type(source) is not str:
            raise NotGradable("has a malformed cell")
        try:
            cells.append((i, transform(source)))
        except Exception:  # IPython could not parse it: run it as it is
            cells.append((i, source))
    return cells, warnings


def _get(meta: dict, *keys):
    for key in keys:
        meta = meta.get(key) if type(meta) is dict else None
    return meta


def _transformer():
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell
