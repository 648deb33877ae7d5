"""The ``a^n b^n EOS`` toy language of the DTU deep-learning RNN lab.

A sample is ``n`` copies of ``a``, ``n`` copies of ``b`` and ``EOS``:
``['a', 'a', 'b', 'b', 'EOS']`` for ``n = 2``. A recurrent network reads
``seq[:-1]`` and predicts the next token ``seq[1:]`` at every step; it can only
predict the ``b``s and the ``EOS`` right if it counts the ``a``s.

Workflow (as in the course)::

    sequences = generate_dataset(100, seed=42)
    word_to_idx, idx_to_word, num_sequences, vocab_size = sequences_to_dicts(sequences)
    train, val, test = create_datasets(sequences)          # 80/10/10, SequenceDataset each
    inputs, targets = train[0]                             # token lists, targets = inputs shifted by one
    x = one_hot_encode_sequence(inputs, word_to_idx, vocab_size)   # (T, V, 1) NumPy, column vectors

Letters: T sequence length, V vocabulary size, B batch.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

EOS = "EOS"
UNK = "UNK"

__all__ = ["EOS", "UNK", "generate_dataset", "sequences_to_dicts", "split_sequences",
           "inputs_targets", "SequenceDataset", "create_datasets", "encode_sequence",
           "one_hot_encode", "one_hot_encode_sequence", "one_hot_tensor"]


def generate_dataset(num_sequences: int = 100, *, min_n: int = 1, max_n: int = 11,
                     seed: int | None = 42) -> list[list[str]]:
    """Return ``num_sequences`` samples ``['a']*n + ['b']*n + ['EOS']``, n uniform in [min_n, max_n].

    Seeded by its own ``numpy.random.default_rng(seed)`` (global state untouched);
    ``seed=None`` draws fresh entropy. Each sample has length ``2n + 1``.
    """
    if num_sequences < 0:
        raise ValueError(f"num_sequences must be >= 0, got {num_sequences}")
    if not 1 <= min_n <= max_n:
        raise ValueError(f"need 1 <= min_n <= max_n, got min_n={min_n}, max_n={max_n}")
    rng = np.random.default_rng(seed)
    ns = rng.integers(min_n, max_n + 1, size=num_sequences)
    return [["a"] * int(n) + ["b"] * int(n) + [EOS] for n in ns]


def sequences_to_dicts(sequences: Sequence[Sequence[str]]):
    """Build the word/index dictionaries; return ``(word_to_idx, idx_to_word, num_sequences, vocab_size)``.

    Words are numbered by decreasing frequency (ties: first appearance), then
    ``UNK`` last. ``word_to_idx`` is a ``defaultdict`` giving ``UNK``'s index for
    unknown words, ``idx_to_word`` one giving ``'UNK'`` for unknown indices.
    For a^n b^n data: ``a -> 0, b -> 1, EOS -> 2, UNK -> 3``, ``vocab_size == 4``.
    """
    counts = Counter(w for seq in sequences for w in seq)  # insertion order = first appearance
    words = [w for w, _ in sorted(counts.items(), key=lambda kv: -kv[1])]  # stable sort keeps ties in order
    words = [w for w in words if w != UNK] + [UNK]
    unk_idx = len(words) - 1
    word_to_idx = defaultdict(lambda: unk_idx, {w: i for i, w in enumerate(words)})
    idx_to_word = defaultdict(lambda: UNK, {i: w for i, w in enumerate(words)})
    return word_to_idx, idx_to_word, len(sequences), len(words)


def split_sequences(sequences: Sequence, p_train: float = 0.8, p_val: float = 0.1,
                    p_test: float = 0.1) -> tuple[list, list, list]:
    """Split in order into train/val/test lists of ``int(N*p)`` items each (as in the course).

    Train is the first ``int(N*p_train)`` items, val the next ``int(N*p_val)``,
    test the last ``int(N*p_test)``; the three never overlap.
    """
    if min(p_train, p_val, p_test) < 0 or p_train + p_val + p_test > 1 + 1e-9:
        raise ValueError(f"split fractions must be >= 0 and sum to at most 1, got "
                         f"{p_train}, {p_val}, {p_test}")
    n = len(sequences)
    n_train, n_val, n_test = int(n * p_train), int(n * p_val), int(n * p_test)
    seqs = list(sequences)
    return seqs[:n_train], seqs[n_train:n_train + n_val], seqs[n - n_test:] if n_test else []


def inputs_targets(sequences: Sequence[Sequence[str]]) -> tuple[list, list]:
    """Return ``(inputs, targets)`` with ``inputs[i] = seq[:-1]`` and ``targets[i] = seq[1:]``."""
    return [list(s[:-1]) for s in sequences], [list(s[1:]) for s in sequences]


class SequenceDataset(Dataset):
    """``dataset[i] == (inputs[i], targets[i])``, token lists of equal length T_i."""

    def __init__(self, inputs: Sequence, targets: Sequence):
        if len(inputs) != len(targets):
            raise ValueError(f"{len(inputs)} inputs but {len(targets)} targets")
        self.inputs, self.targets = list(inputs), list(targets)

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i):
        return self.inputs[i], self.targets[i]


def create_datasets(sequences: Sequence[Sequence[str]], dataset_class=SequenceDataset,
                    p_train: float = 0.8, p_val: float = 0.1, p_test: float = 0.1):
    """Split 80/10/10 (``split_sequences``) and wrap each part's ``inputs_targets`` in ``dataset_class``."""
    return tuple(dataset_class(*inputs_targets(part))
                 for part in split_sequences(sequences, p_train, p_val, p_test))


def encode_sequence(sequence: Sequence[str], word_to_idx) -> list[int]:
    """Token list -> index list (unknown words map to ``UNK`` via the defaultdict)."""
    return [word_to_idx[w] for w in sequence]


def one_hot_encode(idx: int, vocab_size: int) -> np.ndarray:
    """One-hot vector of shape ``(vocab_size,)`` with a 1.0 at ``idx``."""
    if not 0 <= idx < vocab_size:
        raise IndexError(f"index {idx} out of range for vocab_size {vocab_size}")
    one_hot = np.zeros(vocab_size)
    one_hot[idx] = 1.0
    return one_hot


def one_hot_encode_sequence(sequence: Sequence[str], word_to_idx, vocab_size: int) -> np.ndarray:
    """One-hot encode a token list as NumPy column vectors: shape ``(T, V, 1)`` (course layout)."""
    idx = encode_sequence(sequence, word_to_idx)
    out = np.zeros((len(idx), vocab_size, 1))  # (T, V, 1)
    for t, i in enumerate(idx):
        out[t] = one_hot_encode(i, vocab_size)[:, None]
    return out


def one_hot_tensor(indices, vocab_size: int) -> torch.Tensor:
    """Float one-hot of an index tensor: ``[T]`` -> ``[T, V]``, ``[T, B]`` -> ``[T, B, V]``."""
    indices = torch.as_tensor(indices, dtype=torch.long)
    if indices.numel() and (indices.min() < 0 or indices.max() >= vocab_size):
        raise IndexError(f"indices must lie in [0, {vocab_size}), got range "
                         f"[{int(indices.min())}, {int(indices.max())}]")
    return torch.nn.functional.one_hot(indices, vocab_size).float()
