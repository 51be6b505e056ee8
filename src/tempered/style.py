"""The course's figure style: readable fonts and a colour-blind-safe palette.

The palette is Okabe and Ito's eight colours, distinguishable under the common
forms of colour-vision deficiency. Call :func:`use_course_style` once per notebook.
"""

from __future__ import annotations

import matplotlib as mpl
from cycler import cycler

OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}
#: Cycle order: strong, mutually distinct colours first (yellow is last: weak on white).
PALETTE = [
    OKABE_ITO[k]
    for k in (
        "blue",
        "orange",
        "green",
        "vermillion",
        "purple",
        "sky_blue",
        "black",
        "yellow",
    )
]


def use_course_style() -> None:
    """Set matplotlib defaults: 12 pt text, the Okabe-Ito cycle, light grid, no
    top/right spines."""
    mpl.rcParams.update(
        {
            "figure.figsize": (7.0, 3.6),
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "savefig.bbox": "tight",
            "font.size": 12,
            "axes.titlesize": 13,
            "axes.labelsize": 12,
            "legend.fontsize": 11,
            "axes.prop_cycle": cycler(color=PALETTE),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "figure.facecolor": "white",
            "axes.facecolor": "white",
        }
    )
