"""The two-digit adding task: remember one marked digit across a sequence, add the last one.

A sample is ``T`` random digits 0-9 with one position replaced by the marker
``-1``; the label is the digit right *after* the marker plus the *last* digit
(0..18). The marker sits early enough that those two digits are different
positions. A recurrent network must carry the marked digit across the gap::

    x, y = make_adding(1000, seq_len=20, seed=0)   # x [T, N, 1] float, y [N] float
    x[:, 0, 0]  # tensor([3., 7., -1., 4., ..., 5.])  ->  y[0] == 4 + 5

Time-major like the rest of seqlabs (``[T, N, 1]``); ``batch_first=True``
gives ``[N, T, 1]``.

``make_adding_problem`` is the standard formulation of Hochreiter &
Schmidhuber (1997) that RNN benchmarks use: values in ``[0, 1]``, one marker in
each half, the target the sum of the two marked values::

    x, y = make_adding_problem(1000, seq_len=50, seed=0)   # x [50, 1000, 2], y [1000]
"""
from __future__ import annotations

import numpy as np
import torch

MARKER = -1

__all__ = ["MARKER", "make_adding_numpy", "make_adding", "adding_label", "ALWAYS_ONE_MSE", "make_adding_problem"]


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


# ---------------------------------------------------------------- the standard formulation

# Always answering 1 (the mean of the sum of two independent U(0, 1)) scores their variance, 2/12.
ALWAYS_ONE_MSE = 1.0 / 6.0


def make_adding_problem(num_samples: int, seq_len: int = 50, *, seed: int | None = 0,
                        batch_first: bool = False):
    """The adding problem of Hochreiter & Schmidhuber (1997) as it is usually benchmarked.

    Each step carries two features: a value uniform in ``[0, 1]`` and a marker
    (0 or 1). Exactly one marker is 1 in the first half (``t < seq_len // 2``)
    and one in the second half; the target is the sum of the two marked values
    (in ``[0, 2]``). Always answering 1 scores an MSE of ``ALWAYS_ONE_MSE``
    (1/6 = 0.167), the variance of the sum.

    Returns ``(x, y)``: x float32 ``[T, N, 2]`` (``[N, T, 2]`` if
    ``batch_first``), features ``[..., 0]`` values and ``[..., 1]`` markers;
    y float32 ``[N]``. Seeded by its own generator (global state untouched).
    """
    if seq_len < 2:
        raise ValueError(f"seq_len must be >= 2 (one marker in each half), got {seq_len}")
    if num_samples < 1:
        raise ValueError(f"num_samples must be >= 1, got {num_samples}")
    rng = np.random.default_rng(seed)
    values = rng.random((num_samples, seq_len))  # [N, T]
    half = seq_len // 2
    first = rng.integers(0, half, size=num_samples)  # [N]
    second = rng.integers(half, seq_len, size=num_samples)  # [N]
    rows = np.arange(num_samples)
    markers = np.zeros((num_samples, seq_len))
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    y = values[rows, first] + values[rows, second]  # [N]
    x = torch.as_tensor(np.stack([values, markers], axis=-1), dtype=torch.float32)  # [N, T, 2]
    if not batch_first:
        x = x.transpose(0, 1).contiguous()  # [T, N, 2]
    return x, torch.as_tensor(y, dtype=torch.float32)
