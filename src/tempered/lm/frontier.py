"""The fidelity-diversity frontier: every sampler against the exact grammar.

:func:`run_sweep` generates text from a bundled model with many sampler
settings at once (one batch: settings x prompts x seeds, with a key-value
cache, so each step is one forward pass of one new token per row) and records,
at every step and for every row:

- the sampler's distribution ``q`` over the words and its entropy ``H(q)``
  (diversity: the entropy per token of the process that writes the text);
- with ``truth=True`` (grammar model) the exact next-word distribution ``p``
  of the language after the row's prefix, the **impossible mass**
  ``sum_{p_i = 0} q_i`` and the **KL on the possible words**
  ``KL(q~ || p)`` with ``q~`` the renormalised restriction of q to
  ``{p > 0}`` (the forward ``KL(p || q)`` is infinite as soon as a sampler
  removes one possible word, which every truncation does);
- the proxy fidelity ``KL(q || q_1)`` against the model's own untempered
  distribution ``q_1``, the only reference there is for a model without a
  known truth (austen).

A sampled impossible word ends the sentence: it is counted, and ``EOS`` is fed
in its place so that the true state stays defined. Distinct-n is computed on
the generated words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._optional import require
from .._run_cache import code_key
from .._run_cache import fingerprint
from .._run_cache import shared_record
from ..samplers import MirostatV2
from ..samplers import dynatemp_temperature
from ..samplers import epsilon_mask
from ..samplers import eta_mask
from ..samplers import temper_rows
from ..samplers import top_n_sigma_mask
from ..samplers.mirostat import _log_softmax
from ..truncation import min_p_mask
from ..truncation import top_k_mask
from ..truncation import top_p_mask
from ..truncation import typical_mask


def _masked(rule):
    def dist(u, x, state):
        return _log_softmax(np.where(rule(u, x), u, -np.inf))

    return dist


def _mirostat_v2(u, tau, state):
    if "ctl" not in state:
        state["ctl"] = MirostatV2(tau=tau, eta=0.1, rows=len(u), rng=0)
    return state["ctl"].distribution(u)


#: sampler name -> (parameter name, default sweep, dist(logits, x, state) -> log q)
SAMPLERS: dict[str, tuple[str, tuple, Callable]] = {
    "temperature": (
        "T",
        (0.6, 0.8, 1.0, 1.2, 1.5),
        lambda u, x, s: _log_softmax(temper_rows(u, x)),
    ),
    "top-k": ("k", (5, 20, 50, 100), _masked(lambda u, x: top_k_mask(u, int(x)))),
    "top-p": ("p", (0.6, 0.85, 0.95, 0.99), _masked(top_p_mask)),
    "min-p": ("min_p", (0.2, 0.05, 0.02, 0.005), _masked(min_p_mask)),
    "top-nσ": ("n", (0.75, 1.5, 2.0, 3.0), _masked(top_n_sigma_mask)),
    "typical": ("mass", (0.5, 0.8, 0.95, 0.99), _masked(typical_mask)),
    "ε": ("epsilon", (0.02, 0.005, 0.002, 0.0005), _masked(epsilon_mask)),
    "η": ("epsilon", (0.1, 0.03, 0.01, 0.003), _masked(eta_mask)),
    "dynatemp": (
        "T",
        (0.6, 0.8, 1.0, 1.2),
        lambda u, x, s: _log_softmax(temper_rows(u, dynatemp_temperature(u, x, 0.5))),
    ),
    "mirostat v2": ("tau", (3.0, 4.0, 5.0, 6.0), _mirostat_v2),
}


@dataclass
class SweepResult:
    """Per (setting, row) means over the steps, and the generated words.

    ``settings`` lists ``(sampler, x)``; the arrays have shape (settings, rows).
    ``kl_possible`` and ``impossible`` are NaN without a truth.
    """

    settings: list
    entropy: np.ndarray
    kl_possible: np.ndarray
    impossible: np.ndarray
    proxy_kl: np.ndarray
    impossible_draws: np.ndarray
    words: np.ndarray  # (settings, rows, steps) word indices
    groups: np.ndarray | None = None  # the prompt of each row (bootstrap cluster)


def _row_kl(log_a, log_b):
    """KL(a || b) per row from log-probabilities (a = 0 terms vanish)."""
    a = np.exp(log_a)
    with np.errstate(invalid="ignore"):
        terms = np.where(a > 0, a * (log_a - np.where(a > 0, log_b, 0.0)), 0.0)
    return terms.sum(axis=-1)


def run_sweep(
    model,
    word_ids,
    prompts,
    seeds,
    steps: int,
    samplers=None,
    grammar=None,
    eos_word: int | None = None,
) -> SweepResult:
    """Generate ``steps`` words per row for every sampler setting, in one batch.

    Parameters
    ----------
    model : a causal LM (the bundled GPT-2s)
    word_ids : int array (V,)
        The model's token id of each word the samplers choose among (the grammar's
        vocabulary, or any subset of the model's tokens for austen).
    prompts : list of lists of word indices (all the same length, the first one
        usually the sentence start ``EOS``)
    seeds : list of int
        One row per (prompt, seed); each setting sees the same rows.
    samplers : dict name -> sweep values (default: every sampler of
        :data:`SAMPLERS` with its default sweep)
    grammar : a :class:`tempered.lm.grammar.Grammar` for the exact metrics, or None
    eos_word : index of ``EOS`` among the words (needed with ``grammar``)

    Under ``make test`` the chapter page, its notebook and JupyterLab share one
    sweep (``tempered._run_cache``); a learner's call always computes.
    """
    samplers = samplers or {k: v[1] for k, v in SAMPLERS.items()}
    key = {
        "inputs": fingerprint(
            model,
            np.asarray(word_ids, dtype=np.int64),
            np.asarray(prompts, dtype=np.int64),
            *(() if grammar is None else (grammar.emission, grammar.next_state)),
        ),
        "seeds": [int(x) for x in seeds],
        "steps": int(steps),
        "samplers": {k: [float(x) for x in v] for k, v in samplers.items()},
        "eos_word": None if eos_word is None else int(eos_word),
        **_code_key(),
    }
    return shared_record(
        "run_sweep",
        key,
        SweepResult,
        lambda: _run_sweep(
            model, word_ids, prompts, seeds, steps, samplers, grammar, eos_word
        ),
    )


def _code_key() -> dict:
    # The sweep's numbers depend on this module, the samplers and truncation.
    require("torch", "lm", "tempered.lm.frontier")
    folder = Path(__file__).resolve().parents[1]
    files = [Path(__file__), *sorted((folder / "samplers").glob("*.py"))]
    return code_key(*files, folder / "truncation.py")


def _run_sweep(model, word_ids, prompts, seeds, steps, samplers, grammar, eos_word):
    torch = require("torch", "lm", "tempered.lm.frontier")
    settings = [(name, x) for name, xs in samplers.items() for x in xs]
    prompts = np.asarray(prompts, dtype=np.int64)
    P, S, G = len(prompts), len(seeds), len(settings)
    R = P * S
    rows = np.tile(np.repeat(prompts, S, axis=0), (G, 1))  # (G * R, len)
    # one uniform per row and step, from the row's own (prompt, seed) generator, so
    # that every setting sees the same random numbers (common random numbers)
    uniforms = np.array(
        [
            np.random.default_rng([seed, p]).random(steps)
            for p in range(P)
            for seed in seeds
        ]
    )
    uniforms = np.tile(uniforms, (G, 1))
    word_ids = np.array(word_ids, dtype=np.int64)  # a writable copy, for torch
    ids = torch.as_tensor(word_ids[rows])
    columns = torch.as_tensor(word_ids)
    if grammar is not None:
        state = np.zeros(G * R, dtype=np.int64)
        for t in range(1, rows.shape[1]):  # walk the prompts (after the first EOS)
            state = grammar.next_state[state, rows[:, t]]
        state = np.where(state < 0, 0, state)
    acc = {k: np.zeros(G * R) for k in ("H", "kl", "imp", "proxy", "draws")}
    words = np.zeros((G * R, steps), dtype=np.int64)
    states = [dict() for _ in settings]
    past = None
    with torch.no_grad():
        for t in range(steps):
            out = model(input_ids=ids, past_key_values=past, use_cache=True)
            past = out.past_key_values
            u = out.logits[:, -1, columns].double().numpy()
            log_q = np.empty_like(u)
            for g, (name, x) in enumerate(settings):
                sl = slice(g * R, (g + 1) * R)
                log_q[sl] = SAMPLERS[name][2](u[sl], x, states[g])
            log_1 = _log_softmax(u)
            q = np.exp(log_q)
            acc["H"] += -np.where(q > 0, q * np.where(q > 0, log_q, 0.0), 0.0).sum(-1)
            acc["proxy"] += _row_kl(log_q, log_1)
            cdf = np.cumsum(q, axis=-1)
            draws = (cdf <= uniforms[:, t : t + 1] * cdf[:, -1:]).sum(axis=-1)
            draws = np.minimum(draws, q.shape[-1] - 1)
            for g in range(G):
                if "ctl" in states[g]:
                    sl = slice(g * R, (g + 1) * R)
                    drawn = log_q[sl][np.arange(R), draws[sl]]
                    states[g]["ctl"].update(-drawn / np.log(2))
            fed = draws
            if grammar is not None:
                p = grammar.emission[state]
                possible = p > 0
                imp = np.where(possible, 0.0, q).sum(-1)
                log_p = np.log(np.where(possible, p, 1.0))
                q_pos = np.where(possible, q, 0.0)
                # a step with no mass on possible words counts in the impossible
                # mass only (its KL on the possible words is taken as 0)
                total = q_pos.sum(-1, keepdims=True)
                q_pos = np.where(total > 0, q_pos / np.where(total > 0, total, 1), p)
                with np.errstate(divide="ignore"):
                    log_qp = np.log(q_pos)
                acc["kl"] += _row_kl(np.where(possible, log_qp, -np.inf), log_p)
                acc["imp"] += imp
                bad = ~possible[np.arange(len(draws)), draws]
                acc["draws"] += bad
                fed = np.where(bad, eos_word, draws)
                nxt = grammar.next_state[state, fed]
                state = np.where(nxt < 0, 0, nxt)
            words[:, t] = fed
            ids = torch.as_tensor(word_ids[fed])[:, None]

    def per(key):
        return (acc[key] / steps).reshape(G, R)

    nan = np.full((G, R), np.nan)
    return SweepResult(
        settings=settings,
        entropy=per("H"),
        kl_possible=per("kl") if grammar is not None else nan,
        impossible=per("imp") if grammar is not None else nan,
        proxy_kl=per("proxy"),
        impossible_draws=per("draws") if grammar is not None else nan,
        words=words.reshape(G, R, steps),
        groups=np.repeat(np.arange(P), S),
    )


def distinct_n(words: np.ndarray, n: int = 2) -> float:
    """Distinct n-grams over all n-grams of a batch of word sequences (rows, steps)."""
    grams = np.lib.stride_tricks.sliding_window_view(words, n, axis=-1).reshape(-1, n)
    return len({tuple(g) for g in grams.tolist()}) / max(len(grams), 1)


def grammar_prompts(tokenizer, n: int, rng=0, words: int = 2):
    """``n`` prompts of the language: ``EOS`` then the first ``words`` words of a
    sampled sentence, as word indices; and the index of ``EOS``.

    Every prompt has the same length, so that one batch needs no padding.
    """
    from .grammar import EOS
    from .grammar import GRAMMAR

    index = {w: i for i, w in enumerate(GRAMMAR.vocabulary())}
    gen = np.random.default_rng(rng)
    out = []
    while len(out) < n:
        sentence = GRAMMAR.sample_sentences(1, rng=gen)[0]
        if len(sentence) > words + 1:
            out.append([index[EOS]] + [index[w] for w in sentence[:words]])
    return out, index[EOS]


def _curves(sweep: SweepResult, rows=None):
    """For each sampler: its settings' mean entropy, KL, impossible mass and proxy."""
    rows = slice(None) if rows is None else rows
    out = {}
    for g, (name, x) in enumerate(sweep.settings):
        c = out.setdefault(name, {"x": [], "H": [], "kl": [], "imp": [], "proxy": []})
        c["x"].append(x)
        c["H"].append(sweep.entropy[g, rows].mean())
        c["kl"].append(sweep.kl_possible[g, rows].mean())
        c["imp"].append(sweep.impossible[g, rows].mean())
        c["proxy"].append(sweep.proxy_kl[g, rows].mean())
    return {k: {m: np.asarray(v) for m, v in c.items()} for k, c in out.items()}


def _at(curve, key, H):
    """The metric ``key`` of one sampler's curve interpolated at entropy H (NaN
    outside the range the sweep covers)."""
    order = np.argsort(curve["H"])
    h, y = curve["H"][order], curve[key][order]
    if not h[0] <= H <= h[-1]:
        return np.nan
    return float(np.interp(H, h, y))


def _cluster_rows(groups, gen):
    """Row indices of one cluster bootstrap draw: whole clusters (prompts), drawn
    with replacement, so that rows sharing a prompt are resampled together."""
    labels = np.unique(groups)
    members = [np.flatnonzero(groups == c) for c in labels]
    pick = gen.integers(0, len(labels), len(labels))
    return np.concatenate([members[i] for i in pick])


def frontier_at(
    sweep: SweepResult, H: float, n_boot: int = 200, rng=0, reference="temperature"
) -> dict:
    """Each sampler's metrics at the diversity ``H`` (nats per token), with 95%
    cluster-bootstrap intervals (prompts resampled whole, with their seeds).

    Returns ``{sampler: {metric: (estimate, low, high)}}`` for the metrics
    ``kl`` (KL on the possible words), ``imp`` (impossible mass) and ``proxy``
    (KL to the untempered model); ``diff``, the same for the paired difference
    sampler minus ``reference`` (every setting shares the rows and random
    numbers, so each bootstrap draw compares both on the same rows); and
    ``distinct2``, a point value from the setting nearest to H (``setting``).
    The intervals leave out the error of interpolating between settings.
    """
    gen = np.random.default_rng(rng)
    R = sweep.entropy.shape[1]
    groups = np.arange(R) if sweep.groups is None else np.asarray(sweep.groups)
    base = _curves(sweep)
    boots = [_curves(sweep, _cluster_rows(groups, gen)) for _ in range(n_boot)]
    keys = ("kl", "imp", "proxy")
    draws = {
        name: {k: np.array([_at(b[name], k, H) for b in boots]) for k in keys}
        for name in base
    }

    def interval(est, d):
        d = d[np.isfinite(d)]
        if not np.isfinite(est) or not d.size:
            return (est, np.nan, np.nan)
        lo, hi = np.quantile(d, [0.025, 0.975])
        return (est, float(lo), float(hi))

    table = {}
    for name, curve in base.items():
        row = {k: interval(_at(curve, k, H), draws[name][k]) for k in keys}
        if reference in base:
            ref = base[reference]
            row["diff"] = {
                k: interval(
                    _at(curve, k, H) - _at(ref, k, H),
                    draws[name][k] - draws[reference][k],
                )
                for k in keys
            }
        g = [i for i, s in enumerate(sweep.settings) if s[0] == name]
        near = g[int(np.argmin(np.abs(curve["H"] - H)))]
        row["distinct2"] = distinct_n(sweep.words[near], 2)
        row["setting"] = sweep.settings[near][1]
        table[name] = row
    return table


def ranking(table: dict, key: str) -> list:
    """Sampler names from best (smallest ``key``) to worst; those the sweep does not
    reach at this diversity (NaN) are left out."""
    ok = [(v[key][0], k) for k, v in table.items() if np.isfinite(v[key][0])]
    return [k for _, k in sorted(ok)]


def frontier_markdown(table: dict, keys=("kl", "imp", "proxy")) -> str:
    """The table as Markdown: one row per sampler, best KL first, intervals shown."""
    names = {
        "kl": "KL on possible words (nats)",
        "imp": "impossible mass (%)",
        "proxy": "KL to the T = 1 model (nats)",
    }
    scale = {"kl": 1.0, "imp": 100.0, "proxy": 1.0}
    head = (
        "| sampler | "
        + " | ".join(names[k] for k in keys)
        + " | distinct-2 (nearest setting) |"
    )
    lines = [head, "| --- " + "| ---: " * (len(keys) + 1) + "|"]
    order = ranking(table, keys[0]) + [
        k for k in table if k not in ranking(table, keys[0])
    ]
    for name in order:
        cells = []
        for k in keys:
            est, lo, hi = (scale[k] * v for v in table[name][k])
            cells.append(
                "not reached"
                if not np.isfinite(est)
                else f"{est:.3f} [{lo:.3f}, {hi:.3f}]"
            )
        cells.append(f"{table[name]['distinct2']:.3f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot_frontier(sweep: SweepResult, H_star: float):
    """The two-panel frontier figure (KL on possible words, impossible mass)."""
    import matplotlib.pyplot as plt

    from ..style import PALETTE

    markers = "osD^v<>phX"
    R = sweep.entropy.shape[1]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
    curves = _curves(sweep)
    for c, (name, curve) in enumerate(curves.items()):
        g = [i for i, s in enumerate(sweep.settings) if s[0] == name]
        order = np.argsort(curve["H"])
        style = dict(
            color=PALETTE[c % len(PALETTE)],
            marker=markers[c % len(markers)],
            ls="-" if c < len(PALETTE) else "--",
            ms=5,
            lw=1.5,
            capsize=2,
        )
        for ax, key, metric in (
            (axes[0], "kl", sweep.kl_possible),
            (axes[1], "imp", sweep.impossible),
        ):
            se = metric[g].std(axis=1, ddof=1) / np.sqrt(R)
            y = curve[key][order]
            half = 1.96 * se[order]
            # on a log axis a symmetric interval can reach below 0: cut it at y / 10
            yerr = np.vstack([np.minimum(half, 0.9 * y), half])
            ax.errorbar(curve["H"][order], y, yerr=yerr, label=name, **style)
    for ax in axes:
        ax.axvline(H_star, color="k", ls=":", lw=1)
        ax.set_xlabel("diversity: entropy of the sampler (nats per token)")
    axes[0].set_ylabel("KL on the possible words (nats, log)")
    axes[1].set_ylabel("impossible mass (log)")
    for ax in axes:
        ax.set_yscale("log")
    axes[1].legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    return fig


@dataclass
class MirostatTrace:
    """Mirostat v2 on a model: surprise (bits), equivalent temperature, kept tokens,
    the state mu and the model's own entropy at T = 1 (nats), each of shape
    (rows, steps)."""

    surprise: np.ndarray
    T_eq: np.ndarray
    kept: np.ndarray
    mu: np.ndarray
    H1: np.ndarray


def mirostat_trace(
    model, tokenizer, tau: float, rows: int, steps: int, seed: int = 0, eta=0.1
) -> MirostatTrace:
    """Generate ``steps`` tokens per row with Mirostat v2 from the start token.

    At every step it records the surprise of the sampled token, the number of
    tokens kept, ``mu`` and the equivalent temperature (the T at which the
    model's tempered distribution has the entropy of the truncated one). Shared
    within a test run, as :func:`run_sweep` is.
    """
    key = {
        "inputs": fingerprint(model),
        "eos": int(tokenizer.eos_token_id),
        "args": [float(tau), int(rows), int(steps), int(seed), float(eta)],
        **_code_key(),
    }
    return shared_record(
        "mirostat_trace",
        key,
        MirostatTrace,
        lambda: _mirostat_trace(model, tokenizer, tau, rows, steps, seed, eta),
    )


def _mirostat_trace(model, tokenizer, tau, rows, steps, seed, eta):
    torch = require("torch", "lm", "tempered.lm.frontier")
    from ..samplers.equivalent import equivalent_temperature

    ctl = MirostatV2(tau=tau, eta=eta, rows=rows, rng=seed)
    ids = torch.full((rows, 1), tokenizer.eos_token_id, dtype=torch.long)
    rec = {k: np.zeros((rows, steps)) for k in ("s", "H", "k", "mu", "H1")}
    logits = []
    past = None
    with torch.no_grad():
        for t in range(steps):
            out = model(input_ids=ids, past_key_values=past, use_cache=True)
            past = out.past_key_values
            u = out.logits[:, -1].double().numpy()
            logits.append(u)
            rec["mu"][:, t] = ctl.mu
            log_1 = _log_softmax(u)
            rec["H1"][:, t] = -(np.exp(log_1) * log_1).sum(-1)
            log_q = ctl.distribution(u)
            q = np.exp(log_q)
            rec["H"][:, t] = -np.where(q > 0, q * np.where(q > 0, log_q, 0.0), 0.0).sum(
                -1
            )
            tokens, s, kept = ctl.step(u)
            rec["s"][:, t], rec["k"][:, t] = s, kept
            ids = torch.as_tensor(tokens)[:, None]
    # every step's equivalent temperature in one vectorised bisection
    u_all = np.stack(logits, axis=1).reshape(rows * steps, -1)
    rec["T"] = equivalent_temperature(u_all, rec["H"].reshape(-1), 40).reshape(
        rows, steps
    )
    return MirostatTrace(rec["s"], rec["T"], rec["k"], rec["mu"], rec["H1"])


def text_prompts(tokenizer, words=("She", "It", "The", "Mr")) -> list:
    """Prompts of two tokens, the start token and the first token of each word:
    equal lengths for one unpadded batch (for a model without a known truth)."""
    eos = tokenizer.eos_token_id
    return [[eos, tokenizer.encode(w)[0]] for w in words]


def common_diversity(sweep: SweepResult) -> float:
    """The middle of the range of diversity (entropy per token) that every
    sampler's sweep covers, where all their curves can be compared."""
    curves = _curves(sweep)
    lo = max(c["H"].min() for c in curves.values())
    hi = min(c["H"].max() for c in curves.values())
    if lo > hi:
        raise ValueError("common_diversity: the sweeps share no range of diversity")
    return 0.5 * (lo + hi)
