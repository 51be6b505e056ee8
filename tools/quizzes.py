"""Export the chapter quizzes for instructors: ``make quizzes``.

For every ``book/quizzes/NN-slug.yml`` writes ``_build/quizzes/NN-slug.qti.zip``
(Canvas QTI, by text2qti) and ``_build/quizzes/NN-slug.moodle.xml`` (Moodle
XML). The questions are loaded, and their answers computed, exactly as the book
does (``_ext/quiz_source.py``), so a broken question fails here too.

    python tools/quizzes.py [--out DIR] [CHAPTER ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "_ext"), str(Path(__file__).resolve().parent)]

from quiz_moodle import moodle_xml  # noqa: E402
from quiz_qti import qti_zip  # noqa: E402
from quiz_source import QuizError  # noqa: E402
from quiz_source import all_quizzes  # noqa: E402

OUT = ROOT / "_build" / "quizzes"


def export(out: Path = OUT, chapters=None) -> list[Path]:
    """Write both formats for the chosen chapters (all by default); return the files."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for quiz in all_quizzes():
        if chapters and quiz.chapter not in chapters:
            continue
        qti = out / f"{quiz.chapter}.qti.zip"
        qti.write_bytes(qti_zip(quiz))
        moodle = out / f"{quiz.chapter}.moodle.xml"
        moodle.write_bytes(moodle_xml(quiz))
        written += [qti, moodle]
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "chapters", nargs="*", help="e.g. 03-temperature (default: all)"
    )
    parser.add_argument("--out", type=Path, default=OUT, help="output folder")
    args = parser.parse_args(argv)
    try:
        written = export(args.out, set(args.chapters))
    except QuizError as error:
        print(f"quizzes: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
