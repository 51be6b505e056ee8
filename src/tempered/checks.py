"""Checks for exercises: compare a learner's answer with the truth, kindly.

Each check prints a short confirmation when the answer is right and raises an
``AssertionError`` with a hint when it is not, so a notebook stops at the
first wrong answer instead of carrying it forward.
"""

from __future__ import annotations

import numpy as np


def check_close(
    name: str, got, expected, *, atol: float = 1e-8, rtol: float = 1e-6, hint: str = ""
) -> None:
    """Assert that ``got`` matches ``expected`` elementwise, naming what was checked."""
    got_arr = np.asarray(got, dtype=float)
    exp_arr = np.asarray(expected, dtype=float)
    if got_arr.shape != exp_arr.shape:
        raise AssertionError(
            f"{name}: expected shape {exp_arr.shape}, got {got_arr.shape}. "
            f"{hint}".strip()
        )
    if np.isnan(got_arr).any() and not np.isnan(exp_arr).any():
        raise AssertionError(f"{name}: your answer contains NaN. {hint}".strip())
    if not np.allclose(got_arr, exp_arr, atol=atol, rtol=rtol, equal_nan=True):
        worst = np.nanmax(np.abs(got_arr - exp_arr))
        raise AssertionError(
            f"{name}: off by up to {worst:.3g} (tolerance {atol:g} + {rtol:g}*|x|). "
            f"{hint}".strip()
        )
    print(f"✓ {name}")


def check_function(name: str, func, reference, cases, **tolerances) -> None:
    """Run ``func`` and ``reference`` on each argument tuple of ``cases``; compare."""
    for i, args in enumerate(cases):
        try:
            got = func(*args)
        except Exception as err:  # the learner's code: report, do not hide
            raise AssertionError(
                f"{name}: case {i} raised {type(err).__name__}: {err}"
            ) from err
        check_close(f"{name}, case {i}", got, reference(*args), **tolerances)
