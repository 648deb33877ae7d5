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
"""
from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from seqlabs.profiles import PROFILES, check_profile, current_profile

T = TypeVar("T")

__all__ = ["for_profile", "PROFILES"]


def for_profile(cls: type[T], profile: str | None = None, **overrides: Any) -> T:
    """Instantiate the settings dataclass ``cls`` for ``profile`` (default: ``current_profile()``).

    Field values: the dataclass defaults, then ``cls.PROFILES[profile]`` (if
    any), then ``overrides``. Unknown profiles and unknown field names raise
    ``ValueError`` naming the problem.
    """
    if not dataclasses.is_dataclass(cls) or not isinstance(cls, type):
        raise TypeError(f"for_profile needs a dataclass type, got {cls!r}")
    profile = check_profile(profile) if profile is not None else current_profile()
    table = getattr(cls, "PROFILES", {}) or {}
    unknown_profiles = set(table) - set(PROFILES)
    if unknown_profiles:
        raise ValueError(f"{cls.__name__}.PROFILES has unknown profile(s) {sorted(unknown_profiles)}; "
                         f"allowed: {', '.join(PROFILES)}")
    values = {**table.get(profile, {}), **overrides}
    fields = {f.name for f in dataclasses.fields(cls) if f.init}
    bad = sorted(set(values) - fields)
    if bad:
        raise ValueError(f"{cls.__name__} has no field(s) {bad}; its fields are {sorted(fields)}")
    return cls(**values)
