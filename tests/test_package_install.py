"""The package installs and imports with its core dependencies only.

A bare virtual environment (no system site-packages) gets ``tempered`` with
``pip install --no-deps`` and then only NumPy, Matplotlib and ipywidgets at
the versions pinned in requirements.txt. The core modules must import; the
optional parts must fail with a message that names the extra to install.

This is the one test that needs PyPI, so it lets pip through the network
guard of conftest.py (by dropping tests/netguard from pip's PYTHONPATH), as
`make` itself does to create .venv. It takes about 45 s on a 2-core machine,
most of it downloading; `make test-fast` leaves it out (tests/unit only).
"""

import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ("numpy", "matplotlib", "ipywidgets")
CORE_MODULES = (
    "softmax",
    "sampling",
    "energy",
    "mcmc",
    "annealing",
    "ais",
    "bandits",
    "truncation",
    "samplers",
    "checks",
    "style",
    "determinism",
    "widgets",
)

pytestmark = pytest.mark.install

CHECK = textwrap.dedent(
    """
    import importlib, importlib.metadata, json, pathlib, sys

    import tempered
    for name in {modules!r}:
        importlib.import_module("tempered." + name)
    import tempered.lm, tempered.lm.grammar  # no torch needed
    from tempered.determinism import fix_threads_and_seeds
    fix_threads_and_seeds(0)  # skips torch and threadpoolctl, which are absent

    def error(module):
        try:
            importlib.import_module(module)
        except ImportError as err:
            return str(err)
        return None

    def call_error(func):
        try:
            func()
        except ImportError as err:
            return str(err)
        return None

    models = pathlib.Path(tempered.__file__).parent / "lm" / "models" / "grammar"
    print(json.dumps({{
        "file": tempered.__file__,
        "torch": error("torch"),
        "flows": error("tempered.flows"),
        "calibration": error("tempered.calibration"),
        "load_model": call_error(lambda: tempered.lm.load_model("grammar")),
        "moved": [m for m in ("tempered.lm.austen", "tempered.lm.train")
                  if not error(m)],
        "bundled_model": (models / "model.safetensors").is_file(),
        "requires": importlib.metadata.requires("tempered"),
    }}))
    """
)


def _pins() -> dict:
    """``{name: version}`` of the core dependencies in requirements.txt."""
    text = (ROOT / "requirements.txt").read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, flags=re.MULTILINE))
    return {name: pins[name] for name in CORE}


def _run(args, env, cwd, timeout=900):
    result = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
    )
    assert result.returncode == 0, (
        f"{args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout


def test_installs_and_imports_with_core_dependencies_only(tmp_path):
    times = {}
    start = time.perf_counter()

    # Build from a copy, so that setuptools writes build/ and *.egg-info there and
    # not into the working tree that others are editing.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    shutil.copytree(ROOT / "src", source / "src", ignore=ignore)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    times["venv"] = time.perf_counter() - start

    # No PYTHONPATH: it holds the network guard (pip must reach PyPI) and nothing
    # else may leak into the bare environment.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(
        VIRTUAL_ENV=str(venv), PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1"
    )
    # --no-compile: the test imports a few modules once; compiling every installed
    # file to bytecode was a fifth of its CPU time (23 s -> 18.5 s).
    pip = [python, "-m", "pip", "install", "--quiet", "--no-compile"]

    t = time.perf_counter()
    pins = [f"{name}=={version}" for name, version in _pins().items()]
    _run([*pip, "--only-binary", ":all:", *pins], env, tmp_path)
    times["core dependencies"] = time.perf_counter() - t

    t = time.perf_counter()
    # An isolated build (pip fetches setuptools): the venv's bundled setuptools may
    # be too old or lack the wheel package.
    _run([*pip, "--no-deps", source], env, tmp_path)
    times["tempered"] = time.perf_counter() - t

    t = time.perf_counter()
    out = _run([python, "-c", CHECK.format(modules=CORE_MODULES)], env, tmp_path)
    times["imports"] = time.perf_counter() - t
    times["total"] = time.perf_counter() - start
    print(
        "install test times (s): " + ", ".join(f"{k} {v:.1f}" for k, v in times.items())
    )

    import json

    info = json.loads(out.strip().splitlines()[-1])
    assert Path(info["file"]).is_relative_to(venv), info["file"]  # not the source tree
    assert info["torch"] is not None, "torch must not be installed in the bare venv"
    assert info["flows"] == "tempered.flows needs torch: pip install 'tempered[flows]'"
    assert info["calibration"] == (
        "tempered.calibration needs scipy: pip install 'tempered[calibration]'"
    )
    assert (
        info["load_model"]
        == "tempered.lm.load_model needs torch: pip install 'tempered[lm]'"
    )
    assert info["moved"] == []  # data preparation and training live in scripts/lmprep
    assert info["bundled_model"]
    requires = " ".join(info["requires"])
    for extra, module in (
        ("lm", "transformers"),
        ("flows", "torch"),
        ("calibration", "scipy"),
    ):
        assert re.search(rf"{module}\S*\s*;\s*extra == \"{extra}\"", requires), requires
