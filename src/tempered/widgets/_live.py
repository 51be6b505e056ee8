"""Shared plumbing for widgets: one figure, updated in place, shown as an image widget.

A widget draws its matplotlib figure once. On every tick it changes a few
artists in place (``set_height``, ``set_data``, ``set_text``) and repaints
only those over a cached background (blitting), then hands the picture to an
``ipywidgets.Image`` whose value changes in place. It works in any Jupyter
front end (no ipympl needed), and a tick costs a few milliseconds, not a
full redraw.
"""

from __future__ import annotations

import html
import math
import struct
import zlib

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def new_figure(figsize=(7.0, 3.6), dpi=90, **subplot_kw):
    """A pyplot-free figure with an Agg canvas, and its axes (like ``plt.subplots``)."""
    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(**subplot_kw)
    return fig, axes


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + tag
        + data
        + struct.pack(">I", zlib.crc32(tag + data))
    )


def encode_png_rgb(rgba: np.ndarray) -> bytes:
    """Encode an (H, W, 4) uint8 image of an opaque figure as an RGB PNG, quickly.

    Rows are stored unfiltered and deflated at level 1: on mostly white
    figures about as small as Pillow's output and two to three times faster,
    which is most of the cost of a slider tick.
    """
    height, width = rgba.shape[:2]
    rows = np.empty((height, 1 + 3 * width), dtype=np.uint8)
    rows[:, 0] = 0  # PNG filter type 0 (none) for every row
    rows[:, 1:] = rgba[:, :, :3].reshape(height, 3 * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
        + _png_chunk(b"IEND", b"")
    )


def probability_scale(ax, log_scale: bool, floor: float) -> None:
    """Put ``ax`` on a log [floor, 1] or a linear [0, 1] probability axis."""
    if log_scale:
        ax.set_yscale("log")
        ax.set_ylim(floor, 1.5)
    else:
        ax.set_yscale("linear")
        ax.set_ylim(0, 1.02)


class LiveFigure:
    """Base class for widgets. Subclasses draw in ``__init__``, then:

    - call :meth:`set_animated` with the artists that change on a tick;
    - call :meth:`refresh` after changing them;
    - call :meth:`invalidate` first when something static changes (e.g. an axis scale).

    In a notebook the widget is shown by :meth:`view`, which sets the changing
    titles as text above the picture instead of drawing them into it.
    """

    def __init__(self, fig: Figure, alt: str = ""):
        self.fig = fig
        self.alt = alt
        self._animated = []
        self._caption = None  # the titles as HTML, once view() has been called
        self._caption_texts = []
        self._background = None
        self._image = None

    def set_animated(self, artists) -> None:
        """Declare the artists redrawn on every tick."""
        self._animated = list(artists)
        self._background = None

    def switch_probability_scale(self, ax, log_scale: bool, floor: float) -> None:
        """Switch ``ax`` between log and linear probability scales; redraw all."""
        probability_scale(ax, log_scale, floor)
        self.invalidate()
        self.refresh()

    def invalidate(self) -> None:
        """Forget the cached background and layout; the next refresh redraws them."""
        self.fig.set_layout_engine("constrained")
        self._background = None

    def _blit(self) -> None:
        canvas = self.fig.canvas
        if self._background is None:
            for artist in self._animated:
                artist.set_animated(False)
            canvas.draw()  # lays out with every artist present
            self.fig.set_layout_engine("none")  # freeze that layout
            for artist in self._animated:
                artist.set_animated(True)
            canvas.draw()  # the static parts only
            self._background = canvas.copy_from_bbox(self.fig.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in self._animated:
            self.fig.draw_artist(artist)

    def png(self) -> bytes:
        """The current picture as PNG bytes (see :func:`encode_png_rgb`)."""
        self._blit()
        if self._caption is not None:
            self._caption.value = self._caption_html()
        return encode_png_rgb(np.asarray(self.fig.canvas.buffer_rgba()))

    def _changing_title(self) -> list:
        # The one changing title of the figure (an axes' title or the suptitle), if
        # it has exactly one: several (one per panel) or labels placed on the plot
        # belong where they are drawn.
        titles = [ax.title for ax in self.fig.axes] + [self.fig._suptitle]
        changing = [a for a in self._animated if any(a is t for t in titles)]
        return changing if len(changing) == 1 else []

    def _caption_html(self) -> str:
        lines = [html.escape(t.get_text()) for t in self._caption_texts]
        lines = [line.replace("\n", "<br>") for line in lines]  # two-line titles
        return f'<div style="text-align: center">{"<br>".join(lines)}</div>'

    def view(self):
        """The widget as a notebook shows it: the picture, under its changing titles
        set as HTML text.

        Matplotlib draws a changing title glyph by glyph on every tick, which is
        more than half of a tick's cost in the kernel; as HTML the front end lays
        the text out, and a screen reader can read it. A figure never shown by
        ``view`` (a test's, or one shown as a plain PNG) keeps its titles drawn.
        """
        import ipywidgets as w

        if self._caption is None:
            self._caption_texts = self._changing_title()
            for text in self._caption_texts:
                text.set_visible(False)  # also frees its space in the layout
            self.invalidate()
            width = self.fig.canvas.get_width_height()[0]
            shown = "block" if self._caption_texts else "none"
            self._caption = w.HTML(layout=w.Layout(width=f"{width}px", display=shown))
            if self._image is not None:
                self._image.value = self.png()
        return w.VBox([self._caption, self.image_widget()])

    def refresh(self) -> None:
        """Repaint the changed artists; swap the new picture in if it is on screen."""
        if self._image is None:
            self._blit()
        else:
            self._image.value = self.png()

    def image_widget(self):
        """An ``ipywidgets.Image`` showing the figure (created on first use)."""
        if self._image is None:
            import ipywidgets as w

            self._image = w.Image(value=self.png(), format="png")
        return self._image

    def _repr_png_(self) -> bytes:
        return self.png()


def temperature_slider(
    T: float,
    *,
    t_min: float = 0.01,
    t_max: float = 100.0,
    step: float = 0.01,
    description: str = "T",
):
    """The course's temperature slider: logarithmic, from ``t_min`` to ``t_max``.

    ``step`` is in powers of ten. Every widget's T control is made here, so they
    all look and read the same.
    """
    import ipywidgets as w

    return w.FloatLogSlider(
        value=T,
        base=10,
        min=math.log10(t_min),
        max=math.log10(t_max),
        step=step,
        description=description,
        readout_format=".3g",
    )


def show_with_temperature_controls(
    explorer, T: float, scales=("linear", "log"), scale_label="y axis"
) -> None:
    """Display ``explorer`` under a log-scale T slider (0.01 to 100) and a linear/log
    axis toggle.

    The slider calls ``explorer.update(T)``; the toggle calls
    ``explorer.set_log_scale``. ``scales`` gives the toggle's options, the first being
    the initial one.
    """
    import IPython.display
    import ipywidgets as w

    slider = temperature_slider(T)
    toggle = w.ToggleButtons(options=list(scales), description=scale_label)
    slider.observe(lambda change: explorer.update(change["new"]), names="value")
    toggle.observe(
        lambda change: explorer.set_log_scale(change["new"] == "log"), names="value"
    )
    IPython.display.display(w.VBox([w.HBox([slider, toggle]), explorer.view()]))
