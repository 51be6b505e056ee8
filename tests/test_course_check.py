"""The course's structural checker (../shared/checks/course-check) passes on this
repository."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKER = ROOT.parent / "shared" / "checks" / "course-check"


@pytest.mark.skipif(
    not CHECKER.exists(),
    reason=f"LOUD: course-check not found at {CHECKER}; it ships beside the repo",
)
def test_course_check_passes():
    result = subprocess.run(
        [sys.executable, str(CHECKER), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
