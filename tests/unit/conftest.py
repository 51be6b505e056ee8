"""Unit-test set-up: hypothesis profiles, ``scripts/`` on ``sys.path``, ``shown``.

Hypothesis is derandomised in CI (reproducible) and random locally (explores more).
``scripts/lmprep`` (data preparation and training, not part of the installed
package) is imported by its tests as ``lmprep``, as the training scripts do.
"""

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=200)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def shown(monkeypatch):
    """Everything a widget function displays, captured instead of shown."""
    import IPython.display

    captured = []
    monkeypatch.setattr(
        IPython.display, "display", lambda obj, **kw: captured.append(obj)
    )
    return captured


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread for a module of tiny-tensor tests: more threads only add
    overhead (and contention when the machine is busy). Modules opt in with
    ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
