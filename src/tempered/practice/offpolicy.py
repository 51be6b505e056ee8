"""Sampling at T but training at T = 1: the policy gradient of a softmax policy.

The policy is ``pi = softmax(theta)`` over actions with rewards ``r``. A
practitioner samples its actions at temperature T, from ``mu = softmax(theta /
T)``, and then takes the REINFORCE step ``r(a) grad log pi(a)`` with the
log-probabilities of the untempered policy. The expectation of that step
(:func:`naive_gradient`) is not the gradient of any of the two objectives: the
update is off-policy. Two fixes are exact: weight each sample by
``pi(a) / mu(a)`` (:func:`importance_weighted_gradient`, the gradient of the
expected reward of ``pi``), or differentiate the log-probabilities of the
policy that was sampled, ``softmax(theta / T)`` (:func:`policy_gradient` with
the same T). All three are exact expectations, no sampling.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_positive_temperature
from ..softmax import tempered_softmax

__all__ = ["policy_gradient", "naive_gradient", "importance_weighted_gradient"]


def _check(theta, rewards, T, func):
    theta = np.asarray(theta, dtype=float)
    rewards = np.asarray(rewards, dtype=float)
    if theta.ndim != 1 or theta.size < 2 or not np.all(np.isfinite(theta)):
        raise ValueError(f"{func}: theta must be a finite 1-D array of >= 2 logits")
    if rewards.shape != theta.shape or not np.all(np.isfinite(rewards)):
        raise ValueError(f"{func}: rewards must be finite, one per action (theta)")
    return theta, rewards, check_positive_temperature(T, func)


def policy_gradient(theta, rewards, T: float = 1.0) -> np.ndarray:
    """Gradient in ``theta`` of ``E_{a ~ softmax(theta / T)}[r(a)]`` (on-policy)."""
    theta, r, T = _check(theta, rewards, T, "policy_gradient")
    mu = tempered_softmax(theta, T)
    return mu * (r - mu @ r) / T


def naive_gradient(theta, rewards, T: float) -> np.ndarray:
    """Expected step ``E_{a ~ softmax(theta/T)}[r(a) grad log softmax(theta)(a)]``.

    What the update does on average when samples are drawn at T but scored at
    T = 1; equal to :func:`policy_gradient` at T = 1 only when T = 1.
    """
    theta, r, T = _check(theta, rewards, T, "naive_gradient")
    pi, mu = tempered_softmax(theta, 1.0), tempered_softmax(theta, T)
    return mu * r - (mu @ r) * pi


def importance_weighted_gradient(theta, rewards, T: float) -> np.ndarray:
    """The naive step with each sample weighted by ``pi(a) / mu(a)``, in expectation.

    Equal to ``policy_gradient(theta, rewards, 1.0)`` for every T: the weights
    turn samples of ``mu`` into an unbiased estimate under ``pi``.
    """
    theta, r, T = _check(theta, rewards, T, "importance_weighted_gradient")
    pi, mu = tempered_softmax(theta, 1.0), tempered_softmax(theta, T)
    weight = pi / mu
    return mu * weight * r - (mu @ (weight * r)) * pi
