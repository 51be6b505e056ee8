"""Input checks shared by the public functions: one place, one wording.

Every error names the function and the argument, so a learner sees at once
which input was wrong. Nothing here ever lets a NaN through silently.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def _real_to_float(value) -> float:
    """``float(value)``; an integer beyond float's range becomes +-inf, the limit it
    stands for (``float(10**400)`` would raise OverflowError)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def check_temperature(T, func: str, name: str = "T") -> float:
    """Return ``T`` as a float after checking it is a real number >= 0.

    ``T = 0`` and ``T = inf`` are allowed: the callers treat them as the
    limits T -> 0+ and T -> inf, never as a division. An integer too large for
    a float (``10**400``) is that limit, ``inf``.
    """
    if isinstance(T, np.ndarray) and T.ndim == 0:
        T = T.item()
    if isinstance(T, (bool, np.bool_)) or not isinstance(T, numbers.Real):
        raise TypeError(
            f"{func}: {name} must be a real number >= 0, got {type(T).__name__} {T!r}"
        )
    T = _real_to_float(T)
    if math.isnan(T):
        raise ValueError(f"{func}: {name} is NaN; a temperature must be a number >= 0")
    if T < 0:
        raise ValueError(
            f"{func}: {name} must be >= 0, got {T:g}. Negative temperatures reverse "
            "the ranking of the logits; T = 0 is the greedy limit."
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
    T = _real_to_float(T)
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


def _refuse_special(x, func: str, name: str) -> None:
    """Refuse inputs that ``np.asarray`` would convert wrongly or with a foreign error.

    A NumPy masked array loses its mask in ``np.asarray`` (the masked entries
    would count as ordinary numbers), so it is refused: the caller says what a
    masked entry means (for logits, ``x.filled(-np.inf)``). A torch tensor that
    requires grad or lives on the ``meta`` device has no NumPy values.
    """
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(
            f"{func}: {name} is a NumPy masked array; its mask would be ignored. "
            "Fill the masked entries with what they mean (for logits, "
            f"{name}.filled(-np.inf) masks a token)"
        )
    if type(x).__module__.startswith("torch") and hasattr(x, "requires_grad"):
        if getattr(x, "is_meta", False):
            raise TypeError(
                f"{func}: {name} is a torch tensor on the 'meta' device, which has "
                "a shape but no values"
            )
        if x.requires_grad:
            raise TypeError(
                f"{func}: {name} is a torch tensor that requires grad, and this "
                f"function computes in NumPy; pass {name}.detach()"
            )


def as_real_array(x, func: str, name: str, dtype=None) -> np.ndarray:
    """``np.asarray(x, dtype)`` for a numeric argument, with errors naming it.

    No check of shape or size: the caller knows what ``name`` must look like.
    """
    _refuse_special(x, func, name)
    try:
        arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"{func}: {name} must be an array of numbers ({err})") from None
    if dtype is None and arr.dtype.kind not in "iuf":
        raise TypeError(
            f"{func}: {name} must be real numbers (int or float), got dtype {arr.dtype}"
        )
    return arr


#: Integers up to this size convert to float64 exactly.
EXACT_INT = 2**53


def _exact_shift(arr: np.ndarray, axis: int) -> np.ndarray:
    """``arr - max(arr)`` along ``axis`` as float64, exact for any int64/uint64.

    The difference ``max - arr`` is computed in uint64, where it cannot wrap
    (it lies in [0, 2**64)), and only then rounded to float64, so integers
    beyond 2**53 that differ by 1 stay 1 apart.
    """
    m = arr.max(axis=axis, keepdims=True)
    gap = m.astype(np.uint64) - arr.astype(np.uint64)  # modulo 2**64: exact
    return 0.0 - gap.astype(np.float64)


def as_float_array(x, func: str, name: str = "logits", shift_axis=None) -> np.ndarray:
    """Convert to a float32/float64 NumPy array; reject non-numbers and empty input.

    float32 and float64 are kept; integers and float16 become float64/float32.
    Integers beyond 2**53 would lose their differences in float64: with
    ``shift_axis`` (for a function that only depends on differences along that
    axis, such as a softmax) the row maximum is subtracted exactly first;
    without it they raise.
    """
    _refuse_special(x, func, name)
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError, RuntimeError) as err:  # ragged lists and the like
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
    if arr.dtype.kind == "f":
        return arr
    if arr.dtype.itemsize >= 8 and (
        arr.max() > EXACT_INT or (arr.dtype.kind == "i" and arr.min() < -EXACT_INT)
    ):
        if shift_axis is None:
            raise ValueError(
                f"{func}: {name} holds integers beyond 2**53, which float64 cannot "
                "represent exactly; convert them to float yourself if rounding is "
                "acceptable"
            )
        return _exact_shift(arr, check_axis(shift_axis, arr.ndim, func))
    return arr.astype(np.float64)


def checked_max(
    u: np.ndarray,
    axis: int,
    func: str,
    allow_all_masked: bool = False,
    name: str = "logits",
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
        raise ValueError(f"{func}: {name} contain NaN (first at index {where})")
    if np.isposinf(m).any():
        where = tuple(int(i) for i in np.argwhere(np.isposinf(u))[0])
        raise ValueError(
            f"{func}: {name} contain +inf (first at index {where}); only -inf (a "
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
    u = as_float_array(logits, func, shift_axis=axis)
    axis = check_axis(axis, u.ndim, func)
    m = checked_max(u, axis, func, allow_all_masked)
    return u, T, axis, m


def is_int(value) -> bool:
    """Whether ``value`` is an integer (Python or NumPy); a bool is not."""
    return isinstance(value, numbers.Integral) and not isinstance(
        value, (bool, np.bool_)
    )


def is_real(value) -> bool:
    """Whether ``value`` is a real number (a 0-d array counts); a bool is not."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


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
