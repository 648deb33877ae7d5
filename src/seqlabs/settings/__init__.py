"""Per-lab settings chosen by profile.

A lab's settings are a frozen ``@dataclass`` whose defaults are the ``class``
profile; the other profiles are given as overrides in a class attribute
``PROFILES`` (a plain dict, not a dataclass field)::

    # settings/lab1.py
    from dataclasses import dataclass
    from typing import ClassVar

    @dataclass(frozen=True)
    class Lab1Settings:
        hidden_size: int = 16   # RNN hidden units
        epochs: int = 200       # training epochs
        PROFILES: ClassVar[dict] = {"fast": {"epochs": 20}, "full": {"epochs": 1000}}

    settings = for_profile(Lab1Settings)          # profile from $SEQLABS_PROFILE
    settings = for_profile(Lab1Settings, "fast")  # or named explicitly

A lab whose real data set changes what a profile can afford gives sizes by
data in a second class attribute ``ON_DATA``, keyed like the bounds of its
``THRESHOLDS`` (profile, then the data set's folder name)::

    ON_DATA: ClassVar[dict] = {"class": {"multi30k": {"max_train_pairs": 10000, "n_epochs": 4}}}

They apply when ``$SEQLABS_DATA`` holds that data set (``autograder.core.mode.data_in_use``,
the function the checks resolve a bound by data with), so a lab's sizes and
its bounds can never be read for different data.
"""
from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from autograder.core.mode import data_in_use
from seqlabs.profiles import PROFILES, check_profile, current_profile, data_dir

T = TypeVar("T")

__all__ = ["for_profile", "on_data", "PROFILES"]


def for_profile(cls: type[T], profile: str | None = None, **overrides: Any) -> T:
    """Instantiate the settings dataclass ``cls`` for ``profile`` (default: ``current_profile()``).

    Field values: the dataclass defaults, then ``cls.PROFILES[profile]`` (if
    any), then ``cls.ON_DATA[profile][data set]`` when ``$SEQLABS_DATA`` holds
    one of the data sets named there (if any), then ``overrides``. Unknown profiles and unknown field names raise
    ``ValueError`` naming the problem.
    """
    if not dataclasses.is_dataclass(cls) or not isinstance(cls, type):
        raise TypeError(f"for_profile needs a dataclass type, got {cls!r}")
    profile = check_profile(profile) if profile is not None else current_profile()
    table = getattr(cls, "PROFILES", {}) or {}
    unknown_profiles = (set(table) | set(getattr(cls, "ON_DATA", {}) or {})) - set(PROFILES)
    if unknown_profiles:
        raise ValueError(f"{cls.__name__}.PROFILES or ON_DATA has unknown profile(s) {sorted(unknown_profiles)}; "
                         f"allowed: {', '.join(PROFILES)}")
    by_data = (getattr(cls, "ON_DATA", {}) or {}).get(profile, {})
    on_data = by_data.get(data_in_use(by_data, data_dir()), {}) if by_data else {}
    values = {**table.get(profile, {}), **on_data, **overrides}
    fields = {f.name for f in dataclasses.fields(cls) if f.init}
    bad = sorted(set(values) - fields)
    if bad:
        raise ValueError(f"{cls.__name__} has no field(s) {bad}; its fields are {sorted(fields)}")
    return cls(**values)


def on_data(thresholds: dict[str, dict], profile: str, data: str, bounds: dict[str, float]) -> dict[str, dict]:
    """``thresholds`` (bounds by check, then by profile) with ``profile``'s bound of each check in ``bounds``
    made a bound by data: ``{data: bounds[check], "embedded": the bound it had}``.

    How a lab gives its ``class`` bounds on Multi30k beside those of the embedded
    corpus (``autograder.core.mode.resolve_bound`` picks one by the data the run reads)::

        THRESHOLDS = on_data(THRESHOLDS, "class", "multi30k", {"attention_test_bleu": 18.0})
    """
    unknown = sorted(set(bounds) - set(thresholds))
    if unknown:
        raise ValueError(f"no threshold(s) {unknown} to give a bound on {data}; thresholds: {sorted(thresholds)}")
    out = {check: dict(by_profile) for check, by_profile in thresholds.items()}
    for check, bound in bounds.items():
        out[check][profile] = {data: bound, "embedded": thresholds[check][profile]}
    return out
