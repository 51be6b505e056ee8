"""tempered.classifiers: the digits split, the network, its training, distillation."""

import importlib
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tempered.classifiers import DigitsSplit
from tempered.classifiers import accuracy
from tempered.classifiers import distillation_loss
from tempered.classifiers import fit
from tempered.classifiers import mlp
from tempered.classifiers import split_digits


def _fake_digits(n=60, seed=0):
    """Images of 64 pixel values 0..16 whose class is readable from pixel 0."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, size=n)
    images = rng.integers(0, 17, size=(n, 64)).astype(float)
    images[:, 0] = labels
    return images, labels


def test_split_scales_and_partitions():
    images, labels = _fake_digits()
    split = split_digits(images, labels, n_train=20, n_val=15, seed=3)
    assert isinstance(split, DigitsSplit)
    assert split.X.dtype == torch.float32 and split.X.shape == (60, 64)
    assert float(split.X.max()) <= 1.0 and float(split.X.min()) >= 0.0
    assert torch.equal(split.y, torch.tensor(labels))
    assert (len(split.train), len(split.val), len(split.test)) == (20, 15, 25)
    everything = np.concatenate([split.train, split.val, split.test])
    assert np.array_equal(np.sort(everything), np.arange(60))
    again = split_digits(images, labels, n_train=20, n_val=15, seed=3)
    assert np.array_equal(again.train, split.train)  # seeded


def test_split_bad_arguments():
    images, labels = _fake_digits()
    with pytest.raises(ValueError, match="split_digits: images must have shape"):
        split_digits(images[0], labels)
    with pytest.raises(ValueError, match="split_digits: n_train must be an int >= 1"):
        split_digits(images, labels, n_train=0)
    with pytest.raises(ValueError, match="split_digits: n_train \\+ n_val must leave"):
        split_digits(images, labels, n_train=30, n_val=30)


def test_mlp_is_seeded_and_shaped():
    a, b, c = mlp(5, seed=1), mlp(5, seed=1), mlp(5, seed=2)
    x = torch.rand(3, 64)
    assert a(x).shape == (3, 10)
    assert torch.equal(a(x), b(x)) and not torch.equal(a(x), c(x))
    with pytest.raises(ValueError, match="mlp: hidden must be an int >= 1"):
        mlp(0, seed=0)


def test_fit_lowers_the_loss_and_accuracy_counts():
    images, labels = _fake_digits(n=200)
    X, y, train, _, test = split_digits(images, labels, n_train=150, n_val=0)
    loss = lambda z: F.cross_entropy(z, y[train])
    net = mlp(32, seed=0)
    with torch.no_grad():
        before = float(loss(net(X[train])))
    fit(net, loss, X[train], steps=300, lr=1e-2)
    with torch.no_grad():
        assert float(loss(net(X[train]))) < 0.5 * before
    with torch.no_grad():
        right = (net(X[test]).argmax(1) == y[test]).float().mean()
    assert accuracy(net, X[test], y[test]) == pytest.approx(float(right))
    with pytest.raises(ValueError, match="fit: steps must be an int >= 0"):
        fit(net, loss, X[train], steps=-1)


def test_distillation_loss_gradient_and_limits():
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(8, 5, dtype=torch.float64, generator=gen, requires_grad=True)
    v = torch.randn(8, 5, dtype=torch.float64, generator=gen)
    labels = torch.arange(8) % 5
    for T in (1.0, 3.0):
        soft = distillation_loss(v, labels, T, alpha=1.0)(z)
        (g,) = torch.autograd.grad(soft, z)
        p, q = F.softmax(z / T, 1), F.softmax(v / T, 1)
        assert torch.allclose(g, T * (p - q) / len(z))  # T^2 * (p - q) / T, batch mean
        hard = distillation_loss(v, labels, T, alpha=0.0)(z)
        assert torch.allclose(hard, F.cross_entropy(z, labels))
    same = distillation_loss(z.detach(), labels, 2.0, alpha=1.0)(z.detach())
    assert float(same) == pytest.approx(0.0, abs=1e-12)  # KL(q || q) = 0


def test_distillation_loss_bad_arguments():
    v, labels = torch.zeros(2, 3), torch.tensor([0, 1])
    with pytest.raises(ValueError, match="distillation_loss: T must be a finite"):
        distillation_loss(v, labels, 0.0)
    with pytest.raises(
        ValueError, match=r"distillation_loss: alpha must lie in \[0, 1\]"
    ):
        distillation_loss(v, labels, 2.0, alpha=1.5)


def test_import_without_torch_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # as if torch were not installed
    monkeypatch.delitem(sys.modules, "tempered.classifiers", raising=False)
    with pytest.raises(
        ImportError,
        match=r"tempered.classifiers needs torch: pip install 'tempered\[lm\]'",
    ):
        importlib.import_module("tempered.classifiers")
