"""Exercise checks pass right answers and explain wrong ones."""

import numpy as np
import pytest

from tempered import tempered_softmax
from tempered.checks import check_close
from tempered.checks import check_function


def test_right_answer_passes(capsys):
    check_close("sum", 1.0, 1.0)
    assert "✓ sum" in capsys.readouterr().out


@pytest.mark.parametrize(
    "got, message",
    [
        (np.array([1.0, 2.0]), "expected shape"),
        (np.nan, "contains NaN"),
        (1.5, "off by up to 0.5"),
    ],
)
def test_wrong_answers_are_explained(got, message):
    with pytest.raises(AssertionError, match=message):
        check_close("answer", got, 1.0, hint="look again")


def test_check_function_catches_a_classic_mistake():
    def multiplies_by_T(u, T):  # the mistake: u * T instead of u / T
        return tempered_softmax(np.asarray(u) * T * T, T)

    cases = [(np.array([1.0, 0.0]), 0.5)]
    check_function(
        "softmax", lambda u, T: tempered_softmax(u, T), tempered_softmax, cases
    )
    with pytest.raises(AssertionError, match="softmax, case 0"):
        check_function("softmax", multiplies_by_T, tempered_softmax, cases)
