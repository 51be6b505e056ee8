"""Torch versions of the tempered softmax, with the same limits and checks.

Imported lazily (only for a torch tensor), so the package works without torch.
"""

from __future__ import annotations

from ._optional import require
from ._validate import check_temperature

torch = require("torch", "lm", "tempered.torch_ops")


def _checked(logits: torch.Tensor, T, dim: int, func: str):
    T = check_temperature(T, func)
    if logits.is_meta:
        raise TypeError(
            f"{func}: logits is a torch tensor on the 'meta' device, which has a "
            "shape but no values"
        )
    if not torch.is_floating_point(logits):
        raise TypeError(
            f"{func}: logits must be a floating-point tensor, got {logits.dtype}"
        )
    if logits.numel() == 0:
        raise ValueError(f"{func}: logits is empty (shape {tuple(logits.shape)})")
    if not -logits.dim() <= dim < logits.dim():
        raise IndexError(
            f"{func}: dim {dim} is out of range for logits with {logits.dim()} "
            "dimension(s)"
        )
    if torch.isnan(logits).any():
        raise ValueError(f"{func}: logits contain NaN")
    if torch.isposinf(logits).any():
        raise ValueError(
            f"{func}: logits contain +inf; only -inf (a masked token) is allowed"
        )
    m = logits.amax(dim=dim, keepdim=True)
    if torch.isneginf(m).any():
        raise ValueError(
            f"{func}: all logits are masked (-inf) along dim {dim} in some row"
        )
    return T, m


def _exponents(logits, m, T):
    """(logits - m) / T, with the limits T = 0 and T = inf, never NaN.

    torch divides a float32, float16 or bfloat16 tensor by T rounded to float32,
    where T < 1e-45 is 0 (giving 0/0 at the maximum) and T > 3.4e38 is inf
    (giving -inf/inf at a masked token). Outside [1e-30, 1e30] those dtypes
    therefore divide in float64, as the NumPy path does; float16 always divides
    in float32, since its differences overflow at 65504.
    """
    if T == 0:
        return torch.where(logits == m, 0.0, float("-inf")).to(logits.dtype)
    if T == float("inf"):
        return torch.where(torch.isfinite(logits), 0.0, float("-inf")).to(logits.dtype)
    if logits.dtype != torch.float64 and not 1e-30 <= T <= 1e30:
        return ((logits.double() - m.double()) / T).to(logits.dtype)
    if logits.dtype == torch.float16:
        return ((logits.float() - m.float()) / T).to(logits.dtype)
    z = (logits - m) / T
    if T > 1 and (torch.isneginf(z) & torch.isfinite(logits)).any():
        # logits - m overflowed (|difference| beyond the dtype's range) while the
        # quotient need not: divide first. The maxima still give exactly 0.
        z = torch.where(torch.isfinite(logits), logits / T - m / T, z)
    return z


def tempered_softmax(logits: torch.Tensor, T=1.0, dim: int = -1) -> torch.Tensor:
    """softmax(logits / T) along ``dim`` for a torch tensor (see the NumPy version)."""
    T, m = _checked(logits, T, dim, "tempered_softmax")
    return torch.softmax(_exponents(logits, m, T), dim=dim)


def log_softmax(logits: torch.Tensor, T=1.0, dim: int = -1) -> torch.Tensor:
    """log softmax(logits / T) along ``dim`` for a torch tensor."""
    T, m = _checked(logits, T, dim, "log_softmax")
    return torch.log_softmax(_exponents(logits, m, T), dim=dim)
