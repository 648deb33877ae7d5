"""German-English parallel corpora: the real Multi30k (from ``$SEQLABS_DATA``) or the embedded one.

    corpus = load_parallel("train")      # Multi30k if $SEQLABS_DATA/multi30k has it, else embedded
    print(corpus.describe())             # says which
    corpus.de[0], corpus.en[0], corpus.pairs()

Everything lab 4 needs in one call (tokenise, vocabularies from train, datasets)::

    data = translation_datasets(min_freq=2)     # German -> English
    data.train, data.val, data.test             # PairDatasets; make_loader(data.train, 128)
    data.src_vocab, data.trg_vocab, data.source # Vocabs and which corpus was used

Split names: ``train``, ``val``, ``test`` (``test`` is Multi30k's
``test_2016_flickr``; either name works for both corpora).
"""
from __future__ import annotations

from dataclasses import dataclass

from seqlabs.corpora.base import ParallelCorpus
from seqlabs.corpora.embedded import load_embedded
from seqlabs.corpora.multi30k import find_split_files, load_multi30k
from seqlabs.profiles import data_dir
from seqlabs.text.batching import PairDataset
from seqlabs.text.tokenize import tokenize_many
from seqlabs.text.vocab import Vocab

SOURCES = ("multi30k", "embedded")

__all__ = ["ParallelCorpus", "load_parallel", "load_multi30k", "load_embedded", "multi30k_available", "SOURCES",
           "TranslationData", "translation_datasets"]


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


@dataclass
class TranslationData:
    """Train/val/test ``PairDataset``s with the vocabularies built on train."""
    train: PairDataset
    val: PairDataset
    test: PairDataset
    src_vocab: Vocab
    trg_vocab: Vocab
    source: str  # describe() of the training corpus: which corpus, and from where


def translation_datasets(*, source: str | None = None, src_lang: str = "de", min_freq: int = 2,
                         lower: bool = True, reverse_source: bool = False) -> TranslationData:
    """Load all three splits (``load_parallel``), tokenise with spaCy, build vocabularies on train.

    The legacy torchtext recipe: ``Field(tokenize=spacy, lower=True, init_token='<sos>',
    eos_token='<eos>')`` and ``build_vocab(train, min_freq=2)``. ``reverse_source``
    reverses source sentences (Sutskever et al.). ``src_lang="en"`` translates English -> German.
    """
    if src_lang not in ("de", "en"):
        raise ValueError(f"src_lang must be 'de' or 'en', got {src_lang!r}")
    trg_lang = "en" if src_lang == "de" else "de"
    corpora = {split: load_parallel(split, source=source) for split in ("train", "val", "test")}
    toks = {split: (tokenize_many(getattr(c, src_lang), src_lang, lower=lower),
                    tokenize_many(getattr(c, trg_lang), trg_lang, lower=lower)) for split, c in corpora.items()}
    src_vocab = Vocab.build(toks["train"][0], min_freq=min_freq)
    trg_vocab = Vocab.build(toks["train"][1], min_freq=min_freq)
    sets = {split: PairDataset(s, t, src_vocab, trg_vocab, reverse_source=reverse_source)
            for split, (s, t) in toks.items()}
    return TranslationData(sets["train"], sets["val"], sets["test"], src_vocab, trg_vocab,
                           corpora["train"].describe())
