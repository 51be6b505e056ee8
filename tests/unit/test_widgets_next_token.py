"""The next-token widget: bars of the top-k tokens of softmax(u / T), moved in place;
its static twin."""

import numpy as np
import pytest
import torch

from tempered import tempered_softmax
from tempered.lm import grammar as g
from tempered.softmax import entropy
from tempered.widgets.next_token import NextTokenExplorer
from tempered.widgets.next_token import next_token_explorer
from tempered.widgets.static import STATIC_ENV
from tempered.widgets.static import StaticWidget

WORDS = [
    "<eos>",
    "the",
    "cat",
    "dog",
    "sat",
    "ran",
    "on",
    "mat",
    "a",
    "red",
    "blue",
    "sleeps",
    ".",
]


@pytest.fixture(scope="module")
def toy():
    """A random GPT-2 with a 13-word tokenizer built in memory (nothing downloaded)."""
    from tokenizers import Tokenizer
    from tokenizers import models
    from tokenizers import pre_tokenizers
    from transformers import GPT2Config
    from transformers import GPT2LMHeadModel
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(
        models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="<eos>")
    )
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok = PreTrainedTokenizerFast(tokenizer_object=core, eos_token="<eos>")
    torch.manual_seed(0)
    model = GPT2LMHeadModel(
        GPT2Config(
            vocab_size=len(WORDS),
            n_positions=32,
            n_embd=16,
            n_layer=1,
            n_head=2,
            bos_token_id=0,
            eos_token_id=0,
        )
    ).eval()
    with torch.no_grad():  # spread the logits so that T visibly matters
        model.lm_head.weight.mul_(40.0)
    return model, tok


def _logits(model, tok, prompt):
    ids = tok(prompt, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0, -1].double().numpy()


def test_bars_are_the_top_k_of_the_whole_tempered_distribution(toy):
    model, tok = toy
    ex = NextTokenExplorer("the cat", model="toy", T=1.0, k=5, models={"toy": toy})
    u = _logits(model, tok, "the cat")
    top = np.argsort(-u)[:5]
    np.testing.assert_array_equal(ex.top_ids, top)
    assert ex.labels == [WORDS[i] for i in top]
    bars = list(ex.bars)
    for T in (0.2, 1.0, 4.0):
        ex.update(T=T)
        assert list(ex.bars) == bars  # moved in place, not redrawn
        p = tempered_softmax(u, T)
        np.testing.assert_allclose([b.get_height() for b in ex.bars], p[top], rtol=1e-6)
        assert ex.entropy == pytest.approx(entropy(p), rel=1e-6)
        assert f"T = {T:.3g}" in ex.ax.get_title()
    ex.update(T=0.2)
    h_low = ex.entropy
    ex.update(T=4.0)
    assert ex.entropy > h_low
    assert ex.top_probs.sum() < 1


def test_a_new_prompt_changes_logits_and_labels(toy):
    model, tok = toy
    ex = NextTokenExplorer("the cat", model="toy", T=0.7, k=4, models={"toy": toy})
    image = ex.image_widget()
    before = bytes(image.value)
    ex.update(prompt="a red dog sat on")
    np.testing.assert_allclose(
        ex.logits, _logits(model, tok, "a red dog sat on"), rtol=1e-6
    )
    assert ex.T == 0.7 and ex.prompt == "a red dog sat on"
    assert bytes(image.value) != before
    with pytest.raises(ValueError, match="model must be one of"):
        ex.update(model="gpt-5")
    with pytest.raises(ValueError, match="T must be"):
        ex.update(T=0.0)
    with pytest.raises(ValueError, match="k must be"):
        NextTokenExplorer("the", model="toy", k=0, models={"toy": toy})


def test_static_twin_in_the_book_creates_no_ipywidgets(toy, shown, monkeypatch):
    monkeypatch.setenv(STATIC_ENV, "1")
    ex = next_token_explorer("the cat", model="toy", T=1.5, k=6, models={"toy": toy})
    assert len(shown) == 1 and isinstance(shown[0], StaticWidget)
    widget = shown[0]
    assert widget.kind == "bars"
    np.testing.assert_allclose(widget.spec["logits"], ex.logits[ex.top_ids])
    assert widget.spec["labels"] == ex.labels and widget.spec["T"] == 1.5
    assert ex._image is None  # no ipywidgets.Image was made
    assert widget.png.startswith(b"\x89PNG")
    assert 'data-kind="bars"' in widget._repr_html_()


def test_live_mode_shows_controls(toy, shown, monkeypatch):
    monkeypatch.delenv(STATIC_ENV, raising=False)
    import ipywidgets as w

    ex = next_token_explorer("the", model="toy", T=1.0, k=3, models={"toy": toy})
    assert len(shown) == 1 and isinstance(shown[0], w.VBox)
    assert ex._image is not None


def test_grammar_model_after_a_determiner_puts_its_mass_on_possible_words():
    ex = NextTokenExplorer(" the", model="grammar", T=1.0, k=10)
    model, tok = ex.models["grammar"]
    truth = g.next_word_distribution(["the"])
    word_of = dict(zip(g.word_token_ids(tok).tolist(), g.vocabulary()))
    for i in ex.top_ids:
        assert (
            truth[g.GRAMMAR.word_index(word_of[int(i)])] > 0
        )  # every top-10 token is a possible next word
    np.testing.assert_allclose(
        ex.logits,
        g.model_next_token_logits(model, tok, ["the"])[0],
        rtol=1e-5,
        atol=1e-5,
    )
