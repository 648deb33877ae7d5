"""The two-digit adding task: remember one marked digit across a sequence, add the last one.

A sample is ``T`` random digits 0-9 with one position replaced by the marker
``-1``; the label is the digit right *after* the marker plus the *last* digit
(0..18). The marker sits early enough that those two digits are different
positions. A recurrent network must carry the marked digit across the gap::

    x, y = make_adding(1000, seq_len=20, seed=0)   # x [T, N, 1] float, y [N] float
    x[:, 0, 0]  # tensor([3., 7., -1., 4., ..., 5.])  ->  y[0] == 4 + 5

Time-major like the rest of seqlabs (``[T, N, 1]``); ``batch_first=True``
gives ``[N, T, 1]``.
"""
from __future__ import annotations

import numpy as np
import torch

MARKER = -1

__all__ = ["MARKER", "make_adding_numpy", "make_adding", "adding_label"]


def make_adding_numpy(num_samples: int, seq_len: int = 10, *, seed: int | None = 0,
                      marker_window: int | None = None):
    """NumPy version: ``(seqs [N, T] int64, labels [N] int64, marker_pos [N] int64)``.

    The marker position is uniform in ``[0, T - 2)`` (or ``[0, marker_window)``),
    so the marked digit ``seqs[i, p + 1]`` is never the last digit.
    """
    if seq_len < 3:
        raise ValueError(f"seq_len must be >= 3 (marker, marked digit, last digit), got {seq_len}")
    if num_samples < 0:
        raise ValueError(f"num_samples must be >= 0, got {num_samples}")
    window = seq_len - 2 if marker_window is None else marker_window
    if not 1 <= window <= seq_len - 2:
        raise ValueError(f"marker_window must be in [1, {seq_len - 2}] for seq_len {seq_len}, got {window}")
    rng = np.random.default_rng(seed)
    seqs = rng.integers(0, 10, size=(num_samples, seq_len))  # [N, T]
    pos = rng.integers(0, window, size=num_samples)  # [N]
    rows = np.arange(num_samples)
    seqs[rows, pos] = MARKER
    labels = seqs[rows, pos + 1] + seqs[:, -1]  # [N]
    return seqs, labels, pos


def adding_label(seq) -> int:
    """Label of one sequence: the digit after the single ``-1`` plus the last digit."""
    seq = list(np.asarray(seq).tolist())
    if seq.count(MARKER) != 1:
        raise ValueError(f"an adding-task sequence has exactly one marker {MARKER}, got {seq.count(MARKER)}")
    p = seq.index(MARKER)
    if p + 1 >= len(seq) - 1:
        raise ValueError("the marker must come before the second-to-last position")
    return int(seq[p + 1] + seq[-1])


def make_adding(num_samples: int, seq_len: int = 10, *, seed: int | None = 0, batch_first: bool = False,
                marker_window: int | None = None):
    """Tensors ``(x, y)``: x float32 ``[T, N, 1]`` (``[N, T, 1]`` if ``batch_first``), y float32 ``[N]``.

    Labels are floats for a regression loss; ``y.long()`` gives the 19-class version.
    """
    seqs, labels, _ = make_adding_numpy(num_samples, seq_len, seed=seed, marker_window=marker_window)
    x = torch.as_tensor(seqs, dtype=torch.float32).unsqueeze(-1)  # [N, T, 1]
    if not batch_first:
        x = x.transpose(0, 1).contiguous()  # [T, N, 1]
    return x, torch.as_tensor(labels, dtype=torch.float32)
