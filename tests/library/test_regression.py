"""seqlabs.regression.fit_regression: does it fit, in order, for both layouts, and refuse bad input?"""
from __future__ import annotations

import pytest
import torch
from torch import nn

from seqlabs.regression import fit_regression


def test_fits_a_linear_map_and_returns_one_loss_per_epoch():
    """Does a linear model learn y = 2x - 1 (batch-first) with falling losses, ending in eval mode?"""
    torch.manual_seed(0)
    x = torch.rand(64, 1)
    y = 2 * x - 1
    model = nn.Linear(1, 1)
    losses = fit_regression(model, x, y, epochs=200, batch_size=16, lr=5e-2, seed=0)
    assert len(losses) == 200 and losses[-1] < 1e-4 < losses[0]
    assert not model.training
    torch.testing.assert_close(model.weight.detach(), torch.tensor([[2.0]]), atol=1e-2, rtol=0)


def test_time_major_batches_are_taken_along_dim_1_and_the_order_is_seeded():
    """With batch_dim=1, are samples the columns of x, and do two runs with one seed give the same model?"""
    class LastStep(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(2, 1)

        def forward(self, x):  # [T, B, 2] -> [B]
            return self.linear(x[-1]).squeeze(-1)

    x = torch.rand(5, 40, 2)
    y = x[-1].sum(-1)
    runs = []
    for _ in range(2):
        torch.manual_seed(1)
        model = LastStep()
        fit_regression(model, x, y, epochs=3, batch_size=8, lr=1e-2, seed=7, batch_dim=1, clip=1.0)
        runs.append(model.linear.weight.detach().clone())
    torch.testing.assert_close(runs[0], runs[1], rtol=0, atol=0)


def test_refuses_mismatched_samples_and_says_how():
    with pytest.raises(ValueError, match="batch_dim=1"):
        fit_regression(nn.Linear(2, 1), torch.rand(5, 40, 2), torch.rand(40), epochs=1, batch_size=8, lr=1e-2)


def test_a_diverging_run_stops_with_a_clear_error():
    model = nn.Linear(1, 1)
    x = torch.full((8, 1), 1e20)
    with pytest.raises(FloatingPointError, match="diverged"):
        fit_regression(model, x, x * 1e20, epochs=2, batch_size=8, lr=1.0)
