"""Cost per step of each sampler of ``tempered.samplers``, against plain tempering.

One step turns a batch of logits into one sampled token per row: the sampler's
rule, then ``softmax`` and one inverse-CDF draw per row. Plain tempered
sampling (``tempered.sample``) is the baseline; each line prints the median
time of a step and its ratio to the baseline. Vocabulary 50,257 (GPT-2), batch
64, float64 logits (the samplers compute in float64).

    .venv/bin/python benchmarks/bench_samplers.py
"""

from __future__ import annotations

import numpy as np
from timing import median_seconds

import tempered
from tempered import samplers
from tempered.truncation import min_p_mask
from tempered.truncation import top_k_mask
from tempered.truncation import top_p_mask
from tempered.truncation import typical_mask

VOCAB, BATCH, HISTORY = 50_257, 64, 256


def draw(z, gen):
    """softmax of each row, then one inverse-CDF draw per row."""
    w = np.exp(z - z.max(axis=-1, keepdims=True))
    cdf = np.cumsum(w, axis=-1)
    x = gen.random((len(z), 1)) * cdf[:, -1:]
    return (cdf <= x).sum(axis=-1)


def main() -> None:
    rng = np.random.default_rng(0)
    u = 3.0 * rng.standard_normal((BATCH, VOCAB))
    hist = rng.integers(0, VOCAB, size=(BATCH, HISTORY))
    gen = np.random.default_rng(1)

    def masked(rule):
        return lambda: draw(np.where(rule(u), u, -np.inf), gen)

    mirostat = samplers.MirostatV2(tau=5.0, eta=0.1, rows=BATCH, rng=2)
    mirostat_v1 = samplers.Mirostat(tau=5.0, eta=0.1, rows=BATCH, rng=3)
    steps = {
        "temperature + draw (draw by hand)": lambda: draw(u / 0.8, gen),
        "top-k 40": masked(lambda z: top_k_mask(z, 40)),
        "top-p 0.95": masked(lambda z: top_p_mask(z, 0.95)),
        "min-p 0.05": masked(lambda z: min_p_mask(z, 0.05)),
        "typical 0.9": masked(lambda z: typical_mask(z, 0.9)),
        "epsilon 3e-4": masked(lambda z: samplers.epsilon_mask(z, 3e-4)),
        "eta 3e-4": masked(lambda z: samplers.eta_mask(z, 3e-4)),
        "top-n-sigma 1": masked(lambda z: samplers.top_n_sigma_mask(z, 1.0)),
        "xtc 0.1": masked(lambda z: samplers.xtc_mask(z, 0.1)),
        "dynatemp (T 1, delta 0.5)": lambda: draw(
            samplers.temper_rows(u, samplers.dynatemp_temperature(u, 1.0, 0.5)), gen
        ),
        "EDT (T0 1, theta 0.5)": lambda: draw(
            samplers.temper_rows(u, samplers.edt_temperature(u, 1.0, 0.5)), gen
        ),
        "repetition penalty 1.1 (256 past)": lambda: draw(
            samplers.repetition_penalty(u, hist, 1.1), gen
        ),
        "presence + frequency (256 past)": lambda: draw(
            samplers.presence_frequency_penalty(u, hist, 0.5, 0.1), gen
        ),
        "no-repeat-3-gram (256 past)": masked(
            lambda z: samplers.no_repeat_ngram_mask(z, hist, 3)
        ),
        "DRY (64 past)": lambda: draw(
            samplers.dry_penalty(u, hist[:, -64:], 0.8, 1.75, 2), gen
        ),
        "mirostat v2 (whole step)": lambda: mirostat.step(u),
        "mirostat v1 (whole step)": lambda: mirostat_v1.step(u),
    }
    base = median_seconds(lambda: tempered.sample(u, 0.8, rng=gen))
    print(f"vocabulary {VOCAB:,}, batch {BATCH}, float64; median of 15 runs")
    print(f"{'step':36s} {'ms per step':>12s} {'x tempered.sample':>18s}")
    print(f"{'tempered.sample (baseline)':36s} {1e3 * base:12.1f} {1.0:18.1f}")
    for name, func in steps.items():
        t = median_seconds(func)
        print(f"{name:36s} {1e3 * t:12.1f} {t / base:18.1f}")


if __name__ == "__main__":
    main()
