"""Tests of tempered._run_cache: a result shared by the processes of one test run."""

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tempered import _run_cache  # noqa: E402


def _counting_compute(calls):
    def compute():
        calls.append(1)
        return {"w": torch.arange(6, dtype=torch.float32).reshape(2, 3)}, {"loss": 0.1}

    return compute


def test_without_the_variable_every_call_computes(monkeypatch):
    monkeypatch.delenv(_run_cache.ENV, raising=False)
    calls = []
    for _ in range(2):
        _run_cache.shared_result("t", {"a": 1}, _counting_compute(calls))
    assert len(calls) == 2


def test_with_the_variable_the_second_call_loads_the_same_result(monkeypatch, tmp_path):
    monkeypatch.setenv(_run_cache.ENV, str(tmp_path))
    calls = []
    first = _run_cache.shared_result("t", {"a": 1}, _counting_compute(calls))
    second = _run_cache.shared_result("t", {"a": 1}, _counting_compute(calls))
    assert len(calls) == 1
    assert torch.equal(first[0]["w"], second[0]["w"]) and second[1] == {"loss": 0.1}
    # another key is another result
    _run_cache.shared_result("t", {"a": 2}, _counting_compute(calls))
    assert len(calls) == 2
    assert (
        sorted(p.suffix for p in tmp_path.iterdir())
        == [".lock", ".lock"] + [".safetensors"] * 2
    )


def test_another_process_loads_what_this_one_stored(monkeypatch, tmp_path):
    monkeypatch.setenv(_run_cache.ENV, str(tmp_path))
    _run_cache.shared_result("t", {"a": 1}, _counting_compute([]))
    code = (
        "from tempered import _run_cache\n"
        "def fail():\n    raise SystemExit('computed again')\n"
        "t, m = _run_cache.shared_result('t', {'a': 1}, fail)\n"
        "print(t['w'].sum().item(), m['loss'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["15.0", "0.1"]


@dataclasses.dataclass
class _Record:
    settings: list
    values: np.ndarray
    groups: np.ndarray | None = None


def test_a_record_comes_back_with_its_types(monkeypatch, tmp_path):
    monkeypatch.setenv(_run_cache.ENV, str(tmp_path))
    made = _Record([("top-k", 5), ("T", 0.8)], np.arange(6.0).reshape(2, 3))
    calls = []

    def compute():
        calls.append(1)
        return made

    for _ in range(2):
        back = _run_cache.shared_record("r", {"a": 1}, _Record, compute)
    assert len(calls) == 1
    assert back.settings == [("top-k", 5), ("T", 0.8)] and back.groups is None
    assert back.values.dtype == np.float64 and np.array_equal(back.values, made.values)


def test_the_fingerprint_changes_with_any_weight():
    net = torch.nn.Linear(3, 2)
    before = _run_cache.fingerprint(net, np.arange(3))
    assert before == _run_cache.fingerprint(net, np.arange(3))
    assert before != _run_cache.fingerprint(net, np.arange(4))
    with torch.no_grad():
        net.weight[0, 0] += 1e-6
    assert before != _run_cache.fingerprint(net, np.arange(3))
