"""Samplers of ``tempered.samplers`` equal to transformers' logits processors.

Repetition penalty, no-repeat-n-gram, epsilon and eta against the installed
``transformers`` on float64 tensors, exact equality, on random logits with
masked entries and random histories (several hundred rows, well under a second).
"""

import numpy as np
import pytest
import torch
from transformers.generation.logits_process import EpsilonLogitsWarper
from transformers.generation.logits_process import EtaLogitsWarper
from transformers.generation.logits_process import NoRepeatNGramLogitsProcessor
from transformers.generation.logits_process import RepetitionPenaltyLogitsProcessor

from tempered.samplers import epsilon_mask
from tempered.samplers import eta_mask
from tempered.samplers import no_repeat_ngram_mask
from tempered.samplers import repetition_penalty

N_CASES = 150


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/unit/conftest.py


def cases(seed, rows=4):
    """Random logits (some masked, some of both signs and zeros) and histories."""
    rng = np.random.default_rng(seed)
    for _ in range(N_CASES):
        V = int(rng.integers(2, 40))
        u = rng.normal(size=(rows, V)) * rng.choice([0.5, 2.0, 6.0])
        u[rng.random((rows, V)) < 0.1] = 0.0
        hide = rng.random((rows, V)) < 0.2
        hide[np.arange(rows), rng.integers(V, size=rows)] = False
        u[hide] = -np.inf
        n = int(rng.integers(0, 25))
        # few distinct tokens, so that n-grams repeat
        history = rng.integers(0, min(V, int(rng.integers(1, 6))), size=(rows, n))
        yield rng, u, history


def processed(processor, history, u):
    ids = torch.tensor(history, dtype=torch.long)
    return processor(ids, torch.tensor(u, dtype=torch.float64)).numpy()


def test_repetition_penalty_equals_transformers():
    for rng, u, history in cases(1):
        penalty = float(rng.choice([0.5, 1.0, 1.3, 2.0, rng.uniform(0.1, 4)]))
        expected = processed(RepetitionPenaltyLogitsProcessor(penalty), history, u)
        np.testing.assert_array_equal(repetition_penalty(u, history, penalty), expected)


def test_no_repeat_ngram_equals_transformers():
    for rng, u, history in cases(2):
        n = int(rng.integers(1, 5))
        expected = processed(NoRepeatNGramLogitsProcessor(n), history, u)
        ours = np.where(no_repeat_ngram_mask(u, history, n), u, -np.inf)
        np.testing.assert_array_equal(ours, expected)


def test_epsilon_and_eta_equal_transformers():
    for rng, u, history in cases(3):
        eps = float(rng.choice([1e-3, 0.01, 0.05, 0.2, rng.uniform(1e-4, 0.5)]))
        m = int(rng.choice([1, 1, 2, 3]))
        for ours_rule, warper in (
            (epsilon_mask, EpsilonLogitsWarper(eps, min_tokens_to_keep=m)),
            (eta_mask, EtaLogitsWarper(eps, min_tokens_to_keep=m)),
        ):
            expected = processed(warper, history, u)
            ours = np.where(ours_rule(u, eps, m), u, -np.inf)
            np.testing.assert_array_equal(ours, expected)


def test_repetition_penalty_acts_on_the_sign_not_the_size():
    # Keskar et al.'s penalty divides a positive logit and multiplies a negative
    # one: both move down, and a logit of 0 does not move at all.
    u = np.array([[2.0, -2.0, 0.0, 1.0]])
    out = repetition_penalty(u, [[0, 1, 2]], 2.0)
    np.testing.assert_array_equal(out, [[1.0, -4.0, 0.0, 1.0]])
