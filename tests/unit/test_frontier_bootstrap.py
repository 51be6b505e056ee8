"""The frontier's cluster bootstrap and paired differences (no model needed)."""

import numpy as np

from tempered.lm.frontier import SweepResult
from tempered.lm.frontier import _cluster_rows
from tempered.lm.frontier import frontier_at


def test_cluster_rows_draws_whole_prompts():
    groups = np.repeat(np.arange(3), 2)  # 3 prompts x 2 seeds
    gen = np.random.default_rng(0)
    for _ in range(20):
        rows = _cluster_rows(groups, gen)
        assert len(rows) == 6
        pairs = groups[rows].reshape(3, 2)
        assert np.all(pairs[:, 0] == pairs[:, 1])  # both seeds of a prompt


def _sweep(offset):
    settings = [("temperature", 1.0), ("temperature", 2.0), ("top-k", 5), ("top-k", 9)]
    G, R = len(settings), 8
    rng = np.random.default_rng(1)
    entropy = np.tile(np.array([[1.0], [2.0], [1.0], [2.0]]), (1, R))
    kl = rng.uniform(0.0, 1.0, size=(2, R))
    kl = np.vstack([kl, kl + offset])  # top-k = temperature + offset, row by row
    return SweepResult(
        settings=settings,
        entropy=entropy,
        kl_possible=kl,
        impossible=kl.copy(),
        proxy_kl=kl.copy(),
        impossible_draws=np.zeros((G, R)),
        words=np.zeros((G, R, 3), dtype=np.int64),
        groups=np.repeat(np.arange(4), 2),
    )


def test_paired_difference_removes_the_shared_noise():
    table = frontier_at(_sweep(0.1), 1.5, n_boot=50, rng=0)
    est, lo, hi = table["top-k"]["diff"]["kl"]
    np.testing.assert_allclose([est, lo, hi], 0.1, atol=1e-12)
    _, lo_k, hi_k = table["top-k"]["kl"]
    assert hi_k - lo_k > 0.05  # the unpaired interval carries the row noise
    assert table["temperature"]["diff"]["kl"] == (0.0, 0.0, 0.0)
