"""Widgets update their figure in place, and do it fast enough to feel live."""

import io

import numpy as np
import PIL.Image

from tempered import tempered_softmax
from tempered.widgets import TemperatureExplorer


def test_temperature_explorer_moves_the_same_bars():
    logits = np.array([2.0, 1.0, 0.0, -1.0])
    explorer = TemperatureExplorer(logits, labels=list("abcd"))
    bars_before = list(explorer.bars)
    image = explorer.image_widget()
    first = bytes(image.value)
    explorer.update(0.25)
    assert list(explorer.bars) == bars_before  # same artists, new heights
    np.testing.assert_allclose(
        [b.get_height() for b in explorer.bars], tempered_softmax(logits, 0.25)
    )
    assert "T = 0.25" in explorer.ax.get_title()
    assert bytes(image.value) != first and bytes(image.value).startswith(b"\x89PNG")


def test_log_toggle_changes_the_axis():
    explorer = TemperatureExplorer([1.0, 0.0, -5.0])
    explorer.set_log_scale(True)
    assert explorer.ax.get_yscale() == "log"
    explorer.set_log_scale(False)
    assert explorer.ax.get_yscale() == "linear"


def test_png_is_the_canvas_pixel_for_pixel():
    explorer = TemperatureExplorer([2.0, 0.5, -1.0], T=0.2)
    image = PIL.Image.open(io.BytesIO(explorer.png()))
    image.load()
    assert image.mode == "RGB" and image.size == explorer.fig.canvas.get_width_height()
    canvas = np.asarray(explorer.fig.canvas.buffer_rgba())
    np.testing.assert_array_equal(np.asarray(image), canvas[:, :, :3])
