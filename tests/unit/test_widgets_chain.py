"""The sampler-chain widget: one panel per stage, moved in place, and a static twin
whose arithmetic (run under Node.js) equals tempered.samplers.apply_chain.

Cost: about a second (300 random chains in one Node.js process).
"""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tempered.samplers import apply_chain
from tempered.widgets.chain import CHAIN_STEPS
from tempered.widgets.chain import MAX_STEPS
from tempered.widgets.chain import ChainExplorer
from tempered.widgets.chain import chain_explorer
from tempered.widgets.static import STATIC_ENV
from tempered.widgets.static import StaticWidget

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = [
    ROOT / "_static" / "tempered-widgets.js",
    ROOT / "_static" / "tempered-widgets-chain.js",
]
WORDS = ["mat", "sofa", "floor", "chair", "roof", "keyboard", "moon"]
LOGITS = np.array([3.2, 2.4, 2.1, 1.6, 0.8, 0.3, -1.5])


def test_update_moves_the_bars_to_each_stage():
    explorer = ChainExplorer(LOGITS, WORDS, [("temperature", 1.5), ("min-p", 0.1)])
    bars = list(explorer.bars[2])
    explorer.update([("min-p", 0.1), ("temperature", 1.5)])
    assert list(explorer.bars[2]) == bars  # the same artists, moved
    heights = np.array([b.get_height() for b in explorer.bars[2]])
    np.testing.assert_allclose(heights, explorer.dists[2], rtol=1e-12)
    # the orders of chapter 7: temperature first keeps more tokens than last
    first = apply_chain(LOGITS, [("temperature", 1.5), ("min-p", 0.1)])[-1]
    assert (first > 0).sum() > (explorer.dists[-1] > 0).sum()


def test_bad_chains_name_the_widget_and_the_step():
    with pytest.raises(ValueError, match=r"ChainExplorer: steps\[0\] names an unknown"):
        ChainExplorer(LOGITS, WORDS, [("warmth", 1.0)])
    with pytest.raises(ValueError, match="ChainExplorer: at most"):
        ChainExplorer(LOGITS, WORDS, [("temperature", 1.0)] * (MAX_STEPS + 1))
    with pytest.raises(ValueError, match="ChainExplorer: 2 labels for 7 logits"):
        ChainExplorer(LOGITS, ["a", "b"])


def test_book_build_shows_the_static_twin(monkeypatch, shown):
    monkeypatch.setenv(STATIC_ENV, "1")
    chain_explorer(LOGITS, WORDS, [("top-k", 3), ("dynatemp", 0.5)])
    (widget,) = shown
    assert isinstance(widget, StaticWidget) and widget.kind == "chain"
    assert widget.spec["steps"] == [["top-k", 3.0], ["dynatemp", 0.5]]
    assert widget.spec["defaults"] == CHAIN_STEPS
    assert 'data-kind="chain"' in widget._repr_html_()


NODE_RUNNER = r"""
const fs = require("fs");
global.window = { addEventListener() {} };
global.document = {
  readyState: "complete", querySelectorAll: () => [], addEventListener() {},
};
for (const file of process.argv.slice(1)) eval(fs.readFileSync(file, "utf8"));
const run = window.TemperedWidgets.kinds.chain.runChain;
const cases = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(cases.map((c) => run(c.logits, c.steps))));
"""


def test_static_twin_computes_what_python_computes():
    node = shutil.which("node") or shutil.which("nodejs")
    assert node, "Node.js is needed to check the static widget's arithmetic"
    rng = np.random.default_rng(0)
    names = list(CHAIN_STEPS)
    cases = []
    for _ in range(300):
        u = np.round(rng.normal(size=int(rng.integers(2, 12))) * 2, 2)
        u[rng.random(u.size) < 0.2] = -np.inf
        u[0] = 1.0
        steps = []
        for _ in range(int(rng.integers(1, MAX_STEPS + 1))):
            name = names[int(rng.integers(len(names)))]
            x = {
                "temperature": 10 ** rng.uniform(-1, 1),
                "top-k": int(rng.integers(1, u.size + 1)),
                "top-p": rng.uniform(0.05, 1),
                "min-p": rng.uniform(0, 1),
                "top-n-sigma": rng.uniform(0, 3),
                "epsilon": rng.uniform(0.001, 0.3),
                "eta": rng.uniform(0.001, 0.3),
                "dynatemp": rng.uniform(0, 1.5),
                "xtc": rng.uniform(0.05, 0.5),
            }[name]
            steps.append((name, float(x)))
        cases.append((u, steps))
    payload = [
        {"logits": [float(x) if np.isfinite(x) else None for x in u], "steps": s}
        for u, s in cases
    ]
    result = subprocess.run(
        [node, "-e", NODE_RUNNER, *map(str, SCRIPTS)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    for (u, steps), got in zip(cases, json.loads(result.stdout)):
        want = apply_chain(u, steps)
        for stage, (g, w) in enumerate(zip(got, want)):
            context = f"{u.tolist()} {steps} stage {stage}"
            np.testing.assert_array_equal(np.asarray(g) > 0, w > 0, err_msg=context)
            np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12, err_msg=context)
