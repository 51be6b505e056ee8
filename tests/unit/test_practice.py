"""Chapter 9's package code: speculative sampling, pass@k, the off-policy gradient
and the batching helpers, each checked against a second route."""

import math

import numpy as np
import pytest
from scipy.special import comb

from tempered.lm.grammar import GRAMMAR
from tempered.practice import offpolicy as op
from tempered.practice import passk
from tempered.practice import speculative as sp

P = np.array([0.5, 0.3, 0.2, 0.0])
Q = np.array([0.25, 0.25, 0.25, 0.25])


def test_acceptance_is_one_minus_total_variation():
    rng = np.random.default_rng(0)
    p, q = rng.dirichlet(np.ones(7), size=50), rng.dirichlet(np.ones(7), size=50)
    np.testing.assert_allclose(sp.acceptance_rate(p, q), 1 - sp.total_variation(p, q))
    assert sp.acceptance_rate(P, Q) == pytest.approx(0.25 + 0.25 + 0.2)


def test_the_step_returns_the_target_exactly():
    rng = np.random.default_rng(1)
    for _ in range(20):
        p, q = rng.dirichlet(np.ones(6) * 0.5), rng.dirichlet(np.ones(6) * 0.5)
        np.testing.assert_allclose(sp.speculative_output_distribution(p, q), p)
    # q == p: never rejected, the residual is never used
    np.testing.assert_allclose(sp.speculative_output_distribution(P, P), P)


def test_the_step_by_hand_samples_p_and_accepts_at_the_right_rate():
    tokens, accepted = sp.speculative_step(P, Q, rng=0, size=40_000)
    freq = np.bincount(tokens, minlength=4) / tokens.size
    assert np.abs(freq - P).max() < 0.01  # 4 standard errors at n = 40,000
    assert abs(accepted.mean() - 0.7) < 0.01
    token, ok = sp.speculative_step(P, Q, rng=3)
    assert isinstance(token, int) and isinstance(ok, bool)


@pytest.mark.parametrize(
    "p, q, match",
    [
        ([0.5, 0.5], [1.0], "share their vocabulary"),
        ([0.5, 0.6], [0.5, 0.5], "sum to 1"),
        ([-0.5, 1.5], [0.5, 0.5], "finite and >= 0"),
        ([], [], "non-empty"),
    ],
)
def test_bad_distributions_are_named(p, q, match):
    with pytest.raises(ValueError, match=f"acceptance_rate: .*{match}"):
        sp.acceptance_rate(p, q)


def test_pass_at_k_estimator_matches_the_binomial_formula():
    for n, c, k in [(10, 3, 1), (10, 3, 5), (200, 17, 50), (5, 0, 2), (5, 4, 3)]:
        exact = 1 - comb(n - c, k, exact=True) / comb(n, k, exact=True)
        assert passk.pass_at_k(n, c, k) == pytest.approx(exact, rel=1e-12, abs=1e-15)
    assert passk.pass_at_k(10, 3, 1) == pytest.approx(0.3)
    with pytest.raises(ValueError, match="pass_at_k: k"):
        passk.pass_at_k(5, 2, 6)
    with pytest.raises(ValueError, match="pass_at_k: c"):
        passk.pass_at_k(5, 6, 1)


def test_pass_at_k_from_probability():
    np.testing.assert_allclose(
        passk.pass_at_k_from_probability([0, 0.5, 1], 3), [0, 0.875, 1]
    )
    with pytest.raises(ValueError, match="pass_at_k_from_probability: s"):
        passk.pass_at_k_from_probability(1.5, 2)


def test_grammar_success_probability_against_sampling():
    # Exact P(contains "dog", <= 8 tokens) at T = 1 against 20,000 sentences.
    s = passk.grammar_success_probability(GRAMMAR, "dog", 1.0, 8)
    sentences = GRAMMAR.sample_sentences(20_000, rng=4)
    hits = np.mean([("dog" in x) and (len(x) + 1 <= 8) for x in sentences])
    assert abs(hits - s) < 4 * math.sqrt(s * (1 - s) / 20_000) + 1e-4
    # a long enough limit gives P(contains w), which cannot exceed 1
    long = passk.grammar_success_probability(GRAMMAR, "dog", 1.0, 400)
    assert s < long <= 1
    with pytest.raises(ValueError, match="grammar_success_probability: T"):
        passk.grammar_success_probability(GRAMMAR, "dog", 0.0, 8)


def test_the_off_policy_gradient_is_biased_and_the_weights_fix_it():
    theta = np.array([1.0, 0.2, -0.5, 0.0])
    r = np.array([0.0, 1.0, 0.3, 0.5])
    true = op.policy_gradient(theta, r, 1.0)
    np.testing.assert_allclose(op.naive_gradient(theta, r, 1.0), true, atol=1e-15)
    for T in (0.5, 2.0):
        assert np.abs(op.naive_gradient(theta, r, T) - true).max() > 1e-2
        np.testing.assert_allclose(op.importance_weighted_gradient(theta, r, T), true)
    # the on-policy gradient at T by finite differences of E_{softmax(theta/T)}[r]
    T, eps = 0.7, 1e-6
    J = lambda th: np.exp(th / T) @ r / np.exp(th / T).sum()  # noqa: E731
    fd = [(J(theta + eps * e) - J(theta - eps * e)) / (2 * eps) for e in np.eye(4)]
    np.testing.assert_allclose(op.policy_gradient(theta, r, T), fd, atol=1e-8)
    with pytest.raises(ValueError, match="naive_gradient: rewards"):
        op.naive_gradient(theta, r[:3], 0.5)
    with pytest.raises(ValueError, match="policy_gradient: T"):
        op.policy_gradient(theta, r, -1.0)


@pytest.fixture(scope="module")
def grammar():
    from tempered.lm import load_model

    return load_model("grammar")


def test_speculative_decode_with_the_target_as_draft_accepts_everything(grammar):
    model, tok = grammar
    prompt = [tok.eos_token_id]
    ids, accepted, alphas = sp.speculative_decode(
        model, model, prompt, 0.8, gamma=3, max_new_tokens=10, seed=0
    )
    assert ids.shape == (11,) and accepted.all()
    # not exactly 1: the draft runs on a shorter sequence than the target, so its
    # float32 sums run in another order (chapter 9's first section)
    np.testing.assert_allclose(alphas, 1.0, atol=1e-4)
    with pytest.raises(ValueError, match="speculative_decode: gamma"):
        sp.speculative_decode(model, model, prompt, 0.8, gamma=0, max_new_tokens=4)
    with pytest.raises(ValueError, match="speculative_decode: input_ids"):
        sp.speculative_decode(model, model, [], 0.8, gamma=2, max_new_tokens=4)


def test_greedy_continuations_alone_and_batched(grammar):
    from tempered.practice import batching

    model, tok = grammar
    prompts = [[tok.eos_token_id] + tok("the dog")["input_ids"], [tok.eos_token_id]]
    alone, u_alone = batching.greedy_continuations(model, prompts, 5)
    batched, _ = batching.greedy_continuations(
        model, prompts, 5, batch_size=2, pad_id=tok.eos_token_id
    )
    assert alone.shape == batched.shape == (2, 5) and u_alone.shape[:2] == (2, 5)
    np.testing.assert_array_equal(alone, u_alone.argmax(-1))  # greedy is the argmax
    np.testing.assert_array_equal(
        batching.first_divergence([[1, 2, 3], [1, 2, 3]], [[1, 2, 3], [1, 5, 3]]),
        [-1, 1],
    )
    assert batching.top2_margins([1.0, 3.0, 2.5]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="first_divergence: a and b"):
        batching.first_divergence([[1, 2]], [[1, 2, 3]])
    with pytest.raises(ValueError, match="top2_margins: logits"):
        batching.top2_margins([1.0])
    with pytest.raises(ValueError, match="greedy_continuations: prompts"):
        batching.greedy_continuations(model, [], 5)


def test_the_speculative_widget_shows_the_overlap():
    from tempered.widgets.speculative import SpeculativeExplorer

    explorer = SpeculativeExplorer([2.0, 1.0, 0.0], [0.0, 1.0, 2.0], ["a", "b", "c"])
    p = np.exp([2.0, 1.0, 0.0]) / np.exp([2.0, 1.0, 0.0]).sum()
    assert explorer.alpha == pytest.approx(sp.acceptance_rate(p, p[::-1]))
    explorer.update(100.0)
    assert explorer.alpha > 0.99  # both nearly uniform
    with pytest.raises(ValueError, match="SpeculativeExplorer: labels"):
        SpeculativeExplorer([1.0, 2.0], [1.0, 2.0], ["a"])
    with pytest.raises(ValueError, match="SpeculativeExplorer.update: T"):
        explorer.update(0.0)


def test_speculative_explorer_static_twin_and_live(monkeypatch, shown, grammar):
    import html
    import json
    import re

    from tempered.widgets import static
    from tempered.widgets.speculative import speculative_explorer

    model, tok = grammar
    monkeypatch.setenv(static.STATIC_ENV, "1")
    explorer = speculative_explorer("the dog", k=5, T=0.7, models=(model, model, tok))
    (widget,) = shown
    assert 'data-kind="speculative-overlap"' in widget._repr_html_()
    spec = json.loads(
        html.unescape(re.search(r'data-spec="([^"]*)"', widget._repr_html_())[1])
    )
    assert len(spec["target"]) == len(spec["draft"]) == len(spec["labels"]) == 5
    assert spec["T"] == 0.7 and explorer.alpha == pytest.approx(1.0)  # draft == target
    monkeypatch.delenv(static.STATIC_ENV, raising=False)
    speculative_explorer("the dog", k=5, models=(model, model, tok))
    assert type(shown[-1]).__module__.startswith("ipywidgets")
