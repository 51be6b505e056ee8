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


def test_view_sets_the_changing_title_as_text_above_the_picture():
    explorer = TemperatureExplorer([2.0, 1.0, 0.0], labels=list("abc"))
    drawn = bytes(explorer.png())  # the title drawn into the picture
    view = explorer.view()
    caption, image = view.children
    assert image is explorer.image_widget()
    assert "T = 1:" in caption.value and "entropy" in caption.value
    assert not explorer.ax.title.get_visible() and bytes(image.value) != drawn
    explorer.update(0.25)
    assert "T = 0.25:" in caption.value and "T = 0.25" in explorer.ax.get_title()
    assert explorer.view().children[0] is caption  # one caption per figure


def test_a_title_per_panel_stays_in_the_picture():
    from tempered.widgets.chain import ChainExplorer

    explorer = ChainExplorer([2.0, 1.0, 0.0], labels=list("abc"))
    caption, _ = explorer.view().children
    assert caption.layout.display == "none"
    assert all(ax.title.get_visible() for ax in explorer.fig.axes)


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
