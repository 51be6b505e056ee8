"""The scores CSV: rewritten atomically after each submission, spreadsheet-safe."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def cell(value):
    """A CSV field that a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str):
        value = value.replace("\r", " ").replace("\n", " ")
        if value.startswith(FORMULA_START):
            return "'" + value
    return value


class ScoresCsv:
    """One row per submission; the file on disk is always complete and parseable.

    Every :meth:`add` rewrites the whole file through a temporary file in the
    same folder and ``os.replace``, so a reader (or a crash) never sees half a
    row, and the rows graded so far survive whatever happens next.
    """

    def __init__(self, path: Path, fields: list[str]):
        self.path, self.fields, self.rows = Path(path), fields, []
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._write()

    def add(self, row: dict) -> None:
        self.rows.append(row)
        self.rows.sort(key=lambda r: str(r.get("submission", "")))
        self._write()

    def _write(self) -> None:
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=self.fields, extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        for row in self.rows:
            writer.writerow({k: cell(v) for k, v in row.items()})
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".scores-")
        try:
            with os.fdopen(fd, "w", newline="") as f:
                f.write(buffer.getvalue())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
