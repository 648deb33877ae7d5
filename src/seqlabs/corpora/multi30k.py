"""Loader for the real Multi30K task 1 (Elliott et al., 2016) from a local directory.

Files (gzipped or plain, one sentence per line, aligned by line number)::

    $SEQLABS_DATA/multi30k/train.de.gz             train.en.gz              29000 lines
    $SEQLABS_DATA/multi30k/val.de.gz               val.en.gz                 1014 lines
    $SEQLABS_DATA/multi30k/test_2016_flickr.de.gz  test_2016_flickr.en.gz    1000 lines

as published in ``data/task1/raw/`` of the Multi30K project's dataset
repository (https://github.com/multi30k/dataset). Nothing is downloaded here:
``python -m seqlabs.data fetch multi30k`` (``seqlabs.data``) fetches them,
with their pinned SHA-256 hashes.
"""
from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from seqlabs.corpora.base import ParallelCorpus
from seqlabs.profiles import DATA_ENV, data_dir

SPLITS = ("train", "val", "test_2016_flickr")
SPLIT_SIZES = {"train": 29000, "val": 1014, "test_2016_flickr": 1000}
LANGS = ("de", "en")
SOURCE_URL = "https://github.com/multi30k/dataset/tree/master/data/task1/raw"
FETCH_COMMAND = "python -m seqlabs.data fetch multi30k"

__all__ = ["SPLITS", "SPLIT_SIZES", "FETCH_COMMAND", "load_multi30k", "multi30k_dir", "find_split_files"]


def multi30k_dir(root: str | Path | None = None) -> Path:
    """The directory holding the Multi30k files: ``root`` (or ``root/multi30k`` if that exists),
    else ``$SEQLABS_DATA/multi30k``. Raises ``FileNotFoundError`` when neither is given."""
    if root is None:
        base = data_dir()
        if base is None:
            raise FileNotFoundError(
                f"no Multi30k directory: {DATA_ENV} is not set. Run `{FETCH_COMMAND}` and set {DATA_ENV} to the "
                f"folder it prints (or put train/val/test_2016_flickr .de/.en(.gz) files from {SOURCE_URL} in "
                f"<dir>/multi30k/ and set {DATA_ENV}=<dir>), or pass root=..., or use "
                "seqlabs.corpora.load_parallel for the embedded corpus")
        return base / "multi30k"
    root = Path(root).expanduser()
    return root / "multi30k" if (root / "multi30k").is_dir() else root


def find_split_files(split: str, root: str | Path | None = None) -> dict[str, Path]:
    """``{"de": path, "en": path}`` for ``split``, preferring ``.gz``; ``FileNotFoundError`` naming what is missing."""
    if split not in SPLITS:
        raise ValueError(f"unknown Multi30k split {split!r}: choose one of {', '.join(SPLITS)} "
                         "(task 1; 'test_2016_flickr' is the 2016 test set)")
    folder = multi30k_dir(root)
    found, missing = {}, []
    for lang in LANGS:
        for name in (f"{split}.{lang}.gz", f"{split}.{lang}"):
            if (folder / name).is_file():
                found[lang] = folder / name
                break
        else:
            missing.append(f"{split}.{lang}.gz")
    if missing:
        raise FileNotFoundError(
            f"Multi30k {split!r}: missing {', '.join(missing)} (or the same without .gz) in {folder}. "
            f"Run `{FETCH_COMMAND}` with {DATA_ENV}={folder.parent}, or get them from {SOURCE_URL} "
            f"(data/task1/raw of the Multi30K dataset repository) and put them in {folder}")
    return found


def _read_lines(path: Path) -> list[str]:
    """Lines of a gzipped or plain UTF-8 file, stripped of surrounding white space."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8") as f:
                text = f.read()
        else:
            text = path.read_text(encoding="utf-8")
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise ValueError(f"{path} is not a valid gzip file ({type(err).__name__}: {err}); it is corrupt or "
                         f"truncated: download it again from {SOURCE_URL}") from None
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is not UTF-8 text ({err}); download it again from {SOURCE_URL}") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline
    return [line.strip() for line in lines]


def load_multi30k(split: str, root: str | Path | None = None) -> ParallelCorpus:
    """Read Multi30k task 1 ``split`` (``train``, ``val``, ``test_2016_flickr``) as a ``ParallelCorpus``.

    ``root``: the directory with the files (or its parent); default ``$SEQLABS_DATA/multi30k``.
    Errors name the problem and the fix: missing files (and where to get
    them), a corrupt gzip, German and English files of different lengths.
    """
    files = find_split_files(split, root)
    de, en = _read_lines(files["de"]), _read_lines(files["en"])
    if len(de) != len(en):
        raise ValueError(f"Multi30k {split!r}: {files['de'].name} has {len(de)} lines but {files['en'].name} "
                         f"has {len(en)}; the files must be aligned line by line (expected "
                         f"{SPLIT_SIZES[split]} each): download them again from {SOURCE_URL}")
    return ParallelCorpus(de, en, "multi30k", split, str(files["de"].parent))
