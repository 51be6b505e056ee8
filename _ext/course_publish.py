"""Where the course is published, from one setting: the GitHub repository.

The repository (``owner/name``) comes from ``TEMPERED_REPOSITORY`` for local
builds, else from ``GITHUB_REPOSITORY``, which GitHub Actions sets to the
repository that runs the workflow. Everything that links to the repository
derives from it: the repository, issue, Binder and Colab buttons, the site's
base URL (canonical links, sitemap, social cards), and the Colab install cell of
the notebooks the site and the release serve. With no repository set the build
leaves those buttons out instead of pointing them somewhere that does not exist.

Run as a script it writes the notebooks zip of a release:
``python _ext/course_publish.py zip OUT.zip``.
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
BRANCH = "main"
_OWNER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}")
# The line of a notebook's install cell that names the repository.
_REPOSITORY_LINE = re.compile(r'^REPOSITORY = "[^"\n]*"', re.MULTILINE)


def version() -> str:
    """The course's version, kept in one place: pyproject.toml's ``version``."""
    # A regular expression rather than tomllib, which Python 3.10 lacks.
    text = (ROOT / "pyproject.toml").read_text()
    return re.search(r'^version = "([^"]+)"', text, re.MULTILINE)[1]


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


def theme_options(repository: str | None) -> dict:
    """The book theme's repository and launch-button options for ``repository``."""
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
        "repository_branch": BRANCH,
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


def write_notebooks_zip(target: Path, repository: str | None) -> Path:
    """Write every chapter notebook and requirements.txt into the zip ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
            archive.writestr(
                f"temperature-notebooks/{notebook.name}",
                stamp_notebook(notebook.read_text(), repository),
            )
        archive.write(
            ROOT / "requirements.txt", "temperature-notebooks/requirements.txt"
        )
    return target


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "zip":
        sys.exit("usage: python _ext/course_publish.py zip OUT.zip")
    print(write_notebooks_zip(Path(sys.argv[2]), configured_repository()))
