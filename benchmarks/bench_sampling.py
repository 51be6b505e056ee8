"""Throughput of tempered softmax + sampling: tempered against torch and SciPy.

Prints, measured side by side in one run, how many rows per second each
implementation turns from logits into one sampled token each, for a
GPT-2-sized vocabulary (50,257) and a batch of 64, float32.

    .venv/bin/python benchmarks/bench_sampling.py
"""

from __future__ import annotations

import numpy as np
import scipy.special
import torch
from timing import median_seconds

import tempered

VOCAB, BATCH, T = 50_257, 64, 0.8


def timed(func) -> float:
    """Median seconds of ``func()``: 30 runs after 3 warm-up runs."""
    return median_seconds(func, repeats=30, warmup=3)


def scipy_inverse_cdf(logits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """SciPy's softmax, then a float64 running sum and one binary search per row."""
    probs = scipy.special.softmax(logits / T, axis=-1)
    cdf = np.cumsum(probs, axis=-1, dtype=np.float64)
    draws = rng.random(len(cdf)) * cdf[:, -1]
    return np.array(
        [np.searchsorted(row, d, side="right") for row, d in zip(cdf, draws)]
    )


def main() -> None:
    rng = np.random.default_rng(0)
    logits = (3.0 * rng.standard_normal((BATCH, VOCAB))).astype(np.float32)
    logits_t = torch.from_numpy(logits)
    torch.manual_seed(0)
    gen = np.random.default_rng(1)

    timings = {
        "tempered.sample (tempered softmax + inverse CDF)": timed(
            lambda: tempered.sample(logits, T, rng=gen)
        ),
        "torch.softmax + torch.multinomial": timed(
            lambda: torch.multinomial(torch.softmax(logits_t / T, dim=-1), 1)
        ),
        "scipy.special.softmax + inverse CDF": timed(
            lambda: scipy_inverse_cdf(logits, gen)
        ),
        "tempered.tempered_softmax alone": timed(
            lambda: tempered.tempered_softmax(logits, T)
        ),
        "torch.softmax alone": timed(lambda: torch.softmax(logits_t / T, dim=-1)),
    }
    print(
        f"vocabulary {VOCAB:,}, batch {BATCH}, float32, T = {T}, "
        f"torch threads = {torch.get_num_threads()}"
    )
    print(f"{'implementation':<52s} {'ms/batch':>9s} {'rows/s':>10s}")
    for name, seconds in timings.items():
        print(f"{name:<52s} {seconds * 1e3:9.2f} {BATCH / seconds:10.0f}")
    ours = timings["tempered.sample (tempered softmax + inverse CDF)"]
    over_torch = timings["torch.softmax + torch.multinomial"] / ours
    over_scipy = timings["scipy.special.softmax + inverse CDF"] / ours
    print(f"speed-up of tempered.sample over torch: {over_torch:.2f}x (goal >= 1.0x)")
    print(f"speed-up of tempered.sample over scipy: {over_scipy:.2f}x")


if __name__ == "__main__":
    main()
