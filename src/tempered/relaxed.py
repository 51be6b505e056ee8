"""Relaxed categorical samples: the Gumbel-softmax and its gradient estimators (torch).

A categorical sample ``onehot(argmax(log pi + g))`` with Gumbel noise ``g`` has
no gradient; the Gumbel-softmax ``softmax((log pi + g) / tau)`` (Jang, Gu and
Poole; Maddison, Mnih and Teh, 2017) is its tempered, differentiable relaxation.
:func:`gumbel_softmax` draws both kinds, the straight-through one included;
:func:`relaxed_gradients` turns them into per-sample gradient estimates and
:func:`bias_and_variance` scores those against an exact gradient.
"""

from __future__ import annotations

from collections.abc import Callable

from ._optional import require
from ._validate import check_int
from ._validate import check_positive_temperature

torch = require("torch", "lm", "tempered.relaxed")
F = torch.nn.functional

__all__ = ["gumbel_noise", "gumbel_softmax", "relaxed_gradients", "bias_and_variance"]


def gumbel_noise(shape, seed=0, dtype=torch.float64) -> torch.Tensor:
    """Standard Gumbel noise ``-log(-log U)``, U uniform on (0, 1), seeded."""
    seed = check_int(seed, "gumbel_noise", "seed", minimum=0)
    generator = torch.Generator().manual_seed(seed)
    U = torch.rand(*shape, generator=generator, dtype=dtype)
    return -torch.log(-torch.log(U))


def gumbel_softmax(logits, gumbel, tau, *, hard=False) -> torch.Tensor:
    """Relaxed samples ``softmax((log_softmax(logits) + gumbel) / tau)`` along dim 1.

    ``logits`` has shape (n, k), or (1, k) for one distribution, and ``gumbel``
    shape (n, k): one sample per row. With ``hard=True``, the straight-through
    sample: the one-hot Gumbel-max sample in the forward pass, the gradient of
    the relaxed one backwards.
    """
    tau = check_positive_temperature(tau, "gumbel_softmax", "tau")
    y = torch.softmax((torch.log_softmax(logits, 1) + gumbel) / tau, 1)
    if not hard:
        return y
    x_hard = F.one_hot(y.argmax(1), y.shape[1]).to(y.dtype)
    return x_hard - y.detach() + y  # value x_hard, gradient of y


def relaxed_gradients(logits, f: Callable, gumbel, tau, *, hard=False):
    """One gradient estimate of E f(x) per row of ``gumbel``, w.r.t. the ``logits``.

    ``logits`` has shape (k,), ``gumbel`` shape (n, k), and ``f`` maps samples
    of shape (n, k) to n values. Returns the (n, k) gradients of ``f`` at the
    (straight-through, if ``hard``) Gumbel-softmax samples.
    """
    th = logits.detach().repeat(gumbel.shape[0], 1).requires_grad_(True)
    f(gumbel_softmax(th, gumbel, tau, hard=hard)).sum().backward()
    return th.grad


def bias_and_variance(grads, exact) -> tuple[float, float]:
    """Norm of (mean estimate - ``exact``) and the trace of the estimates' covariance.

    ``grads`` holds one estimate per row; the trace is the mean squared distance
    of an estimate from their mean.
    """
    m = grads.mean(0)
    return float((m - exact).norm()), float(((grads - m) ** 2).sum(1).mean())
