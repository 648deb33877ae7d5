"""Lab 2's catalogue of broken-but-running models: realistic one-line bugs, each with the blocks it must fail.

Shared by ``test_lab2_broken_models.py`` and ``benchmarks/bench_broken_models.py``-style runs. Each
entry is ``(bugs, fails, may_fail)``: ``fails`` lists every block of the part the bug must cost.
"""
from __future__ import annotations

from labrun import Bug, expected_blocks

LAB = "lab2_pytorch_lstm"
AIR_BLOCKS = {"windows", "air_model", "air_train_rmse", "air_test_rmse", "air_vs_persistence"}
AIR_END = "air_trained_tests"
PART_1_TRAINING = ("lm_train", "cell18", "lm_trained_tests")  # part 1's training, its plot and checks: part 2 does not use them

BROKEN = {
    # the targets are the windows themselves, not shifted by a month: the model learns to repeat its last input
    # (last month's change), worse than the persistence forecast the text says it must beat (ratio 1.15)
    "air_targets_not_shifted": (
        (Bug("windows_code", "Y = torch.stack([series[i + 1:i + lookback + 1] for i in range(N)]).unsqueeze(-1)",
             "Y = torch.stack([series[i:i + lookback] for i in range(N)]).unsqueeze(-1)"),),
        {"windows", "air_train_rmse", "air_vs_persistence"}, {"air_test_rmse"}),
    # the LSTM's output is thrown away: the forecast is one constant change a month (the linear layer's bias),
    # about the persistence forecast, which is under the course's test bound of 70
    "air_ignores_the_lstm": (
        (Bug("air_model_code", "out = self.linear(hs)  # [N, L, 1]",
             "out = self.linear(torch.zeros_like(hs))  # [N, L, 1]"),),
        {"air_model", "air_train_rmse", "air_vs_persistence"}, {"air_test_rmse"}),
}


def expected(name: str) -> tuple[set[str], set[str]]:
    """``(fails, may_fail)`` of catalogue entry ``name`` (the same in fast and class: part 2 trains alike)."""
    return expected_blocks(BROKEN[name])
