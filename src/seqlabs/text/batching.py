"""Numericalising, a dataset of sentence pairs and length-bucketed padded batches.

The torchtext ``BucketIterator`` workflow on ``torch.utils.data``::

    src_vocab, trg_vocab = Vocab.build(src_tokens, min_freq=2), Vocab.build(trg_tokens, min_freq=2)
    data = PairDataset(src_tokens, trg_tokens, src_vocab, trg_vocab, reverse_source=False)
    loader = make_loader(data, batch_size=128, shuffle=True, seed=0)
    for batch in loader:
        batch.src          # [S, B] LongTensor, <sos> ... <eos> then <pad>   (time-major)
        batch.trg          # [T, B] LongTensor
        batch.src_lengths  # [B] LongTensor (CPU, for pack_padded_sequence)
        batch.src_mask     # [S, B] bool, True at real tokens, False at <pad>

Letters: B batch, S source length, T target length (both including <sos>/<eos>).
``batch_first=True`` gives ``[B, S]`` / ``[B, T]`` instead, and says so in
``batch.batch_first``.

Bucketing (``BucketBatchSampler``): shuffle the indices, cut them into large
pools (``pool_factor`` batches each), sort each pool by length and cut it into
batches, then shuffle the order of the batches. Sentences of similar length
share a batch, so little padding is computed, while every epoch still sees new
batches in a new order.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Iterator, Sequence

import numpy as np
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset, Sampler

from seqlabs.text.vocab import Vocab

__all__ = ["numericalize", "PairDataset", "BucketBatchSampler", "RandomBatchSampler",
           "pad_batch", "Batch", "PairCollator", "make_loader", "pair_sort_keys", "padded_lengths"]


def numericalize(tokens: Sequence[str], vocab: Vocab, *, reverse: bool = False,
                 add_sos: bool = True, add_eos: bool = True) -> list[int]:
    """Tokens (length L) -> ids (length L + add_sos + add_eos): ``[<sos>] + ids + [<eos>]``.

    ``reverse=True`` reverses the tokens *before* adding ``<sos>``/``<eos>``
    (the source reversal of Sutskever et al., 2014). An empty token list is an
    error: a pair with an empty sentence carries nothing to learn from.
    """
    if isinstance(tokens, str):
        raise TypeError("numericalize expects a list of tokens, got a str; tokenise it first")
    if len(tokens) == 0:
        raise ValueError("cannot numericalise an empty sentence; drop empty lines before building the dataset")
    ids = vocab.encode(tokens)
    if reverse:
        ids = ids[::-1]
    return ([vocab.sos_index] if add_sos else []) + ids + ([vocab.eos_index] if add_eos else [])


class PairDataset(Dataset):
    """Sentence pairs as id tensors: ``dataset[i] == (src_ids [S_i], trg_ids [T_i])`` LongTensors.

    ``src_tokens``/``trg_tokens`` are aligned lists of token lists. Lengths
    (with ``<sos>``/``<eos>``) are in ``src_lengths``/``trg_lengths`` (NumPy int arrays).
    """

    def __init__(self, src_tokens: Sequence[Sequence[str]], trg_tokens: Sequence[Sequence[str]],
                 src_vocab: Vocab, trg_vocab: Vocab, *, reverse_source: bool = False,
                 add_sos: bool = True, add_eos: bool = True):
        if len(src_tokens) != len(trg_tokens):
            raise ValueError(f"{len(src_tokens)} source sentences but {len(trg_tokens)} target sentences; "
                             "the two sides must be aligned line by line")
        self.src_vocab, self.trg_vocab = src_vocab, trg_vocab
        self.src, self.trg = [], []
        for i, (s, t) in enumerate(zip(src_tokens, trg_tokens)):
            try:
                self.src.append(torch.tensor(numericalize(s, src_vocab, reverse=reverse_source,
                                                          add_sos=add_sos, add_eos=add_eos)))
                self.trg.append(torch.tensor(numericalize(t, trg_vocab, add_sos=add_sos, add_eos=add_eos)))
            except ValueError as err:
                raise ValueError(f"pair {i}: {err}") from None
        self.src_lengths = np.array([len(x) for x in self.src], dtype=np.int64)
        self.trg_lengths = np.array([len(x) for x in self.trg], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.src)

    def __getitem__(self, i):
        return self.src[i], self.trg[i]


def _sort_order(keys: np.ndarray) -> np.ndarray:
    """Stable argsort by ``keys`` ([N] or [N, K], lexicographic over K)."""
    if keys.ndim == 1:
        return np.argsort(keys, kind="stable")
    return np.lexsort(keys.T[::-1])  # lexsort takes the primary key last


class BucketBatchSampler(Sampler[list[int]]):
    """Batches of indices grouped by length; yields ``len(self)`` lists of at most ``batch_size`` ids.

    ``lengths``: ``[N]`` ints or ``[N, K]`` (sorted lexicographically, e.g.
    ``(src_len, trg_len)``). ``shuffle=True``: pools of ``batch_size * pool_factor``
    random indices are sorted by length and batched, and the batches shuffled;
    a new order every epoch, reproducible from ``seed``. ``shuffle=False``: the
    whole data set sorted by length, batches in order (for evaluation).
    ``drop_last=True`` drops the short batch of every pool, so an epoch may have
    a few batches fewer than ``len(self)`` (an upper bound in that case).
    """

    def __init__(self, lengths, batch_size: int, *, shuffle: bool = True, pool_factor: int = 100,
                 drop_last: bool = False, seed: int | None = None):
        if batch_size < 1 or pool_factor < 1:
            raise ValueError(f"batch_size and pool_factor must be >= 1, got {batch_size}, {pool_factor}")
        self.keys = np.asarray(lengths)
        if self.keys.ndim not in (1, 2):
            raise ValueError(f"lengths must be [N] or [N, K], got shape {self.keys.shape}")
        self.batch_size, self.shuffle, self.pool_factor, self.drop_last = batch_size, shuffle, pool_factor, drop_last
        self.seed = seed if seed is not None else int(torch.randint(0, 2**31 - 1, ()).item())
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Fix the epoch whose order the next ``__iter__`` gives (it otherwise counts up by itself)."""
        self.epoch = epoch

    def __len__(self) -> int:
        n = len(self.keys)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _batches(self, order: np.ndarray) -> list[np.ndarray]:
        batches = [order[i:i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        if self.drop_last and batches and len(batches[-1]) < self.batch_size:
            batches.pop()
        return batches

    def __iter__(self) -> Iterator[list[int]]:
        n = len(self.keys)
        if not self.shuffle:
            yield from (b.tolist() for b in self._batches(_sort_order(self.keys)))
            return
        rng = np.random.default_rng([self.seed, self.epoch])
        self.epoch += 1
        perm = rng.permutation(n)
        pool = self.batch_size * self.pool_factor
        batches = []
        for start in range(0, n, pool):
            chunk = perm[start:start + pool]
            chunk = chunk[_sort_order(self.keys[chunk])]
            batches += [chunk[i:i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]
        if self.drop_last:  # drop short batches (at most one per pool) so every batch is full
            batches = [b for b in batches if len(b) == self.batch_size]
        for j in rng.permutation(len(batches)):
            yield batches[j].tolist()


class RandomBatchSampler(BucketBatchSampler):
    """The baseline: random batches with no length grouping (same interface as ``BucketBatchSampler``)."""

    def __iter__(self) -> Iterator[list[int]]:
        rng = np.random.default_rng([self.seed, self.epoch])
        self.epoch += 1
        order = rng.permutation(len(self.keys)) if self.shuffle else np.arange(len(self.keys))
        yield from (b.tolist() for b in self._batches(order))


def pad_batch(seqs: Sequence[torch.Tensor], pad_index: int, *, batch_first: bool = False):
    """Pad 1-D LongTensors into ``[L, B]`` (or ``[B, L]``); return ``(padded, lengths [B], mask)``.

    ``L`` is the longest sequence; ``mask`` has the padded layout and is True at real tokens.
    """
    if len(seqs) == 0:
        raise ValueError("cannot pad an empty batch")
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)  # [B]
    padded = pad_sequence(list(seqs), batch_first=batch_first, padding_value=pad_index)  # [L, B] or [B, L]
    steps = torch.arange(padded.shape[1 if batch_first else 0])  # [L]
    mask = steps[None, :] < lengths[:, None]  # [B, L]
    return padded, lengths, (mask if batch_first else mask.T)


@dataclass
class Batch:
    """One padded batch. Time-major ``[S, B]``/``[T, B]`` unless ``batch_first``; masks True at real tokens."""
    src: torch.Tensor          # [S, B] source ids
    trg: torch.Tensor          # [T, B] target ids
    src_lengths: torch.Tensor  # [B] source lengths incl. <sos>/<eos>
    trg_lengths: torch.Tensor  # [B]
    src_mask: torch.Tensor     # [S, B] bool
    trg_mask: torch.Tensor     # [T, B] bool
    indices: torch.Tensor      # [B] positions of the pairs in the dataset
    batch_first: bool = False

    def to(self, device) -> "Batch":
        """Move the tensors to ``device``; lengths stay on the CPU (``pack_padded_sequence`` wants them there)."""
        moved = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in ("src", "trg", "src_mask", "trg_mask"):
            moved[name] = moved[name].to(device)
        return Batch(**moved)

    def __len__(self) -> int:
        return len(self.src_lengths)


class PairCollator:
    """``collate_fn`` turning ``[(src_ids, trg_ids), ...]`` into a ``Batch`` (picklable, for workers).

    ``sort_within_batch=True`` orders the pairs by source length, longest first,
    as ``pack_padded_sequence(enforce_sorted=True)`` requires.
    Items may also be ``(index, (src_ids, trg_ids))``, as yielded by ``make_loader``.
    """

    def __init__(self, src_pad_index: int, trg_pad_index: int, *, batch_first: bool = False,
                 sort_within_batch: bool = False):
        self.src_pad, self.trg_pad = src_pad_index, trg_pad_index
        self.batch_first, self.sort_within_batch = batch_first, sort_within_batch

    def __call__(self, items) -> Batch:
        if items and isinstance(items[0][0], int):
            indices, pairs = [i for i, _ in items], [p for _, p in items]
        else:
            indices, pairs = [-1] * len(items), list(items)
        if self.sort_within_batch:
            order = sorted(range(len(pairs)), key=lambda k: -len(pairs[k][0]))
            pairs, indices = [pairs[k] for k in order], [indices[k] for k in order]
        src, src_len, src_mask = pad_batch([p[0] for p in pairs], self.src_pad, batch_first=self.batch_first)
        trg, trg_len, trg_mask = pad_batch([p[1] for p in pairs], self.trg_pad, batch_first=self.batch_first)
        return Batch(src, trg, src_len, trg_len, src_mask, trg_mask,
                     torch.tensor(indices, dtype=torch.long), self.batch_first)


class _Indexed(Dataset):
    """``dataset[i] -> (i, dataset[i])`` so a batch knows where its pairs came from."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, i):
        return i, self.dataset[i]


def pair_sort_keys(src_lengths, trg_lengths) -> np.ndarray:
    """Bucketing keys ``[N, 2]``: the longer side, then the total length.

    Sorting on the longer side keeps *both* the source and the target padding
    low (sorting on the source alone leaves the targets ragged).
    """
    s, t = np.asarray(src_lengths), np.asarray(trg_lengths)
    return np.stack([np.maximum(s, t), s + t], axis=1)


def make_loader(dataset: PairDataset, batch_size: int, *, shuffle: bool = True, bucket: bool = True,
                batch_first: bool = False, sort_within_batch: bool = False, pool_factor: int = 100,
                drop_last: bool = False, seed: int | None = None, num_workers: int = 0) -> DataLoader:
    """A ``DataLoader`` of ``Batch``es over a ``PairDataset`` (the ``BucketIterator`` replacement).

    ``bucket=True`` groups pairs of similar lengths (``BucketBatchSampler`` over
    ``pair_sort_keys``); ``bucket=False`` gives random batches.
    ``shuffle=False`` is for evaluation: deterministic, sorted by length when bucketing.
    """
    keys = pair_sort_keys(dataset.src_lengths, dataset.trg_lengths)  # [N, 2]
    cls = BucketBatchSampler if bucket else RandomBatchSampler
    sampler = cls(keys, batch_size, shuffle=shuffle, pool_factor=pool_factor, drop_last=drop_last, seed=seed)
    collate = PairCollator(dataset.src_vocab.pad_index, dataset.trg_vocab.pad_index,
                           batch_first=batch_first, sort_within_batch=sort_within_batch)
    return DataLoader(_Indexed(dataset), batch_sampler=sampler, collate_fn=collate, num_workers=num_workers)


def padded_lengths(batches: Sequence[Sequence[int]], lengths) -> np.ndarray:
    """Padded length (longest member) of each batch of indices: ``[num_batches]`` ints."""
    lengths = np.asarray(lengths)
    return np.array([lengths[list(b)].max() for b in batches], dtype=np.int64)
