"""Top-k, top-p, min-p and typical truncation: equal to transformers' warpers, and what
temperature does to them.

The reference is the installed ``transformers`` (its ``*LogitsWarper`` classes on
float64 torch tensors). Logits are random, seeded, and include ties and masked
(-inf) entries. Among equal logits that straddle a top-p boundary, which ones
survive depends on the order of ``torch.sort``, which is stable on CPU only for
rows of up to 16 tokens: exact equality is asserted there, and for longer rows
everything except the choice inside the tied group.
"""

import numpy as np
import pytest
import torch
from transformers.generation.logits_process import LogitsProcessorList
from transformers.generation.logits_process import MinPLogitsWarper
from transformers.generation.logits_process import TemperatureLogitsWarper
from transformers.generation.logits_process import TopKLogitsWarper
from transformers.generation.logits_process import TopPLogitsWarper
from transformers.generation.logits_process import TypicalLogitsWarper

from tempered import tempered_softmax
from tempered.truncation import ORDERS
from tempered.truncation import min_p_mask
from tempered.truncation import top_k_mask
from tempered.truncation import top_p_mask
from tempered.truncation import typical_mask
from tempered.truncation import warp
from tempered.truncation import warp_probs

N_CASES = 300


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/unit/conftest.py


def transformers_out(warper, u):
    """A warper (or list of them) applied to float64 logits, as a NumPy array."""
    return warper(None, torch.tensor(u, dtype=torch.float64)).numpy()


def masked(u, keep):
    return np.where(keep, u, -np.inf)


def random_logits(rng, n_tokens, rows=3):
    """Rows of logits: continuous or small integers (many ties), some masked, never a
    fully masked row."""
    kind = rng.integers(3)
    if kind == 0:
        u = rng.normal(size=(rows, n_tokens)) * rng.choice([0.3, 1.0, 4.0])
    elif kind == 1:
        u = rng.integers(-3, 4, size=(rows, n_tokens)).astype(float)
    else:
        u = np.round(rng.normal(size=(rows, n_tokens)) * 2, 1)
    hide = rng.random((rows, n_tokens)) < rng.choice([0.0, 0.2, 0.5])
    hide[np.arange(rows), rng.integers(n_tokens, size=rows)] = False
    u[hide] = -np.inf
    return u


def cases(seed, low=1, high=17):
    rng = np.random.default_rng(seed)
    for _ in range(N_CASES):
        yield rng, random_logits(rng, int(rng.integers(low, high)))


def assert_same_up_to_boundary_ties(ours, theirs, u):
    """Equal kept counts per row, and equal decisions for every token not tied with the
    weakest kept one."""
    ours_kept, theirs_kept = np.isfinite(ours), np.isfinite(theirs)
    np.testing.assert_array_equal(ours_kept.sum(-1), theirs_kept.sum(-1))
    boundary = np.where(ours_kept, u, np.inf).min(axis=-1, keepdims=True)
    outside = u != boundary
    np.testing.assert_array_equal(ours_kept[outside], theirs_kept[outside])
    np.testing.assert_array_equal(ours[ours_kept], u[ours_kept])


# --------------------------------------------------------------- equal to transformers
def test_top_k_equals_transformers_including_ties_and_masks():
    for rng, u in cases(1, high=60):
        k = int(rng.integers(1, u.shape[-1] + 3))
        m = int(rng.choice([1, 1, 2, 5]))
        expected = transformers_out(TopKLogitsWarper(k, min_tokens_to_keep=m), u)
        np.testing.assert_array_equal(
            masked(u, top_k_mask(u, k, min_tokens_to_keep=m)), expected
        )


def test_top_p_equals_transformers_exactly_on_rows_up_to_16_tokens():
    for rng, u in cases(2):
        p = float(rng.choice([rng.uniform(0.01, 0.999), 0.5, 0.9]))
        m = int(rng.choice([1, 1, 2, 3]))
        expected = transformers_out(TopPLogitsWarper(p, min_tokens_to_keep=m), u)
        np.testing.assert_array_equal(
            masked(u, top_p_mask(u, p, min_tokens_to_keep=m)), expected
        )


def test_top_p_on_long_rows_differs_at_most_inside_the_boundary_tie():
    for rng, u in cases(3, low=17, high=300):
        p = float(rng.uniform(0.01, 0.999))
        expected = transformers_out(TopPLogitsWarper(p), u)
        assert_same_up_to_boundary_ties(masked(u, top_p_mask(u, p)), expected, u)


def test_top_p_tie_rule_keeps_the_later_index():
    # Two equal logits, mass 1/2 each: p = 0.5 keeps exactly one of them, the one with
    # the larger index.
    u = np.array([0.0, 0.0])
    np.testing.assert_array_equal(top_p_mask(u, 0.5), [False, True])
    np.testing.assert_array_equal(
        transformers_out(TopPLogitsWarper(0.5), u[None])[0], [-np.inf, 0.0]
    )


def test_min_p_equals_transformers():
    for rng, u in cases(4, high=60):
        min_p = float(rng.choice([rng.uniform(0, 1), 0.0, 1.0, 0.1]))
        expected = transformers_out(MinPLogitsWarper(min_p), u)
        np.testing.assert_array_equal(masked(u, min_p_mask(u, min_p)), expected)


def test_min_p_with_min_tokens_to_keep_differs_at_most_inside_a_tie():
    # transformers tops up with torch.topk, whose choice among equal logits is
    # unspecified.
    for rng, u in cases(5, high=30):
        min_p, m = float(rng.uniform(0, 1)), int(rng.integers(2, 6))
        expected = transformers_out(MinPLogitsWarper(min_p, min_tokens_to_keep=m), u)
        assert_same_up_to_boundary_ties(
            masked(u, min_p_mask(u, min_p, min_tokens_to_keep=m)), expected, u
        )


def test_typical_equals_transformers():
    # Its cut is a threshold on |-log p - H|, so ties matter only for min_tokens_to_keep
    # > 1 on long rows.
    for rng, u in cases(6, high=40):
        mass = float(rng.uniform(0.02, 0.98))
        m = int(rng.choice([1, 1, 2])) if u.shape[-1] <= 16 else 1
        expected = transformers_out(TypicalLogitsWarper(mass, min_tokens_to_keep=m), u)
        np.testing.assert_array_equal(
            masked(u, typical_mask(u, mass, min_tokens_to_keep=m)), expected
        )


def test_warp_in_transformers_order_equals_the_warper_chain_of_generate():
    # generate() appends Temperature, TopK, TopP, MinP in this order (transformers 5.23,
    # _get_logits_processor).
    for rng, u in cases(7):
        T = float(rng.choice([0.3, 0.5, 0.7, 1.5, 2.0, 4.0]))
        k = int(rng.integers(1, u.shape[-1] + 2))
        p, min_p = float(rng.uniform(0.05, 0.99)), float(rng.uniform(0, 0.5))
        chain = LogitsProcessorList(
            [
                TemperatureLogitsWarper(T),
                TopKLogitsWarper(k),
                TopPLogitsWarper(p),
                MinPLogitsWarper(min_p),
            ]
        )
        np.testing.assert_array_equal(
            warp(u, T, top_k=k, top_p=p, min_p=min_p), transformers_out(chain, u)
        )


def test_warp_in_llama_cpp_order_truncates_first_and_tempers_last():
    for rng, u in cases(8):
        T = float(rng.choice([0.3, 0.5, 2.0]))
        k, p, min_p = (
            int(rng.integers(1, u.shape[-1] + 2)),
            float(rng.uniform(0.05, 0.99)),
            float(rng.uniform(0, 0.5)),
        )
        chain = LogitsProcessorList(
            [TopKLogitsWarper(k), TopPLogitsWarper(p), MinPLogitsWarper(min_p)]
        )
        untempered = transformers_out(chain, u)
        expected = np.where(np.isfinite(untempered), untempered / T, -np.inf)
        np.testing.assert_array_equal(
            warp(u, T, top_k=k, top_p=p, min_p=min_p, order="llama.cpp"), expected
        )


# -------------------------------------------------------------------------- properties
TEMPERATURES = np.logspace(-1, 1, 9)


def test_temperature_alone_never_changes_the_support():
    for _, u in cases(9):
        # clipped: exp((u - max)/T) >= exp(-100) > 0
        u = np.where(np.isfinite(u), np.clip(u, -5, 5), -np.inf)
        for T in TEMPERATURES:
            for order in ORDERS:
                q = warp_probs(u, T, order=order)
                np.testing.assert_array_equal(q > 0, np.isfinite(u))
                np.testing.assert_allclose(
                    q, tempered_softmax(u, T), rtol=1e-12, atol=1e-300
                )


def test_truncation_changes_the_support():
    u = np.array([3.2, 2.4, 2.1, 1.6, 0.8, 0.3, -1.5])
    for T in TEMPERATURES:
        for kwargs in ({"top_k": 3}, {"top_p": 0.5}, {"min_p": 0.9}):
            q = warp_probs(u, T, **kwargs)
            assert (q == 0).any() and q[0] > 0, (T, kwargs)


def test_top_k_kept_set_does_not_depend_on_T():
    for rng, u in cases(10):
        k = int(rng.integers(1, u.shape[-1] + 1))
        base = top_k_mask(u, k)
        for T in TEMPERATURES:
            np.testing.assert_array_equal(top_k_mask(u / T, k), base)


def test_top_p_and_min_p_kept_sets_grow_with_T_after_temperature():
    for rng, u in cases(11):
        p, min_p = float(rng.uniform(0.05, 0.95)), float(rng.uniform(0.01, 0.9))
        for kwargs in ({"top_p": p}, {"min_p": min_p}):
            kept = [np.isfinite(warp(u, T, **kwargs)) for T in TEMPERATURES]
            for smaller, larger in zip(kept, kept[1:]):
                assert not (smaller & ~larger).any(), (
                    kwargs
                )  # nested: nothing kept at low T is lost at high T


def test_llama_cpp_order_kept_set_does_not_depend_on_T():
    for rng, u in cases(12):
        kwargs = {
            "top_p": float(rng.uniform(0.05, 0.95)),
            "min_p": float(rng.uniform(0, 0.5)),
        }
        base = np.isfinite(warp(u, 1.0, order="llama.cpp", **kwargs))
        for T in TEMPERATURES:
            np.testing.assert_array_equal(
                np.isfinite(warp(u, T, order="llama.cpp", **kwargs)), base
            )


def test_min_p_threshold_in_logits():
    # p_i >= min_p * p_max  <=>  u_i >= u_max + T log(min_p), at temperature T.
    rng = np.random.default_rng(13)
    for _ in range(N_CASES):
        u = rng.normal(size=12) * 2
        T, min_p = float(rng.uniform(0.2, 5)), float(rng.uniform(0.01, 0.99))
        gap = u.max() + T * np.log(min_p) - u
        clear = (
            np.abs(gap) > 1e-9
        )  # away from the boundary, where rounding could decide
        np.testing.assert_array_equal(
            min_p_mask(u / T, min_p)[clear], (gap <= 0)[clear]
        )


# ----------------------------------------------------------------- the worked examples
def test_order_matters_top_p_example():
    u = np.array([3.0, 2.0, 1.0])
    hf = warp_probs(u, 0.5, top_p=0.8)
    llama = warp_probs(u, 0.5, top_p=0.8, order="llama.cpp")
    np.testing.assert_array_equal(hf > 0, [True, False, False])
    np.testing.assert_array_equal(llama > 0, [True, True, False])
    np.testing.assert_allclose(
        llama[:2], [1 / (1 + np.exp(-2)), np.exp(-2) / (1 + np.exp(-2))]
    )
    # transformers' order keeps the second token only above T* = 1 / log(2 + 2 sqrt 2).
    T_star = 1 / np.log(2 + 2 * np.sqrt(2))
    assert np.isfinite(warp(u, T_star * 1.001, top_p=0.8)).sum() == 2
    assert np.isfinite(warp(u, T_star * 0.999, top_p=0.8)).sum() == 1


def test_order_matters_min_p_example():
    u = np.array([3.0, 2.0, 1.0])
    np.testing.assert_array_equal(
        np.isfinite(warp(u, 2.0, min_p=0.2)), [True, True, True]
    )
    np.testing.assert_array_equal(
        np.isfinite(warp(u, 2.0, min_p=0.2, order="llama.cpp")), [True, True, False]
    )
    np.testing.assert_array_equal(
        np.isfinite(warp(u, 0.5, min_p=0.2)), [True, False, False]
    )


def test_batches_are_rows():
    rng = np.random.default_rng(14)
    u = rng.normal(size=(2, 3, 9))
    out = warp(u, 0.7, top_k=4, top_p=0.8)
    for idx in np.ndindex(2, 3):
        np.testing.assert_array_equal(out[idx], warp(u[idx], 0.7, top_k=4, top_p=0.8))


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"top_k": 0}, ValueError, "top_k=0"),
        ({"top_k": -2}, ValueError, "top_k must be an int >= 1"),
        ({"top_k": 2.5}, TypeError, "top_k must be an int"),
        ({"top_k": True}, TypeError, "top_k must be an int"),
        ({"top_p": 0.0}, ValueError, r"top_p must be in \(0, 1\]"),
        ({"top_p": 1.5}, ValueError, r"top_p must be in \(0, 1\]"),
        ({"top_p": float("nan")}, ValueError, "top_p must be in"),
        ({"top_p": "0.9"}, TypeError, "top_p must be a real number"),
        ({"min_p": -0.1}, ValueError, r"min_p must be in \[0, 1\]"),
        ({"min_p": 1.1}, ValueError, r"min_p must be in \[0, 1\]"),
        ({"typical_p": 1.0}, ValueError, r"typical_p must be in \(0, 1\)"),
        (
            {"min_tokens_to_keep": 0},
            ValueError,
            "min_tokens_to_keep must be an int >= 1",
        ),
        ({"order": "vllm"}, ValueError, "order must be one of"),
        ({"T": 0}, ValueError, "greedy"),
        ({"T": -1.0}, ValueError, "T must be a finite number > 0"),
        ({"T": float("inf")}, ValueError, "T must be a finite number > 0"),
        ({"T": None}, TypeError, "T must be a real number"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, error, match):
    kwargs = {"T": 1.0, **kwargs}
    with pytest.raises(error, match=match):
        warp([1.0, 0.0, -1.0], **kwargs)


@pytest.mark.parametrize(
    "logits, match",
    [
        ([1.0, float("nan")], "NaN"),
        ([1.0, float("inf")], r"\+inf"),
        ([-np.inf, -np.inf], "all logits are masked"),
        ([[0.0, 1.0], [-np.inf, -np.inf]], "all logits are masked"),
        ([], "empty"),
    ],
)
def test_bad_logits_raise(logits, match):
    for call in (
        lambda: warp(logits, 1.0),
        lambda: top_k_mask(logits, 1),
        lambda: top_p_mask(logits, 0.9),
        lambda: min_p_mask(logits, 0.1),
        lambda: typical_mask(logits, 0.9),
    ):
        with pytest.raises(ValueError, match=match):
            call()


def test_mask_functions_check_their_own_parameters():
    with pytest.raises(ValueError, match="k must be an int >= 1"):
        top_k_mask([1.0, 0.0], 0)
    with pytest.raises(ValueError, match=r"p must be in \(0, 1\]"):
        top_p_mask([1.0, 0.0], 0)
    with pytest.raises(ValueError, match=r"min_p must be in \[0, 1\]"):
        min_p_mask([1.0, 0.0], 2)
    with pytest.raises(ValueError, match=r"mass must be in \(0, 1\)"):
        typical_mask([1.0, 0.0], 0)
