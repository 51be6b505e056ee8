"""Samplers beyond one fixed temperature, written from scratch in NumPy.

Every function works on a batch of logit rows (last axis = vocabulary) and
returns float64 logits, masks or temperatures; ``-inf`` marks a removed token.
One module per concern:

- ``dynamic``: temperatures that depend on the row: llama.cpp's entropy-driven
  dynamic temperature, EDT (Zhang et al. 2024) and AdapT (Zhu et al. 2024);
- ``entropy_truncation``: epsilon and eta sampling (Hewitt et al. 2022);
- ``top_n_sigma``: top-nσ (Tang et al. 2024);
- ``mirostat``: Mirostat v1 and v2 (Basu et al. 2021), feedback on surprise;
- ``penalties``: repetition (Keskar et al. 2019), presence and frequency penalties;
- ``ngram``: no-repeat-n-gram;
- ``xtc``: exclude top choices; ``dry``: "don't repeat yourself";
- ``chain``: a list of steps applied in order, with the distribution after each.

Each is checked in ``tests/unit/test_samplers_*.py`` against the matching
``transformers`` logits processor where one exists, and against the formula
of llama.cpp's ``src/llama-sampling.cpp`` where none does.
"""

from .chain import STEPS
from .chain import apply_chain
from .dry import dry_penalty
from .dynamic import adapt_temperature
from .dynamic import dynatemp_temperature
from .dynamic import edt_temperature
from .dynamic import temper_rows
from .entropy_truncation import epsilon_mask
from .entropy_truncation import eta_mask
from .mirostat import Mirostat
from .mirostat import MirostatV2
from .ngram import no_repeat_ngram_mask
from .penalties import presence_frequency_penalty
from .penalties import repetition_penalty
from .penalties import token_counts
from .top_n_sigma import top_n_sigma_mask
from .xtc import xtc_mask

__all__ = [
    "STEPS",
    "apply_chain",
    "adapt_temperature",
    "dynatemp_temperature",
    "edt_temperature",
    "temper_rows",
    "epsilon_mask",
    "eta_mask",
    "top_n_sigma_mask",
    "Mirostat",
    "MirostatV2",
    "repetition_penalty",
    "presence_frequency_penalty",
    "token_counts",
    "no_repeat_ngram_mask",
    "xtc_mask",
    "dry_penalty",
]
