"""Share an expensive, deterministic computation between the processes of one test run.

A chapter page and its notebook train the same small models with the same seeds
(chapter 10's flows), or run the same generation sweeps (chapter 8's). Under
``make test`` both run, in different processes: the book build, an nbval kernel,
and the notebook again in JupyterLab. When the environment variable
``TEMPERED_RUN_CACHE`` names a folder (the test run sets one per run, see
``tests/book_build.py``), the first process to need a result computes it and
stores its tensors there as safetensors; the others wait for it and load it.
Without the variable nothing is cached, so a learner's notebook always computes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

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


def shared_record(
    name: str, key: dict, record_type: type, compute: Callable[[], object]
):
    """:func:`shared_result` for a dataclass of numpy arrays (chapter 8's sweeps).

    Array fields travel as tensors; the others (None, numbers, lists of tuples
    such as ``[("top-k", 5), ...]``) as JSON, and a list's inner lists come back
    as tuples. ``compute`` returns an instance of ``record_type``.
    """

    def as_tensors():
        import torch

        record = compute()
        tensors, meta = {}, {}
        for field in dataclasses.fields(record):
            value = getattr(record, field.name)
            if isinstance(value, np.ndarray):
                # a copy each: safetensors refuses fields that share memory
                tensors[field.name] = torch.from_numpy(np.array(value, copy=True))
            else:
                meta[field.name] = value
        return tensors, meta

    tensors, meta = shared_result(
        name, {**key, "record": record_type.__name__}, as_tensors
    )
    fields = {k: v.numpy() for k, v in tensors.items()}
    for k, v in meta.items():
        is_records = isinstance(v, list) and all(isinstance(x, list) for x in v)
        fields[k] = [tuple(x) for x in v] if is_records else v
    return record_type(**fields)


def fingerprint(*objects) -> str:
    """A SHA-256 over arrays and over the weights of torch modules: a cached result
    is keyed on the exact weights and inputs it was computed from."""
    digest = hashlib.sha256()
    for obj in objects:
        if hasattr(obj, "state_dict"):  # a torch module: its named weights
            arrays = [
                (name, tensor.detach().cpu().float().numpy())
                for name, tensor in sorted(obj.state_dict().items())
            ]
            digest.update(str(next(obj.parameters()).dtype).encode())
        else:
            arrays = [("", np.asarray(obj))]
        for name, array in arrays:
            array = np.ascontiguousarray(array)
            digest.update(f"{name}{array.dtype}{array.shape}".encode())
            digest.update(array.tobytes())
    return digest.hexdigest()


def source_hash(module_file: str) -> str:
    """The SHA-256 of a module's source: a cached result is keyed on its code."""
    return hashlib.sha256(Path(module_file).read_bytes()).hexdigest()


def code_key(*module_files) -> dict:
    """What a cached torch computation depends on besides its inputs: the source of
    the modules that compute it, torch's version and the thread count (which can
    change the low bits of a reduction)."""
    import torch

    return {
        "code": [source_hash(str(f)) for f in module_files],
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }


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
