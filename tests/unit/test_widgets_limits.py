"""The limits widget moves the same artists in place and shows the right numbers."""

import numpy as np
import pytest

from tempered import entropy
from tempered import tempered_softmax
from tempered.widgets.limits import LimitsExplorer
from tempered.widgets.limits import limits_explorer

LOGITS = np.array([3.2, 3.2, 2.1, 1.6, 0.3, -np.inf])


def _segment_heights(line):
    """The height of each short reference segment (one per bar) of a limit line."""
    return np.asarray(line.get_ydata(), dtype=float)[0::3]


def test_update_moves_the_same_artists_to_the_right_values():
    explorer = LimitsExplorer(LOGITS, T=1.0)
    bars, marker, cursor = list(explorer.bars), explorer.marker, explorer.cursor
    image = explorer.image_widget()
    first = bytes(image.value)
    explorer.update(0.05)
    assert (
        list(explorer.bars) == bars
        and explorer.marker is marker
        and explorer.cursor is cursor
    )
    p = tempered_softmax(LOGITS, 0.05)
    np.testing.assert_allclose([b.get_height() for b in explorer.bars], p)
    x, y = explorer.marker.get_data()
    assert x[0] == pytest.approx(0.05) and y[0] == pytest.approx(entropy(p))
    assert cursor.get_xdata()[0] == pytest.approx(0.05)
    assert explorer.ax_p.get_title() == f"T = 0.05:  H(T) = {entropy(p):.3f} nats"
    explorer.update(1000.0)
    assert explorer.ax_p.get_title().startswith("T = 1000:")
    assert bytes(image.value) != first and bytes(image.value).startswith(b"\x89PNG")


def test_reference_marks_are_the_two_limits():
    explorer = LimitsExplorer(LOGITS)
    np.testing.assert_allclose(
        _segment_heights(explorer.zero_limit_line), [0.5, 0.5, 0, 0, 0, 0]
    )
    np.testing.assert_allclose(
        _segment_heights(explorer.inf_limit_line), [0.2] * 5 + [0]
    )
    assert (explorer.k, explorer.m) == (2, 5)
    assert explorer.log_k_line.get_ydata()[0] == pytest.approx(np.log(2))
    assert explorer.log_m_line.get_ydata()[0] == pytest.approx(np.log(5))
    # The masked token stays at 0 at both ends of the slider.
    for T in (1e-3, 1e3):
        explorer.update(T)
        assert explorer.bars[-1].get_height() == 0.0


def test_entropy_curve_runs_between_log_k_and_log_m_and_rises():
    explorer = LimitsExplorer(LOGITS)
    H = explorer.curve_H
    assert np.all(np.diff(H) >= -1e-12)
    assert H[0] == pytest.approx(np.log(2), abs=1e-9)
    assert H[-1] == pytest.approx(np.log(5), abs=1e-2)


def test_breaking_the_tie_makes_k_one_and_keeps_the_artists():
    explorer = LimitsExplorer(LOGITS, T=0.01, tie_gap=0.3)
    bars, zero_line = list(explorer.bars), explorer.zero_limit_line
    explorer.set_tie_broken(True)
    assert list(explorer.bars) == bars and explorer.zero_limit_line is zero_line
    assert explorer.k == 1 and explorer.logits[1] == pytest.approx(2.9)
    np.testing.assert_allclose(
        _segment_heights(explorer.zero_limit_line), [1, 0, 0, 0, 0, 0]
    )
    assert explorer.bars[0].get_height() == pytest.approx(1.0, abs=1e-12)
    assert explorer.curve_H[0] == pytest.approx(0.0, abs=1e-9)
    explorer.set_tie_broken(False)
    assert explorer.k == 2 and explorer.bars[0].get_height() == pytest.approx(0.5)


def test_limits_explorer_builds_its_controls():
    explorer = limits_explorer(LOGITS, T=2.0)
    assert isinstance(explorer, LimitsExplorer) and explorer.T == 2.0


def test_book_build_shows_the_static_twin_with_both_limits(monkeypatch):
    import IPython.display

    from tempered.widgets.static import STATIC_ENV
    from tempered.widgets.static import StaticWidget

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append(obj))
    monkeypatch.setenv(STATIC_ENV, "1")
    explorer = limits_explorer(LOGITS, T=0.5)
    (widget,) = shown
    assert isinstance(widget, StaticWidget) and isinstance(explorer, LimitsExplorer)
    assert 'data-kind="bars"' in widget._repr_html_()
    assert widget.spec["logits"] == [3.2, 3.2, 2.1, 1.6, 0.3, None]
    assert widget.spec["limits"] is True and (
        widget.spec["tmin"],
        widget.spec["tmax"],
    ) == (1e-3, 1e3)
    assert widget.spec["T"] == 0.5 and widget._repr_png_().startswith(b"\x89PNG")
