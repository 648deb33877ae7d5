"""Fetching a data set from its published location with its pinned SHA-256 hashes (pooch does the download).

    root = fetch("multi30k")              # -> the data folder; files in root/multi30k/
    fetch("multi30k", root="data", base_url="http://127.0.0.1:8000/")   # another folder, a mirror

The data folder is ``$SEQLABS_DATA`` when set, else the user cache
(``seqlabs.profiles.fetch_root``). Nothing is ever half-written there:

* pooch downloads each file to a temporary name beside it and moves it into
  place only once its SHA-256 matches (a cut download or a wrong hash leaves
  no file, and an earlier good file is never overwritten by a bad one);
* a data set fetched for the first time is assembled in a hidden staging
  folder, ``.<folder>.partial``, and renamed into place only when every file
  is there and checked, so a loader never sees a data set with a split
  missing. A later fetch resumes from the staging folder: files already
  checked are not downloaded again.

Every failure is a ``FetchError`` naming the file, what went wrong and the fix.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable

from seqlabs.data.registry import DataSet, get
from seqlabs.profiles import DATA_ENV, fetch_root

logger = logging.getLogger(__name__)

RETRIES = 1  # a failed file is tried once more (a dropped connection is often transient)

__all__ = ["FetchError", "fetch", "fetched", "missing_files"]


class FetchError(RuntimeError):
    """A data set could not be fetched; the message names the file, the problem and the fix."""


def missing_files(name: str, root: str | Path | None = None) -> list[str]:
    """The files of data set ``name`` not (yet) in ``root/<folder>`` (default root: ``fetch_root()``).

    Only presence is checked here (cheap); ``fetch`` checks every hash.
    """
    dataset = get(name)
    folder = Path(root if root is not None else fetch_root()).expanduser() / dataset.folder
    return [f for f in dataset.files if not (folder / f).is_file()]


def fetched(name: str, root: str | Path | None = None) -> bool:
    """Whether every file of ``name`` is in ``root/<folder>``."""
    return not missing_files(name, root)


def _fix(dataset: DataSet) -> str:
    return (f"run `python -m seqlabs.data fetch {dataset.name}` again (files already checked are kept), "
            f"or ask your instructor for a bundle made with `autograder bundle --data`, "
            f"or download the files by hand from {dataset.homepage}")


def _fetch_file(dataset: DataSet, fname: str, folder: Path, base_url: str, progress: bool) -> None:
    """One file into ``folder`` through pooch (temporary name, hash check, then moved into place)."""
    import pooch  # imported here: `import seqlabs` stays fast and needs no network library
    import requests

    store = pooch.create(path=folder, base_url=base_url, registry={fname: dataset.files[fname]},
                         retry_if_failed=RETRIES)
    url = base_url + fname
    try:
        store.fetch(fname, progressbar=progress)
    except ValueError as err:  # pooch.hashes.hash_matches(strict=True): the downloaded bytes are not the pinned ones
        raise FetchError(f"{dataset.name}: {fname} downloaded from {url} does not have the pinned SHA-256 "
                         f"({dataset.files[fname]}): it is corrupt or was changed at the source ({err}). "
                         f"Nothing was kept in {folder}. Fix: {_fix(dataset)}") from None
    except requests.exceptions.RequestException as err:
        raise FetchError(f"{dataset.name}: downloading {fname} from {url} failed ({type(err).__name__}: {err}). "
                         f"Nothing of {fname} was kept in {folder}. Fix: check the network, then "
                         f"{_fix(dataset)}") from None
    except OSError as err:
        raise FetchError(f"{dataset.name}: cannot write {fname} into {folder} ({err}). Fix: set {DATA_ENV} to a "
                         "folder you can write to (or pass --dir), and free some disk space") from None


def fetch(name: str, *, root: str | Path | None = None, base_url: str | None = None, progress: bool = False,
          log: Callable[[str], None] = logger.info) -> Path:
    """Fetch data set ``name`` into ``root/<its folder>`` and return ``root`` (what ``SEQLABS_DATA`` should name).

    ``root``: default ``seqlabs.profiles.fetch_root()`` (``$SEQLABS_DATA``, else
    the user cache). ``base_url``: a mirror holding the same files (default: the
    published location; the files' hashes are checked either way). A data set
    already there is checked file by file and only what is missing or wrong is
    downloaded again.
    """
    dataset = get(name)
    root = Path(root if root is not None else fetch_root()).expanduser()
    base_url = base_url or dataset.base_url
    if not base_url.endswith("/"):
        base_url += "/"
    final = root / dataset.folder
    # A data set seen for the first time is assembled beside its final place and renamed when complete.
    target = final if final.is_dir() else root / f".{dataset.folder}.partial"
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise FetchError(f"cannot create {target} ({err}). Fix: set {DATA_ENV} to a folder you can write to "
                         "(or pass --dir)") from None
    log(f"{dataset.name}: {len(dataset.files)} files ({dataset.total_bytes() / 1e6:.1f} MB) from {base_url} "
        f"into {final}")
    for fname in dataset.files:
        if (target / fname).is_file():
            log(f"  {fname}: present, checking its SHA-256")
        else:
            log(f"  {fname}: downloading")
        _fetch_file(dataset, fname, target, base_url, progress)
    if target != final:
        os.replace(target, final)  # atomic on one file system: the data set appears whole or not at all
    log(f"{dataset.name}: every file checked against its pinned SHA-256, in {final}")
    return root
