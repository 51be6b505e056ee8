"""Run one submission's code cells inside the sandbox and answer calls as JSON.

This file runs in the sandbox (see sandbox.py), started as a script by the
venv's Python. It needs the standard library and NumPy, never otter or
pickle. It reads one JSON request per line on stdin and writes one JSON reply
per line on the original stdout; the student's own output goes to /dev/null.

Requests (the grader sends them; see grader.py):

- ``{"op": "cell", "code": ...}`` runs a code cell (already plain Python);
- ``{"op": "kinds", "names": [...]}`` says, for each name, whether the
  submission defines it as a ``callable``, a ``value`` or nothing;
- ``{"op": "value", "name": ...}`` returns a global's value as data;
- ``{"op": "call", "name": ..., "args": [...], "kwargs": {...}, "repeat": n}``
  calls a function of the submission and returns its result as data, with the
  new state of every random generator that was passed in; with ``repeat``, it
  also runs up to n - 1 further calls on the same inputs (the generators
  carrying on), which the grader uses only if the test makes those calls.

The encoding (:func:`encode`, :func:`decode`) is shared with the grader,
which imports this module: only JSON numbers, strings, lists, dicts, NumPy
arrays of plain dtypes and generator states cross the boundary.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import os
import sys
import time
import types

MAX_DEPTH = 8
SPECULATE_SECONDS = 0.25
PLAIN_DTYPES = {
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
}


# --- data in and out ------------------------------------------------------------------


def _float(x: float):
    if x != x:
        return {"__f__": "nan"}
    if x in (float("inf"), float("-inf")):
        return {"__f__": "inf" if x > 0 else "-inf"}
    return x


def encode(obj, depth: int = 0):
    """Plain JSON-able data for ``obj``; raise TypeError for anything else."""
    import numpy as np

    if depth > MAX_DEPTH:
        raise TypeError("data nested too deeply")
    if obj is None or type(obj) in (bool, str):
        return obj
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, str):
        return str(obj)
    if isinstance(obj, (int, np.integer)):
        return {"__i__": str(int(obj)), "np": isinstance(obj, np.integer)}
    if isinstance(obj, (float, np.floating)):
        return {"__float__": _float(float(obj)), "np": isinstance(obj, np.floating)}
    if isinstance(obj, np.ndarray):
        if obj.dtype.name not in PLAIN_DTYPES:
            raise TypeError(f"arrays of dtype {obj.dtype.name} are not graded")
        flat = [
            _float(float(x)) if obj.dtype.kind == "f" else x
            for x in np.asarray(obj).ravel().tolist()
        ]
        return {"__nd__": flat, "dtype": obj.dtype.name, "shape": list(obj.shape)}
    if isinstance(obj, np.random.Generator):
        return {"__rng__": obj.bit_generator.state}
    if isinstance(obj, (list, tuple)):
        items = [encode(x, depth + 1) for x in obj]
        return {"__tuple__": items} if isinstance(obj, tuple) else items
    if isinstance(obj, dict) and all(isinstance(k, str) for k in obj):
        return {"__dict__": {k: encode(v, depth + 1) for k, v in obj.items()}}
    raise TypeError(f"a {type(obj).__name__} cannot be graded")


def decode(data, depth: int = 0):
    """The Python/NumPy value of :func:`encode`'s output, built from plain types."""
    import numpy as np

    if depth > MAX_DEPTH:
        raise ValueError("data nested too deeply")
    if data is None or type(data) in (bool, str, int, float):
        return data
    if type(data) is list:
        return [decode(x, depth + 1) for x in data]
    if type(data) is not dict:
        raise ValueError("malformed data")
    if "__f__" in data:
        return float(data["__f__"])
    if "__i__" in data:
        value = int(data["__i__"])
        return np.int64(value) if data.get("np") and abs(value) < 2**63 else value
    if "__float__" in data:
        value = decode(data["__float__"], depth + 1)
        if type(value) not in (float, int):
            raise ValueError("malformed float")
        return np.float64(value) if data.get("np") else float(value)
    if "__nd__" in data:
        dtype, shape = data["dtype"], [int(n) for n in data["shape"]]
        if dtype not in PLAIN_DTYPES:
            raise ValueError("unexpected dtype")
        flat = [float(x["__f__"]) if type(x) is dict else x for x in data["__nd__"]]
        if any(type(x) not in (int, float, bool) for x in flat):
            raise ValueError("malformed array")
        return np.array(flat, dtype=dtype).reshape(shape)
    if "__rng__" in data:
        rng = np.random.default_rng()
        rng.bit_generator.state = data["__rng__"]
        return rng
    if "__tuple__" in data:
        return tuple(decode(x, depth + 1) for x in data["__tuple__"])
    if "__dict__" in data:
        return {str(k): decode(v, depth + 1) for k, v in data["__dict__"].items()}
    raise ValueError("malformed data")


# --- what the submission may not use ------------------------------------------------


class _Forbidden(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Refuse to import the modules an assignment forbids, and remember who tried."""

    def __init__(self, modules: list[str]):
        self.modules = set(modules)
        self.attempts: list[str] = []

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.modules:
            return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def create_module(self, spec):
        self.attempts.append(spec.name.split(".")[0])
        raise ImportError(f"{spec.name} is not allowed in this assignment")

    def exec_module(self, module):  # never reached: create_module raises
        raise ImportError(module.__name__)


class _Shell:
    """What ``get_ipython()`` returns: magics and shell commands do nothing."""

    def __init__(self, env):
        self.env = env

    def run_line_magic(self, *args, **kwargs):
        return None

    def run_cell_magic(self, name, line, cell):
        if name in ("time", "capture", "timeit"):
            exec(compile(cell, "<cell>", "exec"), self.env)

    def system(self, *args, **kwargs):
        return None

    getoutput = system


def _fake_otter() -> types.ModuleType:
    """A stand-in for otter: the set-up and check cells run, and do nothing."""
    otter = types.ModuleType("otter")
    otter.__spec__ = importlib.machinery.ModuleSpec("otter", None)

    class Notebook:
        def __init__(self, *args, **kwargs):
            pass

        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    otter.Notebook = Notebook
    return otter


# --- the loop -----------------------------------------------------------------------


def _error(err: BaseException) -> dict:
    return {"error": type(err).__name__[:60]}


def serve(forbidden: list[str], notebook: str = "") -> None:
    """Answer requests until stdin closes.

    ``notebook`` is the assignment's file name: an empty file of that name in
    the working folder lets a set-up cell that checks for it run as it does
    for the student.
    """
    if notebook and "/" not in notebook:
        open(notebook, "w").close()
    # Private copies of the pipes: the submission's prints go to /dev/null, and
    # closing sys.stdin (as exit() does) does not end the conversation.
    requests = os.fdopen(os.dup(0), "r")
    out = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    sys.stdin = open(os.devnull)
    guard = _Forbidden(forbidden)
    sys.meta_path.insert(0, guard)
    sys.modules["otter"] = _fake_otter()
    env: dict = {"__name__": "__main__", "__builtins__": __builtins__}
    env["get_ipython"] = lambda: _Shell(env)
    for line in requests:
        request = json.loads(line)
        before = len(guard.attempts)
        try:
            reply = _handle(request, env)
        except BaseException as err:  # the submission's own exception, by name only
            reply = _error(err)
        reply["forbidden"] = guard.attempts[before:]
        out.write(json.dumps(reply) + "\n")


def _handle(request: dict, env: dict) -> dict:
    op = request["op"]
    if op == "cell":
        exec(compile(request["code"], "<cell>", "exec"), env)
        return {"ok": True}
    if op == "kinds":
        return {
            "kinds": {
                n: (
                    "missing"
                    if n not in env
                    else "callable"
                    if callable(env[n])
                    else "value"
                )
                for n in request["names"]
            }
        }
    if op == "value":
        return {"value": encode(env[request["name"]])}
    if op == "call":
        import numpy as np

        args, kwargs = _inputs(request)
        pristine = _inputs(request)  # untouched by the call, copied for repeats
        generators = [*args, *kwargs.values()]
        first = _call(env[request["name"]], args, kwargs, generators)
        shared = [g for g in generators if isinstance(g, np.random.Generator)]
        pristine = (
            [
                shared.pop(0) if isinstance(a, np.random.Generator) else a
                for a in pristine[0]
            ],
            {
                k: shared.pop(0) if isinstance(v, np.random.Generator) else v
                for k, v in pristine[1].items()
            },
        )
        more, start = [], time.monotonic()
        # Run ahead on the same inputs (the grader asks when a test repeats a
        # call, e.g. 4000 draws): one round trip instead of thousands.
        while len(more) + 1 < int(request.get("repeat", 1)):
            if time.monotonic() - start > SPECULATE_SECONDS:
                break
            args, kwargs = _inputs(request, pristine)
            try:
                more.append(
                    _call(env[request["name"]], args, kwargs, [*args, *kwargs.values()])
                )
            except Exception:
                break
        return {**first, "more": more}
    raise ValueError(f"unknown request {op!r}")


def _inputs(request: dict, previous: tuple | None = None):
    """The call's arguments: decoded, or fresh copies of the previous ones.

    Copies keep a function that changes its inputs from seeing its own
    changes on the next call; generators are shared so their streams go on.
    """
    import copy

    import numpy as np

    if previous is None:
        return (
            [decode(a) for a in request["args"]],
            {k: decode(v) for k, v in request["kwargs"].items()},
        )

    def fresh(x):
        if isinstance(x, np.random.Generator):
            return x
        return x.copy() if isinstance(x, np.ndarray) else copy.deepcopy(x)

    args, kwargs = previous
    return [fresh(a) for a in args], {k: fresh(v) for k, v in kwargs.items()}


def _call(function, args, kwargs, generators) -> dict:
    import numpy as np

    result = function(*args, **kwargs)
    states = [
        g.bit_generator.state if isinstance(g, np.random.Generator) else None
        for g in generators
    ]
    return {"value": encode(result), "states": states}


if __name__ == "__main__":
    serve(json.loads(sys.argv[1]), sys.argv[2])
