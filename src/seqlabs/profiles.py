"""Run profiles and the real-data directory: the two settings every lab reads.

``SEQLABS_PROFILE`` picks the size of a run (see ``docs/architecture.md``):

* ``fast``  -- under a minute per notebook on two CPU cores (tests, CI);
* ``class`` -- the student default, every quality target in minutes;
* ``full``  -- paper-size runs.

``SEQLABS_DATA`` names a directory holding real data sets (for example
``$SEQLABS_DATA/multi30k/train.de.gz``). Unset or empty means "use the
embedded defaults". Both are read by ``autograder.core.mode`` (which the
in-notebook checks use) and nowhere else; they are re-exported here.

``fetch_root()`` is where ``python -m seqlabs.data fetch`` puts data sets:
``$SEQLABS_DATA`` when set, else the platform's user cache
(``~/.cache/seqlabs`` on Linux). The labs never look in the cache by
themselves: a kernel's data are what ``SEQLABS_DATA`` names, so a build or a
grade (which set or clear it from their conditions) can never pick up a
folder the instructor happened to fetch. ``seqlabs.data.use`` points a
student's own kernel at the cache.
"""
from __future__ import annotations

import os
from pathlib import Path

# The profile is read in one place, autograder.core.mode, which the in-notebook checks
# use too: a notebook's bounds and its training sizes can never disagree on it.
# So is SEQLABS_DATA (data_dir here is autograder.core.mode.current_data_dir): a bound keyed by data and the
# sizes keyed by data resolve it with the same function.
from autograder.core.mode import DATA_ENV, DEFAULT_PROFILE, PROFILE_ENV, PROFILES, check_profile, current_profile
from autograder.core.mode import current_data_dir as data_dir

CACHE_NAME = "seqlabs"  # the user cache's sub-folder (platformdirs' user_cache_dir, through pooch.os_cache)

__all__ = ["PROFILES", "DEFAULT_PROFILE", "PROFILE_ENV", "DATA_ENV", "check_profile", "current_profile", "data_dir",
           "fetch_root", "use_data_dir"]


def fetch_root() -> Path:
    """Where fetched data sets go: ``data_dir()`` when ``SEQLABS_DATA`` is set, else the user cache."""
    named = data_dir()
    if named is not None:
        return named
    import pooch  # here, not at import: reading the profile needs no download library

    return Path(pooch.os_cache(CACHE_NAME))


def use_data_dir(folder: str | Path) -> None:
    """Make this process (a student's kernel) read real data from ``folder`` (sets ``SEQLABS_DATA``)."""
    os.environ[DATA_ENV] = str(Path(folder).expanduser())
