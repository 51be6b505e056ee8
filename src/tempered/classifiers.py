"""Small torch classifiers for chapter 11: a teacher, its students, and their data.

The handwritten digits (scikit-learn's ``load_digits``: 1,797 images of 8 x 8
pixels with values 0..16) are scaled to [0, 1] and split once at random by
:func:`split_digits`; :func:`mlp` builds a seeded one-hidden-layer network,
:func:`fit` trains it full-batch with Adam and :func:`accuracy` scores it.
:func:`distillation_loss` is Hinton, Vinyals and Dean's loss for a student that
learns from a teacher's probabilities at temperature T.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ._optional import require
from ._validate import check_count
from ._validate import check_positive_temperature

torch = require("torch", "lm", "tempered.classifiers")
F = torch.nn.functional

__all__ = [
    "DigitsSplit",
    "split_digits",
    "mlp",
    "fit",
    "accuracy",
    "distillation_loss",
]


class DigitsSplit(NamedTuple):
    X: torch.Tensor  # (n, 64) float32 pixels in [0, 1]
    y: torch.Tensor  # (n,) labels, torch.long
    train: np.ndarray  # indices of the training images
    val: np.ndarray  # indices of the validation images
    test: np.ndarray  # indices of the test images (all the others)


def split_digits(images, labels, n_train=200, n_val=500, seed=0) -> DigitsSplit:
    """Scale digit images (pixel values 0..16) to [0, 1] tensors and split them.

    ``images`` has one row of pixels per image and ``labels`` one class per
    image (as ``sklearn.datasets.load_digits(return_X_y=True)`` returns them).
    A seeded permutation gives ``n_train`` training, ``n_val`` validation and
    all the remaining test indices.
    """
    func = "split_digits"
    X = np.asarray(images, dtype=float)
    y = np.asarray(labels)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(
            f"{func}: images must have shape (n, pixels) and labels shape (n,), "
            f"got {X.shape} and {y.shape}"
        )
    n_train = check_count(n_train, func, "n_train")
    n_val = check_count(n_val, func, "n_val", minimum=0)
    if n_train + n_val >= len(y):
        raise ValueError(
            f"{func}: n_train + n_val must leave test images, got {n_train} + "
            f"{n_val} of {len(y)}"
        )
    perm = np.random.default_rng(seed).permutation(len(y))
    return DigitsSplit(
        torch.tensor(X / 16.0, dtype=torch.float32),
        torch.tensor(y),
        perm[:n_train],
        perm[n_train : n_train + n_val],
        perm[n_train + n_val :],
    )


def mlp(hidden, seed, n_in=64, n_out=10) -> torch.nn.Sequential:
    """A one-hidden-layer ReLU network from ``n_in`` pixels to ``n_out`` logits.

    ``torch.manual_seed(seed)`` is set first, so the initial weights depend on
    ``seed`` alone.
    """
    hidden = check_count(hidden, "mlp", "hidden")
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(n_in, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, n_out)
    )


def fit(net, loss_fn: Callable, inputs, steps, lr=1e-2):
    """Train ``net`` by ``steps`` full-batch Adam steps on ``loss_fn(net(inputs))``.

    ``loss_fn`` maps the logits of all of ``inputs`` to a scalar loss (it holds
    the targets). Returns ``net``, trained in place.
    """
    steps = check_count(steps, "fit", "steps", minimum=0)
    opt = torch.optim.Adam(net.parameters(), lr)
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(net(inputs)).backward()
        opt.step()
    return net


def accuracy(net, inputs, labels) -> float:
    """The share of ``inputs`` whose largest logit under ``net`` is their label."""
    with torch.no_grad():
        return float((net(inputs).argmax(1) == labels).float().mean())


def _check_alpha(alpha) -> float:
    if not 0 <= alpha <= 1:
        raise ValueError(f"distillation_loss: alpha must lie in [0, 1], got {alpha}")
    return float(alpha)


def distillation_loss(teacher_logits, labels, T, alpha=0.9) -> Callable:
    """The loss of a student that learns from a teacher at temperature ``T``.

    Returns ``loss(z)`` for the student's logits ``z`` of the same examples:
    ``alpha T^2 KL(q || p) + (1 - alpha) CE(z, labels)`` with the teacher's
    ``q = softmax(teacher_logits / T)`` and the student's ``p = softmax(z / T)``.
    The factor ``T^2`` keeps the soft term's gradient, which shrinks like
    ``1/T^2``, in balance with the hard one.
    """
    T = check_positive_temperature(T, "distillation_loss")
    alpha = _check_alpha(alpha)
    q = F.softmax(teacher_logits / T, dim=1)

    def loss(z):
        kl = F.kl_div(F.log_softmax(z / T, dim=1), q, reduction="batchmean")
        return alpha * T**2 * kl + (1 - alpha) * F.cross_entropy(z, labels)

    return loss
