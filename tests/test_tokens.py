"""autograder.core.tokens: the accept band, the reject catalogue, messages, salt, golden tokens.

The oracle is NumPy's own tolerance rule, |v - e| <= atol + rtol |e|: inside
it a token must accept; beyond reject_factor(rtol) times it, it must reject.
"""
import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from autograder.core import tokens
from autograder.core.tokens import describe_mismatch, make_token, reject_factor, verify
from autograder.core.values import decode, encode

GOLDEN = Path(__file__).parent / "golden" / "tokens.json"
UPDATE_GOLDEN = os.environ.get("SEQLABS_UPDATE_GOLDEN") == "1"

SHAPES = [(), (4,), (7, 3), (16, 16), (2, 5, 6), (64, 80), (200, 300)]
TOLS = [(1e-5, 1e-8), (1e-3, 1e-6), (1e-7, 1e-12), (0.1, 1e-3), (0.0, 1e-6), (1e-5, 0.0)]
slow_ok = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reference(shape, seed, lo=-12, hi=12):
    """Random reference: magnitudes 10**lo..10**hi, both signs, some exact zeros, some near zero."""
    rng = np.random.default_rng(seed)
    e = np.sign(rng.standard_normal(shape)) * 10.0 ** rng.uniform(lo, hi, shape)
    e = np.where(rng.random(shape) < 0.05, 0.0, e)
    return np.where(rng.random(shape) < 0.05, e * 1e-30, e)


def tol(e, rtol, atol):
    """The band the token promises; atol=0 stands for the smallest normal float."""
    return (atol or tokens.TINY) + rtol * np.abs(e)


def must_accept(v, e, rtol, atol):
    return bool(np.all(np.abs(np.asarray(v, np.float64) - e) <= tol(e, rtol, atol)))


def must_reject(v, e, rtol, atol):
    factor = reject_factor(rtol) * (1 + 1e-9)
    return bool(np.any(np.abs(np.asarray(v, np.float64) - e) >= factor * tol(e, rtol, atol)))


# ---------------------------------------------------------------- the accept band


@slow_ok
@given(
    shape=st.sampled_from(SHAPES),
    seed=st.integers(0, 2**32 - 1),
    tols=st.sampled_from(TOLS),
    where=st.sampled_from(["uniform", "edge", "inside"]),
)
def test_every_value_within_tolerance_is_accepted(shape, seed, tols, where):
    """Is every perturbation up to exactly atol + rtol|e| accepted, for any magnitude and sign?"""
    rtol, atol = tols
    e = reference(shape, seed, *((-3, 2) if rtol == 0 else (-12, 12)))
    rng = np.random.default_rng(seed + 1)
    f = {"uniform": rng.uniform(-1, 1, shape), "edge": rng.choice([-1.0, 1.0], shape), "inside": rng.uniform(-0.3, 0.3, shape)}[where]
    v = e + f * tol(e, rtol, atol)
    token = make_token(e, rtol=rtol, atol=atol, salt=f"t:{seed}")
    assume(must_accept(v, e, rtol, atol))  # float rounding of e + f*tol may step past the exact edge
    assert verify(v, token), describe_mismatch(v, token)
    assert verify(e, token)
    assert describe_mismatch(v, token) is None


@slow_ok
@given(shape=st.sampled_from(SHAPES), seed=st.integers(0, 2**32 - 1), frac=st.floats(-0.99, 0.99))
def test_float32_and_torch_results_against_float64_references(shape, seed, frac):
    """Is a float32 (NumPy or torch) computation of a float64 reference accepted at rtol=1e-5?"""
    e = reference(shape, seed, -30, 30)  # inside float32 range
    token = make_token(e)
    v = e + frac * tol(e, 1e-5, 1e-8)
    assert verify(e.astype(np.float32), token)
    assert verify(torch.tensor(e, dtype=torch.float32, requires_grad=True), token)
    assert verify(v.astype(np.float32), token)  # 0.99 tol + float32 rounding (6e-8 |e|) < tol


def cell_edge_references(rtol, atol, half):
    """References whose g(e) lies exactly on an offset-quantisation edge (half=True: on a cell edge)."""
    r, a, s = tokens._tolerance(rtol, atol)
    q = s / 2**tokens.OFFSET_BITS
    kmax = 40 * 977 if r == 0 else min(40 * 977, int(300 / (r * s)))  # keep g^-1(g) finite
    k = np.round(np.linspace(-kmax, kmax, 80))
    j = np.full_like(k, 2048.0) if half else np.arange(-2048, 2048, 51, dtype=np.float64)[: k.size] + 0.5
    g = k * s + j * q
    return np.sign(g) * (a / r) * np.expm1(r * np.abs(g)) if r else g * a  # g^-1


@pytest.mark.parametrize("half", [False, True])
@pytest.mark.parametrize("rtol, atol", TOLS[:4])
def test_references_on_quantisation_and_cell_edges(rtol, atol, half):
    """Are values on both sides of the band accepted when g(e) sits on a quantisation or cell edge?"""
    e = cell_edge_references(rtol, atol, half)
    t = tol(e, rtol, atol)
    for i in range(e.size):
        token = make_token(e[i], rtol=rtol, atol=atol)
        for v in (e[i], e[i] + t[i], e[i] - t[i], np.nextafter(e[i] + t[i], 0), np.nextafter(e[i] - t[i], 0)):
            if must_accept(v, e[i], rtol, atol):
                assert verify(v, token), (i, v)
    token = make_token(e, rtol=rtol, atol=atol)  # and all at once, as one array
    assert verify(e + t, token) and verify(e - t, token)


@pytest.mark.parametrize("direction", ["made here, judged there", "made there, judged here"])
def test_a_few_ulps_of_another_log1p_do_not_matter(monkeypatch, direction):
    """Does a token made with one machine's log1p accept band-edge values judged with another's?"""
    rng = np.random.default_rng(5)
    e = reference((100, 100), 5, -200, 200)
    t = tol(e, 1e-5, 1e-8)
    v = e + rng.choice([-1.0, 1.0], e.shape) * t
    v = np.where(np.abs(v - e) > t, np.nextafter(v, e), v)  # exactly on the edge, not past it
    here = tokens._g

    def there(x, r, a):  # another SIMD log1p: up to 8 ulps of g off, either way
        y = here(x, r, a)
        return y + np.spacing(y) * rng.integers(-8, 9, y.shape)

    made_here = make_token(e)
    monkeypatch.setattr(tokens, "_g", there)
    made_there = make_token(e)
    if direction == "made here, judged there":
        assert verify(v, made_here) and verify(e, made_here)
    else:
        monkeypatch.setattr(tokens, "_g", here)
        assert verify(v, made_there) and verify(e, made_there)


def test_scalar_band_edges_exactly():
    """Is a scalar accepted at +-tol exactly and rejected just past reject_factor * tol?"""
    for e in [0.0, 1e-12, -3.25, 7.5e3, 1e300, -1e-300, 5e-324]:
        for rtol, atol in TOLS:
            t = tol(e, rtol, atol)
            if t == 0.0 or (rtol == 0 and abs(e) > 1e6 * atol):
                continue
            token = make_token(e, rtol=rtol, atol=atol)
            for v in (e + t, e - t):
                assert verify(v, token), (e, rtol, atol, v)
            for v in (e + reject_factor(rtol) * t * (1 + 1e-9), e - reject_factor(rtol) * t * (1 + 1e-9)):
                if v != e:
                    assert not verify(v, token), (e, rtol, atol, v)


# ---------------------------------------------------------------- the reject catalogue


def softmax(x, axis):
    z = np.exp(x - x.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


def mistakes(e, rng):
    """The wrong answers students really give, for a reference e of at least 1 dimension."""
    out = {
        "sign flip": -e,
        "scale x1.001": e * 1.001,
        "scale x0.999": e * 0.999,
        "roll by one": np.roll(e, 1, axis=0),
        "permuted": rng.permutation(e.ravel()).reshape(e.shape),
        "sorted": np.sort(e.ravel()).reshape(e.shape),
        "same mean and std": rng.standard_normal(e.shape) * e.std() + e.mean(),
        "1% noise": e + 0.01 * e.std() * (lambda n: n - n.mean())(rng.standard_normal(e.shape)),
        "one element x1.1": e.ravel().copy(),
        "off by one step": e + 1e-3 * np.abs(e).max(),
    }
    out["one element x1.1"][rng.integers(e.size)] *= 1.1
    out["one element x1.1"] = out["one element x1.1"].reshape(e.shape)
    if e.ndim >= 2:
        i, j = rng.choice(e.shape[0], 2, replace=False)
        out["row zeroed"] = e.copy()
        out["row zeroed"][i] = 0.0
        out["two rows swapped"] = e.copy()
        out["two rows swapped"][[i, j]] = e[[j, i]]
        c, d = rng.choice(e.shape[1], 2, replace=False)
        out["two columns swapped"] = e.copy()
        out["two columns swapped"][:, [c, d]] = e[:, [d, c]]
        out["softmax over the wrong axis"] = softmax(e, 0)
        if e.shape[0] == e.shape[1]:
            out["transpose"] = np.swapaxes(e, 0, 1)
    return out


@slow_ok
@given(shape=st.sampled_from(SHAPES[1:]), seed=st.integers(0, 2**32 - 1), tols=st.sampled_from(TOLS[:4]))
def test_the_mistake_catalogue_is_rejected(shape, seed, tols):
    """Are transposes, sign flips, shifts, swaps, wrong axes, scalings and lookalikes rejected?"""
    rtol, atol = tols
    rng = np.random.default_rng(seed)
    e = rng.standard_normal(shape) * 10.0 ** rng.uniform(-3, 3)
    if len(shape) >= 2:
        e = np.concatenate([softmax(e[:1], -1), e[1:]])  # some rows look like probabilities
    token = make_token(e, rtol=rtol, atol=atol, salt="catalogue")
    assert verify(e, token)
    for name, v in mistakes(e, rng).items():
        if must_reject(v, e, rtol, atol):
            assert not verify(v, token), name
            assert describe_mismatch(v, token) is not None, name
        elif must_accept(v, e, rtol, atol):
            assert verify(v, token), name


@pytest.mark.parametrize("e", [0.731, -4.2e-5, 123.456, 0.0, 1e-9, 6.02e23])
def test_scalar_mistakes_are_rejected(e):
    """Are a scalar's sign flip, scale errors and beyond-band values rejected?"""
    token = make_token(e)
    t = 1e-8 + 1e-5 * abs(e)
    wrong = [-e, e * 1.001, e * 0.999, e + 1.01 * t, e - 1.01 * t, e * 10, e + 1, float("nan"), float("inf")]
    for v in wrong:
        if v != e and must_reject(v, e, 1e-5, 1e-8):
            assert not verify(v, token), v
            assert describe_mismatch(v, token).startswith("your value is"), v


# ---------------------------------------------------------------- exact kinds


def test_ints_bools_and_strings_are_exact():
    """Do ints, bools and strings match exactly, with the lenient float-for-int rule?"""
    t = make_token(np.arange(6).reshape(2, 3), salt="i")
    assert verify(torch.arange(6).reshape(2, 3), t) and verify(np.arange(6.0).reshape(2, 3), t)
    assert not verify(np.arange(1, 7).reshape(2, 3), t)
    assert "not whole numbers" in describe_mismatch(np.arange(6).reshape(2, 3) + 0.5, t)
    assert "booleans" in describe_mismatch(np.ones((2, 3), bool), t)
    b = make_token([True, False])
    assert verify(np.array([True, False]), b) and verify(torch.tensor([True, False]), b)
    assert not verify([False, True], b)
    assert "expected booleans" in describe_mismatch([1, 0], b)
    s = make_token(["ab", "c"])
    assert verify(("ab", "c"), s) and not verify(["a", "bc"], s) and not verify(["ab", "c "], s)
    assert make_token(["ab", "c"]) != make_token(["a", "bc"]) != make_token(["abc"])
    assert verify("Hallo Welt", make_token("Hallo Welt")) and not verify("hallo welt", make_token("Hallo Welt"))
    assert "text" in describe_mismatch(3.0, make_token("x"))
    assert verify(3.0, make_token(3)) and not verify(3.5, make_token(3))


def test_non_finite_references():
    """Are NaN and inf in a reference matched only by NaN and the same inf?"""
    e = np.array([1.0, np.nan, np.inf, -np.inf, 0.0])
    t = make_token(e)
    assert verify(e.copy(), t)
    for i, bad in [(1, 0.0), (2, 1e308), (3, np.inf), (4, np.nan)]:
        v = e.copy()
        v[i] = bad
        assert not verify(v, t)
    v = e.copy()
    v[0] = np.nan
    assert "NaN or infinite" in describe_mismatch(v, t) or "some values" in describe_mismatch(v, t)


# ---------------------------------------------------------------- messages and leaks


def leaks(x: float, text: str) -> bool:
    """Does text show x (repr, str, 3 or 4 significant figures)? The tolerance is public: left out.

    In a message any occurrence counts (a prefix of a longer rendering still shows the value).
    In a token only a number written out counts, one not run into letters or digits: its
    offsets, tags and digest are random hex and base64, where any three digits turn up by
    chance (a 32-digit digest holds a given three-digit string about 3 times in 100).
    """
    renderings = {repr(float(x)), str(float(x)), f"{x:.4g}", f"{x:.3g}"}
    renderings = {s for s in renderings if len(s) > 2}
    if text.startswith("ag1:"):
        fields = text.split(":")
        text = ":".join(fields[:3] + fields[5:])
        return any(re.search(rf"(?<![0-9A-Za-z.]){re.escape(s)}(?![0-9A-Za-z])", text) for s in renderings)
    text = text.replace("rtol=1e-05, atol=1e-08", "")
    return any(s in text for s in renderings)


def test_leaks_finds_a_value_written_out_but_not_digits_inside_a_hash():
    """Does the leak guard catch 525.0 in a token's field, and not the chance '525' ending a digest?"""
    digest = "ag1:f:3x3:1e-05:1e-08:1e778f9b9b9effad:m7UXOTW7vn0naF/bsq:DJAEMEEBN:cebf9c23e549595f2525"
    assert not leaks(525.0, digest)
    assert leaks(525.0, digest.replace("DJAEMEEBN", "525.0")) and leaks(525.0, digest + ":525")
    assert leaks(0.7324150, "expected 0.73241 here") and not leaks(0.7324150, "at least 8 of 9 values")


@pytest.mark.parametrize(
    "value, words",
    [
        (None, "NoneType"),
        ("0.5", "expected floating-point numbers, got text"),
        (np.zeros((4, 3)), "expected shape (3, 4), got shape (4, 3) (transposed?)"),
        (np.zeros(12), "expected shape (3, 4), got shape (12,)"),
        (np.zeros((3, 4), bool), "got booleans"),
        ({"a": 1}, "dict"),
    ],
)
def test_wrong_type_and_shape_messages(value, words):
    """Do wrong types and shapes get a message that names the problem?"""
    e = np.random.default_rng(0).uniform(0.1, 0.9, (3, 4))
    msg = describe_mismatch(value, make_token(e))
    assert words in msg
    assert not verify(value, make_token(e))


def test_messages_count_wrong_values_and_flag_nan():
    """Does the message say how many values are off, where, and whether they are NaN?"""
    e = np.random.default_rng(1).uniform(0.1, 0.9, (50, 40))
    t = make_token(e, salt="count")
    v = e.copy()
    v[7] = 0.0  # 40 wrong values; each escapes the 4-bit tag with chance 1/16
    msg = describe_mismatch(v, t)
    n = int(msg.split("at least ")[1].split(" of")[0])
    assert 30 <= n <= 40 and "of 2000 values are beyond tolerance" in msg and "(7, " in msg
    v = e.copy()
    v[3, :5] = np.nan
    assert "NaN or infinite" in describe_mismatch(v, t)
    assert describe_mismatch(np.float64("nan"), make_token(0.5)) == "your value is NaN"
    assert describe_mismatch(np.inf, make_token(0.5)) == "your value is infinite"
    assert "use .item()" in describe_mismatch(np.array([0.5]), make_token(0.5))


@settings(max_examples=60, deadline=None)
@given(x=st.floats(1e-6, 1e6) | st.floats(-1e6, -1e-6), salt=st.text(max_size=8))
@example(x=0.7324150, salt="")
@example(x=75.0, salt="")  # 525 = 7 x 75 once ended the hex digest by chance
def test_tokens_and_messages_never_show_the_expected_value(x, salt):
    """Does neither the token nor any message contain the expected value, even rounded?"""
    t = make_token(x, salt=salt)
    assert not leaks(x, t)
    for v in (x * 1.5, -x, x * 7, None, [x, x]):
        msg = describe_mismatch(v, t)
        assert msg is not None and not leaks(x, msg)
    e = np.full((3, 3), x) * np.arange(1, 10).reshape(3, 3)
    ta = make_token(e, salt=salt)
    msg = describe_mismatch(e.T * 1.5, ta)
    assert all(not leaks(y, ta) and not leaks(y, msg) for y in e.ravel())


def test_salt_changes_the_whole_token():
    """Does the same value under two salts give tokens that share no offsets or digest?"""
    e = np.random.default_rng(2).standard_normal(32)
    a, b = make_token(e, salt="lab:q1"), make_token(e, salt="lab:q2")
    assert a != b
    assert all(a.split(":")[i] != b.split(":")[i] for i in (5, 6, 7, 8))  # salt id, offsets, tags, digest
    assert verify(e, a) and verify(e, b) and make_token(e, salt="lab:q1") == a


# ---------------------------------------------------------------- format and arguments


def test_token_format_is_parseable():
    """Is the token the documented ag1:kind:shape:rtol:atol:salt:offsets:digest string?"""
    t = make_token(np.zeros((3, 4)), rtol=1e-5, atol=1e-8, salt="s")
    version, k, shape, rtol, atol, salt, offsets, tags, digest = t.split(":")
    assert (version, k, shape, rtol, atol) == ("ag1", "f", "3x4", "1e-05", "1e-08")
    assert len(salt) == 16 and len(digest) == 32 and len(offsets) == 24 and len(tags) == 12
    assert make_token(2.0).split(":")[7] == ""  # a single element has no tag
    assert make_token(2.0).split(":")[2] == ""  # a scalar has the empty shape
    assert make_token(7).split(":")[1:5] == ["i", "", "", ""]
    assert t.isascii() and t.isprintable()


GOOD = make_token(1.0)  # ag1:f::1e-05:1e-08:<16 hex>:<2 digits>::<32 hex>


@pytest.mark.parametrize(
    "bad",
    ["", "ag1:f", GOOD.replace("ag1", "ag2"), GOOD.replace(":f:", ":z:"), GOOD[:-2], GOOD.replace("::", ":AAA:"),
     GOOD.replace(":1e-05:", ":x:"), GOOD.replace("f::", "f:-1:"), GOOD[:-32] + "zz" * 16, 17,
     ":".join(GOOD.split(":")[:6] + ["!!"] + GOOD.split(":")[7:])],
)
def test_malformed_tokens_raise(bad):
    """Is a malformed token a ValueError (the caller's bug), not a silent False?"""
    with pytest.raises(ValueError):
        verify(1.0, bad)


@pytest.mark.parametrize("rtol, atol", [(-1e-5, 1e-8), (0.6, 1e-8), (1e-5, -1.0), (0.0, 0.0), (1e-5, math.inf), (math.nan, 1e-8)])
def test_bad_tolerances_raise(rtol, atol):
    """Are impossible tolerances refused when the token is made?"""
    with pytest.raises(ValueError):
        make_token(1.0, rtol=rtol, atol=atol)


def test_extreme_magnitudes():
    """Do references near the float64 limits and subnormals work?"""
    for e in [1.7e308, -1.7e308, 5e-324, -2.2e-300]:
        t = make_token(e, atol=0.0)
        assert verify(e, t) and verify(e * (1 - 0.9e-5), t) and not verify(e * (1 - 1.1e-5), t) or e == 5e-324
    t = make_token(1e-300, rtol=1e-5, atol=0.0)  # atol=0: the smallest normal float stands in
    assert not verify(0.0, t) and verify(1e-300 * (1 + 0.9e-5), t)
    with pytest.raises(ValueError, match="too large"):
        make_token(1e300, rtol=0.0, atol=1e-8)


def test_empty_arrays():
    """Is an empty reference matched by an empty value of the same shape?"""
    t = make_token(np.zeros((0, 3)))
    assert verify(np.zeros((0, 3)), t) and not verify(np.zeros((3, 0)), t)


@settings(max_examples=60, deadline=None)
@given(
    ref=st.sampled_from([0.25, -3.0, 7, True, "word", [0.5, -0.5, 2.0], [[1, 2], [3, 4]], ["a", "b"]]),
    value=st.one_of(
        st.floats(allow_nan=True), st.integers(-5, 5), st.booleans(), st.text(max_size=3), st.none(),
        st.lists(st.floats(-3, 3), max_size=4), st.lists(st.lists(st.integers(0, 4), min_size=2, max_size=2), max_size=3),
    ),
)
def test_describe_mismatch_is_none_exactly_when_verify_accepts(ref, value):
    """Do verify and describe_mismatch always agree, whatever the student hands in?"""
    token = make_token(ref, salt="agree")
    assert (describe_mismatch(value, token) is None) == verify(value, token)
    if isinstance(ref, (list, float, int, str)):
        assert verify(ref, token)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_tensors_of_any_float_dtype():
    """Is a CUDA tensor (float32, float16, bfloat16, with grad) judged on its exact value?"""
    e = np.array([[0.1, -2.0], [3.5, 1e-7]])
    token = make_token(e)
    for dtype in (torch.float64, torch.float32):
        assert verify(torch.tensor(e, dtype=dtype, device="cuda", requires_grad=True), token)
    for dtype in (torch.float16, torch.bfloat16):
        t = torch.tensor(e, dtype=dtype, device="cuda")
        assert verify(t, make_token(t.double().cpu().numpy())) and not verify(t * 2, make_token(e))


# ---------------------------------------------------------------- golden tokens


def golden_cases():
    """(name, value, rtol, atol, salt): values as exact literals (repr round-trips)."""
    return [
        ("zero", 0.0, 1e-5, 1e-8, ""),
        ("pi", 3.141592653589793, 1e-5, 1e-8, "lab0:q1"),
        ("tiny negative", -2.5e-7, 1e-5, 1e-8, "lab0:q2"),
        ("huge", 1.2345e300, 1e-5, 1e-8, ""),
        ("subnormal", 5e-324, 1e-5, 0.0, ""),
        ("loose", 0.4375, 0.1, 1e-3, "x"),
        ("absolute only", -12.5, 0.0, 1e-6, "x"),
        ("matrix", [[0.1, -0.2, 0.30000000000000004], [1e-9, -7.25, 1234.5678]], 1e-5, 1e-8, "lab1:attn"),
        ("float32 values", [0.10000000149011612, 0.3333333432674408], 1e-5, 1e-8, ""),
        ("non-finite", [1.0, math.nan, math.inf, -math.inf], 1e-5, 1e-8, ""),
        ("empty", np.zeros((0, 2)), 1e-5, 1e-8, ""),
        ("int", 42, 1e-5, 1e-8, "lab0:count"),
        ("int matrix", [[1, -2], [3, 2**40]], 1e-5, 1e-8, ""),
        ("bools", [True, False, True], 1e-5, 1e-8, ""),
        ("string", "Ein Hund läuft.", 1e-5, 1e-8, "lab3:tok"),
        ("strings", ["<sos>", "ein", "hund", "<eos>"], 1e-5, 1e-8, ""),
    ]


def test_golden_tokens_reproduce_bit_for_bit():
    """Does make_token reproduce the committed tokens exactly (platforms, NumPy/torch versions)?

    Set SEQLABS_UPDATE_GOLDEN=1 to rewrite tests/golden/tokens.json.
    """
    made = [
        {"name": n, "value": encode(v), "rtol": r, "atol": a, "salt": s, "token": make_token(v, rtol=r, atol=a, salt=s)}
        for n, v, r, a, s in golden_cases()
    ]
    if UPDATE_GOLDEN:
        GOLDEN.parent.mkdir(exist_ok=True)
        lines = ",\n ".join(json.dumps(case, ensure_ascii=False) for case in made)  # one case a line
        GOLDEN.write_text(f"[{lines}\n]\n", encoding="utf-8")
    stored = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert [c["name"] for c in stored] == [c["name"] for c in made]
    for case in stored:  # from the stored literals, not from golden_cases()
        value = decode(case["value"])
        assert make_token(value, rtol=case["rtol"], atol=case["atol"], salt=case["salt"]) == case["token"], case["name"]
        assert verify(value, case["token"]), case["name"]
