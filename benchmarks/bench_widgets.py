"""Cost of one slider tick for each widget: the update callback, median of 50 ticks.

A tick re-computes the distribution, moves the artists in place, repaints
them over the cached background and encodes the PNG the front end shows.
Budget: 25 ms per tick.
"""

import time

import numpy as np

from tempered.widgets import BoltzmannExplorer
from tempered.widgets import LimitsExplorer
from tempered.widgets import NextTokenExplorer
from tempered.widgets import SmoothMaxExplorer
from tempered.widgets import TemperatureExplorer
from tempered.widgets import TruncationExplorer
from tempered.widgets import TwoLogitExplorer

TICKS = 50


def median_tick_ms(update, values) -> float:
    times = []
    for value in values:
        start = time.perf_counter()
        update(value)
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def cases():
    """(name, widget, update callback, tick values) for every widget in the course."""
    logits = np.random.default_rng(0).normal(size=12) * 2
    temperatures = np.logspace(-2, 2, TICKS)
    explorer = TemperatureExplorer(logits)
    yield "temperature explorer (ch. 1, 3)", explorer, explorer.update, temperatures
    smooth = SmoothMaxExplorer()
    yield "smooth max (ch. 2)", smooth, smooth.update, temperatures
    two = TwoLogitExplorer()
    yield "two logits (ch. 3)", two, lambda T: two.update(T=T), temperatures
    limits = LimitsExplorer()
    yield "limits with ties (ch. 4)", limits, limits.update, np.logspace(-3, 3, TICKS)
    x = np.linspace(0, 1, 200)
    boltzmann = BoltzmannExplorer(3 * np.sin(12 * x) + 4 * (x - 0.6) ** 2 * 10)
    yield "Boltzmann landscape (ch. 5)", boltzmann, boltzmann.update, temperatures
    truncation = TruncationExplorer(logits, method="top-p", param=0.9)
    yield (
        "temperature + top-p (ch. 7)",
        truncation,
        lambda T: truncation.update(T=T),
        temperatures,
    )
    from tempered.widgets.chain import ChainExplorer

    chain = ChainExplorer(logits, steps=[("temperature", 1.0), ("min-p", 0.1)])
    yield (
        "sampler chain (ch. 8)",
        chain,
        lambda T: chain.update([("temperature", T), ("min-p", 0.1)]),
        temperatures,
    )
    next_token = NextTokenExplorer("the dog that", model="grammar")
    yield (
        "next token, grammar model (ch. 6)",
        next_token,
        lambda T: next_token.update(T=T),
        temperatures,
    )
    from tempered.flows import fit_moons_flows
    from tempered.widgets.flow import FlowSamplesExplorer

    flows = FlowSamplesExplorer(fit_moons_flows()[0])
    yield (
        "flow samples at latent tau (ch. 10)",
        flows,
        flows.update,
        np.linspace(0, 1.2, TICKS),
    )


def main() -> None:
    print(f"{'widget':<40s} {'median ms/tick':>15s} {'budget':>7s}")
    for name, widget, update, values in cases():
        widget.image_widget()  # on screen: every tick encodes a PNG
        update(values[0])
        print(f"{name:<40s} {median_tick_ms(update, values):15.1f} {25:7d}")


if __name__ == "__main__":
    main()
