"""The settings the in-notebook API reads from the environment, each in one place.

* ``AUTOGRADER_MODE`` -- ``student`` (default), ``record`` or ``grade``: what a
  check does in the kernel (docs/architecture.md, "Modes"). Set by
  ``autograder build`` / ``autograder grade``, never by hand.
* ``SEQLABS_PROFILE`` -- ``fast``, ``class`` (default) or ``full``: picks the
  bound of ``check_below`` / ``check_above`` when the bound is a dict by
  profile. This is the one reader of the variable: ``seqlabs.profiles``
  re-exports it (``seqlabs`` may import ``autograder``, never the reverse).
* ``SEQLABS_DATA`` -- a folder of real data sets (``multi30k/``, ...), or
  unset for the embedded data: picks the bound of a check whose bound for
  the profile is a dict by data (``data_in_use``), and the sizes of a lab's
  settings keyed the same way (``seqlabs.settings``). This is the one reader
  of the variable (``seqlabs.profiles.data_dir`` is ``current_data_dir``).
* ``NBGRADER_EXECUTION`` -- set by nbgrader itself (``autograde`` while
  autograding, ``validate`` while validating; see nbgrader's
  ``converters/autograde.py`` and ``validator.py``). The kernel inherits it.
  Under nbgrader each test cell ends with an ``execute_result`` holding the
  points its blocks earned, which nbgrader reads as partial credit
  (``autograder.marks``, in ``autograder/notebook/blocks.py``).

Everything is read at call time, not import time, so a test or a kernel can
change the environment between calls.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

MODES = ("student", "record", "grade")
DEFAULT_MODE = "student"
MODE_ENV = "AUTOGRADER_MODE"

PROFILES = ("fast", "class", "full")
DEFAULT_PROFILE = "class"
PROFILE_ENV = "SEQLABS_PROFILE"

DATA_ENV = "SEQLABS_DATA"
EMBEDDED = "embedded"  # the data key of a run on the labs' built-in data (no SEQLABS_DATA, or none of its data sets)

NBGRADER_ENV = "NBGRADER_EXECUTION"


class _FromEnvironment:
    """The default of ``resolve_bound(data_dir=...)``: the data folder this process reads (``$SEQLABS_DATA``)."""

    def __repr__(self) -> str:
        return "FROM_ENVIRONMENT"


FROM_ENVIRONMENT = _FromEnvironment()


def current_mode() -> str:
    """The mode named by ``$AUTOGRADER_MODE`` (``"student"`` when unset or empty).

    Raises ``ValueError`` naming the allowed values for anything else: a typo
    must not silently turn grading into self-checking.
    """
    raw = os.environ.get(MODE_ENV, "").strip().lower()
    mode = raw or DEFAULT_MODE
    if mode not in MODES:
        raise ValueError(f"unknown {MODE_ENV}={raw!r}: choose one of {', '.join(MODES)}")
    return mode


def current_profile() -> str:
    """The profile named by ``$SEQLABS_PROFILE`` (``"class"`` when unset or empty).

    Surrounding white space and case are ignored (``" Fast "`` -> ``"fast"``).
    Raises ``ValueError`` for any other value, naming the allowed ones.
    """
    raw = os.environ.get(PROFILE_ENV, "").strip().lower()
    return check_profile(raw or DEFAULT_PROFILE)


def check_profile(profile: str) -> str:
    """Return ``profile`` if it is one of ``PROFILES``; raise ``ValueError`` naming the choices otherwise."""
    if profile not in PROFILES:
        raise ValueError(
            f"unknown profile {profile!r}: choose one of {', '.join(PROFILES)} "
            f"(set {PROFILE_ENV}=fast|class|full, or leave it unset for {DEFAULT_PROFILE!r})")
    return profile


def kernel_settings(mode: str, profile: str) -> dict[str, str]:
    """The variables ``autograder build`` and ``autograder grade`` set in every kernel they run.

    The mode and the profile, and plain progress lines (``SEQLABS_PROGRESS=log``):
    nobody watches those kernels, and widget bars would put random ids into
    the built notebooks.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: choose one of {', '.join(MODES)}")
    return {MODE_ENV: mode, PROFILE_ENV: check_profile(profile), "SEQLABS_PROGRESS": "log"}


def current_data_dir() -> Path | None:
    """The directory named by ``$SEQLABS_DATA`` as a ``Path``, or ``None`` when unset or empty.

    The directory is not required to exist here; loaders check for the files
    they need and say which are missing.
    """
    raw = os.environ.get(DATA_ENV, "").strip()
    return Path(raw).expanduser() if raw else None


def data_in_use(names: Any, folder: Path | str | None) -> str:
    """Which of ``names`` (data set folder names, and ``"embedded"``) a run on the data folder ``folder`` reads.

    The first of ``names`` other than ``"embedded"`` whose folder is in
    ``folder`` (so a dict by data lists the data sets in the order the lab
    prefers them), else ``"embedded"``: a lab reads its real data set when
    the data folder holds it and its embedded data otherwise
    (``seqlabs.corpora.load_parallel``). The kernel asks with its own
    ``$SEQLABS_DATA``; the grader with the folder of its grading conditions,
    whose content the key's fingerprint fixes, never with what a notebook
    says it ran on.
    """
    if folder is not None:
        base = Path(folder).expanduser()
        for name in names:
            if name != EMBEDDED and (base / str(name)).is_dir():
                return str(name)
    return EMBEDDED


def under_nbgrader() -> bool:
    """True while nbgrader's own autograde or validate executes this kernel."""
    return bool(os.environ.get(NBGRADER_ENV, "").strip())


def resolve_bound(bound: Any, *, profile: str | None = None,
                  data_dir: Path | str | None | _FromEnvironment = FROM_ENVIRONMENT) -> float:
    """The bound for ``profile`` (default: the current one) and the data of ``data_dir``.

    ``bound`` is a number, or a dict by profile such as
    ``{"fast": 2.0, "class": 0.5, "full": 0.3}``; a profile's entry may itself
    be a dict by data, ``{"multi30k": 3.7, "embedded": 0.5}``, resolved with
    ``data_in_use`` on ``data_dir`` (default: ``$SEQLABS_DATA``, what the
    kernel reads; the judge passes its grading conditions' folder, ``None``
    for embedded data). Used by the checks and by the judge, so the kernel
    and the grader resolve a bound the same way.
    """
    profile = check_profile(profile) if profile is not None else current_profile()
    if isinstance(bound, Mapping):
        if profile not in bound:
            have = ", ".join(sorted(map(str, bound))) or "none"
            raise ValueError(f"no bound for profile {profile!r} (bounds given for: {have})")
        bound = bound[profile]
    if isinstance(bound, Mapping):
        folder = current_data_dir() if isinstance(data_dir, _FromEnvironment) else data_dir
        data = data_in_use(bound, folder)
        if data not in bound:
            have = ", ".join(map(str, bound)) or "none"
            raise ValueError(f"no bound for profile {profile!r} on {data} data (bounds given for: {have}); "
                             f"a bound by data needs an {EMBEDDED!r} entry")
        bound = bound[data]
    if isinstance(bound, bool) or not isinstance(bound, (int, float)):
        raise TypeError(f"a bound must be a number, or a dict of numbers by profile (and by data), "
                        f"got {type(bound).__name__}")
    return float(bound)
