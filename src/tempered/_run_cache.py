"""Share an expensive, deterministic training between the processes of one test run.

A chapter page and its notebook train the same small models with the same seeds
(chapter 10's flows, for example). Under ``make test`` both run, in different
processes: the book build and an nbval kernel. When the environment variable
``TEMPERED_RUN_CACHE`` names a folder (the test run sets one per run, see
``tests/book_build.py``), the first process to need a result computes it and
stores its tensors there as safetensors; the others wait for it and load it.
Without the variable nothing is cached, so a learner's notebook always trains.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

ENV = "TEMPERED_RUN_CACHE"


def shared_result(
    name: str, key: dict, compute: Callable[[], tuple[dict, dict]]
) -> tuple[dict, dict]:
    """Return ``compute()``, or the copy another process of this run stored.

    ``compute`` returns ``(tensors, meta)``: a dict of named torch tensors and a
    JSON-serialisable dict. ``key`` holds everything the result depends on
    besides the code (which the caller includes, e.g. its module's source hash).
    """
    folder = os.environ.get(ENV)
    if not folder:
        return compute()
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()
    path = Path(folder) / f"{name}-{digest[:16]}.safetensors"
    path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(path.with_suffix(".lock")):
        if path.exists():
            return _load(path)
        tensors, meta = compute()
        _save(path, tensors, meta)
        return tensors, meta


def source_hash(module_file: str) -> str:
    """The SHA-256 of a module's source: a cached result is keyed on its code."""
    return hashlib.sha256(Path(module_file).read_bytes()).hexdigest()


@contextlib.contextmanager
def _exclusive(lock_path: Path):
    # One process computes while the others wait; fcntl is POSIX-only, and where it
    # is missing every process computes for itself, which is still correct.
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _save(path: Path, tensors: dict, meta: dict) -> None:
    from safetensors.torch import save_file

    tmp = path.with_suffix(".tmp")
    contiguous = {name: t.detach().contiguous() for name, t in tensors.items()}
    save_file(contiguous, str(tmp), metadata={"meta": json.dumps(meta)})
    os.replace(tmp, path)  # atomic: a reader never sees half a file


def _load(path: Path) -> tuple[dict, dict]:
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        tensors = {name: handle.get_tensor(name) for name in handle.keys()}
        meta = json.loads(handle.metadata()["meta"])
    return tensors, meta
