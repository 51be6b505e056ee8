"""Optional dependencies: a missing one fails with a message naming it and the extra.

A missing module is simulated by ``sys.modules[name] = None``, which makes
``import name`` raise ``ModuleNotFoundError`` as if it were not installed.
"""

import importlib
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tempered._optional import optional
from tempered._optional import require


def hide(monkeypatch, *names):
    """Make each module in ``names`` look uninstalled for the rest of the test."""
    for name in names:
        monkeypatch.setitem(sys.modules, name, None)


def test_require_returns_the_module():
    assert require("json", "lm", "tempered.test") is json


def test_missing_module_names_the_module_and_the_extra(monkeypatch):
    hide(monkeypatch, "torch")
    with pytest.raises(ImportError) as info:
        require("torch", "flows", "tempered.flows")
    assert (
        str(info.value) == "tempered.flows needs torch: pip install 'tempered[flows]'"
    )
    assert isinstance(info.value, ModuleNotFoundError) and info.value.name == "torch"
    assert isinstance(info.value.__cause__, ModuleNotFoundError)


def test_a_missing_parent_package_is_named():
    with pytest.raises(
        ImportError, match=r"^feature needs no_such_pkg_4711: pip install"
    ):
        require("no_such_pkg_4711.sub", "lm", "feature")


def test_an_error_inside_an_installed_module_is_not_disguised(tmp_path, monkeypatch):
    (tmp_path / "broken_mod_4711.py").write_text("import no_such_inner_4711\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as info:
        require("broken_mod_4711", "lm", "feature")
    assert info.value.name == "no_such_inner_4711"
    assert "pip install" not in str(info.value)


def test_optional_gives_the_module_or_none(monkeypatch, tmp_path):
    assert optional("json") is json
    hide(monkeypatch, "torch")
    assert optional("torch") is None
    (tmp_path / "broken_mod_4712.py").write_text("import no_such_inner_4712\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="no_such_inner_4712"):
        optional("broken_mod_4712")


def test_fix_threads_and_seeds_without_torch_or_threadpoolctl(monkeypatch):
    from tempered.determinism import fix_threads_and_seeds

    hide(monkeypatch, "torch", "threadpoolctl")
    rng = fix_threads_and_seeds(3, threads=1)
    assert rng.random() == np.random.default_rng(3).random()


@pytest.mark.parametrize(
    ("module", "hidden", "message"),
    [
        (
            "tempered.flows",
            ["torch"],
            "tempered.flows needs torch: pip install 'tempered[flows]'",
        ),
        (
            "tempered.widgets.flow",
            ["torch"],
            "tempered.widgets.flow needs torch: pip install 'tempered[flows]'",
        ),
        (
            "tempered.calibration",
            ["scipy", "scipy.optimize"],
            "needs scipy.optimize: pip install 'tempered[calibration]'",
        ),
        ("tempered.torch_ops", ["torch"], "needs torch: pip install 'tempered[lm]'"),
    ],
)
def test_importing_a_module_without_its_extra(monkeypatch, module, hidden, message):
    hide(monkeypatch, *hidden)
    monkeypatch.delitem(sys.modules, module, raising=False)  # import it afresh
    with pytest.raises(
        ImportError, match=message.replace("[", r"\[").replace("]", r"\]")
    ):
        importlib.import_module(module)


def test_language_model_functions_without_torch(monkeypatch):
    from tempered.lm import generation
    from tempered.lm import grammar as g
    from tempered.lm import load_model

    hide(monkeypatch, "torch")
    with pytest.raises(
        ImportError, match=r"tempered.lm.generation needs torch: .*\[lm\]"
    ):
        generation.sample_manual(None, [0], 1.0, 1)
    with pytest.raises(ImportError, match=r"needs torch: pip install 'tempered\[lm\]'"):
        load_model("grammar")
    with pytest.raises(ImportError, match=r"needs torch: pip install 'tempered\[lm\]'"):
        g.model_next_token_logits(None, None, ["the"])


def test_load_model_without_transformers(monkeypatch):
    from tempered.lm import load_model

    hide(monkeypatch, "transformers")
    with pytest.raises(
        ImportError, match=r"needs transformers: pip install 'tempered\[lm\]'"
    ):
        load_model("grammar")


CORE_WITHOUT_EXTRAS = textwrap.dedent(
    """
    import sys
    for name in ("torch", "scipy", "transformers", "tokenizers", "safetensors"):
        sys.modules[name] = None  # as if not installed
    import tempered, tempered.lm, tempered.lm.grammar, tempered.widgets
    for name in ("softmax", "sampling", "energy", "mcmc", "annealing", "ais", "bandits",
                 "truncation", "checks", "style", "determinism"):
        __import__("tempered." + name)
    try:
        import tempered.flows
    except ImportError as err:
        print(err)
    """
)


def test_the_core_imports_without_any_extra():
    result = subprocess.run(
        [sys.executable, "-c", CORE_WITHOUT_EXTRAS],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip()
        == "tempered.flows needs torch: pip install 'tempered[flows]'"
    )
