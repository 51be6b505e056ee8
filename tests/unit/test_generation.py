"""Chapter 6 helpers: the hand-written sampling loop is generate(), token for token; the
diversity metrics."""

import gzip
import zlib

import numpy as np
import pytest
import torch

from tempered.lm import grammar as g
from tempered.lm import load_model
from tempered.lm.generation import METRICS
from tempered.lm.generation import compression_ratio
from tempered.lm.generation import distinct_n
from tempered.lm.generation import generate_at_temperature
from tempered.lm.generation import generation_metrics
from tempered.lm.generation import mean_token_loglik
from tempered.lm.generation import metrics_by_temperature
from tempered.lm.generation import next_token_logits
from tempered.lm.generation import repetition_rate
from tempered.lm.generation import sample_manual
from tempered.lm.generation import token_label
from tempered.lm.generation import zlib_compression_ratio
from tempered.lm.loader import MODELS_DIR


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


def test_zlib_compression_ratio_is_whispers():
    loop = "the dog that chases the dog " * 6
    raw = loop.encode()
    # Whisper's ratio: raw bytes over zlib.compress at its default level
    assert zlib_compression_ratio(loop) == len(raw) / len(zlib.compress(raw))
    # same deflate stream, 12 fewer framing bytes than gzip (6 against 18)
    assert len(gzip.compress(raw, 6, mtime=0)) - len(zlib.compress(raw)) == 12
    assert zlib_compression_ratio(loop) > compression_ratio(loop)
    with pytest.raises(ValueError, match="zlib_compression_ratio: empty text"):
        zlib_compression_ratio("")


def test_mean_token_loglik_is_minus_the_cross_entropy(tiny):
    seq = torch.tensor([[5, 9, 2, 8, 8, 1, 0, 4]])
    with torch.no_grad():
        logits = tiny(seq).logits[0]
    ce = torch.nn.functional.cross_entropy(logits[2:-1].double(), seq[0, 3:])
    assert mean_token_loglik(tiny, seq, 3) == pytest.approx(-float(ce), rel=1e-6)
    assert mean_token_loglik(tiny, seq[0], 3) == pytest.approx(-float(ce), rel=1e-6)
    with pytest.raises(ValueError):
        mean_token_loglik(tiny, seq, 8)


def test_generate_at_temperature_samples_as_the_manual_loop(tiny):
    torch.set_num_threads(1)
    start = torch.tensor([[3, 14, 15]])
    for T in (0.5, 1.0, 2.0):
        for seed in range(3):
            out = generate_at_temperature(tiny, start, T, max_new_tokens=20, seed=seed)
            torch.manual_seed(seed)
            assert torch.equal(out, sample_manual(tiny, start, T, 20)), (T, seed)
    # float(T) is passed on: an int temperature is not an error here
    assert generate_at_temperature(tiny, [3, 14], 2, max_new_tokens=2).shape == (1, 4)


def test_generate_at_temperature_zero_is_greedy_and_n_continuations(tiny):
    start = torch.tensor([[1, 2]])
    greedy = tiny.generate(
        start,
        attention_mask=torch.ones_like(start),
        do_sample=False,
        max_new_tokens=15,
        pad_token_id=0,
    )
    out = generate_at_temperature(tiny, start, 0, max_new_tokens=15, n=3)
    assert out.shape == (3, 17)
    assert all(torch.equal(row[None], greedy) for row in out)
    sampled = generate_at_temperature(tiny, start, 1.0, max_new_tokens=15, n=3, seed=0)
    assert len({tuple(r) for r in sampled.tolist()}) > 1  # n independent draws
    # min_new_tokens keeps going past the end token (0 here)
    full = generate_at_temperature(
        tiny, start, 5.0, max_new_tokens=30, min_new_tokens=30, n=4, seed=1
    )
    assert full.shape == (4, 32)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"T": -1.0}, "T must be a finite number >= 0"),
        ({"T": float("inf")}, "T must be a finite number >= 0"),
        ({"T": True}, "T must be a finite number >= 0"),
        ({"max_new_tokens": 0}, "max_new_tokens must be an int >= 1"),
        ({"n": 0}, "n must be an int >= 1"),
        ({"seed": -2}, "seed must be an int >= 0"),
        ({"min_new_tokens": 5}, r"min_new_tokens must be an int in \[0, 3\]"),
        ({"input_ids": [[1, 2], [3, 4]], "n": 2}, "need one prompt, got 2"),
        ({"input_ids": []}, "input_ids must be a non-empty sequence"),
    ],
)
def test_generate_at_temperature_rejects_bad_input(tiny, kwargs, message):
    args = {"input_ids": [1, 2], "T": 1.0, "max_new_tokens": 3} | kwargs
    with pytest.raises(ValueError, match=f"generate_at_temperature: .*{message}"):
        generate_at_temperature(tiny, **args)


class _Ids:
    """A tokenizer stand-in: decodes ids as letters."""

    @staticmethod
    def decode(ids):
        return "".join(chr(97 + int(i) % 26) for i in ids)


def test_generation_metrics_are_the_four_measures(tiny):
    out = generate_at_temperature(
        tiny, [4, 5], 1.0, n=3, seed=0, max_new_tokens=12, min_new_tokens=12
    )
    got = generation_metrics(tiny, _Ids(), out, 2)
    assert tuple(got) == METRICS
    gen = [row[2:] for row in out.tolist()]
    assert got["distinct-2"] == distinct_n(gen, 2)
    assert got["repetition"] == pytest.approx(
        np.mean([repetition_rate(s, 3) for s in gen])
    )
    assert got["gzip"] == pytest.approx(
        np.mean([compression_ratio(_Ids.decode(s)) for s in gen])
    )
    assert got["loglik"] == pytest.approx(
        np.mean([mean_token_loglik(tiny, row, 2) for row in out])
    )
    with pytest.raises(ValueError, match="generation_metrics: output_ids"):
        generation_metrics(tiny, _Ids(), out, 14)


def test_metrics_by_temperature_tabulates_seeded_batches(tiny):
    table = metrics_by_temperature(
        tiny, _Ids(), [4, 5], [0.0, 1.0, 4.0], seeds=(0, 1), n=4, max_new_tokens=10
    )
    assert tuple(table) == METRICS and table["loglik"].shape == (3, 2)
    # greedy: every seed gives the same batch; sampled: seeds differ
    assert table["loglik"][0, 0] == table["loglik"][0, 1]
    assert table["loglik"][2, 0] != table["loglik"][2, 1]
    assert table["loglik"][0].mean() > table["loglik"][2].mean()
    again = generation_metrics(
        tiny,
        _Ids(),
        generate_at_temperature(
            tiny, [4, 5], 4.0, n=4, seed=1, max_new_tokens=10, min_new_tokens=10
        ),
        2,
    )
    assert table["distinct-2"][2, 1] == again["distinct-2"]


def test_quiet_transformers_hides_progress_bars_and_advice():
    from transformers.utils import logging as hf_logging

    from tempered.lm import quiet_transformers

    level, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    try:
        quiet_transformers()
        assert hf_logging.get_verbosity() == hf_logging.ERROR
        assert not hf_logging.is_progress_bar_enabled()
    finally:
        hf_logging.set_verbosity(level)
        (hf_logging.enable_progress_bar if bars else hf_logging.disable_progress_bar)()


# --- red-team report (issue #14), rows LM-truncated and LM-traversal-index: kept here,
# where transformers is loaded anyway (see tests/unit/test_red_team_inputs.py)
def _model_folder(tmp_path, weights: bytes, index=None):
    folder = tmp_path / "model"
    folder.mkdir(parents=True)
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        (folder / name).write_bytes((MODELS_DIR / "grammar" / name).read_bytes())
    if index is None:
        (folder / "model.safetensors").write_bytes(weights)
    else:
        (folder / "model.safetensors.index.json").write_text(index)
    return folder


def test_damaged_weights_raise_naming_load_model(tmp_path):
    grammar = (MODELS_DIR / "grammar" / "model.safetensors").read_bytes()
    truncated = _model_folder(tmp_path, grammar[:200])
    with pytest.raises(ValueError, match=r"^load_model: cannot load"):
        load_model(str(truncated))
    index = '{"metadata": {}, "weight_map": {"lm_head.weight": "../../../etc/passwd"}}'
    escaping = _model_folder(tmp_path / "sharded", b"", index=index)
    with pytest.raises(ValueError, match=r"^load_model: cannot load"):
        load_model(str(escaping))
