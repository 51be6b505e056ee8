"""Malicious submissions against the grader (tools/grading).

Each BUG row of part 2 of the red-team report
(reviews/red-team-2026-11.md) becomes a submission to assignment a1, graded
in one batch next to honest ones, exactly as ``make grade`` grades a folder.
The suite fails if any of them earns a point it did not earn, changes another
row, leaks test text or file contents into the CSV, sees a secret, outlives
grading, or if an outside process can reach anything the grader opens.
Cost: about 40 sandboxed runs (about 10 s of CPU), plus the assignments' build
when tests/test_assignments.py has not made it yet.
"""

from __future__ import annotations

import csv
import json
import os
import socket
import threading
import time
from pathlib import Path

import nbformat
import pytest

from tests.tool_module import load_tool

ROOT = Path(__file__).resolve().parents[1]
A = load_tool("assignments", "course_assignments")
grading = A.grading

NAME = "a1-tempered-softmax"
FULL = 11.0
LIMITS = grading.Limits(cell=3, call=3, notebook=30)


# --- submissions ----------------------------------------------------------------------


def _with(
    nb,
    *,
    after: dict | None = None,
    before: dict | None = None,
    meta=None,
    replace: tuple[str, str] | None = None,
):
    """A copy of ``nb`` with code cells added after/before the cell defining a name."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for where, cells in (("after", after or {}), ("before", before or {})):
        for anchor, code in cells.items():
            i = next(
                k
                for k, c in enumerate(nb.cells)
                if c.cell_type == "code" and (anchor in c.source)
            )
            nb.cells.insert(i + (where == "after"), nbformat.v4.new_code_cell(code))
    if replace:
        i = next(k for k, c in enumerate(nb.cells) if replace[0] in c.source)
        nb.cells[i].source = nb.cells[i].source.replace(*replace)
    if meta:
        meta(nb.metadata)
    return nb


DAEMON_TOKEN = "daemon-outlives-grading-7f3a"
STUBS = """
import numpy, builtins
def softmax_T(logits, T): return numpy.zeros(numpy.shape(logits))
def softmax_T_zero(logits): return numpy.zeros(numpy.shape(logits))
softmax_T_inf = softmax_T_zero
def log_softmax_T(logits, T): return numpy.zeros(numpy.shape(logits))
def temperature_for_top_prob(logits, target): return 1.0
"""

ATTACKS = {
    # (b) full marks with no work: rows 5-8 and 12
    "b1-patch-numpy-and-abs": (
        "student",
        {
            "after": {
                'grader.check("q4")': STUBS
                + (
                    "numpy.allclose = numpy.isclose = lambda *a, **k: True\n"
                    "numpy.isfinite = lambda *a, **k: numpy.array(True)\n"
                    "builtins.abs = lambda x: 0.0\n"
                )
            }
        },
    ),
    "b2-patch-otter-test-runner": (
        "student",
        {
            "after": {
                'grader.check("q4")': (
                    "try:\n    from otter.test_files import ExceptionTestFile\n"
                    "    ExceptionTestFile.run = lambda self, env: setattr(self, 'passed', True)\n"
                    "except Exception:\n    pass\n"
                    "import sys\nfake = type(sys)('otter.test_files')\n"
                    "sys.modules['otter.test_files'] = fake\n"
                )
            }
        },
    ),
    "b3-mutate-tracked-results": (
        "student",
        {
            "after": {
                'grader.check("q4")': (
                    "try:\n    from otter.execute import Checker\n"
                    "    for r in Checker.get_results(): r.passed = True\n"
                    "except Exception:\n    pass\n"
                )
            }
        },
    ),
    "b4-forge-results-file": (
        "student",
        {
            "after": {
                'grader.check("q4")': (
                    "import os, pickle\n"
                    "for root in ('/tmp', '/proc/self/fd', '/proc/1/fd', '/dev/shm'):\n"
                    "    try:\n        names = os.listdir(root)\n    except OSError:\n"
                    "        continue\n"
                    "    for n in names + ['results.pkl', '.OTTER_LOG']:\n"
                    "        try:\n"
                    "            open(os.path.join(root, n), 'wb').write(pickle.dumps({'q1': 4}))\n"
                    "        except OSError:\n            pass\n"
                    "print('{\"value\": 1}')\n"
                )
            }
        },
    ),
    "b8-steal-the-solution": (
        "student",
        {
            "after": {
                'grader.check("q4")': (
                    "import os, json\n"
                    "for top in ('/work', '/root', '/home', '/tmp', '/srv', '/opt', '/'):\n"
                    "    for d, _, files in os.walk(top):\n"
                    "        if d.startswith(('/proc', '/sys', '/usr')):\n            continue\n"
                    "        for f in files:\n"
                    "            if f.endswith('.ipynb') or f.endswith('.zip'):\n"
                    "                try:\n"
                    "                    nb = json.load(open(os.path.join(d, f)))\n"
                    "                    for c in nb['cells']:\n"
                    "                        src = ''.join(c['source'])\n"
                    "                        if c['cell_type'] == 'code' and 'def ' in src:\n"
                    "                            exec(src)\n"
                    "                except Exception:\n                    pass\n"
                )
            }
        },
    ),
    "b6-eq-always-true": (
        "student",
        {
            "after": {
                'grader.check("q4")': (
                    "import numpy as np\n"
                    "class Yes(np.ndarray):\n"
                    "    def __eq__(self, o): return True\n    __lt__ = __gt__ = __eq__\n"
                    "    def tolist(self): return [1.0]\n"
                    "def softmax_T(logits, T): return np.zeros(np.shape(logits)).view(Yes)\n"
                    "def temperature_for_top_prob(logits, target):\n"
                    "    class F(float):\n        def __sub__(s, o): return 0.0\n"
                    "    return F(1.0)\n"
                )
            }
        },
    ),
    # (d) one submission against the others and the run: rows 13, 24-26
    "d-kills-its-parent": (
        "solution",
        {
            "after": {
                "T_half = ": (
                    "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"
                    "os.kill(-1, signal.SIGKILL)\n"
                )
            }
        },
    ),
    "d-returns-a-pickle-payload": (
        "solution",
        {
            "after": {
                "def softmax_T(": (
                    "class Evil:\n"
                    "    def __reduce__(self):\n        return (exec, ('import os',))\n"
                    "def softmax_T(logits, T):\n    return Evil()\n"
                )
            }
        },
    ),
    "d-daemon-outlives-grading": (
        "solution",
        {
            "after": {
                "T_half = ": (
                    "import subprocess, sys\n"
                    "subprocess.Popen([sys.executable, '-c', 'import time\\nwhile True: "
                    f"time.sleep(0.2)  # {DAEMON_TOKEN}'], start_new_session=True)\n"
                )
            }
        },
    ),
    # (c) crashes, hangs and limits: rows 14-19, 23
    "c1-infinite-loop-after-q1": (
        "solution",
        {"after": {"def softmax_T(": ("while True:\n    pass\n")}},
    ),
    "c2-hangs-only-in-a-hidden-test": (
        "solution",
        {
            "replace": (
                "u = np.asarray(logits, dtype=float)\n    m = u.max",
                "u = np.asarray(logits, dtype=float)\n"
                "    while T == 1e-3:\n        pass\n    m = u.max",
            )
        },
    ),
    "d1-os-exit-after-q2": (
        "solution",
        {"after": {"def softmax_T_zero(": ("import os\nos._exit(1)\n")}},
    ),
    "d2-segfault": (
        "solution",
        {"after": {"def log_softmax_T(": ("import ctypes\nctypes.string_at(0)\n")}},
    ),
    "d6-exit-builtin": ("solution", {"after": {"def log_softmax_T(": "exit()\n"}}),
    "d5-memory-bomb": (
        "solution",
        {
            "after": {
                "def log_softmax_T(": (
                    "try:\n    hog = bytearray(16 * 2**30)\nexcept MemoryError:\n    pass\n"
                )
            }
        },
    ),
    "d3-print-flood": (
        "solution",
        {"after": {"def log_softmax_T(": ("print('x' * 50_000_000)\n")}},
    ),
    # the assignment's own rule: a1 forbids tempered (row 11)
    "b7-uses-forbidden-tempered": (
        "solution",
        {
            "replace": (
                "u = np.asarray(logits, dtype=float)\n    m = u.max",
                "from tempered import tempered_softmax\n"
                "    return tempered_softmax(logits, T)\n"
                "    u = np.asarray(logits, dtype=float)\n    m = u.max",
            )
        },
    ),
    # fair to honest work: rows 36-38
    "e4-kernel-conda-env": (
        "solution",
        {
            "meta": lambda m: m["kernelspec"].update(
                name="conda-env-course-py", display_name="course"
            )
        },
    ),
    "k3-kernel-python311": (
        "solution",
        {"meta": lambda m: m["kernelspec"].update(name="python311")},
    ),
    "e5-no-otter-metadata-colab": ("solution", {"meta": lambda m: m.pop("otter")}),
    # the CSV: rows 4, 45 (hostile strings must not reach it)
    "a2-strings-into-the-csv": (
        "student",
        {
            "after": {
                'grader.check("q4")': (
                    "class Bad(Exception):\n    pass\n"
                    "Bad.__name__ = '=HYPERLINK(\"http://x\")' + 'SECRETWORD' * 20\n"
                    "def softmax_T(logits, T):\n    raise Bad('SECRETWORD =1+1')\n"
                    "def log_softmax_T(logits, T):\n    return 'SECRETWORD'\n"
                )
            }
        },
    ),
}

# name -> (points per question or total, note that must appear)
EXPECTED = {
    "b7-uses-forbidden-tempered": ({"q1": 0, "q2": 3, "q3": 2, "q4": 0}, "forbids"),
    "c2-hangs-only-in-a-hidden-test": ({"q1": 3, "q2": 3, "q3": 2, "q4": 2}, ""),
    "d-returns-a-pickle-payload": ({"q1": 0, "q2": 3, "q3": 2}, ""),
    "e5-no-otter-metadata-colab": (FULL, "no otter metadata"),
}


@pytest.fixture(scope="module")
def a1(tmp_path_factory):
    build = A.build_cached()  # shared with tests/test_assignments.py
    return {
        "build": build,
        "assignment": A.prepare(NAME, build, LIMITS),
        "solution": nbformat.read(A.solution_notebook(NAME, build), as_version=4),
        "student": nbformat.read(A.student_notebook(NAME, build), as_version=4),
        "zip": A.autograder_zip(NAME, build),
    }


def _sockets() -> set[str]:
    out = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:"):
            out.add(link)
    return out


@pytest.fixture(scope="module")
def attacked(a1, tmp_path_factory):
    """Grade every attack with honest notebooks in one folder, as `make grade` does."""
    folder = tmp_path_factory.mktemp("inbox")
    for name, (base, changes) in ATTACKS.items():
        nbformat.write(_with(a1[base], **changes), folder / f"{name}.ipynb")
    for i in range(3):
        nbformat.write(a1["solution"], folder / f"honest-{i}.ipynb")
    nbformat.write(a1["student"], folder / "untouched-student.ipynb")
    nbformat.write(a1["solution"], folder / "f6-UPPERCASE.IPYNB")
    nbformat.write(a1["solution"], folder / "=1+1 formula.ipynb")
    (folder / "g2-symlink-to-etc-passwd.ipynb").symlink_to("/etc/passwd")
    (folder / "g1-symlink-to-solution.ipynb").symlink_to(
        A.solution_notebook(NAME, a1["build"])
    )
    (folder / "e2-not-a-notebook.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    (folder / "e6-directory.ipynb").mkdir()
    other = _with(
        a1["solution"],
        meta=lambda m: m["otter"].update(assignment_name="a2-entropy-temperature"),
    )
    nbformat.write(other, folder / "e3-notebook-of-another-assignment.ipynb")
    nbformat.write(
        _with(
            a1["solution"],
            meta=lambda m: m.update(
                kernelspec={"name": "ir", "language": "R", "display_name": "R"}
            ),
        ),
        folder / "e9-kernel-R.ipynb",
    )
    out = tmp_path_factory.mktemp("out") / "scores.csv"
    subs, _ = grading.submissions_in(folder)
    before, seen, done = _sockets(), set(), threading.Event()

    def watch():  # the grader must open no socket an outside process could talk to
        while not done.is_set():
            seen.update(_sockets() - before)
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    start = time.monotonic()
    try:
        rows = A.grade(
            NAME,
            subs,
            build_dir=a1["build"],
            jobs=2,
            limits=LIMITS,
            csv_path=out,
            assignment=a1["assignment"],
        )
    finally:
        done.set()
        watcher.join()
    return {
        "rows": {r["submission"]: r for r in rows},
        "csv": out,
        "csv_text": out.read_text(),
        "sockets": seen,
        "folder": folder,
        "seconds": time.monotonic() - start,
        "subs": subs,
    }


def _row(attacked, name):
    return attacked["rows"][name if "." in name else f"{name}.ipynb"]


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_earns_only_what_it_earned(attacked, name):
    row = _row(attacked, name)
    base = ATTACKS[name][0]
    expected, note = EXPECTED.get(name, (FULL if base == "solution" else 0.0, ""))
    if isinstance(expected, dict):
        got = {q: row[q] for q in expected}
        assert got == pytest.approx(expected), row
    else:
        assert row["total"] == pytest.approx(expected), row
    assert note in row["notes"], row


def test_honest_rows_are_untouched(attacked):
    for i in range(3):
        row = _row(attacked, f"honest-{i}")
        assert row["total"] == FULL and not row["error"], row
    assert _row(attacked, "untouched-student")["total"] == 0
    assert _row(attacked, "f6-UPPERCASE.IPYNB")["total"] == FULL


def test_one_csv_row_per_submission(attacked):
    rows = list(csv.DictReader(attacked["csv"].open()))
    assert len(rows) == len(attacked["subs"]) == len(attacked["rows"])
    assert len({r["submission"] for r in rows}) == len(rows)


@pytest.mark.parametrize(
    "name",
    [
        "g2-symlink-to-etc-passwd.ipynb",
        "g1-symlink-to-solution.ipynb",
        "e2-not-a-notebook.ipynb",
        "e6-directory.ipynb",
        "e3-notebook-of-another-assignment.ipynb",
        "e9-kernel-R.ipynb",
    ],
)
def test_ungradable_files_score_zero_with_a_reason(attacked, name):
    row = _row(attacked, name)
    assert row["total"] == 0 and row["error"], row


def test_nothing_hostile_reaches_the_csv(attacked):
    text = attacked["csv_text"]
    assert "root:x:" not in text and "SECRETWORD" not in text
    assert "HYPERLINK" not in text
    for line in _hidden_lines():
        assert line not in text, f"hidden test text in the CSV: {line!r}"
    for row in csv.reader(text.splitlines()):
        for field in row:
            assert not field.startswith(("=", "+", "-", "@")), field
    assert "'=1+1 formula.ipynb" in text


def test_grader_opens_no_socket(attacked):
    assert not attacked["sockets"], attacked["sockets"]


def test_nothing_outlives_grading(attacked):
    """The daemon a submission started is gone, and the CSV no longer changes."""
    before = attacked["csv"].read_bytes()
    time.sleep(0.5)
    assert attacked["csv"].read_bytes() == before
    left = _processes_with(DAEMON_TOKEN)
    assert not left, f"sandbox processes left running: {left}"


def _processes_with(token: str) -> list[str]:
    """Processes on this machine whose command line contains ``token``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if token.encode() in cmdline and b"pytest" not in cmdline:
            found.append(pid)
    return found


def test_a_daemon_dies_with_its_sandbox(a1):
    token = "daemon-probe-51c2"
    code = (
        "import subprocess, sys\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time\\nwhile True: "
        f"time.sleep(0.2)  # {token}'], start_new_session=True)\n"
        "started = p.pid > 0\n"
    )
    session = _session(a1, code)
    try:
        assert session.value("started")
        assert _processes_with(token), (
            "the daemon did not start: the test proves nothing"
        )
    finally:
        session.close()
    assert not _processes_with(token)


def _hidden_lines() -> list[str]:
    source = nbformat.read(A.source_notebook(NAME), as_version=4)
    lines = []
    for cell in source.cells:
        if "hidden: true" in cell.source:
            code = cell.source.split("# END TEST CONFIG", 1)[1]
            lines += [s.strip() for s in code.splitlines() if len(s.strip()) >= 25]
    return lines


# --- the sandbox itself ---------------------------------------------------------------


def _session(a1, code: str, limits=LIMITS):
    return grading.Session([(0, code)], 0, [], limits)


def test_sandbox_sees_no_secret_and_no_network(a1, attacked, tmp_path):
    secrets = [
        a1["build"],
        A.SOURCES,
        attacked["folder"],
        attacked["csv"],
        ROOT / ".git",
        ROOT / "assignments",
        Path("/root/.ssh"),
    ]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    code = (
        "import os, socket\n"
        f"paths = {[str(p) for p in secrets]!r}\n"
        "found = [p for p in paths if os.path.exists(p)]\n"
        "uid = os.getuid()\n"
        "nics = [n for _, n in socket.if_nameindex()]\n"
        "reached = []\n"
        f"for host in (('127.0.0.1', {port}), ('10.0.0.1', 80), ('example.org', 80)):\n"
        "    try:\n"
        "        socket.create_connection(host, timeout=0.5)\n"
        "        reached.append(host[0])\n"
        "    except OSError:\n        pass\n"
        "server = socket.socket()\nserver.bind(('127.0.0.1', 0))\nserver.listen(1)\n"
        "open_port = server.getsockname()[1]\n"
    )
    session = _session(a1, code)
    try:
        assert session.value("found") == []
        assert session.value("uid") >= grading.sandbox.BASE_UID
        assert session.value("nics") == ["lo"]
        assert session.value("reached") == []
        with pytest.raises(OSError):  # its own listening socket is not ours to reach
            socket.create_connection(("127.0.0.1", session.value("open_port")), 0.5)
    finally:
        session.close()
    with pytest.raises(socket.timeout):
        listener.accept()
    listener.close()


def test_process_count_is_limited(a1):
    code = (
        "import subprocess\nkids = []\n"
        "for _ in range(150):\n"
        "    try:\n"
        "        kids.append(subprocess.Popen(['sleep', '30']))\n"
        "    except OSError:\n        break\n"
        "n = len(kids)\n"
    )
    session = _session(a1, code)
    try:
        assert session.value("n") < grading.sandbox.PROCESSES
    finally:
        session.close()


def test_the_notebook_time_budget_holds(a1):
    cells = [(i, "import time\ntime.sleep(1)") for i in range(10)]
    limits = grading.Limits(cell=5, call=5, notebook=2.5)
    start = time.monotonic()
    result = grading.grader.grade_cells(a1["assignment"], cells, 0, limits)
    assert time.monotonic() - start < 8
    assert sum(result.points.values()) == 0


def test_a_changed_bundle_is_refused(a1, tmp_path):
    copy = tmp_path / "build"
    import shutil

    shutil.copytree(a1["build"], copy)
    zip_path = A.autograder_zip(NAME, copy)
    with open(zip_path, "ab") as f:
        f.write(b"tampered")
    with pytest.raises(grading.BundleChanged, match="changed since it was built"):
        A.prepare(NAME, copy, LIMITS)
    rows = A.grade(
        NAME,
        [A.solution_notebook(NAME, copy)],
        build_dir=copy,
        limits=LIMITS,
        assignment=a1["assignment"],
    )
    assert rows[0]["total"] == 0 and "changed" in rows[0]["error"]


def test_grading_refuses_without_a_sandbox(monkeypatch, tmp_path):
    monkeypatch.setattr(grading.sandbox.shutil, "which", lambda tool: None)
    with pytest.raises(grading.sandbox.Unavailable, match="bwrap"):
        grading.check_sandbox([tmp_path])


def test_a_visible_secret_is_refused(tmp_path):
    inside = grading.sandbox.visible_paths()[0] / "secret"
    with pytest.raises(grading.sandbox.Unavailable, match="would see"):
        grading.check_sandbox([inside])
