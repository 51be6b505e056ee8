"""The bundled models for the book's live widget: ONNX files, tokenizers, manifests.

The live next-token widget of chapters 6 and 7 runs ``grammar`` and ``austen``
in the reader's browser with onnxruntime-web. ``make book`` calls
:func:`export_for_book`, which writes for each model a folder with

- ``model.onnx``: the float32 GPT-2 exported with ``torch.onnx`` from the
  committed ``model.safetensors``, with a cache of past keys and values. Inputs
  ``input_ids`` (int64, shape (1, n)) and, per layer, ``past_key_<i>`` and
  ``past_value_<i>`` (float32, (1, heads, p, head_dim)): the positions before
  the ids, p = 0 for a prompt, with p + n at most the context length. Outputs
  ``logits`` (float32, shape (V,)), the logits of the **last** position only,
  and ``present_key_<i>``, ``present_value_<i>`` (all p + n positions);
- ``tokenizer.json`` and ``tokenizer_config.json``, copied as they are (the
  browser tokenizes with them, as ``tokenizers`` does in Python);
- ``manifest.json``: the files, the vocabulary size, the context length and the
  end token: everything the widget needs, so that another ONNX model with a
  manifest of its own needs no new widget code;
- for ``grammar`` only, ``grammar.json``: the automaton of
  :mod:`tempered.lm.grammar` in terms of token ids, so that the browser knows
  the legal next words after a prompt and the exact mass on impossible ones.

Context handling: a fixed window with left truncation. The context is the end
token (the model's sentence start) followed by the prompt's tokens; when it is
longer than the model's context length (``n_positions``), only its last
``n_positions`` tokens are kept. :func:`context_ids` is that rule, and
:func:`next_token_logprobs` the PyTorch reference the browser tests compare
with. The browser runs a prompt's window whole (p = 0); each generated token
then costs one position on the cache while the sequence fits the window. Once
it does not, every token runs the whole (shifted) window again with an empty
cache: the positions are absolute, so a sliding cache would not give the full
window's logits. Either way the logits are those of the full-window forward.

The export is cached under ``_build/live-lm/`` in a folder named by the hash of
the files it is made from, so a rebuild exports again only when a model changes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from .._optional import require
from .loader import BUNDLED
from .loader import MODELS_DIR

#: Bump to export again when the exported graph or the manifest changes.
EXPORT_VERSION = "4"
COPIED = ("tokenizer.json", "tokenizer_config.json")


def context_ids(tokenizer, prompt: str, n_ctx: int) -> tuple[list[int], int]:
    """The model's input for ``prompt``: ``([EOS] + tokens)[-n_ctx:]``, and how many
    tokens were dropped from the left to fit the context length ``n_ctx``."""
    if not isinstance(prompt, str):
        raise TypeError(
            f"context_ids: prompt must be a string, got {type(prompt).__name__}"
        )
    if not isinstance(n_ctx, int) or n_ctx < 1:
        raise ValueError(f"context_ids: n_ctx must be an int >= 1, got {n_ctx!r}")
    ids = [tokenizer.eos_token_id] + tokenizer(prompt)["input_ids"]
    dropped = max(len(ids) - n_ctx, 0)
    return ids[dropped:], dropped


def next_token_logprobs(model, tokenizer, prompt: str):
    """Next-token log-probabilities (float64 NumPy array over the whole vocabulary)
    after ``prompt``, with the context of :func:`context_ids`: what the browser
    computes from the exported model."""
    torch = require("torch", "lm", "next_token_logprobs")
    ids, _ = context_ids(tokenizer, prompt, model.config.n_positions)
    ids = torch.tensor([ids])
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=torch.ones_like(ids))
    logits = out.logits[0, -1].double()
    return torch.log_softmax(logits, dim=-1).numpy()


def source_hash(name: str) -> str:
    """SHA-256 of what the export of bundled model ``name`` is made from."""
    digest = hashlib.sha256(EXPORT_VERSION.encode())
    folder = MODELS_DIR / name
    for file in ("model.safetensors", "config.json", *COPIED):
        digest.update((folder / file).read_bytes())
    if name == "grammar":
        for module in (Path(__file__).parent / "grammar").glob("*.py"):
            digest.update(module.read_bytes())
    return digest.hexdigest()


class _CachedStep:
    """Wraps the causal LM as one graph for both the prompt and each new token.

    Inputs ``input_ids`` (1, n) and, per layer, the keys and values of the ``p``
    positions before them (``p`` may be 0); outputs the last position's logits and
    the keys and values of all ``p + n`` positions. The attention is written out
    here (GPT-2's own modules do the rest) so that the cache is plain tensors the
    legacy exporter traces, whatever cache classes transformers uses.
    """

    def __new__(cls, model):
        torch = require("torch", "lm", "export_model")

        class CachedStep(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.model = model

            def forward(self, input_ids, *past):
                gpt = self.model.transformer
                n, p = input_ids.shape[1], past[0].shape[2]
                positions = torch.arange(n, device=input_ids.device) + p
                x = gpt.wte(input_ids) + gpt.wpe(positions)[None]
                # Query i (absolute position p + i) sees keys 0 .. p + i.
                keys = torch.arange(p + n, device=input_ids.device)
                allowed = keys[None, :] <= positions[:, None]
                present = []
                for i, block in enumerate(gpt.h):
                    attn = block.attn
                    q, k, v = attn.c_attn(block.ln_1(x)).split(attn.embed_dim, dim=2)
                    q, k, v = (
                        t.view(1, n, attn.num_heads, attn.head_dim).transpose(1, 2)
                        for t in (q, k, v)
                    )
                    k = torch.cat([past[2 * i], k], dim=2)
                    v = torch.cat([past[2 * i + 1], v], dim=2)
                    present += [k, v]
                    scores = (q @ k.transpose(-1, -2)) / float(attn.head_dim) ** 0.5
                    scores = scores.masked_fill(~allowed, float("-inf"))
                    out = (scores.softmax(-1) @ v).transpose(1, 2).reshape(1, n, -1)
                    x = x + attn.c_proj(out)
                    x = x + block.mlp(block.ln_2(x))
                hidden = gpt.ln_f(x)
                # The output layer on the last position only: the others are not needed.
                return (self.model.lm_head(hidden[0, -1]), *present)

        return CachedStep()


def cache_names(n_layer: int) -> tuple[list[str], list[str]]:
    """The graph's cache inputs and outputs, in order: key then value per layer."""
    past = [f"past_{kind}_{i}" for i in range(n_layer) for kind in ("key", "value")]
    return past, [name.replace("past_", "present_") for name in past]


def _grammar_tables(tokenizer) -> dict:
    """The grammar automaton over token ids: for each state, its legal next tokens
    and the state each leads to (-1: the sentence is over)."""
    import numpy as np

    from .grammar import GRAMMAR
    from .grammar.compare import word_token_ids

    ids = word_token_ids(tokenizer)
    states = []
    for s in range(GRAMMAR.n_states):
        legal = np.flatnonzero(GRAMMAR.emission[s])
        states.append(
            [[int(ids[i]), int(GRAMMAR.next_state[s, i])] for i in legal.tolist()]
        )
    words = {int(t): w for t, w in zip(ids, GRAMMAR.vocabulary())}
    return {"start": 0, "states": states, "words": words}


def _compact(path: Path) -> None:
    """Halve the ONNX file without changing a single weight.

    The committed weights are float16, so every float32 initializer the exporter
    writes is exactly a float16 number: store it as float16 with a ``Cast`` to
    float32 in the graph (onnxruntime folds it when the session starts). The output
    matrix, tied to the token embedding, is written as a ``Transpose`` of it rather
    than a second copy.
    """
    import numpy as np

    onnx = require("onnx", "onnx", "tempered.lm.browser_export")
    from onnx import helper
    from onnx import numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    arrays = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    wte = next(n for n in arrays if n.endswith("wte.weight"))
    casts, transposes, kept = [], [], []
    for tensor in graph.initializer:
        a = arrays[tensor.name]
        if (
            tensor.name != wte
            and a.shape == arrays[wte].shape[::-1]
            and np.array_equal(a, arrays[wte].T)
        ):
            transposes.append(
                helper.make_node("Transpose", [wte], [tensor.name], perm=[1, 0])
            )
        elif a.dtype == np.float32 and np.array_equal(
            a.astype(np.float16).astype(np.float32), a
        ):
            half = f"{tensor.name}.float16"
            kept.append(numpy_helper.from_array(a.astype(np.float16), half))
            casts.append(
                helper.make_node(
                    "Cast", [half], [tensor.name], to=onnx.TensorProto.FLOAT
                )
            )
        else:
            kept.append(tensor)
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = casts + transposes + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def export_model(name: str, folder: Path) -> None:
    """Write the browser files of bundled model ``name`` into ``folder``."""
    if name not in BUNDLED:
        raise ValueError(f"export_model: name must be one of {BUNDLED}, got {name!r}")
    torch = require("torch", "lm", "export_model")
    require("onnx", "onnx", "tempered.lm.browser_export")  # torch.onnx writes with it
    from .loader import load_model

    model, tokenizer = load_model(name)
    folder.mkdir(parents=True, exist_ok=True)
    n_ctx = int(model.config.n_positions)
    cfg = model.config
    head_dim = cfg.n_embd // cfg.n_head
    past_names, present_names = cache_names(cfg.n_layer)
    example = torch.tensor([[tokenizer.eos_token_id] * 3])
    past = [torch.zeros(1, cfg.n_head, 2, head_dim) for _ in past_names]
    axes = {"input_ids": {1: "n"}}
    axes.update({name: {2: "p"} for name in past_names})
    axes.update({name: {2: "p_plus_n"} for name in present_names})
    torch.onnx.export(
        _CachedStep(model),
        (example, *past),
        str(folder / "model.onnx"),
        input_names=["input_ids", *past_names],
        output_names=["logits", *present_names],
        dynamic_axes=axes,
        opset_version=17,
        dynamo=False,
    )
    _compact(folder / "model.onnx")
    for file in COPIED:
        shutil.copy2(MODELS_DIR / name / file, folder / file)
    manifest = {
        "name": name,
        "files": {
            "model": "model.onnx",
            "tokenizer": "tokenizer.json",
            "tokenizer_config": "tokenizer_config.json",
        },
        "vocab_size": int(model.config.vocab_size),
        "context_length": n_ctx,
        # The cache: its input and output names, and each tensor's (1, heads, _, dim).
        "cache": {
            "inputs": past_names,
            "outputs": present_names,
            "heads": int(cfg.n_head),
            "head_dim": head_dim,
        },
        "bos_id": int(tokenizer.eos_token_id),
    }
    if name == "grammar":
        (folder / "grammar.json").write_text(
            json.dumps(_grammar_tables(tokenizer), separators=(",", ":"))
        )
        manifest["files"]["grammar"] = "grammar.json"
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1))


def export_for_book(cache: Path, target: Path) -> list[str]:
    """Export every bundled model (or reuse the cached export) into ``target/<name>``;
    return the names exported afresh."""
    fresh = []
    for name in BUNDLED:
        cached = Path(cache) / f"{name}-{source_hash(name)[:16]}"
        if not (cached / "manifest.json").is_file():
            shutil.rmtree(cached, ignore_errors=True)
            for stale in Path(cache).glob(f"{name}-*"):
                shutil.rmtree(stale, ignore_errors=True)
            export_model(name, cached.with_suffix(".tmp"))
            cached.with_suffix(".tmp").rename(cached)
            fresh.append(name)
        shutil.copytree(cached, Path(target) / name, dirs_exist_ok=True)
    return fresh
