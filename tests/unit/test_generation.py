"""Chapter 6 helpers: the hand-written sampling loop is generate(), token for token; the
diversity metrics."""

import gzip

import numpy as np
import pytest
import torch

from tempered.lm import grammar as g
from tempered.lm import load_model
from tempered.lm.generation import compression_ratio
from tempered.lm.generation import distinct_n
from tempered.lm.generation import mean_token_loglik
from tempered.lm.generation import next_token_logits
from tempered.lm.generation import repetition_rate
from tempered.lm.generation import sample_manual
from tempered.lm.generation import token_label


@pytest.fixture(scope="module")
def tiny():
    from transformers import GPT2Config
    from transformers import GPT2LMHeadModel

    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=211,
        n_positions=64,
        n_embd=32,
        n_layer=2,
        n_head=2,
        bos_token_id=0,
        eos_token_id=0,
        pad_token_id=0,
    )
    return GPT2LMHeadModel(config).eval()


@pytest.fixture(scope="module")
def grammar_model():
    return load_model("grammar")


def _generate(model, start, T, n, seed, eos=None):
    torch.manual_seed(seed)
    return model.generate(
        start,
        attention_mask=torch.ones_like(start),
        do_sample=True,
        temperature=T,
        top_k=0,
        top_p=1.0,
        max_new_tokens=n,
        eos_token_id=eos,
        pad_token_id=0,
    )


@pytest.mark.parametrize("T", [0.25, 1.0, 3.0])
def test_manual_loop_equals_generate_on_a_random_gpt2(tiny, T):
    torch.set_num_threads(1)
    start = torch.tensor([[3, 14, 15]])
    for seed in range(6):
        expected = _generate(tiny, start, T, 30, seed)
        torch.manual_seed(seed)
        got = sample_manual(tiny, start, T, 30)
        assert got.shape == (1, 33)
        assert torch.equal(got, expected), (seed, T)


def test_manual_loop_equals_generate_on_the_grammar_model(grammar_model):
    torch.set_num_threads(1)
    model, tok = grammar_model
    start = torch.tensor([[tok.eos_token_id]])
    lengths = set()
    for T in (0.5, 1.0, 2.0):
        for seed in range(8):
            expected = _generate(model, start, T, 40, seed, eos=tok.eos_token_id)
            torch.manual_seed(seed)
            got = sample_manual(model, start, T, 40, eos_token_id=tok.eos_token_id)
            assert torch.equal(got, expected), (seed, T)
            lengths.add(got.shape[1])
    assert (
        len(lengths) > 3
    )  # sentences of several lengths: stopping at EOS matters and matches


def test_a_generator_gives_reproducible_draws_and_the_temperature_matters(tiny):
    start = torch.tensor([[1, 2]])
    a = sample_manual(tiny, start, 1.0, 40, torch.Generator().manual_seed(5))
    b = sample_manual(tiny, start, 1.0, 40, torch.Generator().manual_seed(5))
    c = sample_manual(tiny, start, 0.05, 40, torch.Generator().manual_seed(5))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    # at a tiny temperature every step is (almost surely) the argmax: greedy decoding
    greedy = tiny.generate(
        start,
        attention_mask=torch.ones_like(start),
        do_sample=False,
        max_new_tokens=40,
        eos_token_id=None,
        pad_token_id=0,
    )
    low = sample_manual(tiny, start, 1e-4, 40, torch.Generator().manual_seed(1))
    assert torch.equal(low, greedy)


@pytest.mark.parametrize("bad", [0, 0.0, -1.0, float("inf"), float("nan"), True, "1"])
def test_bad_temperatures_are_rejected(tiny, bad):
    with pytest.raises(ValueError, match="temperature"):
        sample_manual(tiny, [1, 2], bad, 3)


def test_first_step_frequencies_follow_the_tempered_softmax(tiny):
    start = torch.tensor([[7]])
    T = 0.6
    with torch.no_grad():
        p = torch.softmax(tiny(start).logits[0, -1] / T, -1).numpy()
    gen = torch.Generator().manual_seed(0)
    draws = [int(sample_manual(tiny, start, T, 1, gen)[0, -1]) for _ in range(3000)]
    freq = np.bincount(draws, minlength=p.size) / len(draws)
    top = np.argsort(-p)[:3]
    # binomial standard error is at most 0.0092 at 3000 draws: 5 s.e.
    np.testing.assert_allclose(freq[top], p[top], atol=0.046)


def test_next_token_logits_match_the_grammar_helper(grammar_model):
    model, tok = grammar_model
    prefix = ["the", "dog"]
    ours = next_token_logits(model, tok, " the dog", add_eos_start=True)
    theirs = g.model_next_token_logits(model, tok, prefix)[0]
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    ids = g.words_to_token_ids(prefix, tok)
    np.testing.assert_allclose(
        next_token_logits(model, tok, ids), theirs, rtol=1e-5, atol=1e-5
    )
    assert token_label(tok, ids[1]) == "the"
    with pytest.raises(ValueError, match="empty"):
        next_token_logits(model, tok, "")


def test_distinct_n():
    assert distinct_n([[1, 2, 3, 4]], 1) == 1.0
    assert distinct_n([[1, 1, 1, 1]], 1) == 0.25
    assert distinct_n([[1, 2, 1, 2]], 2) == pytest.approx(2 / 3)  # (1,2), (2,1), (1,2)
    assert distinct_n([[1, 2, 3], [1, 2, 3]], 2) == 0.5  # the same generation twice
    assert np.isnan(distinct_n([[1]], 2))
    with pytest.raises(ValueError):
        distinct_n([[1, 2]], 0)


def test_repetition_rate():
    assert repetition_rate([1, 2, 3, 4, 5], 2) == 0.0
    assert repetition_rate([1, 2, 1, 2, 1, 2], 2) == pytest.approx(
        3 / 5
    )  # 12 21 [12] [21] [12]
    assert repetition_rate([7] * 10, 3) == pytest.approx(7 / 8)
    assert np.isnan(repetition_rate([1, 2], 3))


def test_compression_ratio():
    rng = np.random.default_rng(0)
    random_text = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz "), 400))
    loop = "the cat sat on the mat. " * 17
    assert compression_ratio(loop) > 3 * compression_ratio(random_text)
    assert compression_ratio(loop) == len(loop.encode()) / len(
        gzip.compress(loop.encode(), 9, mtime=0)
    )
    with pytest.raises(ValueError):
        compression_ratio("")


def test_mean_token_loglik_is_minus_the_cross_entropy(tiny):
    seq = torch.tensor([[5, 9, 2, 8, 8, 1, 0, 4]])
    with torch.no_grad():
        logits = tiny(seq).logits[0]
    ce = torch.nn.functional.cross_entropy(logits[2:-1].double(), seq[0, 3:])
    assert mean_token_loglik(tiny, seq, 3) == pytest.approx(-float(ce), rel=1e-6)
    assert mean_token_loglik(tiny, seq[0], 3) == pytest.approx(-float(ce), rel=1e-6)
    with pytest.raises(ValueError):
        mean_token_loglik(tiny, seq, 8)
