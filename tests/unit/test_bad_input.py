"""Bad input gets a clear error naming the argument; never a silent NaN."""

import numpy as np
import pytest
import torch

from tempered import entropy
from tempered import gumbel_max_sample
from tempered import log_softmax
from tempered import logsumexp
from tempered import sample
from tempered import tempered_softmax

PROBABILITY_FUNCTIONS = [tempered_softmax, log_softmax, sample, gumbel_max_sample]
GOOD = np.array([1.0, 2.0, 3.0])


@pytest.mark.parametrize("func", PROBABILITY_FUNCTIONS)
@pytest.mark.parametrize(
    "T, error, message",
    [
        (-1.0, ValueError, r"T must be >= 0, got -1"),
        (-1e-12, ValueError, r"T must be >= 0"),
        (float("nan"), ValueError, r"T is NaN"),
        ("hot", TypeError, r"T must be a real number"),
        (None, TypeError, r"T must be a real number"),
        (True, TypeError, r"T must be a real number"),
        (1 + 2j, TypeError, r"T must be a real number"),
    ],
)
def test_bad_temperature(func, T, error, message):
    with pytest.raises(error, match=rf"{func.__name__}: {message}"):
        func(GOOD, T)


@pytest.mark.parametrize("func", PROBABILITY_FUNCTIONS)
@pytest.mark.parametrize(
    "logits, error, message",
    [
        (
            [1.0, float("nan"), 2.0],
            ValueError,
            r"logits contain NaN \(first at index \(1,\)\)",
        ),
        ([1.0, float("inf")], ValueError, r"logits contain \+inf"),
        ([[0.0, 1.0], [-np.inf, -np.inf]], ValueError, r"all logits are masked"),
        ([], ValueError, r"logits is empty"),
        (np.zeros((3, 0)), ValueError, r"logits is empty"),
        (3.0, ValueError, r"logits must have at least one dimension"),
        (["a", "b"], TypeError, r"logits must be real numbers"),
        (np.array([1 + 1j]), TypeError, r"logits must be real numbers"),
        (np.array([True, False]), TypeError, r"logits must be real numbers"),
        ([[1.0, 2.0], [3.0]], TypeError, r"logits must be an array of real numbers"),
    ],
)
def test_bad_logits(func, logits, error, message):
    with pytest.raises(error, match=rf"{func.__name__}: {message}"):
        func(logits, 1.0)


@pytest.mark.parametrize("func", [tempered_softmax, log_softmax])
def test_bad_axis(func):
    with pytest.raises(
        np.exceptions.AxisError,
        match=r"axis 2 is out of range for logits with 2 dimension",
    ):
        func(np.zeros((2, 3)), 1.0, axis=2)
    with pytest.raises(TypeError, match=r"axis must be an int"):
        func(np.zeros((2, 3)), 1.0, axis=1.5)


def test_logsumexp_rejects_nan_and_empty_but_allows_masked_rows():
    with pytest.raises(ValueError, match=r"logsumexp: x contain NaN"):
        logsumexp([0.0, np.nan])
    with pytest.raises(ValueError, match=r"logsumexp: x is empty"):
        logsumexp([])
    assert logsumexp([-np.inf]) == -np.inf


@pytest.mark.parametrize(
    "p, message",
    [
        ([0.5, 0.6], r"p must sum to 1 along axis 0, found a sum of 1.1"),
        ([1.5, -0.5], r"p has negative entries"),
        ([np.nan, 1.0], r"p contains NaN or inf"),
        ([], r"p is empty"),
    ],
)
def test_entropy_rejects_non_probabilities(p, message):
    with pytest.raises(ValueError, match=rf"entropy: {message}"):
        entropy(p)


@pytest.mark.parametrize("func", [sample, gumbel_max_sample])
def test_bad_size_and_rng(func):
    with pytest.raises(
        ValueError, match=rf"{func.__name__}: size must be a non-negative int"
    ):
        func(GOOD, 1.0, size=-1)
    with pytest.raises(TypeError, match=r"rng must be a numpy.random.Generator"):
        func(GOOD, 1.0, rng="seed")


@pytest.mark.parametrize(
    "logits, T, error, message",
    [
        (torch.tensor([1.0, float("nan")]), 1.0, ValueError, r"logits contain NaN"),
        (torch.tensor([1.0, float("inf")]), 1.0, ValueError, r"\+inf"),
        (torch.full((2,), float("-inf")), 1.0, ValueError, r"all logits are masked"),
        (torch.tensor([1, 2]), 1.0, TypeError, r"floating-point tensor"),
        (torch.tensor([]), 1.0, ValueError, r"empty"),
        (torch.tensor([1.0, 2.0]), -2.0, ValueError, r"T must be >= 0"),
    ],
)
def test_bad_torch_input(logits, T, error, message):
    with pytest.raises(error, match=message):
        tempered_softmax(logits, T)
