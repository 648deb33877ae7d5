"""The canonical form of a checked value, its JSON encoding, and sequence agreement.

Every value a check sees (a Python number, a NumPy scalar or array of any
dtype, a torch tensor on any device, a string or a list of strings) is first
brought to one canonical NumPy array with one of four *kinds*:

    kind     dtype     from
    "float"  float64   Python float, NumPy floating (float16/32/64), torch float/half/bfloat16
    "int"    int64     Python int, NumPy/torch signed and unsigned integers
    "bool"   bool      Python bool, NumPy bool, torch bool
    "str"    object    str, or a list/tuple of str (each element a Python str)

Scalars become 0-d arrays, so a value's shape is always `canonical(v).shape`.
`encode`/`decode` carry a canonical value through JSON with exact float
round-trip; `agreement` scores two sequences position by position.
"""
from __future__ import annotations

import math
import sys

import numpy as np

KINDS = ("float", "int", "bool", "str")

ACCEPTED = (
    "a number, a NumPy scalar or array, a torch tensor, a string, "
    "or a (nested) list/tuple of numbers or of strings"
)

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def kind(arr: np.ndarray) -> str:
    """The kind of a canonical array: "float", "int", "bool" or "str"."""
    k = arr.dtype.kind
    if k == "f":
        return "float"
    if k == "i":
        return "int"
    if k == "b":
        return "bool"
    if k == "O":
        return "str"
    raise TypeError(f"not a canonical array (dtype {arr.dtype})")


def _type_name(value) -> str:
    t = type(value)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _unsupported(value, why: str = "") -> TypeError:
    why = f" ({why})" if why else ""
    return TypeError(f"cannot check a value of type {_type_name(value)}{why}; expected {ACCEPTED}")


def to_numpy(value):
    """A torch tensor (on any device, with or without grad) as a NumPy array; anything else unchanged.

    The one tensor-to-array conversion of both packages (``seqlabs``' metrics,
    plots and gradient checks use it too). bfloat16, which NumPy lacks, is
    widened to float32 in torch (exact); every other dtype is kept, so a
    caller widens in NumPy (single-threaded: no oversubscription of shared
    cores; float16/float32 -> float64 is exact either way).
    """
    torch = sys.modules.get("torch")  # never import torch just to look at a value
    if torch is None or not isinstance(value, torch.Tensor):
        return value
    t = value.detach()
    if t.dtype == torch.bfloat16:
        t = t.float()
    return t.cpu().numpy()


def _from_torch(t) -> np.ndarray:
    if t.is_complex():
        raise _unsupported(t, "complex tensors are not supported")
    return _from_numpy(np.asarray(to_numpy(t)), t)


def _from_numpy(a: np.ndarray, original) -> np.ndarray:
    k = a.dtype.kind
    # copy=False: checking a big float64 array should not copy it; nothing here writes to it
    if k == "f":
        return a.astype(np.float64, copy=False)
    if k == "b":
        return a.astype(bool, copy=False)
    if k == "i":
        return a.astype(np.int64, copy=False)
    if k == "u":
        if a.size and a.max() > _INT64_MAX:
            raise _unsupported(original, "unsigned integers beyond the int64 range")
        return a.astype(np.int64)
    if k in "US":
        if k == "S":
            raise _unsupported(original, "byte strings are not supported; decode them to str")
        out = np.empty(a.shape, dtype=object)
        out[...] = a.tolist() if a.ndim else a.item()
        return out
    if k == "O":
        return _from_sequence(a.tolist(), original) if a.ndim else canonical(a.item())
    if k == "c":
        raise _unsupported(original, "complex numbers are not supported")
    raise _unsupported(original, f"dtype {a.dtype} is not supported")


def _from_sequence(seq, original) -> np.ndarray:
    """A list/tuple (possibly nested) -> one canonical array; ragged is an error."""
    if len(seq) and all(isinstance(x, str) for x in seq):
        out = np.empty(len(seq), dtype=object)
        out[:] = list(seq)
        return out
    if not len(seq):
        return np.zeros((0,), dtype=np.float64)
    types = {type(x) for x in seq}
    if types <= {int, float}:  # the common flat list of Python numbers: one NumPy call
        try:
            return np.array(seq, dtype=np.float64 if float in types else np.int64)
        except OverflowError:
            raise _unsupported(original, "integer beyond the int64 range") from None
    parts = [canonical(x) for x in seq]
    shapes = {p.shape for p in parts}
    if len(shapes) > 1:
        raise TypeError(
            f"cannot check a ragged {_type_name(original)}: its elements have different "
            f"shapes {sorted(shapes)}; pad them to one shape or check them one by one"
        )
    kinds = {kind(p) for p in parts}
    if kinds <= {"int", "float"}:
        dtype = np.float64 if "float" in kinds else np.int64
        return np.stack([p.astype(dtype) for p in parts])
    if len(kinds) > 1:
        raise TypeError(
            f"cannot check a {_type_name(original)} that mixes {' and '.join(sorted(kinds))} "
            "elements; use one kind"
        )
    return np.stack(parts)


def canonical(value) -> np.ndarray:
    """Bring `value` to its canonical NumPy array (see the module docstring).

    Raises TypeError, naming the type and what is accepted, for anything else
    (None, dicts, sets, complex numbers, arbitrary objects, ragged lists).
    """
    torch = sys.modules.get("torch")  # never import torch just to look at a value
    if torch is not None and isinstance(value, torch.Tensor):
        return _from_torch(value)
    if isinstance(value, np.ndarray):
        return _from_numpy(value, value)
    if isinstance(value, np.generic):
        return _from_numpy(np.asarray(value), value)
    if isinstance(value, bool):  # before int: bool is a subclass of int
        return np.asarray(value, dtype=bool)
    if isinstance(value, int):
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise _unsupported(value, "integer beyond the int64 range")
        return np.asarray(value, dtype=np.int64)
    if isinstance(value, float):
        return np.asarray(value, dtype=np.float64)
    if isinstance(value, str):
        out = np.empty((), dtype=object)
        out[()] = value
        return out
    if isinstance(value, (list, tuple)):
        return _from_sequence(value, value)
    if isinstance(value, (complex, dict, set, frozenset, bytes)) or value is None:
        raise _unsupported(value)
    if hasattr(value, "__array__"):  # pandas, jax, ...: anything NumPy can read
        return _from_numpy(np.asarray(value), value)
    raise _unsupported(value)


# ---------------------------------------------------------------- JSON encoding

_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _float_to_json(x: float):
    if math.isfinite(x):
        return x  # json writes repr(x): the shortest string that reads back to x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def encode(value) -> dict:
    """A JSON-able dict that `decode` turns back into `canonical(value)`, bit for bit.

    Numbers: {"type": "ndarray", "dtype": "float64"|"int64"|"bool", "shape": [...],
    "data": [flat, C order]}; non-finite floats are the strings "nan", "inf", "-inf"
    so that the JSON stays standard. Strings: {"type": "str", "shape": [] or [n],
    "data": "..." or [...]}.
    """
    arr = canonical(value)
    k = kind(arr)
    shape = list(arr.shape)
    if k == "str":
        data = arr.item() if arr.ndim == 0 else arr.tolist()
        return {"type": "str", "shape": shape, "data": data}
    flat = arr.ravel().tolist()
    if k == "float" and not np.isfinite(arr).all():
        flat = [_float_to_json(x) for x in flat]
    return {"type": "ndarray", "dtype": str(arr.dtype), "shape": shape, "data": flat}


def decode(d: dict) -> np.ndarray:
    """Inverse of `encode`: the canonical array (0-d for scalars). ValueError if malformed."""
    if not isinstance(d, dict) or d.get("type") not in ("ndarray", "str"):
        raise ValueError(f"not an encoded value: {str(d)[:80]!r}")
    data = d.get("data")
    if d["type"] == "str":
        shape = tuple(d.get("shape", [] if isinstance(data, str) else [len(data)]))
        if shape == ():
            if not isinstance(data, str):
                raise ValueError("encoded str with shape [] must carry a str")
            return canonical(data)
        if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
            raise ValueError("encoded str list must carry a list of str")
        out = np.empty(len(data), dtype=object)
        out[:] = data
        return out.reshape(shape)
    dtype = d.get("dtype")
    shape = tuple(d.get("shape", ()))
    if dtype not in ("float64", "int64", "bool") or not isinstance(data, list):
        raise ValueError(f"unsupported encoded dtype {dtype!r} or data")
    if len(data) != math.prod(shape):
        raise ValueError(f"encoded shape {list(shape)} does not match {len(data)} data items")
    if dtype == "float64":
        data = [_NONFINITE[x] if isinstance(x, str) else x for x in data]
    return np.array(data, dtype=dtype).reshape(shape)


# ---------------------------------------------------------------- agreement


def agreement(predicted, target) -> float:
    """Fraction of positions where two sequences agree, in [0, 1].

    Both are brought to canonical form and flattened (C order), so a [T, B]
    tensor is compared position by position with a [T, B] target. Positions
    one sequence lacks count as disagreements: the count of equal positions is
    divided by the longer length. Both empty -> 1.0. NaN never agrees.
    """
    p = canonical(predicted).ravel()
    t = canonical(target).ravel()
    n = max(p.size, t.size)
    if n == 0:
        return 1.0
    m = min(p.size, t.size)
    if kind(p) == "str" or kind(t) == "str":
        same = sum(1 for a, b in zip(p[:m].tolist(), t[:m].tolist()) if type(a) is type(b) and a == b)
    else:
        same = int(np.count_nonzero(p[:m] == t[:m]))
    return same / n
