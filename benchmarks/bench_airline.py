"""Lab 2's airline forecast over seeds: Tam's counts against the monthly changes the lab uses, side by side.

    python benchmarks/bench_airline.py                              # seeds 1-20 and 42, look-back 12, 100 epochs
    python benchmarks/bench_airline.py --seeds 1 2 3 --lookback 4 --epochs 300

For each seed and each input (``counts``: Tam's, the passenger counts scaled to
[0, 1] with the training part's minimum and maximum; ``changes``: the lab's,
``seqlabs.airline.log_changes`` scaled the same way, a predicted change ``d``
turned into ``previous month * exp(d)``) it trains Tam's ``nn.LSTM(1, 50)`` +
linear head as lab 2 trains it (``fit_regression``, batch 8, Adam 3e-3 falling to
a tenth) twice: with the windows' targets one month on (the reference) and with
targets not shifted (``tests/labs/lab2_broken.py``: it learns to repeat its
last input). It prints the last-step RMSE on the training and test months (in
thousands of passengers) and the test RMSE over the persistence forecast's, the
ratio lab 2's ``air_vs_persistence`` bounds. The values are deterministic for a
machine; another CPU may draw other ones.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn

from seqlabs.airline import MinMaxScaler, forecasts_from_changes, load_airline, log_changes, make_windows, split_series
from seqlabs.regression import fit_regression
from seqlabs.seeding import seed_everything
from seqlabs.settings.lab2 import THRESHOLDS, Lab2Settings


class TamModel(nn.Module):
    """Tam's forecaster: [N, L, 1] -> nn.LSTM(1, H) -> linear -> [N, L, 1] (the lab's AirModel)."""

    def __init__(self, hidden_size: int):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden_size, batch_first=True)
        self.linear = nn.Linear(hidden_size, 1)

    def forward(self, x):
        hs, _ = self.lstm(x)  # [N, L, H]
        return self.linear(hs)  # [N, L, 1]


def windows(series: np.ndarray, lookback: int, shifted: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """X [N, L, 1] and its targets: the same windows one step on (shifted) or the windows themselves."""
    s = torch.as_tensor(series, dtype=torch.float32)
    n = len(s) - lookback
    X = torch.stack([s[i:i + lookback] for i in range(n)]).unsqueeze(-1)
    off = 1 if shifted else 0
    return X, torch.stack([s[i + off:i + lookback + off] for i in range(n)]).unsqueeze(-1)


def rmse(a, b) -> float:
    return float(np.sqrt(np.mean((np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)) ** 2)))


def last_step(model, scaled: np.ndarray, lookback: int) -> np.ndarray:
    """The model's last-step output of every full window of ``scaled`` (still scaled), [N]."""
    w, _ = make_windows(scaled, lookback)
    with torch.no_grad():
        return model.eval()(torch.as_tensor(w, dtype=torch.float32).unsqueeze(-1))[:, -1, 0].double().numpy()


def train(series: np.ndarray, seed: int, lookback: int, epochs: int, shifted: bool, settings) -> nn.Module:
    X, Y = windows(series, lookback, shifted)
    seed_everything(seed)
    model = TamModel(settings.air_hidden)
    fit_regression(model, X, Y, epochs=epochs, batch_size=settings.air_batch_size, lr=settings.air_lr,
                   lr_end_factor=0.1, seed=seed)
    return model


def run(inputs: str, seed: int, lookback: int, epochs: int, shifted: bool, settings) -> tuple[float, float, float]:
    """(train RMSE, test RMSE, test RMSE / persistence's) in thousands, on the last step of each window."""
    _, passengers = load_airline()
    train_part, test_part = split_series(passengers, 0.67)
    if inputs == "counts":
        scaler = MinMaxScaler().fit(train_part)
        model = train(scaler.transform(train_part), seed, lookback, epochs, shifted, settings)
        parts = [(part, scaler.inverse_transform(last_step(model, scaler.transform(part), lookback)))
                 for part in (train_part, test_part)]
        scored = [(forecast, part[lookback:], part[lookback - 1:-1]) for part, forecast in parts]
    else:
        test_span = passengers[len(train_part) - 1:]  # the last training month, then the test months
        scaler = MinMaxScaler().fit(log_changes(train_part))
        model = train(scaler.transform(log_changes(train_part)), seed, lookback, epochs, shifted, settings)
        scored = []
        for part in (train_part, test_span):
            change = scaler.inverse_transform(last_step(model, scaler.transform(log_changes(part)), lookback))
            scored.append(forecasts_from_changes(part, change, lookback))
    (f1, a1, _), (f2, a2, p2) = scored
    return rmse(f1, a1), rmse(f2, a2), rmse(f2, a2) / rmse(p2, a2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[*range(1, 21), 42])
    parser.add_argument("--lookback", type=int, default=Lab2Settings.lookback)
    parser.add_argument("--epochs", type=int, default=Lab2Settings.air_epochs)
    args = parser.parse_args()
    torch.set_num_threads(1)
    settings = Lab2Settings()
    bound = THRESHOLDS["air_test_over_persistence"]["class"]
    print(f"look-back {args.lookback}, {args.epochs} epochs, seeds {args.seeds}; "
          f"air_vs_persistence needs a ratio below {bound}")
    for inputs in ("counts", "changes"):
        for shifted, label in ((True, "reference"), (False, "targets not shifted")):
            start = time.perf_counter()
            rows = [run(inputs, s, args.lookback, args.epochs, shifted, settings) for s in args.seeds]
            ratios = [r for *_, r in rows]
            print(f"\n{inputs:7} {label} ({time.perf_counter() - start:.0f} s)")
            print("  train RMSE", " ".join(f"{a:.1f}" for a, _, _ in rows))
            print("  test RMSE ", " ".join(f"{b:.1f}" for _, b, _ in rows))
            print("  ratio     ", " ".join(f"{r:.2f}" for r in ratios),
                  f"| {min(ratios):.2f}-{max(ratios):.2f}, {sum(r >= bound for r in ratios)} of {len(rows)} at or above {bound}")


if __name__ == "__main__":
    main()
