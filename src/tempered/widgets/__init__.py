"""Interactive figures for live notebooks (ipywidgets + matplotlib).

Each widget draws its figure once and then updates artists in place
(``set_height``, ``set_data``) on every slider tick. Each builder returns an
object whose ``update`` method is the slider callback, so the benchmark can
time exactly what a tick costs. In the built book each shows its static twin
(see ``tempered.widgets.static``).

``tempered.widgets.flow`` needs torch, so it is not imported here: import it
from its module, which keeps ``import tempered.widgets`` light.
"""

from .annealing import AnnealingReplay
from .annealing import annealing_replay
from .energy import BoltzmannExplorer
from .energy import boltzmann_explorer
from .limits import LimitsExplorer
from .limits import limits_explorer
from .next_token import NextTokenExplorer
from .next_token import next_token_explorer
from .smooth_max import SmoothMaxExplorer
from .smooth_max import smooth_max_explorer
from .temperature import TemperatureExplorer
from .temperature import temperature_explorer
from .truncation import TruncationExplorer
from .truncation import truncation_explorer
from .two_logit import TwoLogitExplorer
from .two_logit import two_logit_explorer

__all__ = [
    "TemperatureExplorer",
    "temperature_explorer",
    "SmoothMaxExplorer",
    "smooth_max_explorer",
    "TwoLogitExplorer",
    "two_logit_explorer",
    "LimitsExplorer",
    "limits_explorer",
    "BoltzmannExplorer",
    "boltzmann_explorer",
    "AnnealingReplay",
    "annealing_replay",
    "TruncationExplorer",
    "truncation_explorer",
    "NextTokenExplorer",
    "next_token_explorer",
]
