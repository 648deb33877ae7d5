"""Gradient checking by centred finite differences, as in cs231n.

A backward pass is right when its gradient matches

    df/dx[i] ~= (f(x + h e_i) - f(x - h e_i)) / (2 h)

for every entry i (or a seeded random sample of entries, for large arrays).
The agreement is measured with cs231n's relative error, so the thresholds a
lab quotes ("you should see a relative error below 1e-8") mean the same here.

Functions are evaluated with the array perturbed *in place* and restored
afterwards, so `f` may read the array through a closure (cs231n style) or
through its argument; the array must be float64 (float32 round-off swamps a
step of 1e-5).

Typical use::

    dx_num = numerical_gradient(lambda x: rnn_step_forward(x, h, Wx, Wh, b)[0], x, df=dnext_h)
    print(relative_error(dx_num, dx))                  # ~1e-10 for a correct backward

    errors = check_gradients(lambda p: loss(p, X, y), params, grads)   # {"Wx": 3e-10, ...}
"""

from __future__ import annotations

from typing import Callable, Mapping

import numpy as np

from autograder.core.values import to_numpy

__all__ = ["numerical_gradient", "sample_indices", "relative_error", "check_gradients"]

#: floor of the denominator of `relative_error`, as in cs231n (avoids 0/0 for two zero gradients)
TINY = 1e-8


def _require_float64(x: np.ndarray, name: str) -> None:
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"{name} must be a NumPy array (got {type(x).__name__}); "
            "convert it with np.asarray(..., dtype=np.float64) and let f read that array"
        )
    if x.dtype != np.float64:
        raise TypeError(
            f"{name} has dtype {x.dtype}; finite differences need float64 "
            "(float32 round-off is larger than the step h). Convert with x.astype(np.float64) "
            "and make f read the converted array"
        )


def sample_indices(shape: tuple[int, ...], num_samples: int, *, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Choose `num_samples` distinct entries of an array of `shape`, reproducibly.

    Returns a tuple of index arrays (one per axis, each of shape [num_samples]),
    usable as `array[idx]` to pick the same entries from any array of `shape`.
    If `num_samples` is at least the number of entries, every entry is chosen.
    """
    if num_samples < 1:
        raise ValueError(f"num_samples must be at least 1 (got {num_samples})")
    size = int(np.prod(shape, dtype=np.int64))
    rng = np.random.default_rng(seed)
    flat = np.sort(rng.choice(size, size=min(num_samples, size), replace=False))
    return np.unravel_index(flat, shape)


def numerical_gradient(
    f: Callable[[np.ndarray], object],
    x: np.ndarray,
    *,
    df: np.ndarray | None = None,
    h: float = 1e-5,
    indices: tuple[np.ndarray, ...] | None = None,
) -> np.ndarray:
    """Centred finite-difference gradient of `f` with respect to the array `x`.

    f: called as `f(x)` with `x` perturbed in place; returns a scalar, or an
        array when `df` is given.
    x: float64 array of any shape S; restored exactly before returning.
    df: upstream gradient, same shape as f(x). Given it, the gradient is that
        of sum(f(x) * df), i.e. the vector-Jacobian product a backward pass
        returns (cs231n's `eval_numerical_gradient_array`).
    h: the step.
    indices: entries to differentiate, as from `sample_indices(x.shape, n)`.
        None: every entry.

    Returns: array of shape S (indices None) or [n] (the gradient at `x[indices]`,
    to compare with `analytic[indices]`).
    """
    _require_float64(x, "x")
    if df is not None:
        df = np.asarray(df, dtype=np.float64)

    def scalar(value: object) -> float:
        if df is None:
            out = np.asarray(value, dtype=np.float64)
            if out.size != 1:
                raise ValueError(
                    f"f returned an array of shape {out.shape}; pass its upstream gradient "
                    "as df=... (same shape) or make f return a scalar"
                )
            return float(out.reshape(()))
        out = np.asarray(value, dtype=np.float64)
        if out.shape != df.shape:
            raise ValueError(f"f(x) has shape {out.shape} but df has shape {df.shape}; they must match")
        return float(np.sum(out * df))

    if indices is None:
        flat_indices = range(x.size)
    else:
        flat_indices = np.ravel_multi_index(indices, x.shape)
    grad = np.empty(len(flat_indices), dtype=np.float64)
    flat = x.reshape(-1)  # a view for contiguous x; checked below so the in-place edit reaches f
    if not np.shares_memory(flat, x):
        raise ValueError("x must be a contiguous array (np.ascontiguousarray) so it can be perturbed in place")
    for k, i in enumerate(flat_indices):
        old = flat[i]
        flat[i] = old + h
        plus = scalar(f(x))
        flat[i] = old - h
        minus = scalar(f(x))
        flat[i] = old
        grad[k] = (plus - minus) / (2 * h)
    return grad.reshape(x.shape) if indices is None else grad


def relative_error(a, b) -> float:
    """cs231n's relative error: max over entries of |a - b| / max(|a| + |b|, 1e-8).

    a, b: arrays (or scalars, or torch tensors) of the same shape.
    Rough guide for float64 gradients: < 1e-7 right; 1e-4..1e-2 suspicious
    (unless f has kinks, e.g. ReLU); > 1e-2 wrong.
    """
    a = _as_float64(a, "a")
    b = _as_float64(b, "b")
    if a.shape != b.shape:
        raise ValueError(
            f"relative_error needs arrays of the same shape, got {a.shape} and {b.shape}; "
            "check for a transposed or unsqueezed gradient"
        )
    if a.size == 0:
        raise ValueError("relative_error of empty arrays is undefined; nothing was compared")
    for name, arr in (("a", a), ("b", b)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or inf; the gradient computation overflowed or read uninitialised memory")
    return float(np.max(np.abs(a - b) / np.maximum(TINY, np.abs(a) + np.abs(b))))


def _as_float64(value, name: str) -> np.ndarray:
    return np.asarray(to_numpy(value), dtype=np.float64)


def check_gradients(
    f: Callable[[Mapping[str, np.ndarray]], object],
    params: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    *,
    h: float = 1e-5,
    num_samples: int | None = None,
    seed: int = 0,
) -> dict[str, float]:
    """Check a whole dict of analytic gradients against finite differences.

    f: called as `f(params)`; returns the scalar loss. Each parameter array is
        perturbed in place in turn.
    params: name -> float64 array, shapes S_name.
    grads: name -> analytic gradient of f with respect to params[name] (same shape).
    num_samples: check this many random entries per parameter (seeded by
        `seed` and the parameter's position); None checks every entry.

    Returns: name -> relative error, in the order of `params`.
    """
    missing = [name for name in params if name not in grads]
    extra = [name for name in grads if name not in params]
    if missing or extra:
        raise KeyError(
            f"params and grads must have the same names; missing gradients: {missing}, "
            f"gradients with no parameter: {extra}"
        )
    errors = {}
    for position, (name, x) in enumerate(params.items()):
        _require_float64(x, f"params[{name!r}]")
        analytic = _as_float64(grads[name], f"grads[{name!r}]")
        if analytic.shape != x.shape:
            raise ValueError(f"grads[{name!r}] has shape {analytic.shape} but params[{name!r}] has shape {x.shape}")
        idx = None if num_samples is None else sample_indices(x.shape, num_samples, seed=seed + position)
        numeric = numerical_gradient(lambda _: f(params), x, h=h, indices=idx)
        errors[name] = relative_error(numeric, analytic if idx is None else analytic[idx])
    return errors
