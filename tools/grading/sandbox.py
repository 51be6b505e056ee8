"""A throwaway sandbox for one submission: bubblewrap under an unprivileged uid.

Each sandbox is a fresh process tree started as::

    setpriv --reuid U --regid U --clear-groups --no-new-privs --
      prlimit (memory, processes, file size, no core) --
        bwrap (new user, pid, network, ipc, uts namespaces; read-only view of
               the Python installation, the virtual environment, the course
               package and the runner; a private /tmp) -- python -I runner.py

so the submission runs as a uid that owns nothing, sees no network (only its
own ``lo``), and cannot see the repository, the assignments' sources, the
autograder bundle, other submissions or the CSV: those paths are simply not
mounted. Killing bwrap kills the namespace's init, and with it every process
the submission started (``--die-with-parent``; a pid namespace dies with its
init). :func:`check` refuses to grade when any of this is unavailable.
"""

from __future__ import annotations

import atexit
import fcntl
import functools
import importlib.util
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNNER = Path(__file__).with_name("runner.py")
BASE_UID = 61000  # throwaway uids, owning no file: each sandbox claims its own
UIDS = 512  # how many, so that parallel graders (and test workers) never share one
MEMORY = 3 * 2**30  # bytes of address space for the whole sandbox
PROCESSES = 64
FILE_SIZE = 64 * 2**20
MAX_REPLY = 64 * 2**20  # bytes of one JSON reply


class SandboxError(RuntimeError):
    """The sandbox died, timed out or broke the protocol."""


class Unavailable(RuntimeError):
    """Isolation is not possible on this machine: grading refuses to start."""


@functools.lru_cache(maxsize=1)
def visible_paths() -> tuple[Path, ...]:
    """What the sandbox sees read-only: Python, the venv, the course package, runner."""
    tempered = importlib.util.find_spec("tempered")
    paths = {Path(sys.base_prefix), Path(sys.prefix), RUNNER.parent}
    if tempered is not None and tempered.submodule_search_locations:
        paths.add(Path(list(tempered.submodule_search_locations)[0]).parent)
    return tuple(sorted(p.resolve() for p in paths))


def check(secret_dirs: list[Path]) -> None:
    """Raise :class:`Unavailable` unless a sandbox can start and hides ``secret_dirs``.

    A visible path that contains a secret (the build folder, the sources, the
    submissions, the output) would expose it, so it is refused too.
    """
    for tool in ("bwrap", "setpriv", "prlimit", "unshare", "mount"):
        if shutil.which(tool) is None:
            raise Unavailable(
                f"grading needs `{tool}` to isolate submissions and it is missing; "
                "run `make sandbox` (installs Debian's bubblewrap) or install it"
            )
    if os.geteuid() != 0:
        raise Unavailable(
            "grading switches each submission to a throwaway uid, which needs "
            "root; run `make grade` as root (for instance with sudo)"
        )
    for seen in visible_paths():
        for secret in secret_dirs:
            secret = Path(secret).resolve()
            if secret == seen or seen in secret.parents:
                raise Unavailable(
                    f"the sandbox would see {seen}, which contains {secret}; "
                    "keep the build folder, submissions and output outside it"
                )
    uid, lock = claim_uid()
    try:
        probe = subprocess.run(
            command(uid) + ["-c", "print('ok')"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        os.close(lock)
    if probe.stdout.strip() != "ok":
        raise Unavailable(
            "bubblewrap cannot create a sandbox here (user namespaces disabled?): "
            + " ".join(probe.stderr.split())[:300]
        )


# Root stages each visible folder in a private mount namespace under a folder the
# throwaway uid can traverse (the Python installation may live under /root, 0700).
_STAGE_SCRIPT = (
    'n=$1; shift; while [ "$n" -gt 0 ]; do mount --rbind "$1" "$2" || exit 99; '
    'shift 2; n=$((n-1)); done; exec "$@"'
)
_stage: list[Path] = []


def _stage_dir() -> Path:
    if not _stage:
        path = Path(tempfile.mkdtemp(prefix="grading-stage-"))
        path.chmod(0o755)
        for i in range(len(visible_paths())):
            (path / str(i)).mkdir()
        atexit.register(shutil.rmtree, path, True)
        _stage.append(path)
    return _stage[0]


def claim_uid(hint: int = 0) -> tuple[int, int]:
    """A throwaway uid no other sandbox on this machine uses now, and its lock.

    The lock (an flock on a file named after the uid) is held for the
    sandbox's life, so killing every process of that uid afterwards can only
    hit this sandbox's processes.
    """
    folder = Path(tempfile.gettempdir())
    for i in range(UIDS):
        uid = BASE_UID + (hint + i) % UIDS
        fd = os.open(folder / f".grading-uid-{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return uid, fd
    raise SandboxError("no free throwaway uid")


def command(uid: int) -> list[str]:
    """The command line of a sandbox running the venv's Python (arguments follow)."""
    uid = str(uid)
    stage, seen = _stage_dir(), visible_paths()
    cmd = [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "--",
        "sh",
        "-c",
        _STAGE_SCRIPT,
        "sandbox",
        str(len(seen)),
    ]
    for i, path in enumerate(seen):
        cmd += [str(path), str(stage / str(i))]
    cmd += [
        "setpriv",
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--no-new-privs",
        "--",
        "prlimit",
        f"--as={MEMORY}",
        f"--nproc={PROCESSES}",
        f"--fsize={FILE_SIZE}",
        "--core=0",
        "--",
        "bwrap",
        "--unshare-user",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--uid",
        uid,
        "--gid",
        uid,
        "--hostname",
        "sandbox",
        "--clearenv",
        "--ro-bind",
        "/usr",
        "/usr",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--perms",
        "1777",
        "--size",
        str(256 * 2**20),
        "--tmpfs",
        "/tmp",
    ]
    for name in ("bin", "lib", "lib64", "sbin"):
        target = Path("/") / name
        if target.is_symlink():
            cmd += ["--symlink", os.readlink(target), str(target)]
        elif target.is_dir():
            cmd += ["--ro-bind", str(target), str(target)]
    for i, path in enumerate(seen):
        cmd += ["--ro-bind", str(stage / str(i)), str(path)]
    env = {
        "HOME": "/tmp",
        "PATH": "/usr/bin:/bin",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        "HF_HUB_OFFLINE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "LANG": "C.UTF-8",
    }
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    return cmd + [
        "--chdir",
        "/tmp",
        "--",
        str(Path(sys.prefix) / "bin" / "python"),
        "-I",
    ]


class Sandbox:
    """One running runner: send requests, read JSON replies, with time limits."""

    def __init__(self, slot: int, forbidden: list[str], notebook: str = ""):
        self.uid, self.lock = claim_uid(slot)
        self.proc = subprocess.Popen(
            command(self.uid) + [str(RUNNER), json.dumps(forbidden), notebook],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.buffer = b""

    def request(self, message: dict, timeout: float) -> dict:
        """Send one request and wait at most ``timeout`` seconds for its reply."""
        if self.proc.poll() is not None:
            raise SandboxError("the submission's process has exited")
        try:
            self.proc.stdin.write(json.dumps(message).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as err:
            raise SandboxError("the submission's process has exited") from err
        deadline = time.monotonic() + max(timeout, 0.0)
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SandboxError("timed out")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise SandboxError("the submission's process died")
            self.buffer += chunk
            if len(self.buffer) > MAX_REPLY:
                raise SandboxError("reply too large")
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            reply = json.loads(line, parse_constant=_no_constants)
        except ValueError as err:
            raise SandboxError("malformed reply") from err
        if type(reply) is not dict:
            raise SandboxError("malformed reply")
        return reply

    def kill(self) -> None:
        """Kill the whole sandbox: bwrap's process group; the pid namespace follows."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        # The pid namespace dies with its init; wait for that, and kill any
        # straggler of this throwaway uid (only sandboxes ever run as it).
        deadline = time.monotonic() + 5
        while (left := processes_of(self.uid)) and time.monotonic() < deadline:
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)
        os.close(self.lock)  # the uid is free for another sandbox


def processes_of(uid: int) -> list[int]:
    """Live (not zombie) processes whose real uid is ``uid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if (fields.get("Uid", "").split() or ["-1"])[0] == str(uid) and not fields.get(
            "State", ""
        ).strip().startswith("Z"):
            found.append(int(entry))
    return found


def _no_constants(name: str):
    raise ValueError(f"{name} is not valid data")
