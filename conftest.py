"""Project-wide pytest set-up: block the network for pytest and everything it spawns.

Putting tests/netguard on PYTHONPATH makes every Python process started during
the run (notebook kernels, the book build) import its sitecustomize, which
refuses non-loopback connections. Importing it here guards pytest itself.
"""
import importlib.util
import os
from pathlib import Path

GUARD_DIR = Path(__file__).parent / "tests" / "netguard"
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(GUARD_DIR), os.environ.get("PYTHONPATH")]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
_spec = importlib.util.spec_from_file_location("netguard", GUARD_DIR / "sitecustomize.py")
_spec.loader.exec_module(importlib.util.module_from_spec(_spec))  # installs the guard in pytest itself
