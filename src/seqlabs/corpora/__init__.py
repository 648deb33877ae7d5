"""German-English parallel corpora: the real Multi30k (from ``$SEQLABS_DATA``) or the embedded one.

    corpus = load_parallel("train")      # Multi30k if $SEQLABS_DATA/multi30k has it, else embedded
    print(corpus.describe())             # says which
    corpus.de[0], corpus.en[0], corpus.pairs()

Split names: ``train``, ``val``, ``test`` (``test`` is Multi30k's
``test_2016_flickr``; either name works for both corpora).
"""
from __future__ import annotations

from seqlabs.corpora.base import ParallelCorpus
from seqlabs.corpora.embedded import EMBEDDED_SIZES, load_embedded
from seqlabs.corpora.multi30k import SPLITS as MULTI30K_SPLITS
from seqlabs.corpora.multi30k import find_split_files, load_multi30k
from seqlabs.profiles import data_dir

SOURCES = ("multi30k", "embedded")

__all__ = ["ParallelCorpus", "load_parallel", "load_multi30k", "load_embedded", "multi30k_available", "SOURCES"]


def _multi30k_split(split: str) -> str:
    return "test_2016_flickr" if split == "test" else split


def multi30k_available(split: str = "train") -> bool:
    """Whether ``$SEQLABS_DATA/multi30k`` holds both files of ``split``."""
    if data_dir() is None:
        return False
    try:
        find_split_files(_multi30k_split(split))
    except (FileNotFoundError, ValueError):
        return False
    return True


def load_parallel(split: str, *, source: str | None = None) -> ParallelCorpus:
    """Sentence pairs of ``split`` (``train``/``val``/``test``) from ``source``.

    ``source=None``: Multi30k when ``$SEQLABS_DATA/multi30k`` has the split,
    otherwise the embedded corpus; ``"multi30k"`` insists on the real data (and
    errors, naming the missing files, without it); ``"embedded"`` never reads
    the disk. The result's ``name``/``origin`` (and ``describe()``) say which.
    """
    if split not in ("train", "val", "test", "test_2016_flickr"):
        raise ValueError(f"unknown split {split!r}: choose train, val or test")
    if source not in (None, *SOURCES):
        raise ValueError(f"unknown source {source!r}: choose None (automatic), 'multi30k' or 'embedded'")
    if source == "multi30k" or (source is None and multi30k_available(split)):
        return load_multi30k(_multi30k_split(split))
    return load_embedded(split)
