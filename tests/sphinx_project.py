"""Build a tiny Sphinx project in a child process, for tests of the book's extensions.

Sphinx registers directives, roles and node visitors in module-level tables, so
two in-process builds in one pytest worker see each other's registrations (and a
strict build then fails on "already registered"). A child process starts clean,
whatever ran before in the worker; it costs a second or two of imports.
"""

import os
import subprocess
import sys
from pathlib import Path


def sphinx_build(
    source: Path,
    out: Path,
    builder: str,
    *,
    strict: bool = True,
    environ: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Run ``sphinx-build`` on ``source`` into ``out``; return the finished process.

    ``environ`` replaces the child's environment when given (the caller decides
    which settings are set and which are absent). Output is captured, so a
    failing build's messages are in ``result.stderr``.
    """
    command = [sys.executable, "-m", "sphinx", "-b", builder, "-E", "-q"]
    command += ["-d", str(out.parent / f"{out.name}-doctrees")]
    if strict:
        command.append("-W")
    command += [str(source), str(out)]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=dict(os.environ) if environ is None else environ,
        timeout=300,
    )
