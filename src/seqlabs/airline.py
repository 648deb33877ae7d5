"""Monthly international airline passengers, 1949-1960 (Box & Jenkins, series G).

144 monthly totals in thousands (``data/airline_passengers.csv``, shipped with
the package): first 112 (January 1949), last 432 (December 1960), peak 622
(July 1960), sum 40363. The classic look-back forecasting exercise::

    months, series = load_airline()                    # list[str] (144), float32 [144]
    train, test = split_series(series, 0.67)           # in time order, no shuffling
    scaler = MinMaxScaler().fit(train)
    X, y = make_windows(scaler.transform(train), look_back=3)   # X [N, 3], y [N], N = len - 3
    x_t, y_t = windows_to_tensors(X, y)                # x [3, N, 1] time-major, y [N, 1]

Lab 2 forecasts the monthly change rather than the count: ``log_changes(train)``
(``[95]``) is what it windows and scales, and a predicted change ``d`` into a
month becomes the forecast ``previous month * exp(d)``. The counts keep growing,
so the test months lie above every training month and an LSTM fed the counts
extrapolates; the changes repeat with the season in both parts
(``benchmarks/bench_airline.py``).
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import torch

# Shipped inside the package (package-data), so it needs nothing outside it.
DATA_FILE = Path(__file__).resolve().parent / "data" / "airline_passengers.csv"

__all__ = ["load_airline", "split_series", "log_changes", "forecasts_from_changes", "make_windows",
           "windows_to_tensors", "MinMaxScaler"]


def load_airline() -> tuple[list[str], np.ndarray]:
    """``(months, passengers)``: ``"1949-01"``... and a float32 array of shape ``[144]`` (thousands)."""
    with DATA_FILE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["Month"] for r in rows], np.array([float(r["Passengers"]) for r in rows], dtype=np.float32)


def split_series(series, train_fraction: float = 0.67) -> tuple[np.ndarray, np.ndarray]:
    """In-order split: the first ``int(len * train_fraction)`` values, then the rest."""
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction}")
    series = np.asarray(series)
    cut = int(len(series) * train_fraction)
    return series[:cut], series[cut:]


def log_changes(series) -> np.ndarray:
    """The change into each month from the one before, on a log scale: ``log(series[t + 1] / series[t])``.

    Shape ``[len - 1]``, float32; +0.1 is a rise of about 10 %. Refuses values that are not positive.
    """
    series = np.asarray(series, dtype=np.float64)
    if series.ndim != 1 or len(series) < 2:
        raise ValueError(f"log_changes needs a 1-D series of at least 2 values, got shape {series.shape}")
    if not (series > 0).all():
        raise ValueError("log_changes needs positive values (a count of passengers); got zero or less")
    return np.diff(np.log(series)).astype(np.float32)


def forecasts_from_changes(part, changes, look_back: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(forecast, actual, persistence)``, float64 ``[N]``: what predicted log changes forecast for ``part``.

    ``part``: passengers of consecutive months ``[M]``; ``changes[i]``: the change predicted after the
    ``i``-th window of ``look_back`` of its changes (``log_changes(part)``), that is into month
    ``i + look_back + 1``, so ``N = M - 1 - look_back``. The forecast is the month before times
    ``exp(change)``; persistence repeats the month before; actual is the month itself.
    """
    part = np.asarray(part, dtype=np.float64)
    changes = np.asarray(changes, dtype=np.float64)
    if part.ndim != 1 or changes.shape != (len(part) - 1 - look_back,):
        raise ValueError(f"expected {len(part) - 1 - look_back} changes (one per window of {look_back} changes "
                         f"of {len(part)} months), got shape {changes.shape}")
    before = part[look_back:-1]  # [N] the month each forecast starts from
    return before * np.exp(changes), part[look_back + 1:], before


def make_windows(series, look_back: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Sliding windows: ``X[i] = series[i : i + look_back]``, ``y[i] = series[i + look_back]``.

    Shapes ``X [N, look_back]``, ``y [N]`` with ``N = len(series) - look_back``.
    """
    series = np.asarray(series)
    if series.ndim != 1:
        raise ValueError(f"series must be 1-D, got shape {series.shape}")
    if not 1 <= look_back < len(series):
        raise ValueError(f"look_back must be in [1, {len(series) - 1}] for a series of {len(series)}, "
                         f"got {look_back}")
    X = np.lib.stride_tricks.sliding_window_view(series[:-1], look_back).copy()  # [N, look_back]
    return X, series[look_back:].copy()


def windows_to_tensors(X, y, *, batch_first: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """float32 tensors for an RNN: x ``[look_back, N, 1]`` (``[N, look_back, 1]`` if ``batch_first``), y ``[N, 1]``."""
    x = torch.as_tensor(np.asarray(X), dtype=torch.float32).unsqueeze(-1)  # [N, L, 1]
    if not batch_first:
        x = x.transpose(0, 1).contiguous()  # [L, N, 1]
    return x, torch.as_tensor(np.asarray(y), dtype=torch.float32).reshape(-1, 1)


class MinMaxScaler:
    """Scale to ``[0, 1]`` with the minimum and maximum of the data it was fitted on (fit on train only)."""

    def fit(self, values) -> "MinMaxScaler":
        """Remember the minimum and maximum of ``values`` (any shape); returns ``self``."""
        values = np.asarray(values, dtype=np.float64)
        self.min_, self.max_ = float(values.min()), float(values.max())
        if self.max_ == self.min_:
            raise ValueError("cannot scale a constant series (max == min)")
        return self

    def _check(self):
        if not hasattr(self, "min_"):
            raise RuntimeError("call fit(train) before transform / inverse_transform")

    def transform(self, values) -> np.ndarray:
        """``(values - min) / (max - min)`` as float32, same shape."""
        self._check()
        return ((np.asarray(values, dtype=np.float64) - self.min_) / (self.max_ - self.min_)).astype(np.float32)

    def inverse_transform(self, values) -> np.ndarray:
        """Undo ``transform`` (float32, same shape)."""
        self._check()
        return (np.asarray(values, dtype=np.float64) * (self.max_ - self.min_) + self.min_).astype(np.float32)
