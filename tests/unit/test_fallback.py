"""tempered.lm.fallback: Whisper's temperature fallback on the grammar model."""

import importlib
import sys

import pytest
import torch

from tempered.lm import load_model
from tempered.lm.fallback import WHISPER_TEMPERATURES
from tempered.lm.fallback import Attempt
from tempered.lm.fallback import decode_once
from tempered.lm.fallback import temperature_fallback
from tempered.lm.generation import mean_token_loglik
from tempered.lm.generation import zlib_compression_ratio


@pytest.fixture(scope="module")
def grammar():
    model, tok = load_model("grammar")
    ids = torch.tensor([[tok.eos_token_id] + tok.encode(" the dog")])
    return model, tok, ids


def test_greedy_attempt_is_generate(grammar):
    model, tok, ids = grammar
    text, ratio, logprob = decode_once(model, tok, ids, 0.0, seed=5, max_new_tokens=12)
    out = model.generate(
        ids,
        attention_mask=torch.ones_like(ids),
        do_sample=False,
        max_new_tokens=12,
        pad_token_id=tok.eos_token_id,
    )
    expected = tok.decode(out[0, ids.shape[1] :]).replace(tok.eos_token, "").strip()
    assert text == expected and tok.eos_token not in text
    assert ratio == zlib_compression_ratio(text)  # Whisper's ratio, not gzip's
    assert logprob == pytest.approx(mean_token_loglik(model, out, ids.shape[1]))


def test_sampled_attempt_repeats_with_its_seed(grammar):
    model, tok, ids = grammar
    first = decode_once(model, tok, ids, 0.8, seed=3)
    assert decode_once(model, tok, ids, 0.8, seed=3) == first


def test_fallback_stops_at_the_first_pass(grammar):
    model, tok, ids = grammar
    attempts = temperature_fallback(model, tok, ids, seed=0, min_logprob=-4.0)
    assert all(isinstance(a, Attempt) for a in attempts)
    assert [a.T for a in attempts] == [0.0, 0.2]
    assert not attempts[0].ok and attempts[0].ratio > 2.4  # the greedy loop
    assert attempts[1].ok and attempts[1].ratio <= 2.4 and attempts[1].logprob >= -4
    lenient = temperature_fallback(model, tok, ids, max_ratio=100, min_logprob=-100)
    assert len(lenient) == 1 and lenient[0].ok


def test_whisper_thresholds_reject_every_attempt_here(grammar):
    model, tok, ids = grammar
    attempts = temperature_fallback(model, tok, ids, seed=0, max_new_tokens=20)
    assert [a.T for a in attempts] == list(WHISPER_TEMPERATURES)
    assert not any(a.ok for a in attempts)  # the grammar's log-probs are near -2.7


class _Silent:
    """The grammar tokenizer, except that every decoded text is blank."""

    def __init__(self, tok):
        self.eos_token_id, self.eos_token = tok.eos_token_id, tok.eos_token

    def decode(self, ids):
        return "  "


def test_an_empty_text_has_ratio_zero(grammar):
    model, tok, ids = grammar
    text, ratio, _ = decode_once(
        model, _Silent(tok), ids, 0.0, seed=0, max_new_tokens=3
    )
    assert text == "" and ratio == 0.0


def test_bad_arguments(grammar):
    model, tok, ids = grammar
    with pytest.raises(ValueError, match="decode_once: T must be >= 0"):
        decode_once(model, tok, ids, -1.0, seed=0)
    with pytest.raises(
        ValueError, match="temperature_fallback: max_new_tokens must be an int >= 1"
    ):
        temperature_fallback(model, tok, ids, max_new_tokens=0)


def test_import_without_torch_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # as if torch were not installed
    monkeypatch.delitem(sys.modules, "tempered.lm.fallback", raising=False)
    with pytest.raises(
        ImportError,
        match=r"tempered.lm.fallback needs torch: pip install 'tempered\[lm\]'",
    ):
        importlib.import_module("tempered.lm.fallback")
