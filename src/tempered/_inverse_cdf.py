"""Inverse-CDF draws from rows of unnormalised weights, exact and fast.

Token i of a row is drawn when a uniform target t in [0, total) falls in
[cdf[i-1], cdf[i]). A token of weight 0 has an empty interval, so masked
tokens are never drawn. Running sums are in float64 so that tiny
probabilities keep their share.

A running sum over 50,000 tokens is sequential and slow, so for a few draws
per row we search in two levels: block totals (a vectorised sum) locate the
block, and only that block of ``BLOCK`` weights is summed cumulatively.
"""

from __future__ import annotations

import numpy as np

BLOCK = 256


def _last_positive(weights: np.ndarray) -> np.ndarray:
    """Index of the last positive entry along the last axis."""
    return weights.shape[-1] - 1 - np.argmax(weights[..., ::-1] > 0, axis=-1)


def _row_search(cdf: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """searchsorted(side='right') of each row of targets in the same row of cdf."""
    return np.stack([np.searchsorted(c, t, side="right") for c, t in zip(cdf, targets)])


def draw_full(weights: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Indices for ``uniforms`` (rows x draws, in [0, 1)), one running sum per row."""
    cdf = np.cumsum(weights, axis=-1, dtype=np.float64)
    idx = _row_search(cdf, uniforms * cdf[:, -1:])
    over = np.nonzero(idx >= weights.shape[-1])  # rounding put a target at the very top
    if over[0].size:
        idx[over] = _last_positive(weights[over[0]])
    return idx


def draw_blocked(weights: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Same draws as :func:`draw_full`, summing only the chosen block cumulatively.

    ``weights`` must have a last axis that is a multiple of ``BLOCK`` (pad with zeros).
    """
    rows, width = weights.shape
    blocks = weights.reshape(rows, width // BLOCK, BLOCK)
    block_sums = blocks.sum(axis=-1, dtype=np.float64)
    block_cdf = np.cumsum(block_sums, axis=-1)
    targets = uniforms * block_cdf[:, -1:]
    k = _row_search(block_cdf, targets)
    over = np.nonzero(k >= block_cdf.shape[1])
    if over[0].size:
        k[over] = _last_positive(block_sums[over[0]])
    below = np.where(
        k > 0, np.take_along_axis(block_cdf, np.maximum(k - 1, 0), axis=1), 0.0
    )
    chosen = blocks[np.arange(rows)[:, None], k]  # (rows, draws, BLOCK)
    inner = np.cumsum(chosen, axis=-1, dtype=np.float64)
    j = (inner <= (targets - below)[..., None]).sum(axis=-1)
    over = np.nonzero(j >= BLOCK)
    if over[0].size:
        j[over] = _last_positive(chosen[over])
    return k * BLOCK + j


def draw(weights: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Pick the cheaper of the two exact methods for this many draws per row."""
    rows, vocab = weights.shape
    if uniforms.shape[1] * BLOCK >= vocab:
        return draw_full(weights, uniforms)
    width = -(-vocab // BLOCK) * BLOCK
    padded = np.zeros((rows, width), dtype=weights.dtype)
    padded[:, :vocab] = weights
    return draw_blocked(padded, uniforms)
