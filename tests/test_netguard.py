"""Nothing in the test run can reach another machine.

Two layers (tests/netguard/): ``offline.py`` runs the test run and the book
build in a network namespace holding only loopback, the fence that also stops
ctypes, native code and ``python -I`` children; ``sitecustomize.py``, on
PYTHONPATH, turns a Python-level attempt into a clear ``NetworkBlockedError``
in pytest and in every kernel it spawns. These tests prove both layers, and
each bypass the red-team report found (issue #14) now fails.

Every probe that could send a packet if a layer regressed runs inside a
namespace made for it, aimed at TEST-NET-1 (192.0.2.0/24, RFC 5737), after
checking that the address is not one of this machine's.
"""

import errno
import os
import socket
import subprocess
import sys
import textwrap

import pytest
from jupyter_client.manager import start_new_kernel

from tests.netguard import offline

OUTSIDE = ("192.0.2.1", 80)  # TEST-NET-1: documentation range, never routed
BLOCKED = (errno.ENETUNREACH, errno.EHOSTUNREACH)  # what a namespace says


def _is_local_address(host: str) -> bool:
    """Whether ``host`` is an address of this machine (binding to it works)."""
    with socket.socket() as sock:
        try:
            sock.bind((host, 0))
            return True
        except OSError:
            return False


# A probe starts with this: it refuses to run where 192.0.2.1 is local or routed,
# so a regression shows as a failed test, never as a packet on the wire.
PRELUDE = textwrap.dedent(
    """
    import errno, socket, sys
    with socket.socket() as s:
        try:
            s.bind(("192.0.2.1", 0)); sys.exit("192.0.2.1 is local here")
        except OSError as err:
            assert err.errno == errno.EADDRNOTAVAIL, err
    routes = open("/proc/net/route").read().split("\\n")[1:]
    assert not [r for r in routes if r.strip()], f"a route leaves: {routes}"
    """
)

CTYPES_CONNECT = textwrap.dedent(
    """
    import ctypes, ctypes.util, socket, struct
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    fd = socket.socket(socket.AF_INET, socket.SOCK_STREAM).detach()
    addr = struct.pack("<HH4s8x", socket.AF_INET, socket.htons(80),
                       socket.inet_aton("192.0.2.1"))
    rc = libc.connect(fd, ctypes.c_char_p(addr), len(addr))
    print("ctypes", rc, ctypes.get_errno())
    """
)

PLAIN_CONNECT = textwrap.dedent(
    """
    import socket
    s = socket.socket(); s.settimeout(2)
    print("plain", s.connect_ex(("192.0.2.1", 80)))
    """
)

C_SOCKET_CONNECT = textwrap.dedent(
    """
    import _socket, socket
    s = socket.socket(); s.settimeout(2)
    try:
        _socket.socket.connect(s, ("192.0.2.1", 80))
        print("_socket reached")
    except OSError as err:
        print("_socket", type(err).__name__, err.errno)
    """
)


def _run_offline(code: str, *python_flags: str) -> subprocess.CompletedProcess:
    assert os.environ.get(offline.INSIDE) == "1" or offline.namespace_available(), (
        "no network namespace: unshare -n (as root) or unshare -rn must work here"
    )
    argv = [sys.executable, *python_flags, "-c", PRELUDE + code]
    return subprocess.run(
        offline.command(argv),
        capture_output=True,
        text=True,
        env=offline.guarded_env(),
        timeout=60,
    )


def test_target_is_not_this_machine():
    assert not _is_local_address(OUTSIDE[0])


def test_ctypes_connect_cannot_leave():
    result = _run_offline(CTYPES_CONNECT)
    assert result.returncode == 0, result.stderr
    _, rc, err = result.stdout.split()
    assert rc == "-1" and int(err) in BLOCKED, result.stdout


def test_isolated_python_cannot_leave():
    """``python -I`` ignores PYTHONPATH, so no guard: the namespace stops it."""
    result = _run_offline(PLAIN_CONNECT + "import sys; print(sys.flags.isolated)", "-I")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert lines[1] == "1" and int(lines[0].split()[1]) in BLOCKED, result.stdout


def test_c_socket_module_is_guarded():
    result = _run_offline(C_SOCKET_CONNECT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["_socket", "NetworkBlockedError"]


def _guarded(func) -> bool:
    return getattr(func, "netguard", False)


@pytest.mark.parametrize(
    "attempt",
    [
        lambda: socket.create_connection(OUTSIDE, timeout=2),
        lambda: socket.create_connection(("example.org", 443), timeout=2),
        lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
            b"x", ("192.0.2.1", 53)
        ),
        lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendmsg(
            [b"x"], [], 0, ("192.0.2.1", 53)
        ),
        lambda: socket.socket(socket.AF_INET6).connect(("2001:db8::1", 80)),
        lambda: socket.socket(socket.AF_INET6).connect(("::ffff:192.0.2.1", 80)),
        lambda: socket.gethostbyname("example.org"),
        lambda: socket.gethostbyname_ex("example.org"),
        lambda: socket.gethostbyaddr("192.0.2.1"),
        lambda: socket.getnameinfo(("192.0.2.1", 80), 0),
        lambda: __import__("_socket").getaddrinfo("example.org", 443),
        lambda: __import__("_socket").socket.connect(socket.socket(), OUTSIDE),
        lambda: __import__("_socket").socket.sendmsg(
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM), [b"x"], [], 0, OUTSIDE
        ),
    ],
    ids=[
        "create_connection",
        "name",
        "sendto",
        "sendmsg",
        "ipv6",
        "ipv4-mapped",
        "gethostbyname",
        "gethostbyname_ex",
        "gethostbyaddr",
        "getnameinfo",
        "_socket.getaddrinfo",
        "_socket.connect",
        "_socket.sendmsg",
    ],
)
def test_guard_refuses_in_pytest(attempt):
    """In pytest itself; every API is checked to be wrapped first, so a regression
    fails here before any packet could be sent."""
    import _socket

    wrapped = [socket.socket.connect, socket.socket.sendto, socket.socket.sendmsg]
    wrapped += [socket.gethostbyname, socket.getaddrinfo, _socket.getaddrinfo]
    wrapped += [socket.gethostbyaddr, socket.getnameinfo, _socket.socket.connect]
    assert all(_guarded(f) for f in wrapped)
    with pytest.raises(socket.NETWORK_GUARD, match="network access blocked"):
        attempt()


def test_guard_allows_loopback():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        socket.create_connection(server.getsockname(), timeout=5).close()
    assert socket.gethostbyname("localhost").startswith("127.")
    assert isinstance(socket.socket(), __import__("_socket").socket)


PROBE = textwrap.dedent(
    """
    import socket, threading
    server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen(1)
    threading.Thread(target=server.accept, daemon=True).start()
    socket.create_connection(server.getsockname(), timeout=5).close()
    print("loopback ok")
    try:
        socket.create_connection(("192.0.2.1", 80), timeout=5)
        print("outside reached")
    except ConnectionRefusedError as err:
        print(type(err).__name__, err)
    """
)


def test_guard_reaches_subprocesses():
    result = _run_offline(PROBE)
    assert result.returncode == 0, result.stderr
    assert "loopback ok" in result.stdout
    assert "NetworkBlockedError network access blocked during tests" in result.stdout


def test_guard_reaches_notebook_kernels():
    """A kernel started as nbval starts it has the guard (checked before probing)."""
    outputs = []
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        reply = client.execute_interactive(
            "import socket; assert socket.socket.connect.netguard\n" + PROBE,
            timeout=60,
            output_hook=outputs.append,
        )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok"
    text = "".join(
        m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream"
    )
    assert "loopback ok" in text and "NetworkBlockedError" in text


def test_book_build_runs_offline(monkeypatch):
    """tests/book_build.py starts the book build (tools/build_book.py, which runs
    jupyter-book build) through offline.py's namespace."""
    from tests import book_build

    offline.namespace_available()  # probed (and cached) before run is replaced
    calls = []

    def fake_run(argv, **kwargs):
        calls.append((argv, kwargs["env"]))
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setattr(book_build.subprocess, "run", fake_run)
    monkeypatch.setattr(book_build.shutil, "rmtree", lambda *a, **k: None)
    assert book_build._build() == (True, "")
    ((argv, env),) = calls
    assert argv[-6].endswith("build_book.py") and argv[-7] == sys.executable
    if os.environ.get(offline.INSIDE) != "1":  # else already in the namespace
        assert argv[0] == "unshare" and argv[1] in ("-n", "-rn")
    assert str(offline.GUARD_DIR) in env["PYTHONPATH"].split(os.pathsep)


HUB_PROBE = textwrap.dedent(
    """
    import os, socket, time
    from tempered.lm import loader
    os.environ.pop("HF_HUB_OFFLINE", None)
    tried = []
    socket.create_connection = lambda *a, **k: tried.append(a)
    try:
        loader.load_model("gpt2", allow_download=True)
    except ConnectionError as err:
        print("ConnectionError", str(err).startswith("load_model:"), tried)
    """
)


def test_load_model_offline_fails_without_trying():
    """With no route off the machine, ``allow_download=True`` fails at once: it does
    not even try a name lookup (the report measured 13.7 s for one)."""
    result = _run_offline(HUB_PROBE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ConnectionError", "True", "[]"], result.stdout
