"""Kernels forked from one process that has already imported the course's libraries.

A test run starts about 35 kernels: nbval runs each notebook, the book build each
chapter page, JupyterLab each notebook again. A language-model chapter's kernel
spends about 5 s importing torch and transformers before its first cell; the
others about 1 s. Here the run starts one fork server (server.py) that imports
them once, and puts on JUPYTER_PATH a ``python3`` kernelspec whose program
(launch.py) has the server fork each kernel. nbval, myst-nb's executor and
JupyterLab all look up ``python3``, so all of them get forked kernels.

A fork is a kernel as a new process would be: the same interpreter and modules,
in the launcher's folder, environment, priority and streams, with fresh random
seeds. Where that could differ (another environment, namespace, user or limits,
or an import that warned or started a thread), the launcher starts an ordinary
kernel instead; ``summary`` counts both. Nothing here is used outside the tests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.forked_kernels.launch import SOCKET_ENV

HERE = Path(__file__).resolve().parent


def wanted(args, invocation_dir) -> bool:
    """False when pytest was given only unit tests, which start no kernel, when
    TEMPERED_FORKED_KERNELS=0 asks for every kernel to be started anew, or off
    Linux (the server needs pidfds, SO_PEERCRED and /proc)."""
    if os.environ.get("TEMPERED_FORKED_KERNELS") == "0" or sys.platform != "linux":
        return False
    unit = HERE.parent / "unit"
    paths = [(Path(invocation_dir) / arg.split("::")[0]).resolve() for arg in args]
    return not paths or not all(p == unit or unit in p.parents for p in paths)


def write_kernelspec(folder: Path) -> None:
    """Write into the data folder ``folder`` a ``python3`` kernelspec that launches
    through launch.py."""
    import ipykernel.kernelspec

    spec_dir = folder / "kernels" / "python3"
    spec_dir.mkdir(parents=True, exist_ok=True)
    for logo in Path(ipykernel.kernelspec.RESOURCES).iterdir():
        shutil.copy(logo, spec_dir)
    spec = ipykernel.kernelspec.get_kernel_dict()
    # "python", as in ipykernel's own spec: the kernel manager puts its own
    # interpreter there, so a manager in another environment gets a kernel of that
    # environment (the server forks only for its own interpreter).
    spec["argv"] = ["python", str(HERE / "launch.py"), "-f", "{connection_file}"]
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))


def start(modules: tuple[str, ...] = ()) -> subprocess.Popen:
    """Start the fork server and point this process's environment (and so that of
    every process it starts from now on) at it. The server stops with this process."""
    folder = Path(tempfile.mkdtemp(prefix="tempered-kernels-"))
    write_kernelspec(folder)
    socket_path = folder / "fork.sock"
    # Set first: the server compares each launcher's environment with its own.
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        filter(None, [str(folder), os.environ.get("JUPYTER_PATH")])
    )
    os.environ[SOCKET_ENV] = str(socket_path)
    server = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "server.py"),
            str(socket_path),
            str(folder / "server.log"),
            *modules,
        ],
        stdin=subprocess.DEVNULL,
    )
    # Bound before the server's imports: from then on a launcher waits for it.
    deadline = time.monotonic() + 30
    while not socket_path.exists() and server.poll() is None:
        if time.monotonic() > deadline:
            break
        time.sleep(0.02)
    return server


def stop(server: subprocess.Popen) -> None:
    """Stop the server and remove its folder."""
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    shutil.rmtree(Path(os.environ[SOCKET_ENV]).parent, ignore_errors=True)


def summary() -> str:
    """How many kernels the server forked, and why any others were started anew."""
    log = Path(os.environ[SOCKET_ENV]).parent / "server.log"
    lines = log.read_text().splitlines() if log.exists() else []
    forked = sum(line.startswith("forked kernel") for line in lines)
    reasons = sorted(
        {line.split(": ", 1)[1] for line in lines if line.startswith("ordinary kernel")}
    )
    ready = next((line for line in lines if line.startswith("ready:")), "never ready")
    text = f"{forked} kernels forked from a server with the libraries imported"
    if reasons:
        text += f"; {len(reasons)} reasons to start others anew: " + " | ".join(reasons)
    if ready != "ready: forking":
        text += f" ({ready})"
    return text


def use_for_nbval() -> None:
    """nbval's --nbval-current-env kernel is this environment's ipykernel: make it the
    run's ``python3``, which is the same interpreter, launched by the fork server."""
    from nbval import kernel

    lookup = kernel.NbvalKernelspecManager.get_kernel_spec

    def get_kernel_spec(self, kernel_name):
        if kernel_name == kernel.CURRENT_ENV_KERNEL_NAME:
            kernel_name = "python3"
        return lookup(self, kernel_name)

    kernel.NbvalKernelspecManager.get_kernel_spec = get_kernel_spec
