"""gensim's skip-gram, trained on exactly the lab's tokens and settings, as the reference to compare with.

    ref = train_gensim(data.tokens, data.idx_to_word, dim=100, window=5, negatives=5, epochs=5, workers=2)
    ref.vectors        # [V, E] rows in the lab's vocabulary order
    ref.words_per_second

Same corpus (the pipeline's tokens, rare tokens already removed), same
vocabulary (gensim's ``min_count=1`` on them keeps every word; the rows are
reordered to the lab's ids), same window (``shrink_windows=False``: every
context position up to ``window``, as the lab's pairs), dimensions, negatives,
noise exponent 0.75, subsampling ``t``, epochs, and learning-rate schedule
(0.025 falling linearly to 1e-4).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

__all__ = ["GensimVectors", "train_gensim"]


@dataclass
class GensimVectors:
    """gensim's trained vectors in the lab's vocabulary order, and how fast it trained."""
    vectors: torch.Tensor  # [V, E] the word vectors (gensim's wv)
    out_vectors: torch.Tensor  # [V, E] the context vectors (gensim's syn1neg)
    seconds: float         # wall time of gensim's train()
    words: int             # corpus tokens read over all epochs

    @property
    def words_per_second(self) -> float:
        """Tokens of the corpus read per second of training."""
        return self.words / self.seconds if self.seconds > 0 else float("nan")


def train_gensim(token_lists: Sequence[Sequence[str]], idx_to_word: Sequence[str], *, dim: int = 100,
                 window: int = 5, negatives: int = 5, subsample: float = 1e-3, epochs: int = 5,
                 lr: float = 0.025, min_lr: float = 1e-4, workers: int = 2, seed: int = 0) -> GensimVectors:
    """Train ``gensim.models.Word2Vec`` (skip-gram, negative sampling) on ``token_lists``."""
    from gensim.models import Word2Vec

    sentences = [list(t) for t in token_lists if t]
    model = Word2Vec(vector_size=dim, window=window, min_count=1, sg=1, hs=0, negative=negatives,
                     ns_exponent=0.75, sample=subsample, alpha=lr, min_alpha=min_lr, workers=workers,
                     seed=seed, shrink_windows=False)
    model.build_vocab(sentences)
    missing = [w for w in idx_to_word if w not in model.wv.key_to_index]
    if missing:
        raise ValueError(f"{len(missing)} vocabulary words never occur in token_lists (e.g. {missing[:3]}); "
                         "pass the tokens the vocabulary was built from")
    words = sum(len(s) for s in sentences)
    start = time.perf_counter()
    model.train(sentences, total_examples=len(sentences), total_words=words, epochs=epochs)
    seconds = time.perf_counter() - start
    rows = [model.wv.key_to_index[w] for w in idx_to_word]
    vectors = torch.from_numpy(model.wv.vectors[rows].astype(np.float32))  # [V, E]
    out_vectors = torch.from_numpy(model.syn1neg[rows].astype(np.float32))  # [V, E]
    return GensimVectors(vectors, out_vectors, seconds, words * epochs)
