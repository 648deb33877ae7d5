"""The checks: ``check``, ``check_below``, ``check_above``, ``check_agreement``.

Each takes a check id first (unique within a lab) and, by mode
(``autograder.core.mode``):

* ``student`` -- verifies and raises ``AssertionError`` with a message that
  helps (type, shape, NaN/inf, tolerance, agreement) but never shows an
  expected value;
* ``record``  -- emits a *record* event with the value and its parameters, passes;
* ``grade``   -- emits a *report* event with the student's value, passes.

The pass/fail rules live in the ``verdict_*`` functions, which return ``None``
for a pass or the failure message. ``autograder.notebook.judge`` calls the same
functions with values from the answer key, so the notebook tally and the CI
grade are the same number by construction (docs/design.md, rule 2).

Comparisons: ``check`` -- ``tokens.verify`` (tolerance for floats, exact for
ints, bools, strings); ``check_below`` -- value < bound; ``check_above`` --
value > bound (strict both ways); ``check_agreement`` --
``values.agreement(predicted, target) >= at_least``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograder.core import events, tokens, values
from autograder.notebook import tally
from autograder.core.mode import EMBEDDED, current_mode, resolve_bound
from autograder.core.messages import _

RTOL = 1e-5  # default relative tolerance of `check` (floats only)
ATOL = 1e-8  # default absolute tolerance of `check` (floats only)
NOT_BUILT = ("this notebook was not built: check {check!r} has no token. "
             "Instructors: run `autograder build`; students: use the release notebook you were given")


# ---------------------------------------------------------------- the checks

def check(check_id: str, value: Any, *, rtol: float = RTOL, atol: float = ATOL) -> None:
    """Check ``value`` against the hashed token for ``check_id``.

    Floats (and float arrays/tensors) pass within ``|x - expected| <= atol +
    rtol * |expected|`` (the band ``docs/tokens.md`` guarantees); ints, bools
    and strings must be equal. ``rtol``/``atol`` go into the record (and so the
    key and the token the build makes); in student mode the token carries them.
    """
    _check_id(check_id)
    mode = current_mode()
    if mode == "record":
        _emit_record(check_id, kind=value_kind(value), value=value, rtol=float(rtol), atol=float(atol))
    elif mode == "grade":
        _emit_report(check_id, value)
    else:
        token = tally.TALLY.tokens.get(check_id)
        if tally.TALLY.lab is None:
            raise AssertionError(f"{check_id}: " + _("autograder.init(...) has not run; run the setup cell at the top"))
        if token is None:
            raise AssertionError(f"{check_id}: " + _(NOT_BUILT).format(check=check_id))
        _fail_if(check_id, verdict_token(value, token))
    tally.note_check(check_id)


def check_shape(check_id: str, value: Any) -> None:
    """Check the shape of a tensor or array ``value``: an exact check of ``list(value.shape)``.

    The same record, report and token as ``check(check_id, list(value.shape))``
    (so the key is the same), but a failure compares shapes: "your tensor has
    shape (1, 3, 13), 3 dimensions; the expected shape has 2".
    """
    _check_id(check_id)
    if not hasattr(value, "shape"):
        raise AssertionError(f"{check_id}: " + _("expected a tensor or an array, got {type}").format(
            type=type(value).__name__))
    shape = [int(n) for n in value.shape]
    if current_mode() == "student" and tally.TALLY.lab is not None and check_id in tally.TALLY.tokens:
        token = tally.TALLY.tokens[check_id]
        if not tokens.verify(shape, token):
            want = tokens.token_shape(token)
            if want and want[0] != len(shape):
                why = _("your tensor has shape {shape}, {dims} dimensions; the expected shape has {want}").format(
                    shape=tuple(shape), dims=len(shape), want=want[0])
            else:
                why = _("your tensor has shape {shape}; the expected shape differs in at least one dimension").format(
                    shape=tuple(shape))
            raise AssertionError(f"{check_id}: {why}")
    check(check_id, shape)


def check_below(check_id: str, value: Any, bound: Any, *, possible: Any = None) -> None:
    """Check that the number ``value`` is strictly below ``bound``.

    ``bound`` is a number or a dict by profile (``{"fast": 2.0, "class": 0.5,
    "full": 0.3}``) resolved with ``SEQLABS_PROFILE`` (default ``class``).
    ``possible`` is ``(low, high)``, the values the quantity can physically
    take (``None`` for no limit on that side): a cross-entropy is
    ``(0, None)``, a BLEU score ``(0, 100)``, an accuracy ``(0, 1)``. A value
    outside it fails, however far below the bound (a forged or broken value).
    """
    _bounded(check_id, value, bound, kind="below", possible=possible)


def check_above(check_id: str, value: Any, bound: Any, *, possible: Any = None) -> None:
    """Check that the number ``value`` is strictly above ``bound`` (number or dict by profile); ``possible``
    as for ``check_below``."""
    _bounded(check_id, value, bound, kind="above", possible=possible)


def check_agreement(check_id: str, predicted: Any, target: Any, *, at_least: Any) -> None:
    """Check that at least the fraction ``at_least`` of ``predicted`` agrees with ``target``.

    ``at_least`` is a fraction in [0, 1] or a dict of fractions by profile,
    resolved like a bound.

    Agreement is ``values.agreement`` (fraction of equal positions). In grade
    mode only ``predicted`` is reported: the grader compares with the key's
    target, never with one the student's kernel computed.
    """
    _check_id(check_id)
    _validate_fraction(check_id, at_least)
    mode = current_mode()
    if mode == "record":
        _emit_record(check_id, kind="agreement", value=predicted, target=values.encode(target), at_least=at_least)
    elif mode == "grade":
        _emit_report(check_id, predicted)
    else:
        _fail_if(check_id, verdict_agreement(predicted, target, at_least=resolve_bound(at_least)))
    tally.note_check(check_id)


def _bounded(check_id: str, value: Any, bound: Any, *, kind: str, possible: Any = None) -> None:
    _check_id(check_id)
    _validate_bound(check_id, bound)
    possible = _validate_possible(check_id, possible)
    mode = current_mode()
    if mode == "record":
        extra = {} if possible is None else {"possible": possible}
        _emit_record(check_id, kind=kind, value=value, bound=bound, **extra)
    elif mode == "grade":
        _emit_report(check_id, value)
    else:
        _fail_if(check_id, verdict_bound(value, resolve_bound(bound), kind=kind, possible=possible))
    tally.note_check(check_id)


# ------------------------------------------------------------- the verdicts
# Pure: None for a pass, else a message with no expected value in it.

def verdict_token(value: Any, token: str) -> str | None:
    """``None`` if ``tokens.verify(value, token)``, else why not (never the expected value)."""
    # One judgement (the contract's rule, one stretched hash) gives the verdict and, when it fails,
    # the kind, shape, NaN/inf or tolerance problem. A malformed token raises ValueError: a build
    # problem, shown as the block's error.
    accepted, detail = tokens.judge(value, token)
    if accepted:
        return None
    detail = detail or _("does not match the expected value")
    bad = nonfinite(value)
    if bad and bad not in detail:
        detail += " " + _("(your value contains {bad})").format(bad=bad)
    return detail


def verdict_bound(value: Any, bound: float, *, kind: str, possible: Any = None) -> str | None:
    """``None`` if the number ``value`` is strictly below/above ``bound`` (``kind``) and within
    ``possible`` (``[low, high]``, ``None`` for no limit), else why not."""
    if kind not in ("below", "above"):
        raise ValueError(f"kind must be 'below' or 'above', got {kind!r}")
    x, problem = as_number(value)
    if problem:
        return problem
    if math.isnan(x):
        return (_("the value is NaN, so it is not below {bound}") if kind == "below"
                else _("the value is NaN, so it is not above {bound}")).format(bound=f"{bound:g}")
    if math.isinf(x):
        return _("the value is {value}: no measured quantity is infinite").format(value=f"{x:g}")
    if possible is not None:
        low, high = possible
        if (low is not None and x < low) or (high is not None and x > high):
            span = f"[{'-inf' if low is None else f'{low:g}'}, {'inf' if high is None else f'{high:g}'}]"
            return _("{value} is not a possible value for this quantity (it lies in {span}): "
                     "no correct computation gives it").format(value=f"{x:.4g}", span=span)
    ok = x < bound if kind == "below" else x > bound
    if ok:
        return None
    return (_("{value} is not below {bound}") if kind == "below"
            else _("{value} is not above {bound}")).format(value=f"{x:.4g}", bound=f"{bound:g}")


def verdict_agreement(predicted: Any, target: Any, *, at_least: float) -> str | None:
    """``None`` if ``values.agreement(predicted, target) >= at_least``, else why not."""
    try:
        share = float(values.agreement(predicted, target))
    except (TypeError, ValueError) as exc:  # wrong shape or type: say so, not a traceback
        return _("cannot compare the prediction with the target: {error}").format(error=exc)
    if share >= at_least:
        return None
    return _("{share} of positions agree, need at least {at_least}").format(share=f"{share:.2f}",
                                                                            at_least=f"{at_least:.2f}")


# ----------------------------------------------------------------- helpers

def value_kind(value: Any) -> str:
    """``"close"`` for floating values (compared with tolerance), ``"equal"`` for the rest.

    Decided on ``values.canonical``, the form the token sees; raises its
    ``TypeError`` for a value no check can take.
    """
    return "close" if values.kind(values.canonical(value)) == "float" else "equal"


def nonfinite(value: Any) -> str | None:
    """``"NaN"``, ``"inf"`` or ``"NaN and inf"`` if a float value holds them, else ``None``."""
    try:
        arr = values.canonical(value)
    except TypeError:
        return None
    if values.kind(arr) != "float":
        return None
    nan, inf = bool(np.isnan(arr).any()), bool(np.isinf(arr).any())
    return " and ".join(n for n, f in (("NaN", nan), ("inf", inf)) if f) or None


def as_number(value: Any) -> tuple[float, str | None]:
    """``(float(value), None)`` for a real number (or a one-element array/tensor), else ``(nan, why)``."""
    if isinstance(value, (bool, np.bool_)) or isinstance(value, (str, bytes)):
        return math.nan, f"expected a number, got {type(value).__name__}"
    if hasattr(value, "numel") and hasattr(value, "item"):  # torch tensor
        if value.numel() != 1:
            return math.nan, f"expected a single number, got a tensor of shape {tuple(value.shape)}"
        value = value.item()
    elif isinstance(value, np.ndarray):
        if value.size != 1:
            return math.nan, f"expected a single number, got an array of shape {value.shape}"
        value = value.reshape(()).item()
    try:
        return float(value), None
    except (TypeError, ValueError):
        return math.nan, f"expected a number, got {type(value).__name__}"


def _check_id(check_id: Any) -> None:
    if not isinstance(check_id, str) or not check_id:
        raise TypeError(f"a check id must be a non-empty string, got {check_id!r}")


def _validate_fraction(check_id: str, at_least: Any) -> None:
    """``at_least`` is a fraction in [0, 1], or a dict of such fractions by profile (and by data)."""
    _validate_bound(check_id, at_least)
    for share in _bound_numbers(at_least):
        if not 0 <= share <= 1:
            raise ValueError(f"{check_id}: at_least must be a fraction in [0, 1] (or a dict of them by profile), "
                             f"got {at_least!r}")


def _validate_possible(check_id: str, possible: Any) -> list | None:
    """``possible`` is ``None`` or ``(low, high)`` with numbers or ``None``; returned as a JSON-ready list."""
    if possible is None:
        return None
    if not isinstance(possible, (tuple, list)) or len(possible) != 2 or not all(
            p is None or (isinstance(p, (int, float)) and not isinstance(p, bool) and math.isfinite(p))
            for p in possible):
        raise TypeError(f"{check_id}: possible must be (low, high), finite numbers or None, got {possible!r}")
    low, high = possible
    if low is not None and high is not None and low > high:
        raise ValueError(f"{check_id}: possible=(low, high) needs low <= high, got {possible!r}")
    return [None if p is None else float(p) for p in possible]


def _bound_numbers(bound: Any) -> list[Any]:
    """The leaves of a bound: itself, its values by profile, and the values by data of a profile's dict."""
    by_profile = list(bound.values()) if isinstance(bound, dict) else [bound]
    return [b for p in by_profile for b in (p.values() if isinstance(p, dict) else [p])]


def _validate_bound(check_id: str, bound: Any) -> None:
    """Fail early on a malformed bound, in every mode (so the build catches it).

    A number, or a dict by profile whose values are numbers or dicts by data
    (``{"multi30k": 3.7, "embedded": 0.5}``, with an ``"embedded"`` entry:
    what a run without the real data is held to; ``autograder.core.mode.resolve_bound``).
    """
    if isinstance(bound, dict) and not bound:
        raise ValueError(f"{check_id}: a bound dict must name at least one profile")
    for by_data in (bound.values() if isinstance(bound, dict) else []):
        if isinstance(by_data, dict) and EMBEDDED not in by_data:
            raise ValueError(f"{check_id}: a bound by data needs an {EMBEDDED!r} entry (the bound without the real "
                             f"data), got {bound!r}")
    for b in _bound_numbers(bound):
        if isinstance(b, bool) or not isinstance(b, (int, float)):
            raise TypeError(f"{check_id}: a bound must be a number, or a dict of numbers by profile (and by data), "
                            f"got {bound!r}")


def _fail_if(check_id: str, message: str | None) -> None:
    if message is not None:
        raise AssertionError(f"{check_id}: {message}")


def _base(event: str, check_id: str) -> dict[str, Any]:
    return {"event": event, "lab": tally.TALLY.lab, "check": check_id, "block": tally.current_block()}


def _emit_record(check_id: str, *, kind: str, value: Any, **params: Any) -> None:
    # No try: a reference value that cannot be encoded is a bug in the source,
    # and the failed block tells the build so.
    events.emit({**_base("record", check_id), "kind": kind, "value": values.encode(value), **params})


def _emit_report(check_id: str, value: Any) -> None:
    # Any student value must still leave a report the grader can judge (as wrong),
    # whether encoding fails or the encoded value is not JSON.
    try:
        events.emit({**_base("report", check_id), "value": values.encode(value)})
    except Exception as exc:
        events.emit({**_base("report", check_id), "error": f"{type(exc).__name__}: {exc}"})
