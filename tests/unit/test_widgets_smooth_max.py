"""The smooth-max widget moves the same artists in place and draws the right curves."""

import numpy as np
import pytest

from tempered import logsumexp
from tempered.widgets.smooth_max import SmoothMaxExplorer
from tempered.widgets.smooth_max import smooth_max


def test_update_moves_the_same_artists_to_the_right_data():
    explorer = SmoothMaxExplorer(others=(1.0, 0.0), x_range=(-3.0, 4.0))
    artists = (explorer.smooth_line, explorer.bound_line, explorer.gap_line)
    lines_before = list(explorer.ax.lines)
    image = explorer.image_widget()
    first = bytes(image.value)
    explorer.update(0.25)
    assert (explorer.smooth_line, explorer.bound_line, explorer.gap_line) == artists
    assert list(explorer.ax.lines) == lines_before  # nothing added, nothing replaced
    x = explorer.x
    rows = np.column_stack([x, np.ones_like(x), np.zeros_like(x)])
    expected = 0.25 * logsumexp(rows / 0.25, axis=1)
    np.testing.assert_allclose(explorer.smooth_line.get_ydata(), expected, rtol=1e-12)
    np.testing.assert_allclose(
        explorer.bound_line.get_ydata(),
        np.maximum(x, 1.0) + 0.25 * np.log(3),
        rtol=1e-12,
    )
    gap_top = 0.25 * logsumexp(np.array([1.0, 1.0, 0.0]) / 0.25)
    np.testing.assert_allclose(explorer.gap_line.get_ydata(), [1.0, gap_top])
    assert explorer.ax.get_title() == "T = 0.25"
    np.testing.assert_allclose(explorer.gap, gap_top - 1.0)
    assert f"{0.25 * np.log(3):.4g}" in explorer.summary
    assert bytes(image.value) != first and bytes(image.value).startswith(b"\x89PNG")


@pytest.mark.parametrize("T", [0.01, 0.1, 1.0, 10.0, 100.0])
def test_curve_lies_between_max_and_max_plus_T_log_n(T):
    explorer = SmoothMaxExplorer(others=(0.5, -1.0, 2.0), T=T)
    smooth, bound = explorer.curves(T)
    slack = 1e-12 * (1 + np.abs(explorer.hard_max))
    assert np.all(explorer.hard_max <= smooth + slack)
    assert np.all(smooth <= bound + slack)


def test_gap_is_largest_at_the_tie_and_vanishes_as_T_goes_to_zero():
    explorer = SmoothMaxExplorer(others=(1.0, 0.0), x_range=(-3.0, 4.0), n_points=701)
    for T in [0.05, 0.5, 2.0]:
        smooth, _ = explorer.curves(T)
        gap = smooth - explorer.hard_max
        assert abs(explorer.x[np.argmax(gap)] - 1.0) <= explorer.x[1] - explorer.x[0]
    gaps = [np.max(explorer.curves(T)[0] - explorer.hard_max) for T in [1.0, 0.1, 0.01]]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] <= 0.01 * np.log(3)


def test_smooth_max_limits_and_bad_temperatures():
    u = np.array([[3.0, -1.0, 3.0], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(smooth_max(u, 0), [3.0, 0.0])
    np.testing.assert_allclose(
        smooth_max(u, 1.0)[1], np.log(3)
    )  # equal logits attain max + T log n
    for bad in [-1.0, np.inf, np.nan]:
        with pytest.raises(ValueError, match="smooth_max"):
            smooth_max(u, bad)
    explorer = SmoothMaxExplorer()
    with pytest.raises(ValueError, match="update"):
        explorer.update(0.0)
    with pytest.raises(ValueError, match="others"):
        SmoothMaxExplorer(others=[])
    with pytest.raises(ValueError, match="x_range"):
        SmoothMaxExplorer(x_range=(1.0, -1.0))


def test_axis_grows_for_large_T_and_returns_for_small_T():
    explorer = SmoothMaxExplorer(others=(1.0, 0.0), x_range=(-3.0, 4.0))
    base = explorer.ax.get_ylim()
    line = explorer.smooth_line
    explorer.update(100.0)
    _, bound = explorer.curves(100.0)
    assert explorer.ax.get_ylim()[1] >= bound.max()  # the whole bound is on screen
    assert explorer.smooth_line is line and explorer.ax.get_ylim()[0] == base[0]
    explorer.update(1.0)
    assert explorer.ax.get_ylim() == base


def test_fixed_ylim_is_kept():
    explorer = SmoothMaxExplorer(ylim=(0.0, 5.0))
    explorer.update(50.0)
    assert explorer.ax.get_ylim() == (0.0, 5.0)


def test_explorer_function_wires_slider_label_and_image():
    import ipywidgets as w

    from tempered.widgets.smooth_max import smooth_max_explorer

    explorer = smooth_max_explorer(T=0.5)  # display() prints a repr outside a kernel
    assert (
        isinstance(explorer.label, w.Label) and explorer.label.value == explorer.summary
    )
    first_image, first_text = bytes(explorer.image_widget().value), explorer.label.value
    explorer.slider.value = 0.05  # the observer calls update, as a slider drag would
    assert explorer.T == 0.05 and explorer.ax.get_title() == "T = 0.05"
    assert explorer.label.value == explorer.summary != first_text
    assert bytes(explorer.image_widget().value) != first_image


def test_static_book_shows_the_static_twin(monkeypatch):
    import IPython.display

    from tempered.widgets.smooth_max import smooth_max_explorer
    from tempered.widgets.static import STATIC_ENV
    from tempered.widgets.static import StaticWidget

    shown = []
    monkeypatch.setenv(STATIC_ENV, "1")
    monkeypatch.setattr(
        IPython.display, "display", lambda obj, *a, **k: shown.append(obj)
    )
    explorer = smooth_max_explorer(others=(1.0, 0.0), x_range=(-3.0, 4.0), T=0.5)
    assert len(shown) == 1 and isinstance(shown[0], StaticWidget)
    widget = shown[0]
    assert widget.kind == "smooth-max"
    assert (
        widget.spec["others"] == [1.0, 0.0]
        and widget.spec["T"] == 0.5
        and widget.spec["x"] == 1.0
    )
    assert (widget.spec["xmin"], widget.spec["xmax"]) == (-3.0, 4.0)
    assert widget.spec["ymin"] < 1.0 < widget.spec["ymax"]
    assert (
        widget.png.startswith(b"\x89PNG")
        and 'data-kind="smooth-max"' in widget._repr_html_()
    )
    assert explorer.label is None  # no ipywidgets in the static book
