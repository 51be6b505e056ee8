"""Optional dependencies: one place that imports them and says how to install them.

The core of ``tempered`` needs only NumPy, Matplotlib and ipywidgets. The
language models, the flows and calibration need more; pip installs it with an
extra (see ``[project.optional-dependencies]`` in ``pyproject.toml``):

- ``tempered[lm]``: torch, transformers, tokenizers, safetensors
- ``tempered[flows]``: torch
- ``tempered[calibration]``: scipy
- ``tempered[all]``: all of them

Every import of an optional dependency goes through :func:`require`, so a
missing one always fails the same way, naming the module and the extra; what
is only used when present (e.g. pinning torch's threads) goes through
:func:`optional`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require", "optional"]


def _is_missing(err: ModuleNotFoundError, module_name: str) -> bool:
    """Whether ``err`` says that ``module_name`` itself (or a parent package) is absent.

    A ``ModuleNotFoundError`` raised for some other module, deep inside an
    installed dependency, is a different problem and is not disguised.
    """
    missing = err.name or ""
    return module_name == missing or module_name.startswith(missing + ".")


def require(module_name: str, extra: str, feature: str) -> ModuleType:
    """Import and return ``module_name``, an optional dependency of ``feature``.

    ``extra`` is the pip extra that installs it and ``feature`` what needs it
    (e.g. ``"tempered.flows"``). If the module is not installed, raise
    ``ModuleNotFoundError`` (an ``ImportError``) with a message such as
    ``tempered.flows needs torch: pip install 'tempered[flows]'``.
    """
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if not _is_missing(err, module_name):
            raise
        missing = err.name or module_name  # "torch" for "torch.nn" when torch is absent
        raise ModuleNotFoundError(
            f"{feature} needs {missing}: pip install 'tempered[{extra}]'", name=missing
        ) from err


def optional(module_name: str) -> ModuleType | None:
    """Import and return ``module_name`` if it is installed, else None.

    For a dependency that is used when present and skipped otherwise. As with
    :func:`require`, an installed module that fails to import still raises.
    """
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if not _is_missing(err, module_name):
            raise
        return None
