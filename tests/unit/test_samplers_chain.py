"""The sampler chain, dynamic temperature and the order of steps."""

import numpy as np

from tempered import tempered_softmax
from tempered.samplers import STEPS
from tempered.samplers import adapt_temperature
from tempered.samplers import apply_chain
from tempered.samplers import dynatemp_temperature
from tempered.samplers import temper_rows
from tempered.truncation import warp_probs

U = np.array([3.2, 2.4, 2.1, 1.6, 0.8, 0.3, -1.5])


def test_chain_matches_warp_in_both_orders():
    first = apply_chain(U, [("temperature", 2.0), ("min-p", 0.1)])[-1]
    last = apply_chain(U, [("min-p", 0.1), ("temperature", 2.0)])[-1]
    np.testing.assert_allclose(first, warp_probs(U, 2.0, min_p=0.1), rtol=1e-12)
    np.testing.assert_allclose(
        last, warp_probs(U, 2.0, min_p=0.1, order="llama.cpp"), rtol=1e-12
    )
    assert (first > 0).sum() > (last > 0).sum()


def test_every_step_returns_a_distribution():
    for name in STEPS:
        x = {"top-k": 3, "temperature": 0.7, "dynatemp": 0.5}.get(name, 0.1)
        dists = apply_chain(U, [(name, x)], history=[0, 1, 1])
        assert len(dists) == 2
        np.testing.assert_allclose(dists[-1].sum(), 1.0, rtol=1e-12)


def test_dynatemp_is_T_when_delta_is_zero_and_rises_with_entropy():
    rows = np.array([[5.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(dynatemp_temperature(rows, 0.8, 0.0), [0.8] * 3)
    T = dynatemp_temperature(rows, 1.0, 0.5)
    assert 0.5 < T[0] < T[1] < T[2] and abs(T[2] - 1.5) < 1e-12  # H = log m


def test_temper_rows_divides_each_row_by_its_own_temperature():
    rows = np.tile(U, (3, 1))
    T = np.array([0.5, 1.0, 0.0])
    out = temper_rows(rows, T)
    for r, t in enumerate(T[:2]):
        np.testing.assert_allclose(
            tempered_softmax(out[r]), tempered_softmax(U, t), rtol=1e-12
        )
    assert np.isfinite(out[2]).sum() == 1  # T = 0: greedy
    np.testing.assert_array_equal(
        adapt_temperature([True, False], 0.9, 0.2), [0.9, 0.2]
    )


def test_an_empty_history_penalises_nothing():
    from tempered.samplers import dry_penalty
    from tempered.samplers import no_repeat_ngram_mask
    from tempered.samplers import presence_frequency_penalty
    from tempered.samplers import repetition_penalty

    u = U[None]
    np.testing.assert_array_equal(repetition_penalty(u, [], 1.3), u)
    np.testing.assert_array_equal(presence_frequency_penalty(u, [], 0.5, 0.5), u)
    np.testing.assert_array_equal(dry_penalty(u, [], 0.8), u)
    assert no_repeat_ngram_mask(u, [], 2).all()
