"""The test run blocks every non-loopback connection, in pytest and in spawned kernels.

The blocker lives in tests/netguard/sitecustomize.py; conftest.py puts it on
PYTHONPATH. These tests prove it refuses the outside world and lets loopback
through, in a plain subprocess and in a real Jupyter kernel (as nbval uses).
"""

import os
import socket
import subprocess
import sys
import textwrap

import pytest
from jupyter_client.manager import start_new_kernel

OUTSIDE = ("192.0.2.1", 80)  # TEST-NET-1: documentation range, never routed

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


def test_guard_is_active_in_pytest():
    with pytest.raises(
        socket.NETWORK_GUARD, match="network access blocked during tests"
    ):
        socket.create_connection(OUTSIDE, timeout=5)
    with pytest.raises(socket.NETWORK_GUARD):
        socket.create_connection(("example.org", 443), timeout=5)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with pytest.raises(socket.NETWORK_GUARD):
        udp.sendto(b"x", ("8.8.8.8", 53))
    udp.close()


def test_guard_reaches_subprocesses():
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "loopback ok" in result.stdout
    assert "NetworkBlockedError network access blocked during tests" in result.stdout


def test_guard_reaches_notebook_kernels():
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        reply = client.execute_interactive(
            PROBE, timeout=60, output_hook=lambda msg: outputs.append(msg)
        )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok"
    text = "".join(
        m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream"
    )
    assert "loopback ok" in text and "NetworkBlockedError" in text


outputs: list = []
