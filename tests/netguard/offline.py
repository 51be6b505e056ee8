"""Run a command with no network: in a new network namespace holding only loopback.

    python tests/netguard/offline.py COMMAND [ARGS...]

The kernel gives the new namespace no interface but ``lo`` and no route, so
nothing the command does (Python, ctypes, a ``python -I`` child, a native
download client) can reach another machine; connections fail at once with
ENETUNREACH. Loopback is brought up, since notebook kernels, the book server and
the browser talk over it. The command also gets this folder on PYTHONPATH, so
Python processes turn a blocked attempt into a clear ``NetworkBlockedError``.

The namespace comes from util-linux's ``unshare`` (``-n`` as root, ``-rn``
otherwise, which needs unprivileged user namespaces). Where that is refused the
command runs with the Python guard alone, after a warning on stderr;
``namespace_available()`` lets a test insist on the namespace.
"""

from __future__ import annotations

import fcntl
import functools
import os
import shutil
import socket
import struct
import subprocess
import sys
from pathlib import Path

GUARD_DIR = Path(__file__).resolve().parent
#: Set (to "1") inside a namespace made by this script: nested calls reuse it.
INSIDE = "TEMPERED_OFFLINE_NETNS"

_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1


def _unshare_command() -> list[str]:
    return ["unshare", "-n" if os.geteuid() == 0 else "-rn"]


@functools.cache
def namespace_available() -> bool:
    """Whether ``unshare`` can make a network namespace here (tried once)."""
    if sys.platform != "linux" or shutil.which("unshare") is None:
        return False
    try:
        result = subprocess.run(
            [*_unshare_command(), "true"], capture_output=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def _loopback_up() -> None:
    """``ip link set lo up`` without needing the ``ip`` tool (one ioctl)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock, _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, _SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | _IFF_UP))


def guarded_env(env=None) -> dict:
    """``env`` (default: this process's) with the Python guard on PYTHONPATH."""
    env = dict(os.environ if env is None else env)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(GUARD_DIR) not in paths:
        env["PYTHONPATH"] = os.pathsep.join([str(GUARD_DIR), *paths])
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    return env


def command(argv: list[str]) -> list[str]:
    """The command line that runs ``argv`` offline (in a namespace when possible)."""
    if os.environ.get(INSIDE) == "1" or not namespace_available():
        return list(argv)
    script = str(Path(__file__).resolve())
    return [*_unshare_command(), sys.executable, script, "--inside", *argv]


def main(argv: list[str]) -> int:
    if argv[:1] == ["--inside"]:
        _loopback_up()
        os.environ[INSIDE] = "1"
        argv = argv[1:]
    elif os.environ.get(INSIDE) != "1" and not namespace_available():
        print(
            "offline.py: no network namespace here (unshare was refused); only the "
            "Python guard blocks the network",
            file=sys.stderr,
        )
    elif os.environ.get(INSIDE) != "1":
        os.execvp(_unshare_command()[0], command(argv))
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    os.execvpe(argv[0], argv, guarded_env())
    return 127  # not reached: execvpe replaces this process or raises


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
