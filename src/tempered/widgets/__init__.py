"""Interactive figures for live notebooks (ipywidgets + matplotlib).

Each widget draws its figure once and then updates artists in place
(``set_height``, ``set_data``) on every slider tick. Each builder returns an
object whose ``update`` method is the slider callback, so the benchmark can
time exactly what a tick costs.
"""
from .temperature import TemperatureExplorer, temperature_explorer

__all__ = ["TemperatureExplorer", "temperature_explorer"]
