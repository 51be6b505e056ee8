"""The fork server that starts a test run's kernels (tests/forked_kernels).

Each test starts a server of its own with a small preload, and kernels through
jupyter_client as nbval, myst-nb and JupyterLab do: by the name ``python3``.
"""

import os
import time

import pytest
from jupyter_client.manager import start_new_kernel

from tests import forked_kernels

CALLS_IPYTHON = "import IPython\nIPython.get_ipython()\n"
LOGS_AT_IMPORT = (
    "import logging, sys\n"
    "handler = logging.StreamHandler()\n"  # takes sys.stderr as it is on import
    "logging.getLogger('made_on_import').addHandler(handler)\n"
)


@pytest.fixture
def fork_server(monkeypatch, tmp_path):
    """Start a server that preloads ``modules`` (from tmp_path, or installed); the
    environment this test's kernels inherit points at it until the test ends."""
    servers = []

    def start(*modules):
        # start() sets these two; monkeypatch puts the run's values back afterwards.
        monkeypatch.setenv("JUPYTER_PATH", os.environ.get("JUPYTER_PATH", ""))
        monkeypatch.setenv(forked_kernels.SOCKET_ENV, "")
        monkeypatch.setenv(
            "PYTHONPATH", os.pathsep.join([str(tmp_path), os.environ["PYTHONPATH"]])
        )
        servers.append(forked_kernels.start(("ipykernel.kernelapp", *modules)))
        return servers[-1]

    yield start
    for server in servers:
        forked_kernels.stop(server)


def run(client, code: str, timeout=30) -> dict:
    """Execute ``code``; the reply's content, with the text printed as 'stdout'."""
    printed = []
    reply = client.execute_interactive(
        code,
        timeout=timeout,
        output_hook=lambda m: printed.append(m["content"].get("text", "")),
    )
    return {**reply["content"], "stdout": "".join(printed)}


def kernel(cwd):
    return start_new_kernel(kernel_name="python3", cwd=str(cwd))


def test_a_kernel_is_forked_in_the_launchers_folder_and_is_stopped_with_it(
    fork_server, tmp_path
):
    server = fork_server("json")
    manager, client = kernel(tmp_path)
    try:
        reply = run(client, "import os; print(os.getppid(), os.getcwd())")
        parent, cwd = reply["stdout"].split()
        assert int(parent) == server.pid, "the kernel is not the server's child"
        assert cwd == str(tmp_path)
        launcher = manager.provisioner.process.pid
        kernel_pid = int(run(client, "print(os.getpid())")["stdout"])
        assert kernel_pid != launcher
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)  # kills the launcher, as a restart does
    deadline = time.monotonic() + 10
    while _alive(kernel_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(kernel_pid), "the kernel outlived its launcher"
    assert "1 kernels forked" in forked_kernels.summary()


def test_an_interrupt_reaches_the_forked_kernel(fork_server, tmp_path):
    fork_server()
    manager, client = kernel(tmp_path)
    try:
        sleeping = client.execute(
            "import time; print('asleep', flush=True); time.sleep(60)"
        )
        while True:  # interrupt once the cell runs (a loaded machine is slow)
            message = client.get_iopub_msg(timeout=30)
            if message["content"].get("text", "").startswith("asleep"):
                break
        manager.interrupt_kernel()
        while True:
            reply = client.get_shell_msg(timeout=30)
            if reply["parent_header"].get("msg_id") == sleeping:
                break
        assert reply["content"].get("ename") == "KeyboardInterrupt", reply["content"]
        for _ in range(50):  # ipykernel aborts what comes in while it clears an error
            after = run(client, "print(6 * 7)")
            if after["status"] != "aborted":
                break
            time.sleep(0.1)
        assert after["stdout"].strip() == "42", after
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_handlers_made_on_import_write_into_the_notebook(fork_server, tmp_path):
    (tmp_path / "logs_at_import.py").write_text(LOGS_AT_IMPORT)
    fork_server("logs_at_import")
    manager, client = kernel(tmp_path)
    try:
        printed = []
        client.execute_interactive(
            "import logging; logging.getLogger('made_on_import').warning('seen')",
            timeout=30,
            output_hook=lambda m: printed.append(m["content"].get("text", "")),
        )
        assert "seen" in "".join(printed), "the log line did not reach the cell"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert "1 kernels forked" in forked_kernels.summary()


def parent_of_a_kernel(cwd) -> int:
    """Start a kernel, and return the pid of its parent process."""
    manager, client = kernel(cwd)
    try:
        return int(run(client, "import os; print(os.getppid())")["stdout"])
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_another_environment_gets_an_ordinary_kernel(
    fork_server, tmp_path, monkeypatch
):
    server = fork_server()
    monkeypatch.setenv("TEMPERED_A_SETTING_THE_SERVER_LACKS", "1")
    assert parent_of_a_kernel(tmp_path) != server.pid
    summary = forked_kernels.summary()
    assert "0 kernels forked" in summary
    assert "environment differs in TEMPERED_A_SETTING_THE_SERVER_LACKS" in summary


def test_a_module_that_looks_for_ipython_on_import_stops_all_forking(
    fork_server, tmp_path
):
    (tmp_path / "calls_ipython.py").write_text(CALLS_IPYTHON)
    server = fork_server("calls_ipython")
    assert parent_of_a_kernel(tmp_path) != server.pid
    assert "looked for IPython on import: calls_ipython" in forked_kernels.summary()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead: the server reaps it
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
