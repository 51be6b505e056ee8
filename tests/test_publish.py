"""Publishing: the repository setting, workflows, licences, citation and version.

All cheap: well under a second each, except cffconvert and two one-page Sphinx
builds in child processes (a few seconds together) that show the buttons with and
without a repository; the whole built book is checked in tests/test_book.py.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))

import course_publish  # noqa: E402

from tests.sphinx_project import sphinx_build  # noqa: E402

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def test_repository_comes_from_the_local_setting_before_github_actions():
    environ = {"TEMPERED_REPOSITORY": "ada/course", "GITHUB_REPOSITORY": "ci/course"}
    assert course_publish.configured_repository(environ) == "ada/course"
    assert course_publish.configured_repository({"GITHUB_REPOSITORY": "ci/x"}) == "ci/x"
    assert course_publish.configured_repository({}) is None
    assert course_publish.configured_repository({"TEMPERED_REPOSITORY": " "}) is None


@pytest.mark.parametrize("bad", ["course", "a/b/c", "https://github.com/a/b", "-a/b"])
def test_a_malformed_repository_is_named_in_the_error(bad):
    with pytest.raises(ValueError, match="configured_repository: TEMPERED_REPOSITORY"):
        course_publish.configured_repository({"TEMPERED_REPOSITORY": bad})


def test_with_a_repository_every_button_points_at_it():
    options = course_publish.theme_options("ada/course")
    assert options["repository_url"] == "https://github.com/ada/course"
    assert options["use_repository_button"] and options["use_issues_button"]
    assert options["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert options["launch_buttons"]["colab_url"] == "https://colab.research.google.com"


def test_without_a_repository_the_buttons_are_left_out():
    options = course_publish.theme_options(None)
    assert options["repository_url"] == ""
    assert not options["use_repository_button"] and not options["use_issues_button"]
    assert options["launch_buttons"] == {}


def test_launch_buttons_open_the_launch_branch_when_one_is_set():
    assert course_publish.launch_branch({}) == "main"
    assert (
        course_publish.launch_branch({"TEMPERED_LAUNCH_BRANCH": "launch"}) == "launch"
    )
    options = course_publish.theme_options("ada/course", "launch")
    assert options["repository_branch"] == "launch"
    assert course_publish.theme_options("ada/course")["repository_branch"] == "main"
    with pytest.raises(ValueError, match="launch_branch: TEMPERED_LAUNCH_BRANCH"):
        course_publish.launch_branch({"TEMPERED_LAUNCH_BRANCH": "a branch"})


MINI_CONF = """
import sys
sys.path.insert(0, {ext!r})
import course_web

extensions = ["myst_nb"]
html_theme = "sphinx_book_theme"
html_theme_options = {{}}
nb_execution_mode = "off"
# Unexecuted pages carry no language_info, hence no lexer: expected here.
suppress_warnings = ["myst-nb.lexer"]


def setup(app):
    course_web.connect_publishing(app)
"""


CHAPTER_PAGE = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  display_name: Python 3
  name: python3
---
# A chapter

```{code-cell} ipython3
1 + 1
```
"""


def build_one_notebook_page(tmp_path, environ) -> str:
    """The HTML of one notebook page, built with the book's theme and settings.

    A one-page Sphinx build in a child process (a few seconds), so that both cases
    of the one setting are checked in real pages; the whole book is built once,
    with whichever setting the run has (tests/test_book.py).
    """
    source = tmp_path / "src"
    (source / "notebooks").mkdir(parents=True)
    (source / "conf.py").write_text(MINI_CONF.format(ext=str(ROOT / "_ext")))
    (source / "index.md").write_text(
        "# Mini\n\n```{toctree}\nnotebooks/nb\nchapter\n```\n"
    )
    # An executable MyST page, as the chapters are: no launch buttons there.
    (source / "chapter.md").write_text(CHAPTER_PAGE)
    notebook = {
        "cells": [
            {"cell_type": "markdown", "id": "a", "metadata": {}, "source": "# A"},
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (source / "notebooks" / "nb.ipynb").write_text(json.dumps(notebook))
    unset = {*course_publish.REPOSITORY_SETTINGS, "TEMPERED_BASEURL"}
    unset.add("TEMPERED_LAUNCH_BRANCH")
    child = {k: v for k, v in os.environ.items() if k not in unset}
    child.update(environ)
    result = sphinx_build(source, tmp_path / "html", "html", environ=child)
    assert result.returncode == 0, result.stderr
    chapter = (tmp_path / "html" / "chapter.html").read_text()
    for button in ["mybinder.org", "colab.research.google.com"]:
        assert button not in chapter, f"{button} on an executable MyST page"
    return (tmp_path / "html" / "notebooks" / "nb.html").read_text()


def test_built_page_with_a_repository_has_working_buttons(tmp_path):
    html = build_one_notebook_page(
        tmp_path,
        {"TEMPERED_REPOSITORY": "ada/course", "TEMPERED_LAUNCH_BRANCH": "launch"},
    )
    for link in [
        "https://github.com/ada/course",
        "https://github.com/ada/course/issues/new",
        "mybinder.org/v2/gh/ada/course/launch?urlpath=tree/notebooks/nb.ipynb",
        "colab.research.google.com/github/ada/course/blob/launch/notebooks/nb.ipynb",
        '<link rel="canonical" href="https://ada.github.io/course/notebooks/nb.html"',
    ]:
        assert link in html, link
    assert f"Temperature {course_publish.version()}" in html
    assert github_repositories(html) <= {"ada/course"} | CITED


def test_built_page_without_a_repository_leaves_the_buttons_out(tmp_path):
    html = build_one_notebook_page(tmp_path, {})
    for button in ["mybinder.org", "colab.research.google.com", "/issues/new"]:
        assert button not in html, button
    assert 'rel="canonical"' not in html
    assert github_repositories(html) <= CITED
    assert f"Temperature {course_publish.version()}" in html


def test_site_url_follows_github_pages_or_the_explicit_setting():
    assert course_publish.site_url("Ada/Course", {}) == "https://ada.github.io/Course/"
    assert course_publish.site_url("ada/ada.github.io", {}) == "https://ada.github.io/"
    explicit = {"TEMPERED_BASEURL": "https://temperature.example.org"}
    assert course_publish.site_url(None, explicit) == "https://temperature.example.org/"
    assert course_publish.site_url(None, {}) is None
    with pytest.raises(ValueError, match="site_url: TEMPERED_BASEURL"):
        course_publish.site_url("ada/course", {"TEMPERED_BASEURL": "ada.github.io"})


def install_cell(notebook_text: str) -> str:
    cells = json.loads(notebook_text)["cells"]
    return "".join(next(c for c in cells if c["cell_type"] == "code")["source"])


@pytest.mark.parametrize(
    "notebook", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.stem
)
def test_install_cell_is_stamped_with_the_repository_and_only_then(notebook):
    text = notebook.read_text()
    assert 'REPOSITORY = ""' in install_cell(text), "committed notebooks name none"
    assert course_publish.stamp_notebook(text, None) == text
    stamped = install_cell(course_publish.stamp_notebook(text, "ada/course"))
    assert 'REPOSITORY = "ada/course"' in stamped
    assert "git+https://github.com/{REPOSITORY}" in stamped


def test_notebooks_zip_carries_the_repository(tmp_path):
    import zipfile

    target = course_publish.write_notebooks_zip(tmp_path / "n.zip", "ada/course")
    archive = zipfile.ZipFile(target)
    notebooks = [n for n in archive.namelist() if n.endswith(".ipynb")]
    assert len(notebooks) == len(list((ROOT / "notebooks").glob("*.ipynb")))
    for name in notebooks:
        assert 'REPOSITORY = "ada/course"' in install_cell(archive.read(name).decode())
    assert "temperature-notebooks/requirements.txt" in archive.namelist()


def test_stamp_writes_the_repository_into_each_notebook_and_needs_one(tmp_path):
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        (tmp_path / notebook.name).write_text(notebook.read_text())
    stamped = course_publish.stamp_notebooks(tmp_path, "ada/course")
    assert len(stamped) == len(list(tmp_path.glob("*.ipynb")))
    for notebook in stamped:
        assert 'REPOSITORY = "ada/course"' in install_cell(notebook.read_text())
    with pytest.raises(ValueError, match="stamp_notebooks: no repository set"):
        course_publish.stamp_notebooks(tmp_path, None)


def test_stamp_command_refuses_without_a_repository():
    # The pages workflow runs `make stamp-repository`; unset, it must fail loudly.
    result = subprocess.run(
        [sys.executable, str(ROOT / "_ext" / "course_publish.py"), "stamp"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1
    assert "stamp_notebooks: no repository set" in result.stderr


def github_repositories(text: str) -> set[str]:
    return {
        m.rstrip(".")
        for m in re.findall(r"github\.com/([A-Za-z0-9-]+/[A-Za-z0-9._-]+)", text)
    }


# Repositories the course may name: the works it cites (references.bib).
CITED = github_repositories((ROOT / "references.bib").read_text())


# Real repositories the code names besides the cited works: a tool's home page.
NAMED_TOOLS = {"gpoore/text2qti"}
# Never scanned: the tests (they name made-up repositories on purpose), builds,
# environments, caches and the npm lock file (package tarball URLs).
NOT_SOURCE = {"_build", "build", "node_modules", "tests", "__pycache__"}
TEXT_SUFFIXES = {".md", ".py", ".ipynb", ".yml", ".yaml", ".cff", ".txt", ".toml"}
TEXT_SUFFIXES |= {".js", ".css", ".html", ".cfg", ".sh", ".json", ""}


def source_files() -> list[Path]:
    files = []
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = [
            d
            for d in subfolders
            if d not in NOT_SOURCE
            and not d.endswith(".egg-info")
            and (d == ".github" or not d.startswith("."))  # .git, .venv, caches
        ]
        for name in names:
            path = Path(folder) / name
            if path.suffix in TEXT_SUFFIXES and name != "package-lock.json":
                files.append(path)
    return files


def test_no_source_file_names_a_repository_it_does_not_cite():
    sources = source_files()
    for needed in ["Makefile", "binder/postBuild", "_ext/course_publish.py"]:
        assert ROOT / needed in sources, needed
    for path in sources:
        text = path.read_text(errors="replace")
        unknown = github_repositories(text) - CITED - NAMED_TOOLS
        assert not unknown, f"{path.relative_to(ROOT)} names {unknown}"
        sites = set(re.findall(r"\b([A-Za-z0-9-]+)\.github\.io\b", text))
        assert not sites, f"{path.relative_to(ROOT)} names the site of {sites}"


def make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", makefile, re.MULTILINE))


def test_every_make_target_a_workflow_calls_exists():
    called = set()
    for workflow in WORKFLOWS:
        for job in yaml.safe_load(workflow.read_text())["jobs"].values():
            for step in job["steps"]:
                called |= set(re.findall(r"\bmake ([a-z][\w-]*)", step.get("run", "")))
    assert {"test", "book", "release-assets", "linkcheck"} <= called
    assert called <= make_targets(), called - make_targets()


def test_pages_workflow_uses_the_official_pages_actions():
    steps = [
        step.get("uses", "")
        for job in yaml.safe_load((ROOT / ".github/workflows/pages.yml").read_text())[
            "jobs"
        ].values()
        for step in job["steps"]
    ]
    assert any(s.startswith("actions/upload-pages-artifact@") for s in steps)
    assert any(s.startswith("actions/deploy-pages@") for s in steps)


def test_pages_workflow_pushes_stamped_notebooks_to_the_branch_the_buttons_open():
    build = yaml.safe_load((ROOT / ".github/workflows/pages.yml").read_text())["jobs"][
        "build"
    ]
    branch = build["env"]["TEMPERED_LAUNCH_BRANCH"]
    assert branch != "main", "the committed notebooks stay unstamped on main"
    runs = [step.get("run", "") for step in build["steps"]]
    book = next(i for i, run in enumerate(runs) if "make book" in run)
    stamp = next(i for i, run in enumerate(runs) if "make stamp-repository" in run)
    assert stamp > book, "the book is built from main as committed"
    script = runs[stamp]
    assert script.index('switch --force-create "$TEMPERED_LAUNCH_BRANCH"') < (
        script.index("make stamp-repository")
    )
    assert 'git push --force origin "$TEMPERED_LAUNCH_BRANCH"' in script
    assert build["permissions"]["contents"] == "write"


def test_version_is_kept_in_one_place_and_named_alike():
    version = course_publish.version()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject
    assert 'version = { attr = "tempered.__version__" }' in pyproject
    assert not re.search(r'^version = "', pyproject, re.M), "a second version"
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert str(citation["version"]) == version
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(
        rf"^## \[{re.escape(version)}\] - \d{{4}}-\d\d-\d\d$", changelog, re.M
    )
    assert "## [Unreleased]" in changelog


def test_citation_file_validates():
    # make env installs cffconvert in a venv of its own (it pins an old jsonschema).
    cffconvert = ROOT / ".venv" / "cffconvert" / "bin" / "cffconvert"
    result = subprocess.run(
        [str(cffconvert), "--validate", "-i", str(ROOT / "CITATION.cff")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_licences_say_which_covers_what():
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    content = (ROOT / "LICENSE-CONTENT.md").read_text()
    for needed in ["CC BY 4.0", "MIT", "public domain", "Apache-2.0", "SmolLM2"]:
        assert needed in content, needed
