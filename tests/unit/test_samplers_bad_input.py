"""Bad input to ``tempered.samplers`` raises an error naming function and argument."""

import numpy as np
import pytest

from tempered.samplers import Mirostat
from tempered.samplers import MirostatV2
from tempered.samplers import adapt_temperature
from tempered.samplers import apply_chain
from tempered.samplers import dry_penalty
from tempered.samplers import dynatemp_temperature
from tempered.samplers import edt_temperature
from tempered.samplers import epsilon_mask
from tempered.samplers import eta_mask
from tempered.samplers import no_repeat_ngram_mask
from tempered.samplers import presence_frequency_penalty
from tempered.samplers import repetition_penalty
from tempered.samplers import temper_rows
from tempered.samplers import top_n_sigma_mask
from tempered.samplers import xtc_mask

U = np.array([[1.0, 0.5, -1.0]])

CASES = [
    (lambda: dynatemp_temperature(U, -1, 0.5), ValueError, "dynatemp_temperature: T"),
    (lambda: dynatemp_temperature(U, 1, "x"), TypeError, "dynatemp_temperature: delta"),
    (lambda: edt_temperature(U, 1.0, 0.5, N=1.5), ValueError, "edt_temperature: N"),
    (lambda: edt_temperature(U, 0.0, 0.5), ValueError, "edt_temperature: T0"),
    (
        lambda: adapt_temperature([1, 0], 1, 0.2),
        TypeError,
        "adapt_temperature: challenging",
    ),
    (lambda: temper_rows(U, -1.0), ValueError, "temper_rows: T"),
    (lambda: epsilon_mask(U, 0.0), ValueError, "epsilon_mask: epsilon"),
    (lambda: eta_mask(U, 0.1, 0), ValueError, "eta_mask: min_tokens_to_keep"),
    (lambda: top_n_sigma_mask(U, -1), ValueError, "top_n_sigma_mask: n"),
    (
        lambda: top_n_sigma_mask([[np.nan, 1.0]], 1),
        ValueError,
        "top_n_sigma_mask: logits",
    ),
    (lambda: xtc_mask(U, 1.5), ValueError, "xtc_mask: threshold"),
    (lambda: xtc_mask(U, 0.1, 0.5, rng=-1), ValueError, "xtc_mask: rng"),
    (
        lambda: repetition_penalty(U, [[0]], 0.0),
        ValueError,
        "repetition_penalty: penalty",
    ),
    (
        lambda: repetition_penalty(U, [[7]], 1.2),
        ValueError,
        "repetition_penalty: history",
    ),
    (
        lambda: repetition_penalty(U, [[0.5]], 1.2),
        TypeError,
        "repetition_penalty: history",
    ),
    (
        lambda: presence_frequency_penalty(U, [[0]], presence=np.nan),
        ValueError,
        "presence_frequency_penalty: presence",
    ),
    (
        lambda: no_repeat_ngram_mask(U, [[0, 1]], 0),
        ValueError,
        "no_repeat_ngram_mask: n",
    ),
    (lambda: dry_penalty(U, [[0, 1]], -1.0), ValueError, "dry_penalty: multiplier"),
    (
        lambda: dry_penalty(U, [[0, 1]], 1.0, allowed_length=-1),
        ValueError,
        "allowed_length",
    ),
    (lambda: Mirostat(tau=-1, eta=0.1), ValueError, "Mirostat: tau"),
    (
        lambda: MirostatV2(tau=3, eta=0.1, rows=2).step(U),
        ValueError,
        "MirostatV2.distribution",
    ),
    (lambda: apply_chain(U, [("warmth", 1.0)]), ValueError, "apply_chain: steps[0]"),
    (lambda: apply_chain(U, ["top-k"]), TypeError, "apply_chain: steps[0]"),
]


@pytest.mark.parametrize("call, error, message", CASES)
def test_bad_input_names_function_and_argument(call, error, message):
    with pytest.raises(error, match=message.replace("[", r"\[").replace("]", r"\]")):
        call()
