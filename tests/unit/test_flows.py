"""Tests of tempered.flows: exact log-determinants, invertibility, the Gaussian
tempering theorem."""

import numpy as np
import pytest
import torch

from tempered.flows import Coupling
from tempered.flows import grid
from tempered.flows import make_flow
from tempered.flows import normalise_on_grid
from tempered.flows import pushforward_log_density
from tempered.flows import tempered_gaussian
from tempered.flows import tempered_log_density
from tempered.flows import total_variation
from tempered.flows import train_flow
from tempered.flows import two_moons

torch.set_num_threads(1)


def _randomised(kind, seed=0):
    """A flow with random (non-identity) weights: the tests exercise real couplings."""
    flow = make_flow(kind, n_couplings=4, hidden=8, seed=seed)
    gen = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for p in flow.parameters():
            p.copy_(0.5 * torch.randn(p.shape, generator=gen))
    return flow.double()


@pytest.fixture(autouse=True)
def _float64():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


@pytest.mark.parametrize("kind", ["additive", "affine"])
def test_inverse_undoes_forward(kind):
    flow = _randomised(kind)
    z = torch.randn(50, 2, generator=torch.Generator().manual_seed(3))
    x, ld_fwd = flow(z)
    z_back, ld_inv = flow.inverse(x)
    assert torch.allclose(z_back, z, atol=1e-10)
    assert torch.allclose(ld_fwd, -ld_inv, atol=1e-10)


@pytest.mark.parametrize("kind", ["additive", "affine"])
def test_logdet_matches_autograd_jacobian(kind):
    flow = _randomised(kind)
    for z in torch.randn(5, 2, generator=torch.Generator().manual_seed(4)):
        J = torch.autograd.functional.jacobian(lambda v: flow(v[None])[0][0], z)
        _, logdet = flow(z[None])
        assert float(logdet.detach()) == pytest.approx(
            float(torch.log(torch.abs(torch.det(J)))), abs=1e-9
        )


def test_logdet_matches_finite_differences():
    layer = Coupling("affine", flip=True, hidden=8).double()
    with torch.no_grad():
        for p in layer.parameters():
            p.normal_(0, 0.7)
    z, h = torch.tensor([[0.3, -0.8]]), 1e-6
    with torch.no_grad():
        cols = [
            (layer(z + h * e)[0] - layer(z - h * e)[0])[0] / (2 * h)
            for e in torch.eye(2)
        ]
    J = torch.stack(cols, 1)
    assert float(layer(z)[1].detach()) == pytest.approx(
        float(torch.log(torch.abs(torch.det(J)))), abs=1e-7
    )


def test_additive_couplings_preserve_volume_and_affine_do_not():
    z = torch.randn(20, 2, generator=torch.Generator().manual_seed(5))
    add = _randomised("additive")
    aff = _randomised("affine")
    ld_add, ld_aff = add(z)[1], aff(z)[1]
    assert torch.allclose(
        ld_add, ld_add[0].expand(20)
    )  # constant (only ActNorm contributes)
    assert ld_aff.std() > 1e-3
    assert (
        add.volume_preserving_up_to_constant
        and not aff.volume_preserving_up_to_constant
    )


def test_log_prob_integrates_to_one():
    flow = _randomised("affine")
    pts, area, _ = grid((-12, -12), (12, 12), n=400)
    with torch.no_grad():
        mass = float(torch.exp(flow.log_prob(torch.tensor(pts))).sum()) * area
    assert mass == pytest.approx(1.0, abs=2e-3)


def test_gaussian_tempering_theorem_numerically():
    mu, var, T = 0.7, 1.3, 0.45
    xs = np.linspace(-10, 10, 200001)
    dx = xs[1] - xs[0]
    log_p = -0.5 * (xs - mu) ** 2 / var
    q = np.exp(log_p / T)
    q /= q.sum() * dx
    mean, cov = tempered_gaussian(mu, var, T)
    exact = np.exp(-0.5 * (xs - mean) ** 2 / cov) / np.sqrt(2 * np.pi * cov)
    assert np.max(np.abs(q - exact)) < 1e-8
    Sigma = np.array([[1.0, 0.6], [0.6, 2.0]])
    assert np.allclose(tempered_gaussian([0, 1], Sigma, 2.5)[1], 2.5 * Sigma)


@pytest.mark.parametrize("tau", [0.3, 0.7, 1.0])
def test_additive_pushforward_equals_tempered_density(tau):
    flow = _randomised("additive")
    pts, _, _ = grid((-6, -6), (6, 6), n=120)
    pts = torch.tensor(pts)
    a = normalise_on_grid(tempered_log_density(flow, pts, tau**2))
    b = normalise_on_grid(pushforward_log_density(flow, pts, tau))
    assert total_variation(a, b) < 1e-9


def test_affine_pushforward_differs_from_tempered_density():
    flow = _randomised("affine")
    pts, _, _ = grid((-6, -6), (6, 6), n=120)
    pts = torch.tensor(pts)
    a = normalise_on_grid(tempered_log_density(flow, pts, 0.25))
    b = normalise_on_grid(pushforward_log_density(flow, pts, 0.5))
    assert total_variation(a, b) > 0.01


def test_sample_at_tau_zero_is_image_of_origin():
    flow = _randomised("affine")
    x = flow.sample(5, tau=0.0, generator=torch.Generator().manual_seed(0))
    origin = flow(torch.zeros(1, 2))[0]
    assert torch.allclose(x, origin.expand(5, 2))


def test_training_lowers_the_loss():
    torch.set_default_dtype(torch.float32)
    data = torch.tensor(two_moons(500, rng=0), dtype=torch.float32)
    flow = make_flow("affine", n_couplings=2, hidden=8)
    history = train_flow(flow, data, steps=150, batch=128)
    assert history[-1] < history[0]


def test_bad_input_raises():
    flow = make_flow("additive")
    with pytest.raises(ValueError, match="shape"):
        flow.inverse(torch.zeros(3, 3))
    with pytest.raises(ValueError, match="finite"):
        flow.log_prob(torch.tensor([[float("nan"), 0.0]]))
    with pytest.raises(ValueError, match="tau"):
        flow.sample(3, tau=-0.1)
    with pytest.raises(ValueError, match="n must"):
        flow.sample(0)
    with pytest.raises(ValueError, match="kind"):
        Coupling("spline")
    with pytest.raises(ValueError, match="kind"):
        make_flow("linear")
    with pytest.raises(ValueError, match="T must"):
        tempered_gaussian(0.0, 1.0, 0.0)
    with pytest.raises(TypeError, match="T must be a number"):
        tempered_gaussian(0.0, 1.0, "hot")
    with pytest.raises(ValueError, match="positive definite"):
        tempered_gaussian([0, 0], [[1.0, 2.0], [2.0, 1.0]], 1.0)
    with pytest.raises(ValueError, match="T must"):
        tempered_log_density(flow, torch.zeros(2, 2), float("nan"))
    with pytest.raises(ValueError, match="tau"):
        pushforward_log_density(flow, torch.zeros(2, 2), 0.0)
    with pytest.raises(ValueError, match="shapes differ"):
        total_variation([0.5, 0.5], [1.0])
    with pytest.raises(ValueError, match="n must"):
        two_moons(1)


def test_widget_updates_and_static_spec():
    from tempered.widgets.flow import FlowSamplesExplorer

    torch.set_default_dtype(torch.float32)
    flows = {
        "additive": make_flow("additive", n_couplings=2, hidden=8),
        "affine": make_flow("affine", n_couplings=2, hidden=8),
    }
    ex = FlowSamplesExplorer(flows, n=100, tau=0.5)
    before = ex.scatters[1].get_offsets().copy()
    ex.update(1.0)
    assert not np.allclose(before, ex.scatters[1].get_offsets())
    assert ex.png().startswith(b"\x89PNG")
    spec = ex.static_spec()
    assert len(spec["frames"]) == len(spec["taus"]) and len(spec["frames"][0]) == 2
    assert np.allclose(
        spec["frames"][0][0], np.asarray(spec["frames"][0][0])[0]
    )  # tau = 0: one point
    with pytest.raises(ValueError, match="n must"):
        FlowSamplesExplorer(flows, n=5000)
    with pytest.raises(ValueError, match="tau"):
        ex.update(-1.0)


def test_flow_widget_static_twin_and_live(monkeypatch):
    import html
    import json
    import re

    import IPython.display

    from tempered.widgets import static
    from tempered.widgets.flow import flow_samples_explorer

    torch.set_default_dtype(torch.float32)
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append(obj))
    flows = {"additive": make_flow("additive", n_couplings=2, hidden=8)}
    monkeypatch.setenv(static.STATIC_ENV, "1")
    flow_samples_explorer(flows, n=50, tau=0.4)
    (widget,) = shown
    assert isinstance(widget, static.StaticWidget)
    text = widget._repr_html_()
    assert 'data-kind="flow-samples"' in text
    spec = json.loads(html.unescape(re.search(r'data-spec="([^"]*)"', text)[1]))
    assert (
        spec["tau"] == 0.4
        and spec["names"] == ["additive"]
        and len(spec["frames"][0][0]) == 50
    )
    monkeypatch.delenv(static.STATIC_ENV)
    flow_samples_explorer(flows, n=50)
    assert type(shown[1]).__module__.startswith("ipywidgets")
