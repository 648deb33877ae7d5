"""Real data sets: fetched from their published locations with pinned SHA-256 hashes, or found where they are.

From a terminal (a student's laptop, an instructor's machine)::

    python -m seqlabs.data fetch multi30k     # into $SEQLABS_DATA, else the user cache
    python -m seqlabs.data list               # what can be fetched, where it would go, what is there

From a notebook, one call fetches (once) and points this kernel at the data::

    import seqlabs.data
    seqlabs.data.use("multi30k")              # then run the lab's data cell again

This package also ships ``airline_passengers.csv`` (lab 2's series, package
data read by ``seqlabs.airline``). The registry of data sets is
``seqlabs.data.registry``; the download, ``seqlabs.data.download`` (pooch).
Nothing here runs at grading or test time: the grader's kernels get their
data from the grading conditions (``SEQLABS_DATA``), and ``use`` does nothing
in them.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from seqlabs.data.download import FetchError, fetch, fetched, missing_files
from seqlabs.data.registry import DATASETS, DataSet
from seqlabs.messages import _
from seqlabs.profiles import DATA_ENV, data_dir, use_data_dir

__all__ = ["DATASETS", "DataSet", "FetchError", "fetch", "fetched", "missing_files", "use"]


def use(name: str = "multi30k", *, log: Callable[[str], None] = print, **fetch_args) -> Path | None:
    """Fetch ``name`` if needed and make this process read real data from where it is; return that folder.

    In a student's kernel (the default mode) it fetches into ``$SEQLABS_DATA``
    (else the user cache), then sets ``SEQLABS_DATA`` for this kernel when it
    was unset, so the lab's data cell, run again, reads the real data. While
    a notebook is built or graded (``AUTOGRADER_MODE`` record or grade) the
    data are the grading conditions': nothing is fetched or changed.
    """
    from autograder.core.mode import current_mode

    if current_mode() != "student":
        log(f"seqlabs.data.use: a {current_mode()} run reads the data of its grading conditions; "
            "nothing fetched, nothing changed")
        return data_dir()
    root = fetch(name, log=log, **fetch_args)
    if data_dir() is None:
        use_data_dir(root)
        log(_("this kernel now reads real data from {root} ({env}): run the lab's data cell again. To have them "
              "from the start next time, start Jupyter with {env}={root}").format(root=root, env=DATA_ENV))
    return root
