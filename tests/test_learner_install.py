"""A learner's installs, checked against a wheel of the package built here.

- The notebooks zip's requirements (front end included) resolve with pip,
  as a learner without make would install them (``pip install --dry-run``).
- The first cell of every notebook installs the package where it is missing
  and does nothing where it is present (the Colab path), run by IPython as a
  notebook kernel runs it.

Both need the package index (pip resolves against PyPI, as ``make env`` does), so
they run in the install lane of ``make test`` beside the offline suite (marker
``install``). About 25 s on a 2-core machine, most of it pip resolving.
"""

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.test_publish import course_publish

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FRONT_END = ("jupyterlab", "jupyterlab-widgets", "ipywidgets", "ipykernel")

pytestmark = pytest.mark.install


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_pins(text: str) -> dict:
    """``{canonical name: version}`` of the ``name==version`` lines of ``text``."""
    found = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, flags=re.MULTILINE)
    return {canonical(name): version for name, version in found}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return course_publish.build_wheel(tmp_path_factory.mktemp("wheel"))


def pip_env() -> dict:
    # Without PYTHONPATH: it holds the network guard, and pip must reach the index.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    return env


def test_notebooks_zip_requirements_resolve_with_the_front_end(wheel, tmp_path):
    target = course_publish.write_notebooks_zip(tmp_path / "n.zip", None, wheel)
    zipfile.ZipFile(target).extractall(tmp_path)
    folder = tmp_path / course_publish.ZIP_FOLDER
    requirements = (folder / "requirements.txt").read_text()
    readme = (folder / "README.md").read_text()
    assert "pip install -r requirements.txt" in readme and "jupyter lab" in readme
    assert (folder / wheel.name).is_file()

    pinned = requirement_pins((ROOT / "requirements.txt").read_text())
    wanted = requirement_pins(requirements)
    assert set(FRONT_END) <= set(wanted), requirements
    for name, version in wanted.items():
        assert pinned.get(name) == version, f"{name}: zip {version}, main {pinned}"

    # --ignore-installed: resolve everything, as in a learner's empty environment.
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed"]
        + ["--quiet", "--report", str(report), "-r", "requirements.txt"],
        cwd=folder,
        env=pip_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    chosen = {
        canonical(item["metadata"]["name"]): item["metadata"]["version"]
        for item in json.loads(report.read_text())["install"]
    }
    for name, version in wanted.items():
        # torch's CPU wheel carries a local label (2.13.0+cpu), which == accepts.
        assert chosen[name].split("+")[0] == version, (name, chosen[name])
    assert chosen["tempered"] == course_publish.version()
    assert chosen["widgetsnbextension"]  # ipywidgets' other front-end half


def install_cell() -> str:
    """The first code cell, the same in every notebook (the Colab install)."""
    cells = {
        path.name: "".join(
            next(
                c
                for c in json.loads(path.read_text())["cells"]
                if c["cell_type"] == "code"
            )["source"]
        )
        for path in NOTEBOOKS
    }
    first = cells[NOTEBOOKS[0].name]
    for name, source in cells.items():
        # chapter 11 also installs scikit-learn, which Colab has anyway
        assert source.startswith(first), f"{name}: its install cell differs"
    return first


RUN_CELL = """
import sys
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()
result = shell.run_cell(sys.stdin.read())
if result.error_in_exec is not None:
    print("ERROR:", result.error_in_exec)
    sys.exit(3)
import importlib.util

spec = importlib.util.find_spec("tempered")
print("TEMPERED:", spec.origin if spec else None)
"""


def learner_venv(path: Path) -> Path:
    """A venv that sees this environment's packages but not ``tempered``.

    Its site-packages gets links to every entry of ours except the package's own
    (editable) files, so IPython and the package's dependencies are there and
    pip installs only the package.
    """
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=300)
    python = path / "bin" / "python"
    ours = Path(
        subprocess.check_output(
            [
                sys.executable,
                "-c",
                "import sysconfig; print(sysconfig.get_path('purelib'))",
            ],
            text=True,
        ).strip()
    )
    theirs = Path(
        subprocess.check_output(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            text=True,
        ).strip()
    )
    shadow = path / "course-packages"
    shadow.mkdir()
    for entry in ours.iterdir():
        if not re.match(r"(__editable__[._]+)?tempered", entry.name):
            (shadow / entry.name).symlink_to(entry)
    (theirs / "course-packages.pth").write_text(f"{shadow}\n")
    return python


def run_install_cell(python: Path, source: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [python, "-c", RUN_CELL],
        input=source,
        capture_output=True,
        text=True,
        env=pip_env(),
        cwd=python.parents[2],
        timeout=300,
    )


def test_install_cell_installs_the_package_when_missing_and_only_then(wheel, tmp_path):
    cell = install_cell()
    package_line = re.compile(r"^PACKAGE = .*$", re.MULTILINE)
    assert len(package_line.findall(cell)) == 1, cell
    python = learner_venv(tmp_path / "venv")

    missing = run_install_cell(python, cell)
    assert missing.returncode == 3, missing.stdout + missing.stderr
    assert "set REPOSITORY" in missing.stdout  # unstamped: a clear error, no pip

    stamped = course_publish.stamp_notebook(
        json.dumps({"cells": [{"cell_type": "code", "source": [cell]}]}), "ada/course"
    )
    cell = "".join(json.loads(stamped)["cells"][0]["source"])
    # The wheel built here stands in for the repository's URL.
    local = package_line.sub(f'PACKAGE = "tempered @ {wheel.as_uri()}"', cell)
    installed = run_install_cell(python, local)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    origin = installed.stdout.split("TEMPERED:")[-1].strip()
    assert Path(origin).is_relative_to(tmp_path / "venv" / "lib"), installed.stdout

    # Present now: the cell must not call pip, which would fail on this path.
    absent = package_line.sub(
        f'PACKAGE = "tempered @ {(tmp_path / "no-such.whl").as_uri()}"', cell
    )
    present = run_install_cell(python, absent)
    assert present.returncode == 0, present.stdout + present.stderr
    assert "no-such" not in present.stdout + present.stderr
