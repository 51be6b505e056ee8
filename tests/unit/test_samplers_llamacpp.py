"""Samplers with no transformers processor, against llama.cpp's formulas.

Each vectorised function of ``tempered.samplers`` is compared, row by row, with
a plain loop that spells out the formula of ``src/llama-sampling.cpp`` in
llama.cpp (dynatemp, top-nσ, XTC, presence and frequency penalties, DRY,
Mirostat's k), and with llama.cpp's own worked DRY example. Well under a second.
"""

import math

import numpy as np

from tempered.samplers import MirostatV2
from tempered.samplers import dry_penalty
from tempered.samplers import dynatemp_temperature
from tempered.samplers import edt_temperature
from tempered.samplers import presence_frequency_penalty
from tempered.samplers import top_n_sigma_mask
from tempered.samplers import xtc_mask
from tempered.samplers.equivalent import equivalent_temperature
from tempered.samplers.mirostat import Mirostat


def random_rows(seed, rows=50, V=12):
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(rows, V)) * rng.uniform(0.3, 4, size=(rows, 1))
    hide = rng.random((rows, V)) < 0.2
    hide[:, 0] = False
    u[hide] = -np.inf
    return rng, u


def probs(row):
    w = np.exp(row - row.max())
    return w / w.sum()


def test_dynatemp_equals_the_loop_formula():
    rng, u = random_rows(1)
    for T, delta, expo in ((1.0, 0.5, 1.0), (0.7, 1.0, 2.0), (0.3, 0.5, 0.5)):
        ours = dynatemp_temperature(u, T, delta, expo)
        for row, t in zip(u, ours):
            live = row[np.isfinite(row)]
            p = probs(live)
            H = -sum(q * math.log(q) for q in p if q > 0)
            lo, hi = max(0.0, T - delta), T + delta
            expected = lo + (hi - lo) * (H / math.log(len(live))) ** expo
            assert math.isclose(t, expected, rel_tol=1e-12, abs_tol=1e-15)


def test_edt_rises_with_entropy_towards_T0():
    u = np.array([[5.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    T = edt_temperature(u, 1.0, 0.5)
    assert T[0] < T[1] < T[2] < 1.0
    H = math.log(3)
    assert math.isclose(T[2], 0.8 ** (0.5 / H), rel_tol=1e-12)


def test_top_n_sigma_equals_the_loop_and_ignores_temperature():
    rng, u = random_rows(2)
    for n in (0.0, 0.5, 1.0, 2.0):
        ours = top_n_sigma_mask(u, n)
        for row, keep in zip(u, ours):
            live = row[np.isfinite(row)]
            mean = sum(live) / len(live)
            std = math.sqrt(sum((x - mean) ** 2 for x in live) / len(live))
            expected = np.isfinite(row) & (row >= live.max() - n * std)
            np.testing.assert_array_equal(keep, expected)
        # dividing by a power of two is exact, so the kept set must be identical
        for T in (0.25, 0.5, 2.0, 8.0):
            np.testing.assert_array_equal(top_n_sigma_mask(u / T, n), ours)


def test_xtc_removes_all_top_choices_but_the_least_likely():
    p = np.array([0.4, 0.3, 0.2, 0.1])
    keep = xtc_mask(np.log(p), threshold=0.15)
    np.testing.assert_array_equal(keep, [False, False, True, True])
    # fewer than two tokens above the threshold: nothing happens
    np.testing.assert_array_equal(xtc_mask(np.log(p), 0.35), [True] * 4)
    # a threshold above 0.5 switches XTC off, as in llama.cpp
    np.testing.assert_array_equal(xtc_mask(np.log(p), 0.6), [True] * 4)
    # probability 0.5: about half of the rows are changed
    rows = np.tile(np.log(p), (2000, 1))
    changed = ~xtc_mask(rows, 0.15, probability=0.5, rng=0).all(axis=1)
    assert 900 < changed.sum() < 1100


def test_presence_and_frequency_are_additive():
    u = np.zeros((1, 5))
    out = presence_frequency_penalty(u, [[1, 1, 1, 3]], presence=0.5, frequency=0.25)
    np.testing.assert_array_equal(out, [[0.0, -1.25, 0.0, -0.75, 0.0]])
    # llama.cpp's window: only the last 2 tokens count
    out = presence_frequency_penalty(u, [[1, 1, 1, 3]], 0.5, 0.25, last_n=2)
    np.testing.assert_array_equal(out, [[0.0, -0.75, 0.0, -0.75, 0.0]])


def test_dry_on_llamacpp_worked_example():
    # llama.cpp's comment: context "a b c c b c y a b c" gives repeat lengths
    # c: 3, b: 1, y: 2 for the token that would extend each repeat.
    a, b, c, y = 0, 1, 2, 3
    history = [a, b, c, c, b, c, y, a, b, c]
    u = np.zeros(5)
    out = dry_penalty(u, history, multiplier=1.0, base=2.0, allowed_length=1)
    np.testing.assert_array_equal(out, [0.0, -1.0, -4.0, -2.0, 0.0])
    # a breaker token (y) cuts the suffix and is never penalised itself
    out = dry_penalty(u, history, 1.0, 2.0, 1, breakers=[y])
    np.testing.assert_array_equal(out, [0.0, -1.0, -4.0, 0.0, 0.0])


def naive_dry(history, V, multiplier, base, allowed):
    """DRY by brute force: for each earlier position, the repeat it would extend."""
    n = len(history)
    best = [-1] * V
    for end in range(n - 1):  # the stretch history[..end] is followed by end + 1
        L = 0
        while L <= end and history[end - L] == history[n - 1 - L]:
            L += 1
        tok = history[end + 1]
        best[tok] = max(best[tok], L)
    return np.array(
        [-(multiplier * base ** (L - allowed)) if L >= allowed else 0.0 for L in best]
    )


def test_dry_equals_brute_force_on_random_batches():
    rng = np.random.default_rng(3)
    for _ in range(40):
        V, n, rows = 4, int(rng.integers(3, 30)), 3
        h = rng.integers(0, int(rng.integers(1, V + 1)), size=(rows, n))
        allowed = int(rng.integers(0, 4))
        out = dry_penalty(np.zeros((rows, V)), h, 0.8, 1.75, allowed)
        if n <= allowed:
            assert not out.any()
            continue
        for r in range(rows):
            expected = naive_dry(list(h[r]), V, 0.8, 1.75, allowed)
            np.testing.assert_allclose(out[r], expected, rtol=1e-15, atol=0)


def test_mirostat_v1_k_follows_the_zipf_formula():
    # exact Zipf distribution p_i ~ i^-s: the fit returns s and k the formula
    V, s, tau = 50, 1.3, 3.0
    u = -s * np.log(np.arange(1, V + 1))[None, :]
    ctl = Mirostat(tau=tau, eta=0.1, m=100, rng=0)
    ctl.step(u)
    eps = s - 1
    k = (eps * 2 ** (2 * tau) / (1 - V ** (-eps))) ** (1 / s)
    assert ctl.last_k[0] == math.floor(k)


def test_mirostat_v2_drives_the_surprise_to_its_target():
    V = 200
    u = -1.1 * np.log(np.arange(1, V + 1))
    rows, tau = 64, 4.0
    ctl = MirostatV2(tau=tau, eta=0.1, rows=rows, rng=1)
    surprise = [ctl.step(np.tile(u, (rows, 1)))[1].mean() for _ in range(300)]
    assert abs(np.mean(surprise[100:]) - tau) < 0.15


def test_equivalent_temperature_recovers_T():
    rng, u = random_rows(4)
    T = rng.uniform(0.3, 3, size=len(u))
    p = np.exp(u / T[:, None] - (u / T[:, None]).max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    H = -(np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0)).sum(axis=1)
    np.testing.assert_allclose(equivalent_temperature(u, H), T, rtol=1e-6)
