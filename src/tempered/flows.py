"""A small two-dimensional normalising flow in torch, and sampling at a latent
temperature.

A flow maps a latent point ``z`` to a data point ``x = f(z)`` through invertible
layers whose Jacobian determinants are cheap. Here every layer acts on points
of the plane:

- :class:`ActNorm` multiplies each coordinate by a learned constant and adds
  a learned shift (its Jacobian determinant is a constant);
- :class:`Coupling` leaves one coordinate alone and changes the other by an
  amount that depends on the first. An *additive* coupling adds ``t(x_a)``
  (determinant 1: volume-preserving); an *affine* coupling also multiplies by
  ``exp(s(x_a))`` (determinant ``exp(s(x_a))``, which varies from point to point).

Sampling "at latent temperature tau" draws ``z ~ N(0, tau^2 I)`` and returns
``f(z)``, as Glow, Glow-TTS and OverFlow do. Chapter 10 shows that this samples
the latent density raised to the power ``1/tau^2``, and that the data density
raised to the same power is sampled exactly only when every layer has a
constant Jacobian determinant.
"""

from __future__ import annotations

import math

import numpy as np

from ._optional import require
from ._run_cache import code_key
from ._run_cache import shared_result
from ._validate import as_float_array
from ._validate import as_real_array
from ._validate import check_count
from ._validate import check_int

torch = require("torch", "flows", "tempered.flows")
nn = torch.nn

__all__ = [
    "ActNorm",
    "Coupling",
    "Flow",
    "make_flow",
    "train_flow",
    "two_moons",
    "tempered_gaussian",
    "tempered_log_density",
    "pushforward_log_density",
    "grid",
    "normalise_on_grid",
    "total_variation",
    "fit_moons_flows",
]

LOG_2PI = math.log(2 * math.pi)


def _check_points(name: str, x) -> torch.Tensor:
    x = torch.as_tensor(x, dtype=torch.get_default_dtype())
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(
            f"{name}: expected points of shape (n, 2), got {tuple(x.shape)}"
        )
    if not torch.isfinite(x).all():
        raise ValueError(f"{name}: points must be finite")
    return x


def _check_positive(name: str, arg: str, value, allow_zero: bool) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: {arg} must be a number, got {value!r}") from None
    if math.isnan(v) or math.isinf(v) or v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name}: {arg} must be finite and {bound}, got {value!r}")
    return v


class ActNorm(nn.Module):
    """``x = z * exp(log_scale) + shift``, per coordinate. log|det dx/dz| =
    sum(log_scale), a constant."""

    def __init__(self):
        super().__init__()
        self.log_scale = nn.Parameter(torch.zeros(2))
        self.shift = nn.Parameter(torch.zeros(2))

    def forward(self, z):
        x = z * torch.exp(self.log_scale) + self.shift
        return x, self.log_scale.sum().expand(z.shape[0])

    def inverse(self, x):
        z = (x - self.shift) * torch.exp(-self.log_scale)
        return z, (-self.log_scale.sum()).expand(x.shape[0])


class Coupling(nn.Module):
    """One coupling layer on the plane.

    Coordinate ``a`` (0, or 1 if ``flip``) passes through unchanged; coordinate
    ``b`` becomes ``z_b * exp(s(z_a)) + t(z_a)`` (affine) or ``z_b + t(z_a)``
    (additive, ``s = 0``). ``s`` is bounded by ``max_log_scale * tanh`` for
    stable training. ``forward`` maps latent to data and returns
    log|det dx/dz|; ``inverse`` maps data to latent and returns log|det dz/dx|.
    """

    def __init__(
        self,
        kind: str = "affine",
        flip: bool = False,
        hidden: int = 32,
        max_log_scale: float = 2.0,
    ):
        super().__init__()
        if kind not in ("additive", "affine"):
            raise ValueError(
                f"Coupling: kind must be 'additive' or 'affine', got {kind!r}"
            )
        self.kind, self.a, self.b = kind, (1 if flip else 0), (0 if flip else 1)
        self.max_log_scale = max_log_scale
        out = 2 if kind == "affine" else 1
        self.net = nn.Sequential(
            nn.Linear(1, hidden),
            nn.Tanh(),
            nn.Linear(hidden, hidden),
            nn.Tanh(),
            nn.Linear(hidden, out),
        )
        nn.init.zeros_(self.net[-1].weight)  # start at the identity map
        nn.init.zeros_(self.net[-1].bias)

    def _s_t(self, cond):
        h = self.net(cond[:, None])
        if self.kind == "additive":
            return torch.zeros_like(cond), h[:, 0]
        return self.max_log_scale * torch.tanh(h[:, 0] / self.max_log_scale), h[:, 1]

    def _assemble(self, keep, changed):
        cols = [None, None]
        cols[self.a], cols[self.b] = keep, changed
        return torch.stack(cols, dim=1)

    def forward(self, z):
        s, t = self._s_t(z[:, self.a])
        return self._assemble(z[:, self.a], z[:, self.b] * torch.exp(s) + t), s

    def inverse(self, x):
        s, t = self._s_t(x[:, self.a])
        return self._assemble(x[:, self.a], (x[:, self.b] - t) * torch.exp(-s)), -s


class Flow(nn.Module):
    """A stack of layers: ``x = f(z)``, with an exact log-density of ``x`` under
    ``z ~ N(0, I)``."""

    def __init__(self, layers):
        super().__init__()
        self.layers = nn.ModuleList(layers)

    @property
    def volume_preserving_up_to_constant(self) -> bool:
        """Whether every layer has a constant Jacobian determinant (no affine one)."""
        return all(
            not (isinstance(layer, Coupling) and layer.kind == "affine")
            for layer in self.layers
        )

    def forward(self, z):
        """Map latent points to data points; also return log|det df/dz| per point."""
        z = _check_points("Flow.forward", z)
        logdet = torch.zeros(z.shape[0])
        for layer in self.layers:
            z, ld = layer(z)
            logdet = logdet + ld
        return z, logdet

    def inverse(self, x):
        """Map data points to latent points, with log|det df^{-1}/dx| per point."""
        x = _check_points("Flow.inverse", x)
        logdet = torch.zeros(x.shape[0])
        for layer in reversed(self.layers):
            x, ld = layer.inverse(x)
            logdet = logdet + ld
        return x, logdet

    def log_prob(self, x):
        """log p_x(x) = log N(f^{-1}(x); 0, I) + log|det J_{f^{-1}}(x)|."""
        z, logdet = self.inverse(x)
        return -0.5 * (z**2).sum(1) - LOG_2PI + logdet

    @torch.no_grad()
    def sample(self, n: int, tau: float = 1.0, generator=None):
        """``n`` points ``f(tau * eps)`` with ``eps ~ N(0, I)``: latent standard
        deviation times tau."""
        tau = _check_positive("Flow.sample", "tau", tau, allow_zero=True)
        n = check_count(n, "Flow.sample", "n")
        eps = torch.randn(n, 2, generator=generator)
        return self.forward(tau * eps)[0]


def make_flow(kind: str, n_couplings: int = 6, hidden: int = 32, seed: int = 0) -> Flow:
    """ActNorm followed by ``n_couplings`` couplings of ``kind``, alternating the
    coordinate they change."""
    if kind not in ("additive", "affine"):
        raise ValueError(
            f"make_flow: kind must be 'additive' or 'affine', got {kind!r}"
        )
    torch.manual_seed(seed)
    layers = [ActNorm()] + [
        Coupling(kind, flip=bool(i % 2), hidden=hidden) for i in range(n_couplings)
    ]
    return Flow(layers)


def train_flow(
    flow: Flow,
    data,
    steps: int = 1500,
    batch: int = 256,
    lr: float = 5e-3,
    seed: int = 0,
) -> list:
    """Fit ``flow`` to ``data`` (n x 2) by maximum likelihood with Adam; return the loss
    every 100 steps."""
    data = _check_points("train_flow", data)
    steps = check_count(steps, "train_flow", "steps")
    batch = check_count(batch, "train_flow", "batch")
    gen = torch.Generator().manual_seed(seed)
    # start the ActNorm layer at the data's mean and spread (Glow's data-dependent
    # initialisation)
    act = flow.layers[0]
    if isinstance(act, ActNorm):
        with torch.no_grad():
            act.shift.copy_(data.mean(0))
            act.log_scale.copy_(torch.log(data.std(0)))
    opt = torch.optim.Adam(flow.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    history = []
    for step in range(steps):
        idx = torch.randint(0, data.shape[0], (batch,), generator=gen)
        loss = -flow.log_prob(data[idx]).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 100 == 0 or step == steps - 1:
            history.append(float(loss.detach()))
    return history


def two_moons(n: int, noise: float = 0.08, rng=None) -> np.ndarray:
    """``n`` two-moons points: two interleaved half circles plus Gaussian noise."""
    n = check_count(n, "two_moons", "n", minimum=2)
    noise = _check_positive("two_moons", "noise", noise, allow_zero=True)
    rng = np.random.default_rng(rng)
    upper = rng.random(n) < 0.5
    angle = rng.uniform(0, np.pi, n)
    x = np.where(upper, np.cos(angle), 1 - np.cos(angle))
    y = np.where(upper, np.sin(angle), 0.5 - np.sin(angle))
    return np.stack([x, y], 1) + noise * rng.standard_normal((n, 2))


def tempered_gaussian(mean, cov, T):
    """N(mean, cov) raised to the power 1/T and renormalised: N(mean, T * cov)."""
    T = _check_positive("tempered_gaussian", "T", T, allow_zero=False)
    cov = np.asarray(cov, dtype=float)
    if cov.ndim == 2 and np.any(np.linalg.eigvalsh((cov + cov.T) / 2) <= 0):
        raise ValueError("tempered_gaussian: cov must be positive definite")
    if cov.ndim < 2 and np.any(cov <= 0):
        raise ValueError("tempered_gaussian: a variance must be positive")
    return np.asarray(mean, dtype=float), T * cov


def grid(lo=(-2.0, -1.5), hi=(3.0, 2.0), n: int = 200):
    """An ``n`` x ``n`` grid of cell centres over the box [lo, hi]: (points (n*n, 2),
    cell area, shape)."""
    n = check_count(n, "grid", "n")
    lo = as_real_array(lo, "grid", "lo", float)
    hi = as_real_array(hi, "grid", "hi", float)
    if lo.shape != (2,) or hi.shape != (2,) or not np.all(np.isfinite([lo, hi])):
        raise ValueError(
            f"grid: lo and hi must be two finite numbers each, got {lo!r} and {hi!r}"
        )
    if not np.all(lo < hi):
        raise ValueError(
            f"grid: lo must be below hi in both coordinates, got {lo!r} and {hi!r}"
        )
    xs = np.linspace(lo[0], hi[0], n + 1)
    ys = np.linspace(lo[1], hi[1], n + 1)
    cx, cy = (xs[:-1] + xs[1:]) / 2, (ys[:-1] + ys[1:]) / 2
    X, Y = np.meshgrid(cx, cy)
    area = (xs[1] - xs[0]) * (ys[1] - ys[0])
    return np.stack([X.ravel(), Y.ravel()], 1), area, X.shape


def normalise_on_grid(log_density) -> np.ndarray:
    """Cell probabilities proportional to exp(log_density) on equal cells (stable).

    ``-inf`` is a cell of density 0; NaN, ``+inf`` or every cell at ``-inf`` raise.
    """
    func = "normalise_on_grid"
    ld = as_float_array(log_density, func, "log_density").astype(float, copy=False)
    if np.isnan(ld).any() or np.isposinf(ld).any():
        raise ValueError(f"{func}: log_density contains NaN or +inf")
    m = ld.max()
    if np.isneginf(m):
        raise ValueError(
            f"{func}: log_density is -inf in every cell, so there is no distribution"
        )
    w = np.exp(ld - m)
    return w / w.sum()


@torch.no_grad()
def tempered_log_density(flow: Flow, points, T: float) -> np.ndarray:
    """Unnormalised log of p_x(x)^(1/T): the data density of the flow, tempered at T."""
    T = _check_positive("tempered_log_density", "T", T, allow_zero=False)
    return (flow.log_prob(points) / T).numpy()


@torch.no_grad()
def pushforward_log_density(flow: Flow, points, tau: float) -> np.ndarray:
    """log density of f(z) with z ~ N(0, tau^2 I): log N(f^{-1}(x); 0, tau^2 I) +
    log|det J_{f^{-1}}(x)|."""
    tau = _check_positive("pushforward_log_density", "tau", tau, allow_zero=False)
    z, logdet = flow.inverse(points)
    return (
        -0.5 * (z**2).sum(1) / tau**2 - LOG_2PI - 2 * math.log(tau) + logdet
    ).numpy()


def total_variation(p, q) -> float:
    """Total variation distance 0.5 * sum |p - q| between two probability vectors."""
    func = "total_variation"
    p = as_real_array(p, func, "p", float)
    q = as_real_array(q, func, "q", float)
    if p.shape != q.shape:
        raise ValueError(f"{func}: shapes differ, {p.shape} and {q.shape}")
    for name, x in (("p", p), ("q", q)):
        if not np.isfinite(x).all():
            raise ValueError(f"{func}: {name} contains NaN or inf")
    return 0.5 * float(np.abs(p - q).sum())


def fit_moons_flows(steps: int = 1200, n: int = 4000, seed: int = 0):
    """Chapter 10's two flows: an additive and an affine one, each fitted to ``n``
    two-moons points.

    Returns ``(flows, data, losses)``: a dict {"additive": Flow, "affine": Flow}, the
    data as a float32 tensor, and the final training loss (mean negative log-likelihood,
    nats) of each. Deterministic for a given seed on one CPU thread.
    """
    steps = check_count(steps, "fit_moons_flows", "steps")
    seed = check_int(seed, "fit_moons_flows", "seed", minimum=0)
    data = torch.tensor(two_moons(n, rng=seed), dtype=torch.float32)
    kinds = ("additive", "affine")

    def train():
        weights, losses = {}, {}
        for kind in kinds:
            flow = make_flow(kind, seed=seed)
            losses[kind] = train_flow(flow, data, steps=steps, seed=seed)[-1]
            weights.update({f"{kind}.{k}": v for k, v in flow.state_dict().items()})
        return weights, losses

    # Under `make test` the page and the notebook train these once between them.
    key = {"n": n, "steps": steps, "seed": seed, **code_key(__file__)}
    weights, losses = shared_result("fit_moons_flows", key, train)
    flows = {}
    for kind in kinds:
        flow = make_flow(kind, seed=seed)
        prefix = f"{kind}."
        flow.load_state_dict(
            {k[len(prefix) :]: v for k, v in weights.items() if k.startswith(prefix)}
        )
        flows[kind] = flow.eval()
    return flows, data, losses
