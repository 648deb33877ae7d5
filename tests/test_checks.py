"""The checks in student mode: pass within tolerance, fail with messages that help and reveal nothing."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from autograder.notebook import tally
from autograder.notebook.checks import check, check_above, check_agreement, check_below
from autograder.notebook.blocks import init, marks
from autograder.core.tokens import make_token

LAB = "lab0"
EXPECTED = {
    "q1.mean": np.array([[0.123456789, -4.56789], [7.891011, 2.71828182]]),  # (2, 2) floats
    "q1.scalar": 3.14159265358979,
    "q1.count": 42,
    "q1.flag": True,
    "q1.name": "forget",
}


@pytest.fixture(autouse=True)
def fresh(fresh_autograder):
    """Student mode, the token table of EXPECTED (salted per check as the build does)."""
    init(LAB, tokens={cid: make_token(v, salt=f"{LAB}:{cid}") for cid, v in EXPECTED.items()})


def failure(fn, *args, **kw) -> str:
    """The message of the AssertionError that ``fn(*args, **kw)`` must raise."""
    with pytest.raises(AssertionError) as info:
        fn(*args, **kw)
    return str(info.value)


def assert_reveals_nothing(message: str, expected) -> None:
    """No expected number (at 3+ significant digits) or string appears in the message."""
    for x in np.ravel(np.asarray(expected, dtype=object)):
        if isinstance(x, str):
            assert x not in message, message
        elif not isinstance(x, (bool, np.bool_)):
            for digits in (3, 4, 6):
                assert f"{float(x):.{digits}g}" not in message, message


# ------------------------------------------------------------------ check

@pytest.mark.parametrize("cid", list(EXPECTED))
def test_check_passes_on_the_expected_value(cid):
    """Does every kind of value pass its own token?"""
    check(cid, EXPECTED[cid])


def test_check_passes_within_tolerance_and_for_other_containers():
    """Do values inside the tolerance band pass, as float32 arrays, torch tensors and lists too?"""
    x = EXPECTED["q1.mean"]
    check("q1.mean", x * (1 + 5e-6))
    check("q1.mean", x.tolist())
    check("q1.mean", torch.tensor(x))
    check("q1.mean", x.astype(np.float32), rtol=1e-5)
    check("q1.scalar", np.float64(EXPECTED["q1.scalar"]) + 1e-9)


@pytest.mark.parametrize("wrong, about", [
    (lambda x: x * (1 + 1e-3), ""),        # beyond tolerance
    (lambda x: x.T, ""),                    # transpose (same shape here)
    (lambda x: -x, ""),                     # sign
    (lambda x: x[:, ::-1], ""),             # wrong axis order
    (lambda x: x[0], "shape"),              # a row instead of the matrix
    (lambda x: x.reshape(-1), "shape"),     # flattened
])
def test_check_rejects_wrong_arrays_without_revealing(wrong, about):
    """Are common array mistakes rejected, naming the check, never showing expected values?"""
    x = EXPECTED["q1.mean"]
    message = failure(check, "q1.mean", wrong(x))
    assert message.startswith("q1.mean: ")
    assert about in message
    assert_reveals_nothing(message, x)


def test_check_reports_nan_and_inf():
    """Does a value holding NaN or inf say so?"""
    x = EXPECTED["q1.mean"].copy()
    x[0, 0] = np.nan
    assert "NaN" in failure(check, "q1.mean", x)
    assert "inf" in failure(check, "q1.scalar", float("inf"))


@pytest.mark.parametrize("cid, wrong", [("q1.count", 41), ("q1.count", 42.5), ("q1.flag", False),
                                        ("q1.name", "Forget"), ("q1.name", "input"), ("q1.scalar", "3.14")])
def test_check_exact_values_and_wrong_types(cid, wrong):
    """Are ints, bools and strings exact, and is a value of the wrong type rejected?"""
    message = failure(check, cid, wrong)
    assert message.startswith(f"{cid}: ")
    assert_reveals_nothing(message, EXPECTED[cid])


def test_check_uncheckable_value():
    """Is a value no check can read (a function) a failed check, not a crash?"""
    message = failure(check, "q1.count", print)
    assert "builtin_function_or_method" in message


def test_check_without_token_says_the_notebook_was_not_built():
    """Does a check id missing from the token table say to run `autograder build`?"""
    message = failure(check, "q9.unknown", 1.0)
    assert "not built" in message and "autograder build" in message


def test_check_before_init_says_to_run_the_setup_cell(monkeypatch):
    monkeypatch.setattr(tally, "TALLY", tally.Tally())
    assert "autograder.init(...) has not run" in failure(check, "q1.count", 42)


def test_check_id_must_be_a_string():
    with pytest.raises(TypeError):
        check(3, 1.0)


# ------------------------------------------------------------------ bounds

def test_check_below_and_above_plain_bounds():
    """Are below/above strict comparisons with a message giving the student's value and the bound?"""
    check_below("q2.loss", 0.49, 0.5)
    check_above("q2.bleu", torch.tensor(21.0), bound=20.0)
    check_below("q2.loss", np.array([0.1]), bound=0.5)  # a one-element array is a number
    assert failure(check_below, "q2.loss", 0.73, 0.5) == "q2.loss: 0.73 is not below 0.5"
    assert failure(check_above, "q2.bleu", 12.5, bound=20.0) == "q2.bleu: 12.5 is not above 20"
    assert "not below" in failure(check_below, "q2.loss", 0.5, 0.5)  # strict


def test_bounds_by_profile(monkeypatch):
    """Is a dict bound resolved with SEQLABS_PROFILE, default class?"""
    bound = {"fast": 2.0, "class": 0.5, "full": 0.3}
    check_below("q2.loss", 0.4, bound)
    monkeypatch.setenv("SEQLABS_PROFILE", "full")
    assert "not below 0.3" in failure(check_below, "q2.loss", 0.4, bound)
    monkeypatch.setenv("SEQLABS_PROFILE", "fast")
    check_below("q2.loss", 1.9, bound)


@pytest.mark.parametrize("value, about", [(float("nan"), "NaN"), ("0.1", "number"), (np.zeros(3), "shape"),
                                          (True, "number"), (None, "number")])
def test_bounds_reject_non_numbers(value, about):
    """Are NaN, strings, arrays and bools rejected with a message saying why?"""
    assert about in failure(check_below, "q2.loss", value, 0.5)


def test_malformed_bounds_are_errors_not_failures():
    with pytest.raises(TypeError):
        check_below("q2.loss", 0.1, "0.5")
    with pytest.raises(ValueError):
        check_below("q2.loss", 0.1, {})


# ------------------------------------------------------------------ agreement

def test_check_agreement():
    """Does agreement pass at the threshold and fail with 'x of positions agree, need at least y'?"""
    target = np.arange(10)
    predicted = target.copy()
    predicted[:1] = -1  # 9 of 10 agree
    check_agreement("q3.seq", predicted, target, at_least=0.9)
    check_agreement("q3.seq", torch.tensor(predicted), target.tolist(), at_least=0.9)
    predicted[:3] = -1
    assert failure(check_agreement, "q3.seq", predicted, target, at_least=0.9) == \
        "q3.seq: 0.70 of positions agree, need at least 0.90"
    assert "0.00 of positions agree" in failure(check_agreement, "q3.seq", ["a", "b"], target, at_least=0.5)


def test_check_agreement_bad_threshold_and_values():
    with pytest.raises(ValueError):
        check_agreement("q3.seq", [1], [1], at_least=90)
    assert "cannot compare" in failure(check_agreement, "q3.seq", [{1: 2}], [1], at_least=0.5)


# ------------------------------------------------------------------ in a block

def test_failed_check_gives_its_block_zero_and_the_message(capsys):
    """In a block, does a failed check give 0, show ✘ and its message, and let the next block run?"""
    with marks("q1_mean", points=2):
        check("q1.mean", EXPECTED["q1.mean"])
        check("q1.name", "input")
    with marks("q1_count", points=1):
        check("q1.count", 42)
    assert tally.TALLY.total() == (1.0, 3.0)
    assert tally.TALLY.blocks["q1_count"].checks == ["q1.count"]
    out = capsys.readouterr().out
    assert re.search(r"✘ q1_mean \[0/2 marks\]\n\s+q1\.name: ", out), out
    assert "✓ q1_count [1/1 marks]" in out


def test_check_agreement_threshold_by_profile(monkeypatch):
    """Does a per-profile `at_least` use the current profile's fraction?"""
    target = np.arange(10)
    predicted = target.copy()
    predicted[:3] = -1  # 7 of 10 agree
    monkeypatch.setenv("SEQLABS_PROFILE", "fast")
    check_agreement("q3.seq", predicted, target, at_least={"fast": 0.5, "class": 0.9})
    monkeypatch.setenv("SEQLABS_PROFILE", "class")
    assert failure(check_agreement, "q3.seq", predicted, target, at_least={"fast": 0.5, "class": 0.9}) == \
        "q3.seq: 0.70 of positions agree, need at least 0.90"
    with pytest.raises(ValueError):
        check_agreement("q3.seq", predicted, target, at_least={"fast": 1.5})
