"""The truncation widget: bars of the final distribution, moved in place, and a static
twin that agrees.

The static twin (kind "truncation" of _static/tempered-widgets.js) re-tempers and
re-truncates the embedded logits in the browser. Its arithmetic is run here under
Node.js (which the book build already needs for its web assets) and compared with
tempered.truncation on random logits with ties and masked tokens.
"""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tempered import tempered_softmax
from tempered.truncation import warp
from tempered.truncation import warp_probs
from tempered.widgets.static import STATIC_ENV
from tempered.widgets.static import StaticWidget
from tempered.widgets.truncation import METHODS
from tempered.widgets.truncation import TruncationExplorer
from tempered.widgets.truncation import describe
from tempered.widgets.truncation import truncation_explorer
from tempered.widgets.truncation import truncation_kwargs

ROOT = Path(__file__).resolve().parents[2]
WIDGETS_JS = ROOT / "_static" / "tempered-widgets.js"
WORDS = ["mat", "sofa", "floor", "chair", "roof", "keyboard", "moon"]
LOGITS = np.array([3.2, 2.4, 2.1, 1.6, 0.8, 0.3, -1.5])


def test_update_moves_the_same_artists_to_the_final_distribution():
    explorer = TruncationExplorer(LOGITS, WORDS, T=1.0, method="top-p", param=0.8)
    bars, kept_line, removed_line = (
        list(explorer.bars),
        explorer.kept_outline,
        explorer.removed_outline,
    )
    image = explorer.image_widget()
    first = bytes(image.value)
    explorer.update(T=0.3)
    assert (
        list(explorer.bars) == bars
        and explorer.kept_outline is kept_line
        and explorer.removed_outline is removed_line
    )
    expected = warp_probs(LOGITS, 0.3, top_p=0.8)
    np.testing.assert_allclose(
        [b.get_height() for b in explorer.bars], expected, atol=1e-15
    )
    assert (
        explorer.kept.sum() == 1
    )  # at T = 0.3, p("mat") > 0.8: top-p keeps only "mat"
    x, y = explorer.crosses.get_data()
    np.testing.assert_array_equal(x, np.arange(1, 7))
    np.testing.assert_array_equal(y, 0)
    assert explorer.removed_mass == pytest.approx(1 - tempered_softmax(LOGITS, 0.3)[0])
    assert explorer.ax.get_title().startswith(
        "top-p = 0.8, transformers order\nT = 0.3:  kept 1 of 7"
    )
    assert bytes(image.value) != first and bytes(image.value).startswith(b"\x89PNG")


def test_outlines_are_the_tempered_distribution_before_truncation():
    explorer = TruncationExplorer(LOGITS, WORDS, T=2.0, method="top-k", param=2)
    before = tempered_softmax(LOGITS, 2.0)
    _, y_kept = explorer.kept_outline.get_data()
    _, y_removed = explorer.removed_outline.get_data()
    np.testing.assert_allclose(np.asarray(y_kept)[1::5], before[:2])
    np.testing.assert_allclose(np.asarray(y_removed)[1::5], before[2:])


def test_order_and_rule_switches():
    explorer = TruncationExplorer(LOGITS, WORDS, T=2.0, method="min-p", param=0.2)
    hf = explorer.kept.copy()
    explorer.update(order="llama.cpp")
    np.testing.assert_array_equal(
        explorer.kept, np.isfinite(warp(LOGITS, 2.0, min_p=0.2, order="llama.cpp"))
    )
    assert (
        hf.sum() > explorer.kept.sum()
    )  # truncating before tempering at T = 2 keeps fewer tokens
    explorer.update(method="none")
    assert explorer.kept.all() and explorer.removed_mass == 0
    np.testing.assert_allclose(
        [b.get_height() for b in explorer.bars], tempered_softmax(LOGITS, 2.0)
    )
    explorer.update(method="top-k", param=3)
    assert explorer.params["top-k"] == 3 and explorer.kept.sum() == 3
    with pytest.raises(ValueError, match="method must be one of"):
        explorer.update(method="top-q")
    with pytest.raises(ValueError, match="order must be one of"):
        explorer.update(order="vllm")


def test_masked_tokens_are_not_counted_as_removed():
    explorer = TruncationExplorer(
        [2.0, -np.inf, 1.0, 0.0], T=1.0, method="top-k", param=1
    )
    x, _ = explorer.crosses.get_data()
    np.testing.assert_array_equal(x, [2, 3])
    assert explorer.ax.get_title().endswith(
        f"kept 1 of 3, removed mass {1 - tempered_softmax([2.0, 1.0, 0.0])[0]:.3f}"
    )


def test_labels_and_helpers():
    assert (
        describe("none", None) == "no truncation"
        and describe("top-k", 3) == "top-k = 3"
    )
    assert (
        truncation_kwargs("min-p", 0.1) == {"min_p": 0.1}
        and truncation_kwargs("none", None) == {}
    )
    with pytest.raises(ValueError, match="labels for"):
        TruncationExplorer(LOGITS, ["a"])
    with pytest.raises(ValueError, match="one-dimensional"):
        TruncationExplorer([[1.0, 2.0]])


def test_live_kernel_shows_ipywidgets(monkeypatch, shown):
    monkeypatch.delenv(STATIC_ENV, raising=False)
    explorer = truncation_explorer(LOGITS, WORDS)
    assert type(shown[0]).__module__.startswith("ipywidgets") and isinstance(
        explorer, TruncationExplorer
    )


def test_book_build_shows_the_static_twin(monkeypatch, shown):
    monkeypatch.setenv(STATIC_ENV, "1")
    explorer = truncation_explorer(
        [2.0, -np.inf, 0.5],
        labels=["a", "b", "c"],
        T=0.5,
        method="min-p",
        param=0.3,
        order="llama.cpp",
    )
    (widget,) = shown
    assert (
        isinstance(widget, StaticWidget)
        and 'data-kind="truncation"' in widget._repr_html_()
    )
    assert widget.spec["logits"] == [2.0, None, 0.5] and widget.spec["labels"] == [
        "a",
        "b",
        "c",
    ]
    assert (
        widget.spec["T"] == 0.5
        and widget.spec["method"] == "min-p"
        and widget.spec["order"] == "llama.cpp"
    )
    assert widget.spec["params"] == {
        "none": None,
        "top-k": 3,
        "top-p": 0.8,
        "min-p": 0.3,
    }
    assert widget._repr_png_().startswith(b"\x89PNG") and explorer.param == 0.3


# ------------------------------------------------------------ the browser's arithmetic
NODE_RUNNER = r"""
const fs = require("fs");
global.window = { addEventListener: function () {} };
global.document = {
  readyState: "complete",
  querySelectorAll: function () { return []; },
  addEventListener: function () {},
};
eval(fs.readFileSync(process.argv[1], "utf8"));
const compute = window.TemperedWidgets.kinds.truncation.compute;
const cases = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(cases.map(function (c) {
  const r = compute(c.logits, c.T, c.method, c.param, c.order);
  return { probs: r.probs, before: r.before, kept: r.kept };
})));
"""


def run_in_node(cases):
    node = shutil.which("node") or shutil.which("nodejs")
    assert node, (
        "Node.js is needed to check the static widget's arithmetic (the book build "
        "needs it too)"
    )
    result = subprocess.run(
        [node, "-e", NODE_RUNNER, str(WIDGETS_JS)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


def random_cases(seed, n_cases=600):
    rng = np.random.default_rng(seed)
    for _ in range(n_cases):
        n = int(rng.integers(1, 40))
        u = (
            rng.integers(-3, 4, size=n).astype(float)
            if rng.random() < 0.5
            else np.round(rng.normal(size=n) * 2, 3)
        )
        u[rng.random(n) < 0.2] = -np.inf
        if not np.isfinite(u).any():
            u[0] = 0.0
        method = METHODS[int(rng.integers(len(METHODS)))]
        param = {
            "none": None,
            "top-k": int(rng.integers(1, n + 1)),
            "top-p": float(rng.choice([0.5, 0.9, rng.uniform(0.01, 1)])),
            "min-p": float(rng.choice([0.0, 0.1, 1.0, rng.uniform(0, 1)])),
        }[method]
        yield (
            u,
            float(10 ** rng.uniform(-2, 2)),
            method,
            param,
            str(rng.choice(["transformers", "llama.cpp"])),
        )


def test_static_twin_keeps_the_same_tokens_as_python():
    cases = list(random_cases(0))
    payload = [
        {
            "logits": [None if not np.isfinite(x) else float(x) for x in u],
            "T": T,
            "method": method,
            "param": param,
            "order": order,
        }
        for u, T, method, param, order in cases
    ]
    results = run_in_node(payload)
    for (u, T, method, param, order), got in zip(cases, results):
        final = warp(u, T, order=order, **truncation_kwargs(method, param))
        context = (u.tolist(), T, method, param, order)
        np.testing.assert_array_equal(
            got["kept"], np.isfinite(final), err_msg=str(context)
        )
        np.testing.assert_allclose(
            got["probs"],
            tempered_softmax(final, 1.0),
            rtol=1e-12,
            atol=1e-15,
            err_msg=str(context),
        )
        np.testing.assert_allclose(
            got["before"],
            tempered_softmax(u, T),
            rtol=1e-12,
            atol=1e-15,
            err_msg=str(context),
        )


def test_static_twin_worked_example_and_tie_rule():
    cases = [
        ([3.0, 2.0, 1.0], 0.5, "top-p", 0.8, "transformers"),
        ([3.0, 2.0, 1.0], 0.5, "top-p", 0.8, "llama.cpp"),
        ([0.0, 0.0], 1.0, "top-p", 0.5, "transformers"),
        ([1.0, 1.0, 0.0], 1.0, "top-k", 1, "transformers"),
        ([3.0, 2.0, 1.0], 2.0, "min-p", 0.2, "transformers"),
        ([3.0, 2.0, 1.0], 2.0, "min-p", 0.2, "llama.cpp"),
    ]
    results = run_in_node(
        [
            {"logits": u, "T": T, "method": m, "param": p, "order": o}
            for u, T, m, p, o in cases
        ]
    )
    assert [r["kept"] for r in results] == [
        [True, False, False],
        [True, True, False],
        [False, True],
        [True, True, False],
        [True, True, True],
        [True, True, False],
    ]
