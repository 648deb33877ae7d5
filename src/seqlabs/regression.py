"""A minimal training loop for sequence regression (MSE, Adam), as in Tam's airline tutorial.

Used by lab 2 for the airline forecast (batch-first windows, ``batch_dim=0``)
and the adding problem (time-major sequences, ``batch_dim=1``)::

    losses = fit_regression(model, x, y, epochs=100, batch_size=8, lr=3e-3, seed=0)

The model maps a batch of ``x`` to predictions of the shape of the batch of
``y``; ``y`` is always batch-first (``[N, ...]``). Mini-batches are drawn in an
order fixed by ``seed`` (its own ``torch.Generator``), the learning rate falls
linearly from ``lr`` to ``lr * lr_end_factor`` over the epochs, and the
gradient's global norm is clipped to ``clip``. ``model.train()`` is set for
training and ``model.eval()`` when it returns.
"""
from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["fit_regression"]


def fit_regression(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, epochs: int, batch_size: int,
                   lr: float, seed: int = 0, batch_dim: int = 0, lr_end_factor: float = 1.0,
                   clip: float | None = None) -> list[float]:
    """Train ``model`` on ``(x, y)`` with MSE and Adam; return the mean training loss of each epoch.

    x: the inputs, with the samples along ``batch_dim`` (0: ``[N, ...]``, 1: time-major ``[T, N, ...]``).
    y: the targets ``[N, ...]``, matching ``model(x_batch)``'s shape.
    """
    n = x.shape[batch_dim]
    if y.shape[0] != n:
        raise ValueError(f"x has {n} samples along dim {batch_dim} but y has {y.shape[0]}; "
                         "pass batch_dim=1 for time-major inputs [T, N, ...]")
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be >= 1, got {epochs} and {batch_size}")
    generator = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LinearLR(optimiser, start_factor=1.0, end_factor=lr_end_factor,
                                                 total_iters=max(epochs - 1, 1))
    criterion = nn.MSELoss()
    losses = []
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n, generator=generator)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            prediction = model(x.index_select(batch_dim, idx))
            loss = criterion(prediction, y[idx])
            optimiser.zero_grad()
            loss.backward()
            if clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimiser.step()
            total += loss.item() * len(idx)
        losses.append(total / n)
        if not math.isfinite(losses[-1]):
            raise FloatingPointError(f"the training loss is {losses[-1]} in epoch {len(losses)}: training "
                                     "diverged. Lower the learning rate or clip the gradients")
        schedule.step()
    model.eval()
    return losses
