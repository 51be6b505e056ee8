"""The fork server behind a test run's ``python3`` kernels (see __init__.py).

Usage: python server.py SOCKET LOG [MODULE ...]

It imports MODULE ... (by default PRELOAD: what the course's kernels import) once,
then listens on the Unix socket SOCKET. For each launcher that connects (launch.py,
the program of the run's kernelspec) it forks a child that becomes the kernel, in
the launcher's working folder, environment, priority and standard streams. It
reports the child's pid to the launcher and, when the child ends, its exit code;
when the launcher goes (killed by its kernel manager), it kills the child.

A child is forked only where that cannot change what the kernel computes or may
touch: the launcher runs this server's interpreter, as the same user, in the same
namespaces (mount, network, pid, ...), with the same resource limits, and its
environment equals the one this server imported the modules under, apart from
variables that name a launch (JPY_*, JUPYTER_*, PYTEST_*, ...). Otherwise the
launcher is told to start an ordinary kernel, and the reason is logged to LOG.
"""

import atexit
import contextlib
import gc
import json
import logging
import os
import random
import resource
import selectors
import signal
import socket
import struct
import sys
import threading
import traceback
import warnings

if sys.path and sys.path[0] == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]  # kernels must not import this folder's modules

# Imported once, here. Left out: what looks for a running IPython on import, and
# would set itself up for a console if imported here (the inline matplotlib
# backend, ipywidgets, tqdm.auto, and transformers, which imports tqdm.auto);
# preload() refuses to fork if anything listed here does so.
PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "numpy",
    "scipy.optimize",
    "scipy.sparse.linalg",
    "scipy.special",
    "scipy.stats",
    "matplotlib.pyplot",
    "sklearn.datasets",
    "torch",
    "torch._dynamo",  # most of what transformers costs to import
    "safetensors.torch",
    "tokenizers",
    "tempered",
)
# Variables that name one launch and affect nothing a module does on import.
PER_LAUNCH_PREFIXES = ("JPY_", "JUPYTER_", "JUPYTERLAB_", "PYTEST_", "PYDEVD_")
PER_LAUNCH_NAMES = {
    "PWD",
    "OLDPWD",
    "SHLVL",
    "_",
    "KERNEL_LAUNCH_TIMEOUT",
    "COLUMNS",
    "LINES",
    "TEMPERED_STATIC_BOOK",  # set by the book build; tempered reads it per widget
}
# Set by a library in the process that launches the kernel, and harmless here:
# sklearn sets KMP_DUPLICATE_LIB_OK on import (only Intel's OpenMP reads it, which
# this environment does not load); torch's inductor sets its cache folder when it
# first needs it, and reads it then.
SET_BY_LIBRARIES = {"KMP_DUPLICATE_LIB_OK", "TORCHINDUCTOR_CACHE_DIR"}
NAMESPACES = ("mnt", "net", "pid", "user", "ipc", "uts", "cgroup")


def comparable(env: dict) -> dict:
    """``env`` without the variables that name a launch or that libraries set."""
    return {
        key: value
        for key, value in env.items()
        if key not in PER_LAUNCH_NAMES | SET_BY_LIBRARIES
        and not key.startswith(PER_LAUNCH_PREFIXES)
    }


@contextlib.contextmanager
def watching_ipython(consulted: list):
    """Record the modules that call IPython's get_ipython() meanwhile: on import,
    they would find no shell here, though a kernel has one."""
    import IPython
    import IPython.core.getipython as getipython

    original = getipython.get_ipython

    def get_ipython():
        consulted.append(sys._getframe(1).f_globals.get("__name__", "?"))
        return original()

    IPython.get_ipython = getipython.get_ipython = get_ipython
    try:
        yield
    finally:
        IPython.get_ipython = getipython.get_ipython = original


def rebind_log_streams() -> None:
    """Point the logging handlers that preloaded modules made (torch makes dozens)
    at the kernel's streams: imported in the kernel, they would have taken those."""
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        for handler in getattr(logger, "handlers", ()):
            if isinstance(handler, logging.StreamHandler):
                if handler.stream is sys.__stderr__:
                    handler.setStream(sys.stderr)
                elif handler.stream is sys.__stdout__:
                    handler.setStream(sys.stdout)


class Server:
    def __init__(self, path: str, log_path: str, modules: tuple[str, ...]):
        self.env = comparable(os.environ)  # before anything below changes it
        self.log = open(log_path, "a", buffering=1)
        # Bound before the slow imports: a launcher that comes early waits in the
        # backlog instead of starting an ordinary kernel.
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.listener.bind(path)
        self.listener.listen(64)
        self.refusal = self.preload(modules)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ, "accept")
        self.children: dict[int, tuple[socket.socket, int]] = {}  # pid -> (conn, pidfd)
        self.parent = os.getppid()

    def preload(self, modules) -> str:
        """Import ``modules``; the reason not to fork from this process, or ''."""
        # As ipykernel does before any user code, so that matplotlib, imported
        # here, picks the inline backend the kernel would have given it.
        os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        consulted, shown = [], []
        show = warnings.showwarning
        # Not catch_warnings: it would also undo the filters the modules add.
        warnings.showwarning = lambda message, *_, **__: shown.append(str(message))
        try:
            with watching_ipython(consulted):
                for name in modules:
                    __import__(name)
        except Exception:
            return "an import failed:\n" + traceback.format_exc()
        finally:
            warnings.showwarning = show
        if shown:
            # A warning shown on import would be missing from every forked kernel.
            return "imports warned: " + "; ".join(shown)
        if consulted:
            return "looked for IPython on import: " + ", ".join(sorted(set(consulted)))
        tasks = os.listdir("/proc/self/task")
        if threading.active_count() > 1 or len(tasks) > 1:
            # A thread (or an OpenMP pool) would be missing, or hold a lock, in a child.
            return f"{len(tasks)} threads after the imports; forking is unsafe"
        gc.collect()
        gc.freeze()  # the collector would otherwise touch, and so copy, every page
        return ""

    def say(self, line: str) -> None:
        self.log.write(line + "\n")

    def serve(self) -> None:
        self.say(f"ready: {self.refusal or 'forking'}")
        while True:
            for key, _ in self.selector.select(timeout=1.0):
                if key.data == "accept":
                    self.accept()
                elif key.data[0] == "launcher":
                    self.launcher_event(key.data[1])
                else:
                    self.child_ended(key.data[1])
            if os.getppid() != self.parent:
                self.say("the test run ended; stopping")
                return

    def accept(self) -> None:
        conn, _ = self.listener.accept()
        fds = []
        try:
            message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
            request = json.loads(message)
            reason = self.refusal or self.difference(conn, request)
            if not reason and len(fds) != 3:
                reason = "its standard streams did not come"
            if reason:
                self.say(f"ordinary kernel for {request.get('cwd')}: {reason}")
                conn.send(json.dumps({"fallback": reason}).encode())
                conn.close()
                return
            pid = os.fork()
            if pid == 0:
                self.become_kernel(request, fds)  # never returns
            pidfd = os.pidfd_open(pid)
            self.children[pid] = (conn, pidfd)
            self.selector.register(conn, selectors.EVENT_READ, ("launcher", pid))
            self.selector.register(pidfd, selectors.EVENT_READ, ("child", pid))
            conn.send(json.dumps({"pid": pid}).encode())
            self.say(f"forked kernel {pid} in {request['cwd']}")
        except Exception:
            self.say("ordinary kernel: bad request: " + repr(sys.exc_info()[1]))
            self.say(traceback.format_exc())
            conn.close()
        finally:
            for fd in fds:  # the child has its own copies
                os.close(fd)

    def difference(self, conn, request) -> str:
        """Why a kernel forked here could differ from one the launcher would start."""
        pid, uid, gid = struct.unpack(
            "3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
        )
        if request["executable"] != [sys.executable, sys.prefix]:
            return "another interpreter"
        if (uid, gid) != (os.getuid(), os.getgid()):
            return "another user"
        try:
            for ns in NAMESPACES:
                if os.readlink(f"/proc/{pid}/ns/{ns}") != os.readlink(
                    f"/proc/self/ns/{ns}"
                ):
                    return f"another {ns} namespace"
        except OSError as error:
            return f"namespaces unreadable: {error}"
        for name, limit in request["limits"].items():
            if list(resource.getrlimit(getattr(resource, name))) != limit:
                return f"another {name}"
        theirs = comparable(request["env"])
        changed = {key for key, _ in set(theirs.items()) ^ set(self.env.items())}
        if changed:
            return "environment differs in " + ", ".join(sorted(changed))
        return ""

    def become_kernel(self, request, fds) -> None:
        """In the child: take the launcher's place and run ipykernel."""
        code = 1
        try:
            self.selector.close()
            self.listener.close()
            for conn, pidfd in self.children.values():
                conn.close()
                os.close(pidfd)
            os.setsid()
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
                os.close(fd)
            os.nice(max(0, request["nice"] - os.getpriority(os.PRIO_PROCESS, 0)))
            os.chdir(request["cwd"])
            os.environ.clear()
            os.environ.update(request["env"])
            for sig in (signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP):
                signal.signal(sig, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            # A new process would draw fresh seeds; so does each child.
            random.seed()
            if "numpy" in sys.modules:
                sys.modules["numpy"].random.seed()
            gc.unfreeze()
            sys.argv = ["ipykernel_launcher", *request["argv"]]
            # The one setting ipykernel reads from the environment on import (not
            # when it starts): which process to watch, and when it is gone, exit.
            parent = os.environ.get("JPY_PARENT_PID")
            if parent:
                sys.argv.append(f"--IPKernelApp.parent_handle={parent}")
            from ipykernel.kernelapp import IPKernelApp

            # IPKernelApp.launch_instance, with the streams rebound in between.
            app = IPKernelApp.instance()
            app.initialize(sys.argv[1:])
            rebind_log_streams()
            app.start()
            code = 0
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
        except BaseException:
            traceback.print_exc()
        finally:
            try:
                atexit._run_exitfuncs()
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)

    def launcher_event(self, pid: int) -> None:
        conn, _ = self.children[pid]
        if not conn.recv(4096):  # the launcher is gone: so must its kernel be
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.selector.unregister(conn)

    def child_ended(self, pid: int) -> None:
        conn, pidfd = self.children.pop(pid)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        self.selector.unregister(pidfd)
        os.close(pidfd)
        try:
            self.selector.unregister(conn)
        except KeyError:
            pass  # the launcher had gone
        try:
            conn.send(json.dumps({"exit": code}).encode())
        except OSError:
            pass
        conn.close()
        self.say(f"kernel {pid} ended with {code}")

    def stop(self) -> None:
        for pid in self.children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def main(argv: list[str]) -> None:
    path, log_path, *modules = argv
    server = Server(path, log_path, tuple(modules) or PRELOAD)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve()
    finally:
        server.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
