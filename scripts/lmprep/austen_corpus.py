"""Jane Austen's six novels, read from Debian's ``r-cran-janeaustenr`` without R.

Provenance of the ``austen`` model's training text
--------------------------------------------------
The texts come from the R package **janeaustenr** by Julia Silge (MIT licence,
https://cran.r-project.org/package=janeaustenr), as packaged by Debian:
``r-cran-janeaustenr`` (version 1.0.0-1 in Debian 12 "bookworm", section
gnu-r). The package holds the Project Gutenberg texts of the six completed
novels, one R character vector of lines per novel, in an R lazy-load database
that :mod:`lmprep.rds` reads. The novels themselves (1811-1817) are in the
public domain.

>>> novels = extract_novels(fetch_janeaustenr("/tmp/austen"))   # doctest: +SKIP
>>> sorted(novels)[:3]                                           # doctest: +SKIP
['Emma', 'Mansfield Park', 'Northanger Abbey']
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .rds import RFormatError
from .rds import RVector
from .rds import read_lazyload_db

DEBIAN_PACKAGE = "r-cran-janeaustenr"
LICENSE = (
    "janeaustenr: MIT (Julia Silge); the novels themselves are in the public domain"
)
TITLES = {
    "emma": "Emma",
    "mansfieldpark": "Mansfield Park",
    "northangerabbey": "Northanger Abbey",
    "persuasion": "Persuasion",
    "prideprejudice": "Pride and Prejudice",
    "sensesensibility": "Sense and Sensibility",
}


def _find_rdx(root: Path) -> Path:
    hits = sorted(root.rglob("janeaustenr/data/Rdata.rdx"))
    if not hits:
        raise FileNotFoundError(
            f"extract_novels: no janeaustenr/data/Rdata.rdx under {root}; "
            f"is it the extracted {DEBIAN_PACKAGE} package?"
        )
    return hits[0]


def _dpkg_extract(deb: Path, dest: Path) -> Path:
    if shutil.which("dpkg-deb") is None:
        raise RuntimeError(
            "dpkg-deb not found: extracting the Debian package needs dpkg "
            "(Debian/Ubuntu)"
        )
    dest.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["dpkg-deb", "-x", str(deb), str(dest)], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"dpkg-deb -x {deb} failed: {result.stderr.strip()}")
    return dest


def deb_version(deb) -> str:
    """The ``Version`` field of a ``.deb`` file."""
    result = subprocess.run(
        ["dpkg-deb", "-f", str(deb), "Version"], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"dpkg-deb -f {deb} Version failed: {result.stderr.strip()}")
    return result.stdout.strip()


def fetch_janeaustenr(workdir) -> Path:
    """Download Debian's ``r-cran-janeaustenr`` into ``workdir`` and extract it; return
    the folder.

    Runs ``apt-get download r-cran-janeaustenr`` (needs the package lists,
    ``apt-get update``) and ``dpkg-deb -x``. The package is janeaustenr by
    Julia Silge (MIT licence); the novels are in the public domain. The ``.deb``
    stays in ``workdir`` (see :func:`deb_version` for its version); the files
    are in ``workdir/extracted``.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    if shutil.which("apt-get") is None:
        raise RuntimeError(
            "fetch_janeaustenr: apt-get not found; on a system without apt, download "
            f"{DEBIAN_PACKAGE}_*.deb from https://packages.debian.org/{DEBIAN_PACKAGE} "
            "and pass it to extract_novels()"
        )
    for old in workdir.glob(f"{DEBIAN_PACKAGE}_*.deb"):
        old.unlink()
    result = subprocess.run(
        ["apt-get", "download", DEBIAN_PACKAGE],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    debs = sorted(workdir.glob(f"{DEBIAN_PACKAGE}_*.deb"))
    if result.returncode != 0 or not debs:
        raise RuntimeError(
            f"fetch_janeaustenr: 'apt-get download {DEBIAN_PACKAGE}' failed (exit "
            f"{result.returncode}): {result.stderr.strip()}\nIs the network up, and "
            "have the package lists been fetched (apt-get update)?"
        )
    extracted = workdir / "extracted"
    shutil.rmtree(extracted, ignore_errors=True)
    _dpkg_extract(debs[-1], extracted)
    _find_rdx(extracted)
    return extracted


def extract_novels(deb_or_dir) -> dict[str, str]:
    """``{title: text}`` for the six novels, from a ``r-cran-janeaustenr`` ``.deb`` or
    its extracted folder.

    Each text is the novel's lines (as in janeaustenr, Project Gutenberg's line
    breaks, empty lines between paragraphs) joined with ``"\\n"``.
    """
    path = Path(deb_or_dir)
    if not path.exists():
        raise FileNotFoundError(f"extract_novels: {path} not found")
    with tempfile.TemporaryDirectory() as tmp:
        root = _dpkg_extract(path, Path(tmp)) if path.is_file() else path
        data = read_lazyload_db(_find_rdx(root), names=list(TITLES))
    novels = {}
    for name, lines in data.items():
        if not isinstance(lines, RVector) or lines.rtype != "character":
            raise RFormatError(f"extract_novels: '{name}' is not a character vector")
        novels[TITLES[name]] = "\n".join("" if line is None else line for line in lines)
    return novels


_HEADING = re.compile(
    r"^(chapter|volume)\s+[ivxlc\d]+\.?$|^(finis|the end)\.?$", re.IGNORECASE
)


def to_paragraphs(text: str, title: str | None = None) -> list[str]:
    """Split a novel into paragraphs: lines joined by spaces, headings and the title
    block dropped.

    Punctuation is kept; Gutenberg's ``_italics_`` underscores are removed.
    """
    paragraphs, seen_chapter = [], False
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if lines == ["A NOTE ON THE TEXT"]:  # an editor's note after Northanger Abbey
            break
        if len(lines) == 1 and _HEADING.match(lines[0]):
            seen_chapter = seen_chapter or lines[0].upper().startswith("CHAPTER")
            continue
        if not seen_chapter:  # title, author, volume line before the first chapter
            continue
        paragraph = re.sub(r"\s+", " ", " ".join(lines).replace("_", "")).strip()
        if paragraph:
            paragraphs.append(paragraph)
    return paragraphs
