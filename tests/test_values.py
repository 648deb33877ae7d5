"""autograder.core.values: canonical form, exact JSON round-trip, agreement."""
import json
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.core.values import agreement, canonical, decode, encode, kind


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal dtype, shape and bytes (so NaN == NaN and -0.0 != 0.0)."""
    if a.dtype == object or b.dtype == object:
        return a.dtype == b.dtype and a.shape == b.shape and a.tolist() == b.tolist()
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


# ---------------------------------------------------------------- canonical


@pytest.mark.parametrize(
    "value, k, shape",
    [
        (1.5, "float", ()),
        (3, "int", ()),
        (True, "bool", ()),
        ("hi", "str", ()),
        (np.float16(0.1), "float", ()),
        (np.float32(0.1), "float", ()),
        (np.int8(-3), "int", ()),
        (np.uint32(7), "int", ()),
        (np.bool_(False), "bool", ()),
        (np.zeros((2, 3), np.float32), "float", (2, 3)),
        (np.arange(5, dtype=np.uint16), "int", (5,)),
        ([1, 2, 3], "int", (3,)),
        ([1, 2.5], "float", (2,)),
        ([[1.0, 2.0], [3.0, 4.0]], "float", (2, 2)),
        ((True, False), "bool", (2,)),
        (["a", "bc"], "str", (2,)),
        (("a",), "str", (1,)),
        ([], "float", (0,)),
        (np.array(["x", "yz"]), "str", (2,)),
        ([np.float32(1.0), torch.tensor(2.0)], "float", (2,)),
    ],
)
def test_canonical_kinds_and_shapes(value, k, shape):
    """Does every accepted input get the right kind, dtype and shape?"""
    arr = canonical(value)
    assert kind(arr) == k
    assert arr.shape == shape
    assert arr.dtype == {"float": np.float64, "int": np.int64, "bool": bool, "str": object}[k]


@pytest.mark.parametrize(
    "dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int32, torch.int64, torch.uint8, torch.bool]
)
def test_canonical_torch_dtypes_are_exact(dtype):
    """Is a torch tensor of any dtype converted exactly (widening only)?"""
    t = (torch.arange(12).reshape(3, 4) * 7 % 5).to(dtype)
    arr = canonical(t)
    assert arr.shape == (3, 4)
    if dtype.is_floating_point:
        assert arr.dtype == np.float64
        np.testing.assert_array_equal(arr, t.double().numpy())
    elif dtype == torch.bool:
        assert arr.dtype == bool
    else:
        assert arr.dtype == np.int64


def test_canonical_torch_with_grad_and_bfloat16_values():
    """Are tensors that require grad, and bfloat16 values, read without loss?"""
    w = torch.tensor([0.1, -2.5, 1e-3], requires_grad=True)
    y = (w * 3).sum()
    assert canonical(y) == pytest.approx(float(y.detach()))
    assert canonical(w).tolist() == [float(v) for v in w.detach().float()]
    b = torch.tensor([1 / 3], dtype=torch.bfloat16)
    assert canonical(b)[0] == b.float().item()


def test_canonical_long_lists_are_fast_and_exact():
    """Is a long flat list of Python floats read in one go, value for value?"""
    xs = [i * 0.1 for i in range(100_000)]
    arr = canonical(xs)
    assert arr.dtype == np.float64 and arr.tolist() == xs


def test_canonical_float32_to_float64_is_exact():
    """Is a float32 value widened exactly, not re-rounded through decimal?"""
    x = np.float32(0.1)
    assert canonical(x) == np.float64(x) != 0.1


@pytest.mark.parametrize(
    "value, words",
    [
        (None, "NoneType"),
        ({"a": 1}, "dict"),
        (1 + 2j, "complex"),
        (object(), "object"),
        ({1, 2}, "set"),
        (b"bytes", "bytes"),
        (np.array([1 + 1j]), "complex"),
        (torch.tensor([1 + 1j]), "complex"),
        (2**70, "int64 range"),
        ([2**70, 1], "int64 range"),
        (np.array([2**64 - 1], dtype=np.uint64), "int64 range"),
    ],
)
def test_canonical_rejects_unsupported_with_a_clear_message(value, words):
    """Does an unsupported value raise TypeError naming its type and what is accepted?"""
    with pytest.raises(TypeError) as err:
        canonical(value)
    assert words in str(err.value)
    assert "expected a number" in str(err.value)


def test_canonical_rejects_ragged_and_mixed_lists():
    """Are ragged lists and lists mixing kinds refused with the reason?"""
    with pytest.raises(TypeError, match="ragged"):
        canonical([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match="mixes"):
        canonical([True, 2])
    with pytest.raises(TypeError, match="mixes"):
        canonical(["a", 1])


# ---------------------------------------------------------------- encode / decode

finite_or_not = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5), elements=finite_or_not))
def test_encode_decode_round_trips_floats_bit_for_bit(arr):
    """Does every float64 array (NaN, inf, -0.0, subnormals) survive standard JSON exactly?"""
    text = json.dumps(encode(arr), allow_nan=False)  # standard JSON: no bare NaN/Infinity
    back = decode(json.loads(text))
    nan = np.isnan(arr)
    assert back.shape == arr.shape and back.dtype == np.float64
    assert np.array_equal(np.isnan(back), nan)
    assert np.where(nan, 0.0, back).tobytes() == np.where(nan, 0.0, arr).tobytes()


@settings(max_examples=40, deadline=None)
@given(
    st.one_of(
        hnp.arrays(np.int64, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0)),
        hnp.arrays(np.bool_, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0)),
        st.text(),
        st.lists(st.text(), max_size=5),
    )
)
def test_encode_decode_round_trips_ints_bools_strings(value):
    """Do ints, bools and strings decode to exactly their canonical form?"""
    back = decode(json.loads(json.dumps(encode(value))))
    assert same_bits(back, canonical(value))


def test_encode_shapes_and_format():
    """Is the encoded form the documented one?"""
    assert encode([[1.0, float("nan")], [float("inf"), -0.0]]) == {
        "type": "ndarray",
        "dtype": "float64",
        "shape": [2, 2],
        "data": [1.0, "nan", "inf", -0.0],
    }
    assert encode("hé") == {"type": "str", "shape": [], "data": "hé"}
    assert encode(["a", "b"]) == {"type": "str", "shape": [2], "data": ["a", "b"]}
    assert encode(np.int32(4)) == {"type": "ndarray", "dtype": "int64", "shape": [], "data": [4]}
    assert decode({"type": "str", "data": "x"}).item() == "x"  # shape may be left out


@pytest.mark.parametrize(
    "bad",
    [None, {}, {"type": "pickle"}, {"type": "ndarray", "dtype": "float32", "shape": [1], "data": [1.0]},
     {"type": "ndarray", "dtype": "float64", "shape": [2], "data": [1.0]}],
)
def test_decode_rejects_malformed(bad):
    """Is a malformed encoding refused with ValueError rather than guessed at?"""
    with pytest.raises(ValueError):
        decode(bad)


# ---------------------------------------------------------------- agreement


@pytest.mark.parametrize(
    "p, t, want",
    [
        ([1, 2, 3], [1, 2, 3], 1.0),
        ([1, 2, 3], [1, 0, 3], 2 / 3),
        ([1, 2], [1, 2, 3, 4], 0.5),
        ([], [], 1.0),
        ([], [1], 0.0),
        (["the", "cat"], ["the", "dog"], 0.5),
        (["1"], [1], 0.0),
        (np.array([[1, 2], [3, 4]]), torch.tensor([[1, 2], [3, 5]]), 0.75),
        ([1.0, float("nan")], [1.0, float("nan")], 0.5),
        ([1.0, 2.0], [1, 2], 1.0),
    ],
)
def test_agreement(p, t, want):
    """Is agreement the fraction of equal positions over the longer length?"""
    assert agreement(p, t) == pytest.approx(want)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 3), max_size=30), st.lists(st.integers(0, 3), max_size=30))
def test_agreement_matches_a_plain_python_oracle(p, t):
    """Does agreement equal the obvious loop, and is it symmetric and in [0, 1]?"""
    n = max(len(p), len(t))
    want = 1.0 if n == 0 else sum(a == b for a, b in zip(p, t)) / n
    assert agreement(p, t) == pytest.approx(want)
    assert agreement(t, p) == agreement(p, t)
    assert 0.0 <= agreement(p, t) <= 1.0
    assert math.isfinite(agreement(p, t))
