"""German-English parallel corpora: the real Multi30k (from ``$SEQLABS_DATA``) or the embedded one.

    corpus = load_parallel("train")      # Multi30k if $SEQLABS_DATA/multi30k has it, else embedded
    print(corpus.describe())             # says which
    print(ran_on(corpus))                # what a data cell prints: which data, and how to get the real ones
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
from seqlabs.corpora.multi30k import FETCH_COMMAND, SPLITS, find_split_files, load_multi30k, multi30k_dir
from seqlabs.messages import _, number
from seqlabs.profiles import DATA_ENV, data_dir
from seqlabs.text.batching import PairDataset
from seqlabs.text.tokenize import tokenize_many
from seqlabs.text.vocab import Vocab

SOURCES = ("multi30k", "embedded")

__all__ = ["ParallelCorpus", "load_parallel", "load_multi30k", "load_embedded", "multi30k_available", "SOURCES",
           "TranslationData", "translation_datasets", "ran_on"]

USE_MULTI30K = 'import seqlabs.data; seqlabs.data.use("multi30k")'  # what a cell above the data cell runs


def _multi30k_split(split: str) -> str:
    return "test_2016_flickr" if split == "test" else split


def multi30k_available(split: str | None = None) -> bool:
    """Whether ``$SEQLABS_DATA/multi30k`` holds both files of ``split`` (of every split if None)."""
    if data_dir() is None:
        return False
    try:
        for name in ([_multi30k_split(split)] if split else SPLITS):
            find_split_files(name)
    except (FileNotFoundError, ValueError):
        return False
    return True


def load_parallel(split: str, *, source: str | None = None) -> ParallelCorpus:
    """Sentence pairs of ``split`` (``train``/``val``/``test``) from ``source``.

    ``source=None``: Multi30k when ``$SEQLABS_DATA/multi30k`` has every split,
    the embedded corpus when there is no such folder, and an error naming the
    missing files when the folder has only some of them (never train on one
    corpus and test on the other); ``"multi30k"`` insists on the real data (and
    errors, naming the missing files, without it); ``"embedded"`` never reads
    the disk. The result's ``name``/``origin`` (and ``describe()``) say which.
    """
    if split not in ("train", "val", "test", "test_2016_flickr"):
        raise ValueError(f"unknown split {split!r}: choose train, val or test")
    if source not in (None, *SOURCES):
        raise ValueError(f"unknown source {source!r}: choose None (automatic), 'multi30k' or 'embedded'")
    if source is None and data_dir() is not None and multi30k_dir().is_dir() and not multi30k_available():
        for name in SPLITS:  # the folder is there but incomplete: say which files are missing
            find_split_files(name)
    if source == "multi30k" or (source is None and multi30k_available()):
        return load_multi30k(_multi30k_split(split))
    return load_embedded(split)


def ran_on(train: ParallelCorpus, whole: ParallelCorpus | None = None) -> str:
    """One line for a data cell: which corpus this run trains on, how many pairs, and how to get the real one.

    ``train``: the training pairs the run uses; ``whole``: the split they were
    cut from (to say "3,000 of its 29,000"), if they are a part of it. In the notebook's language
    (``seqlabs.messages``): the line tells the student what to do.
    """
    if whole is not None and len(whole) != len(train):
        count = _("{used} of its {total} training pairs").format(used=number(len(train)), total=number(len(whole)))
    else:
        count = _("{used} training pairs").format(used=number(len(train)))
    if train.name == "multi30k":
        return _("This run uses Multi30k, {count} (from {origin}).").format(count=count, origin=train.origin)
    return _("This run uses the embedded practice corpus (synthetic; results are not comparable with the "
             "literature), {count}: to use Multi30k, run `{fetch}` in a terminal and start Jupyter with the {env} "
             "it prints, or run `{use}` in a cell above this one, then run this cell again."
             ).format(count=count, fetch=FETCH_COMMAND, env=DATA_ENV, use=USE_MULTI30K)


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
