"""Run profiles and the real-data directory: the two settings every lab reads.

``SEQLABS_PROFILE`` picks the size of a run (see ``docs/architecture.md``):

* ``fast``  -- under a minute per notebook on two CPU cores (tests, CI);
* ``class`` -- the student default, every quality target in minutes;
* ``full``  -- paper-size runs.

``SEQLABS_DATA`` names a directory holding real data sets (for example
``$SEQLABS_DATA/multi30k/train.de.gz``). Unset or empty means "use the
embedded defaults". Each variable is read here and nowhere else.
"""
from __future__ import annotations

import os
from pathlib import Path

PROFILES = ("fast", "class", "full")
DEFAULT_PROFILE = "class"
PROFILE_ENV = "SEQLABS_PROFILE"
DATA_ENV = "SEQLABS_DATA"


def check_profile(profile: str) -> str:
    """Return ``profile`` if it is one of ``PROFILES``; raise ``ValueError`` naming the choices otherwise."""
    if profile not in PROFILES:
        raise ValueError(
            f"unknown profile {profile!r}: choose one of {', '.join(PROFILES)} "
            f"(set {PROFILE_ENV}=fast|class|full, or leave it unset for {DEFAULT_PROFILE!r})")
    return profile


def current_profile() -> str:
    """The profile named by ``$SEQLABS_PROFILE`` (``"class"`` when unset or empty).

    Surrounding white space and case are ignored (``" Fast "`` -> ``"fast"``).
    Raises ``ValueError`` for any other value, naming the allowed ones.
    """
    raw = os.environ.get(PROFILE_ENV, "").strip().lower()
    return check_profile(raw or DEFAULT_PROFILE)


def data_dir() -> Path | None:
    """The directory named by ``$SEQLABS_DATA`` as a ``Path``, or ``None`` when unset or empty.

    The directory is not required to exist here; loaders check for the files
    they need and say which are missing.
    """
    raw = os.environ.get(DATA_ENV, "").strip()
    return Path(raw).expanduser() if raw else None
