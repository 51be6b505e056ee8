"""The program of the test run's ``python3`` kernelspec: a kernel from the fork server.

Usage (as a kernelspec's argv): python launch.py -f CONNECTION_FILE

It asks the fork server named by TEMPERED_KERNEL_FORKS (server.py) for a kernel
with this process's arguments, working folder, environment and standard streams,
then stands in for it: a signal sent to this process (an interrupt, a shutdown)
is passed to the kernel, it exits with the kernel's exit code, and when it is
killed the server kills the kernel. Where there is no server, or the server says
that a fork could differ from a new process, it becomes an ordinary ipykernel
(``python -m ipykernel_launcher``). It imports only the standard library, so that
it starts in milliseconds.
"""

import json
import os
import resource
import signal
import socket
import sys

SOCKET_ENV = "TEMPERED_KERNEL_FORKS"
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
REPLY_TIMEOUT = 45  # seconds; nbval waits 60 for a kernel to be ready


def limits() -> dict[str, list[int]]:
    """This process's resource limits, by name (the server compares its own)."""
    return {
        name: list(resource.getrlimit(getattr(resource, name)))
        for name in dir(resource)
        if name.startswith("RLIMIT_")
    }


def forked_kernel(path: str, argv: list[str]) -> int | None:
    """Run the kernel in a child of the server; its exit code, or None to fall back."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        sock.connect(path)
    except OSError:
        return None
    request = {
        "executable": [sys.executable, sys.prefix],
        "argv": argv,
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "nice": os.getpriority(os.PRIO_PROCESS, 0),
        "limits": limits(),
    }
    pending = []  # signals that came before the kernel's pid did
    for sig in FORWARDED:
        signal.signal(sig, lambda sig, _: pending.append(sig))
    socket.send_fds(sock, [json.dumps(request).encode()], [0, 1, 2])
    sock.settimeout(REPLY_TIMEOUT)  # a server stuck in its imports: start anew
    try:
        reply = json.loads(sock.recv(1 << 16) or b"{}")
    except TimeoutError:
        reply = {}
    if "pid" not in reply:
        for sig in FORWARDED:
            signal.signal(sig, signal.SIG_DFL)
        return None
    kernel = reply["pid"]
    for sig in FORWARDED:
        signal.signal(sig, lambda sig, _: os.kill(kernel, sig))
    for sig in pending:
        os.kill(kernel, sig)
    parent = os.getppid()
    sock.settimeout(1.0)
    while True:
        try:
            message = sock.recv(1 << 16)
        except TimeoutError:
            if os.getppid() != parent:
                return 1  # our kernel manager is gone; the server kills the kernel
            continue
        except InterruptedError:
            continue
        if not message:
            return 1  # the server is gone, and its children with it
        return json.loads(message)["exit"]


def main() -> None:
    argv = sys.argv[1:]
    path = os.environ.get(SOCKET_ENV)
    code = forked_kernel(path, argv) if path else None
    if code is None:
        os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])
    if code < 0:  # the kernel died of a signal: so does this process
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code)


if __name__ == "__main__":
    main()
