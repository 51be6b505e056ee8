"""tempered.relaxed: Gumbel noise, Gumbel-softmax samples and gradient estimators."""

import importlib
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tempered.relaxed import bias_and_variance
from tempered.relaxed import gumbel_noise
from tempered.relaxed import gumbel_softmax
from tempered.relaxed import relaxed_gradients

LOGITS = torch.tensor([1.0, 0.5, 0.0, -1.0], dtype=torch.float64)


def test_gumbel_noise_is_seeded_and_standard_gumbel():
    g = gumbel_noise((200_000,), seed=0)
    assert torch.equal(g, gumbel_noise((200_000,), seed=0))
    assert g.dtype == torch.float64
    assert float(g.mean()) == pytest.approx(np.euler_gamma, abs=0.01)
    assert float(g.var()) == pytest.approx(np.pi**2 / 6, abs=0.02)
    with pytest.raises(ValueError, match="gumbel_noise: seed must be an int >= 0"):
        gumbel_noise((3,), seed=-1)


def test_gumbel_softmax_rows_and_limits():
    g = gumbel_noise((2000, 4), seed=1)
    y = gumbel_softmax(LOGITS[None], g, 1.0)
    assert y.shape == (2000, 4)
    assert torch.allclose(y.sum(1), torch.ones(2000, dtype=torch.float64))
    gumbel_max = (torch.log_softmax(LOGITS, 0) + g).argmax(1)
    for tau in (0.01, 1.0, 100.0):  # the argmax never depends on tau
        assert torch.equal(gumbel_softmax(LOGITS[None], g, tau).argmax(1), gumbel_max)
    assert float(gumbel_softmax(LOGITS[None], g, 0.01).max(1).values.mean()) > 0.99
    assert float((gumbel_softmax(LOGITS[None], g, 1e4) - 0.25).abs().max()) < 1e-3
    freq = np.bincount(gumbel_max.numpy(), minlength=4) / 2000
    assert np.abs(freq - torch.softmax(LOGITS, 0).numpy()).max() < 0.04


def test_straight_through_value_and_gradient():
    th = LOGITS[None].clone().requires_grad_(True)
    g = gumbel_noise((500, 4), seed=2)
    w = torch.randn(
        500, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(3)
    )
    soft = gumbel_softmax(th, g, 0.5)
    hard = gumbel_softmax(th, g, 0.5, hard=True)
    one_hot = F.one_hot(soft.argmax(1), 4).double()
    assert torch.allclose(hard.detach(), one_hot, atol=1e-12)
    (g_soft,) = torch.autograd.grad((w * soft).sum(), th)
    (g_hard,) = torch.autograd.grad((w * hard).sum(), th)
    assert torch.allclose(g_hard, g_soft)


def test_relaxed_gradients_per_sample_and_bias_variance():
    target = torch.tensor([0.0, 0.0, 1.0, 0.0], dtype=torch.float64)
    f = lambda x: ((x - target) ** 2).sum(-1)
    g = gumbel_noise((20_000, 4), seed=0)
    grads = relaxed_gradients(LOGITS, f, g, 0.5)
    assert grads.shape == (20_000, 4)
    # Row 0 is the gradient of f at the sample of the first noise draw alone.
    th = LOGITS[None].clone().requires_grad_(True)
    (row0,) = torch.autograd.grad(f(gumbel_softmax(th, g[:1], 0.5)).sum(), th)
    assert torch.allclose(grads[0], row0[0])
    pi = torch.softmax(LOGITS, 0)
    f_e = f(torch.eye(4, dtype=torch.float64))
    exact = pi * (f_e - (pi * f_e).sum())
    bias, variance = bias_and_variance(grads, exact)
    m = grads.mean(0)
    assert bias == pytest.approx(float((m - exact).norm()))
    assert variance == pytest.approx(float(((grads - m) ** 2).sum(1).mean()))
    low, high = (
        bias_and_variance(relaxed_gradients(LOGITS, f, g, t), exact) for t in (0.1, 5.0)
    )
    assert low[0] < high[0] and low[1] > high[1]  # tau trades bias for variance


def test_gumbel_softmax_bad_tau():
    g = gumbel_noise((3, 4), seed=0)
    with pytest.raises(
        ValueError, match="gumbel_softmax: tau must be a finite number > 0"
    ):
        gumbel_softmax(LOGITS[None], g, 0.0)


def test_import_without_torch_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # as if torch were not installed
    monkeypatch.delitem(sys.modules, "tempered.relaxed", raising=False)
    with pytest.raises(
        ImportError, match=r"tempered.relaxed needs torch: pip install 'tempered\[lm\]'"
    ):
        importlib.import_module("tempered.relaxed")
