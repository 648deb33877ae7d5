"""The Word2Vec text pipeline: clean, tokenise, drop stop words, stem, drop rare tokens, make skip-gram pairs.

    data = prepare_corpus(texts, min_count=5, window=2)
    data.centres, data.contexts      # LongTensor [P] each: (centre id, context id) pairs
    data.idx_to_word[data.centres[0]]

Steps, each a function of its own:

1. ``normalize``: lower-case; apostrophes are deleted (``don't`` -> ``dont``),
   every other character outside ``a-z @ #`` becomes a space (keeps
   ``@user`` and ``#tag`` together, drops digits and punctuation);
2. ``tokenize``: split on white space, drop spaCy's English stop words, stem
   with NLTK's Snowball stemmer (no NLTK data download needed);
3. ``filter_rare``: drop tokens seen fewer than ``min_count`` times;
4. ``build_vocab``: ids by decreasing frequency (ties alphabetical);
5. ``skipgram_pairs``: every (centre, context) pair with ``0 < |offset| <= window``
   inside one text, built with array operations (no Python loop per pair).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np
import torch
from nltk.stem.snowball import SnowballStemmer
from spacy.lang.en.stop_words import STOP_WORDS

__all__ = ["normalize", "tokenize", "filter_rare", "build_vocab", "skipgram_pairs", "pairs_of_flat", "prepare_corpus",
           "Word2VecData", "STOP_WORDS"]

_APOSTROPHES = re.compile(r"['’`]")
_NOT_KEPT = re.compile(r"[^a-z@#]+")


def normalize(text: str) -> str:
    """Lower-case ``text`` and keep only ``a-z @ #``, other characters becoming single spaces."""
    if not isinstance(text, str):
        raise TypeError(f"normalize expects a str, got {type(text).__name__}")
    return _NOT_KEPT.sub(" ", _APOSTROPHES.sub("", text.lower())).strip()


@lru_cache(maxsize=1)
def _stemmer() -> SnowballStemmer:
    return SnowballStemmer("english")


def tokenize(text: str, *, remove_stopwords: bool = True, stem: bool = True) -> list[str]:
    """``normalize``, split, drop spaCy English stop words, Snowball-stem: ``"The dogs are running!"`` -> ``['dog', 'run']``."""
    words = normalize(text).split()
    if remove_stopwords:
        words = [w for w in words if w not in STOP_WORDS]
    if stem:
        stemmer = _stemmer()
        words = [stemmer.stem(w) for w in words]
    return words


def filter_rare(token_lists: Sequence[Sequence[str]], min_count: int = 5) -> list[list[str]]:
    """Drop every token seen fewer than ``min_count`` times over all lists (lists may become empty)."""
    counts = Counter(t for toks in token_lists for t in toks)
    return [[t for t in toks if counts[t] >= min_count] for toks in token_lists]


def build_vocab(token_lists: Iterable[Sequence[str]]) -> tuple[dict[str, int], list[str], np.ndarray]:
    """``(word_to_idx, idx_to_word, counts [V])``, ids by decreasing frequency, ties alphabetical."""
    counts = Counter(t for toks in token_lists for t in toks)
    words = sorted(counts, key=lambda w: (-counts[w], w))
    return {w: i for i, w in enumerate(words)}, words, np.array([counts[w] for w in words], dtype=np.int64)


def skipgram_pairs(id_lists: Sequence[Sequence[int]], window: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    """All (centre, context) pairs within ``window`` positions, never across two texts.

    ``id_lists``: one list of token ids per text. Returns LongTensors
    ``centres [P]``, ``contexts [P]``, ordered by centre position, then offset
    (``-window .. -1, 1 .. window``) -- the order of the obvious double loop.
    """
    lengths = np.array([len(x) for x in id_lists], dtype=np.int64)  # [S]
    ids = np.fromiter((i for x in id_lists for i in x), dtype=np.int64, count=int(lengths.sum()))  # [N]
    return pairs_of_flat(ids, np.repeat(np.arange(len(lengths)), lengths), window)


def pairs_of_flat(ids: np.ndarray, text: np.ndarray, window: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    """``skipgram_pairs`` on all texts laid end to end: ``ids [N]`` and the text number of each ``text [N]``.

    Positions of one text must be contiguous (``text`` non-decreasing); a pair
    never joins two texts. The trainers call this once per epoch on the tokens
    that subsampling kept.
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    ids, text = np.asarray(ids, dtype=np.int64), np.asarray(text)
    n = len(ids)
    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])  # [2w]
    ctx = np.arange(n)[:, None] + offsets[None, :]  # [N, 2w] context positions
    inside = (ctx >= 0) & (ctx < n)
    ctx_safe = np.clip(ctx, 0, max(n - 1, 0))
    valid = inside & (text[ctx_safe] == text[:, None]) if n else inside  # [N, 2w]
    centres = np.broadcast_to(ids[:, None], ctx.shape)[valid]  # [P], row-major = centre-major
    contexts = ids[ctx_safe][valid]  # [P]
    return torch.from_numpy(np.ascontiguousarray(centres)), torch.from_numpy(contexts)


@dataclass
class Word2VecData:
    """Everything the Word2Vec lab trains on."""
    tokens: list[list[str]]   # processed tokens per text (after rare-token filtering)
    word_to_idx: dict[str, int]
    idx_to_word: list[str]
    counts: np.ndarray        # [V] token counts, for negative sampling / subsampling
    centres: torch.Tensor     # [P] centre ids
    contexts: torch.Tensor    # [P] context ids

    @property
    def vocab_size(self) -> int:
        """Number of distinct tokens V."""
        return len(self.idx_to_word)


def prepare_corpus(texts: Iterable[str], *, min_count: int = 5, window: int = 2,
                   remove_stopwords: bool = True, stem: bool = True) -> Word2VecData:
    """Run the whole pipeline over ``texts`` (an iterable of raw strings)."""
    if isinstance(texts, str):
        raise TypeError("prepare_corpus expects a list of texts, got one str")
    tokens = filter_rare([tokenize(t, remove_stopwords=remove_stopwords, stem=stem) for t in texts], min_count)
    word_to_idx, idx_to_word, counts = build_vocab(tokens)
    if not idx_to_word:
        raise ValueError(f"no token occurs at least min_count={min_count} times; lower min_count or add text")
    centres, contexts = skipgram_pairs([[word_to_idx[t] for t in toks] for toks in tokens], window)
    return Word2VecData(tokens, word_to_idx, idx_to_word, counts, centres, contexts)
