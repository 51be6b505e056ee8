"""make test-repro: the checked outputs do not depend on the CPU's floating-point
kernels.

Runs the notebooks under nbval and the unit tests once per setting below, each
forcing NumPy/SciPy's OpenBLAS, torch's ATen and MKL onto other kernels, or
onto another thread count, than the defaults `make test` uses. The first
setting also builds the book strictly and runs the browser tests.

Before the tests, a probe in a child process reports, for each setting, which
kernels the libraries picked (threadpoolctl, torch.backends.cpu) and whether
the setting really changed the bits of a matrix product or a softmax compared
with the defaults: a switch that changes nothing proves nothing.

    .venv/bin/python tools/test_repro.py [SETTING ...]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Thread counts as `make test` pins them (conftest.py); each setting overrides some.
BASE = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

SETTINGS = {
    "portable-kernels": {
        "why": "torch's non-SIMD ATen kernels, OpenBLAS for an old core (Prescott), "
        "MKL's compatible (SSE2) code path",
        "env": {
            "ATEN_CPU_CAPABILITY": "default",
            "OPENBLAS_CORETYPE": "Prescott",
            "MKL_CBWR": "COMPATIBLE",
        },
        "book": True,
    },
    "two-threads": {
        "why": "2 threads in OpenBLAS, MKL and OpenMP, OpenBLAS for Sandy Bridge",
        "env": {
            "OMP_NUM_THREADS": "2",
            "OPENBLAS_NUM_THREADS": "2",
            "MKL_NUM_THREADS": "2",
            "OPENBLAS_CORETYPE": "Sandybridge",
        },
        "book": False,
    },
}

# Prints what the libraries picked, and fingerprints of results that depend on it.
PROBE = r"""
import hashlib, json
import numpy as np, scipy.linalg, torch, threadpoolctl
h = lambda a: hashlib.sha1(np.ascontiguousarray(a).tobytes()).hexdigest()[:10]
rng = np.random.default_rng(0)
A, B = rng.normal(size=(300, 300)), rng.normal(size=(300, 300))
At = torch.tensor(A, dtype=torch.float32)
pools = [
    f"{p['internal_api']}"
    + (f"/{p['architecture']}" if p.get('architecture') else "")
    + f" x{p['num_threads']}"
    for p in threadpoolctl.threadpool_info()
]
print(json.dumps({
    "torch ATen": torch.backends.cpu.get_cpu_capability(),
    "pools": sorted(set(pools)),
    "numpy matmul": h(A @ B),
    "torch matmul (MKL)": h((At @ At.T).numpy()),
    "torch softmax": h(torch.softmax(At, 1).numpy()),
}))
"""


def probe(env: dict) -> dict:
    """What the numerical libraries do in a child process with this environment."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def environment(overrides: dict) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ATEN_CPU_CAPABILITY", "OPENBLAS_CORETYPE", "MKL_CBWR")
    }
    env.update(BASE)
    env.update(overrides)
    return env


def report_kernels(name: str, env: dict, default: dict) -> None:
    got = probe(env)
    print(
        f"  torch ATen kernels: {got['torch ATen']} (default {default['torch ATen']})"
    )
    print(f"  thread pools: {', '.join(got['pools'])}")
    for key in ("numpy matmul", "torch matmul (MKL)", "torch softmax"):
        changed = "CHANGED" if got[key] != default[key] else "same bits"
        print(f"  {key}: {changed} vs default")


def run(name: str, setting: dict, default: dict) -> tuple[bool, float]:
    env = environment(setting["env"])
    print(f"\n=== {name}: {setting['why']}")
    print("  " + " ".join(f"{k}={v}" for k, v in setting["env"].items()))
    report_kernels(name, env, default)
    # The notebooks run in one process: driven from this script, pytest-xdist
    # restarted nbval's kernel between the cells of a notebook (each cell then ran
    # in a fresh kernel), which `make test` has not shown. Everything else uses
    # two workers.
    rest = ["tests/unit"] + (
        ["tests/test_book.py", "tests/browser"] if setting["book"] else []
    )
    common = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    runs = [
        common + ["notebooks", "-p", "no:xdist"],
        common + rest + ["-n", "2", "--dist", "loadfile"],
    ]
    start = time.perf_counter()
    ok = all(
        [
            subprocess.run(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL).returncode
            == 0
            for cmd in runs
        ]
    )
    return ok, time.perf_counter() - start


def main(argv: list[str]) -> int:
    names = argv or list(SETTINGS)
    unknown = [n for n in names if n not in SETTINGS]
    if unknown:
        print(f"test_repro: unknown setting(s) {unknown}; known: {list(SETTINGS)}")
        return 2
    default = probe(environment({}))
    print(
        "defaults of `make test`: torch ATen",
        default["torch ATen"],
        "| pools:",
        ", ".join(default["pools"]),
    )
    results = {name: run(name, SETTINGS[name], default) for name in names}
    print("\n=== test-repro summary")
    for name, (ok, seconds) in results.items():
        print(f"  {name:<18} {'passed' if ok else 'FAILED'} in {seconds:.0f} s")
    return 0 if all(ok for ok, _ in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
