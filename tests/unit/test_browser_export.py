"""The context rule and the grammar tables the live widget's export writes (no ONNX
export here: the book build does it, and tests/browser/test_live_lm.py checks it)."""

import pytest

from tempered.lm.browser_export import _CachedStep
from tempered.lm.browser_export import _grammar_tables
from tempered.lm.browser_export import cache_names
from tempered.lm.browser_export import context_ids
from tempered.lm.browser_export import export_model
from tempered.lm.grammar import GRAMMAR
from tempered.lm.grammar.compare import words_to_token_ids


class _Letters:
    """A tokenizer stand-in: one token per character, end token 0."""

    eos_token_id = 0

    def __call__(self, text):
        return {"input_ids": [ord(c) for c in text]}


def test_context_is_end_token_and_prompt_cut_from_the_left():
    tok = _Letters()
    assert context_ids(tok, "", 4) == ([0], 0)
    assert context_ids(tok, "ab", 4) == ([0, 97, 98], 0)
    assert context_ids(tok, "abcdef", 4) == ([99, 100, 101, 102], 3)


@pytest.mark.parametrize(
    ("prompt", "n_ctx", "match"),
    [(None, 4, "context_ids: prompt"), ("a", 0, "context_ids: n_ctx")],
)
def test_context_bad_input_names_the_argument(prompt, n_ctx, match):
    with pytest.raises((TypeError, ValueError), match=match):
        context_ids(_Letters(), prompt, n_ctx)


def test_export_model_rejects_an_unknown_model(tmp_path):
    with pytest.raises(ValueError, match="export_model: name"):
        export_model("gpt2", tmp_path)


def test_grammar_tables_walk_like_the_grammar(grammar_model):
    _, tok = grammar_model
    tables = _grammar_tables(tok)
    words = "the girls that chase the".split()
    state = tables["start"]
    for token in words_to_token_ids(words, tok, start=False):
        state = dict(map(tuple, tables["states"][state]))[token]
    legal = {tables["words"][t] for t, _ in tables["states"][state]}
    want = GRAMMAR.next_word_distribution(words)
    assert legal == {w for w, p in zip(GRAMMAR.vocabulary(), want) if p > 0}


def test_cached_steps_equal_the_full_forward(grammar_model):
    """The exported graph's torch module: a prompt on an empty cache, then one token
    at a time on the cache, gives the logits of PyTorch's full forward each time."""
    import torch

    model, tok = grammar_model
    cfg = model.config
    step = _CachedStep(model)
    past = [
        torch.zeros(1, cfg.n_head, 0, cfg.n_embd // cfg.n_head)
        for _ in range(2 * cfg.n_layer)
    ]
    seq, _ = context_ids(tok, "the girls that chase the", cfg.n_positions)
    new = seq
    with torch.no_grad():
        for _ in range(4):
            logits, *past = step(torch.tensor([new]), *past)
            full = model(input_ids=torch.tensor([seq])).logits[0, -1]
            assert torch.allclose(logits, full, atol=1e-4, rtol=0)
            assert past[0].shape[2] == len(seq)
            new = [int(logits.argmax())]
            seq = seq + new
    assert cache_names(1) == (
        ["past_key_0", "past_value_0"],
        ["present_key_0", "present_value_0"],
    )


@pytest.fixture(scope="module")
def grammar_model():
    from tempered.lm import load_model

    return load_model("grammar")
