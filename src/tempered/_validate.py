"""Input checks shared by the public functions: one place, one wording.

Every error names the function and the argument, so a learner sees at once
which input was wrong. Nothing here ever lets a NaN through silently.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def check_temperature(T, func: str) -> float:
    """Return ``T`` as a float after checking it is a real number >= 0.

    ``T = 0`` and ``T = inf`` are allowed: the callers treat them as the
    limits T -> 0+ and T -> inf, never as a division.
    """
    if isinstance(T, np.ndarray) and T.ndim == 0:
        T = T.item()
    if isinstance(T, (bool, np.bool_)) or not isinstance(T, numbers.Real):
        raise TypeError(
            f"{func}: T must be a real number >= 0, got {type(T).__name__} {T!r}"
        )
    T = float(T)
    if math.isnan(T):
        raise ValueError(f"{func}: T is NaN; a temperature must be a number >= 0")
    if T < 0:
        raise ValueError(
            f"{func}: T must be >= 0, got {T:g}. Negative temperatures reverse the "
            "ranking of the logits; T = 0 is the greedy limit."
        )
    return T


def check_positive_temperature(
    T, func: str, name: str = "T", zero_hint: str = ""
) -> float:
    """Return ``T`` as a float after checking that it is a finite real number > 0.

    ``zero_hint`` is appended to the message when ``T`` is 0 (e.g. "use greedy
    decoding").
    """
    if isinstance(T, np.ndarray) and T.ndim == 0:
        T = T.item()
    if isinstance(T, (bool, np.bool_)) or not isinstance(T, numbers.Real):
        raise TypeError(
            f"{func}: {name} must be a real number > 0, got {type(T).__name__} {T!r}"
        )
    T = float(T)
    if math.isnan(T) or T <= 0 or math.isinf(T):
        hint = zero_hint if T == 0 else ""
        raise ValueError(f"{func}: {name} must be a finite number > 0, got {T:g}{hint}")
    return T


def check_axis(axis, ndim: int, func: str) -> int:
    """Return ``axis`` as a non-negative int, or raise naming the argument."""
    if not is_int(axis):
        raise TypeError(
            f"{func}: axis must be an int, got {type(axis).__name__} {axis!r}"
        )
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(
            f"{func}: axis {axis} is out of range for logits with {ndim} dimension(s)"
        )
    return int(axis) % ndim


def as_float_array(x, func: str, name: str = "logits") -> np.ndarray:
    """Convert to a float32/float64 NumPy array; reject non-numbers and empty input.

    float32 and float64 are kept; integers and float16 become float64/float32.
    """
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as err:  # ragged lists and the like
        raise TypeError(
            f"{func}: {name} must be an array of real numbers ({err})"
        ) from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(
            f"{func}: {name} must be real numbers (int or float), got dtype {arr.dtype}"
        )
    if arr.ndim == 0:
        raise ValueError(
            f"{func}: {name} must have at least one dimension, got a scalar"
        )
    if arr.size == 0:
        raise ValueError(f"{func}: {name} is empty (shape {arr.shape})")
    if arr.dtype == np.float16:
        return arr.astype(np.float32)
    if arr.dtype.kind != "f":
        return arr.astype(np.float64)
    return arr


def checked_max(
    u: np.ndarray, axis: int, func: str, allow_all_masked: bool = False
) -> np.ndarray:
    """Max along ``axis`` (keepdims), raising on NaN, +inf or fully masked rows.

    One pass finds every bad case: NaN propagates into the max, +inf is the
    max, and a row of only -inf has max -inf. Only then do we look for where.
    """
    m = np.max(u, axis=axis, keepdims=True)
    if np.isfinite(m).all():
        return m
    if np.isnan(m).any():
        where = tuple(int(i) for i in np.argwhere(np.isnan(u))[0])
        raise ValueError(f"{func}: logits contain NaN (first at index {where})")
    if np.isposinf(m).any():
        where = tuple(int(i) for i in np.argwhere(np.isposinf(u))[0])
        raise ValueError(
            f"{func}: logits contain +inf (first at index {where}); only -inf (a "
            "masked token) is allowed"
        )
    if not allow_all_masked:
        row = tuple(int(i) for i in np.argwhere(np.isneginf(m))[0])
        raise ValueError(
            f"{func}: all logits are masked (-inf) along axis {axis} at index {row}; "
            "no token can be chosen, so there is no distribution"
        )
    return m


def prepare_logits(logits, T, axis, func: str, allow_all_masked: bool = False):
    """Check the inputs of a tempered softmax; return ``(u, T, axis, m)``.

    ``u`` is the float array of logits, ``T`` the temperature as a float,
    ``axis`` non-negative and ``m`` the row maxima along it (keepdims), finite
    unless ``allow_all_masked``.
    """
    T = check_temperature(T, func)
    u = as_float_array(logits, func)
    axis = check_axis(axis, u.ndim, func)
    m = checked_max(u, axis, func, allow_all_masked)
    return u, T, axis, m


def is_int(value) -> bool:
    """Whether ``value`` is an integer (Python or NumPy); a bool is not."""
    return isinstance(value, numbers.Integral) and not isinstance(
        value, (bool, np.bool_)
    )


def _int_bounds(minimum, maximum) -> str:
    if minimum is not None and maximum is not None:
        return f"an int in [{minimum}, {maximum}]"
    if minimum is not None:
        return f"an int >= {minimum}"
    if maximum is not None:
        return f"an int <= {maximum}"
    return "an int"


def check_int(
    value, func: str, name: str, *, minimum=None, maximum=None, hint=""
) -> int:
    """Return ``value`` as an int after checking it is an integer in [minimum, maximum].

    A value that is not an integer (a float, a bool, a string) raises
    ``TypeError``; an integer out of bounds raises ``ValueError``, with ``hint``
    appended to the message. Both messages name ``func`` and ``name``.
    """
    bounds = _int_bounds(minimum, maximum)
    if not is_int(value):
        raise TypeError(
            f"{func}: {name} must be {bounds}, got {type(value).__name__} {value!r}"
        )
    value = int(value)  # a NumPy integer prints as np.int64(3) otherwise
    if (minimum is not None and value < minimum) or (
        maximum is not None and value > maximum
    ):
        raise ValueError(f"{func}: {name} must be {bounds}, got {value}{hint}")
    return value


def check_count(
    value, func: str, name: str, minimum: int = 1, maximum=None, hint=""
) -> int:
    """Return ``value`` as an int after checking it is an integer >= ``minimum`` (<=
    ``maximum``).

    Like :func:`check_int`, except that every bad value, a non-integer
    included, raises ``ValueError``: for a number of steps, chains or samples
    a wrong type is just another wrong value.
    """
    try:
        return check_int(value, func, name, minimum=minimum, maximum=maximum, hint=hint)
    except TypeError as err:
        raise ValueError(str(err)) from None
