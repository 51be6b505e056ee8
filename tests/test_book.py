"""The book builds with warnings as errors, and the pages carry what they promise."""

import json
import re
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.test_publish import CITED
from tests.test_publish import course_publish
from tests.test_publish import github_repositories

ROOT = Path(__file__).resolve().parents[1]


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries:
            files.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc["parts"]:
        walk(part["chapters"])
    return files


def test_every_page_in_the_toc_is_built(built_book):
    for name in toc_files():
        assert (built_book / f"{name}.html").is_file(), name


def test_every_chapter_has_its_paired_notebook_next_in_the_toc():
    files = toc_files()
    for i, name in enumerate(files):
        match = re.match(r"book/(\d+)-(.*)", name)
        if match:
            assert files[i + 1] == f"notebooks/{match[1]}-{match[2]}", name


@pytest.mark.parametrize(
    "page", ["book/01-why-temperature", "notebooks/01-why-temperature"]
)
def test_chapter_pages_have_math_figures_with_alt_text_and_outputs(built_book, page):
    html = (built_book / f"{page}.html").read_text()
    assert 'class="math' in html, "no math on the page"
    images = [
        tag for tag in re.findall(r"<img [^>]*>", html) if "_images/" in tag
    ]  # content, not theme logos
    assert images, "no figure on the page"
    for tag in images:
        alt = re.search(r'alt="([^"]*)"', tag)
        assert alt and len(alt[1]) > 20, f"figure without real alt text: {tag[:120]}"
    assert "cell_output" in html, "no executed output on the page"


def test_chapter_page_has_numbered_equations_citations_and_gated_solutions(built_book):
    html = (built_book / "book/01-why-temperature.html").read_text()
    assert re.search(r'<span class="eqno">\(\d+\.?\d*\)', html), "no numbered equation"
    assert "radford2023robust" in html or "Radford" in html, "no citation rendered"
    assert "solution" in html and "dropdown" in html, "no gated solution"


def test_bibliography_lists_cited_works(built_book):
    html = (built_book / "book/references.html").read_text()
    for author in ["Holtzman", "Radford", "Peeperkorn", "Renze"]:
        assert author in html


def notebook_pages() -> list[str]:
    return [name for name in toc_files() if name.startswith("notebooks/")]


@pytest.mark.parametrize("page", notebook_pages())
def test_notebook_pages_offer_launch_buttons_and_a_download(built_book, page):
    # The buttons follow the one repository setting (tests/test_publish.py checks
    # both cases of the options): this run's build has it set in CI, not locally.
    html = (built_book / f"{page}.html").read_text()
    repository = course_publish.configured_repository()
    branch = course_publish.launch_branch()
    launch = [
        f"mybinder.org/v2/gh/{repository}/{branch}?urlpath=tree/{page}.ipynb",
        f"colab.research.google.com/github/{repository}/blob/{branch}/{page}.ipynb",
        f"github.com/{repository}/issues/new",
    ]
    if repository:
        for link in launch:
            assert link in html, link
        served = (built_book / "_sources" / f"{page}.ipynb").read_text()
        assert f'REPOSITORY = \\"{repository}\\"' in served
    else:
        for button in ["mybinder.org", "colab.research.google.com", "/issues/new"]:
            assert button not in html, f"{button} without a repository"
    assert f'href="../_sources/{page}.ipynb"' in html
    assert (built_book / "_sources" / f"{page}.ipynb").is_file()


def test_built_pages_name_no_repository_but_the_configured_and_the_cited(built_book):
    repository = course_publish.configured_repository()
    allowed = set(CITED) | {repository}
    # A GitHub Pages site only of the configured repository's owner (its own site).
    sites = {repository.split("/")[0].lower()} if repository else set()
    pages = [
        *built_book.rglob("*.html"),
        *built_book.glob("*.xml"),  # the sitemap
        *built_book.glob("_sources/**/*.ipynb"),
    ]
    for page in pages:
        text = page.read_text()
        unknown = github_repositories(text) - allowed
        assert not unknown, f"{page.relative_to(built_book)} names {unknown}"
        named = {s.lower() for s in re.findall(r"\b([\w-]+)\.github\.io\b", text)}
        assert named <= sites, f"{page.relative_to(built_book)} names {named - sites}"


def test_pages_show_version_and_licences_and_are_findable(built_book):
    html = (built_book / "book/intro.html").read_text()
    assert f"Temperature {course_publish.version()}" in html
    assert "CC BY 4.0" in html and "MIT" in html
    assert '<meta property="og:title"' in html
    baseurl = course_publish.site_url(course_publish.configured_repository())
    if baseurl:
        assert f'<link rel="canonical" href="{baseurl}book/intro.html"' in html
        assert (
            f"<loc>{baseurl}book/intro.html</loc>"
            in (built_book / "sitemap.xml").read_text()
        )
    else:
        assert 'rel="canonical"' not in html


def test_zip_of_all_notebooks(built_book):
    archive = zipfile.ZipFile(built_book / "downloads" / "temperature-notebooks.zip")
    names = set(archive.namelist())
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        assert f"temperature-notebooks/{notebook.name}" in names
    assert "temperature-notebooks/requirements.txt" in names
    assert (
        'href="../downloads/temperature-notebooks.zip"'
        in (built_book / "book" / "intro.html").read_text()
    )


def test_colab_cell_installs_the_course_package():
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        first_code = next(
            c
            for c in json.loads(notebook.read_text())["cells"]
            if c["cell_type"] == "code"
        )
        source = "".join(first_code["source"])
        assert 'find_spec("tempered") is None' in source, notebook.name
        assert '%pip install -q "{PACKAGE}"' in source, notebook.name


def test_no_citation_inside_a_figure_caption():
    # A {cite} in a caption breaks the PDF (hyperref in a moving argument);
    # cite in the text instead.
    for page in (ROOT / "book").glob("*.md"):
        for number, line in enumerate(page.read_text().splitlines(), 1):
            assert not ("caption:" in line and "{cite}" in line), (
                f"{page.name}:{number}"
            )


def test_no_page_ships_ipywidgets_state(built_book):
    # Built pages show static twins; ipywidgets state would pull in the 3.6 MB
    # widget manager, whose modules are not all served offline. A widget without
    # a static twin fails here.
    for page in toc_files():
        html = (built_book / f"{page}.html").read_text()
        assert "application/vnd.jupyter.widget-state+json" not in html, (
            f"{page} ships ipywidgets state"
        )
