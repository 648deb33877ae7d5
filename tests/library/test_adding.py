"""The two-digit adding task."""
import numpy as np
import pytest
import torch

from seqlabs.adding import MARKER, adding_label, make_adding, make_adding_numpy


def test_labels_against_brute_force():
    """Is every label the digit after the marker plus the last digit (checked one by one)?"""
    seqs, labels, pos = make_adding_numpy(500, 12, seed=1)
    assert seqs.shape == (500, 12)
    for s, y, p in zip(seqs, labels, pos):
        assert list(s).count(MARKER) == 1 and s[p] == MARKER
        assert p + 1 < 11
        assert y == s[p + 1] + s[-1] == adding_label(s)
        assert set(s.tolist()) - {MARKER} <= set(range(10))
    assert labels.min() >= 0 and labels.max() <= 18


def test_hand_example():
    """A hand-computed sequence: [3, -1, 4, 1, 5] -> 4 + 5 = 9."""
    assert adding_label([3, MARKER, 4, 1, 5]) == 9
    with pytest.raises(ValueError, match="exactly one marker"):
        adding_label([3, 4, 5])
    with pytest.raises(ValueError, match="before the second-to-last"):
        adding_label([3, 4, MARKER, 5])


def test_tensors_time_major():
    """Are x [T, N, 1] float32 (or [N, T, 1] batch-first) and y [N] the same data, seeded?"""
    x, y = make_adding(64, 7, seed=3)
    xb, yb = make_adding(64, 7, seed=3, batch_first=True)
    assert x.shape == (7, 64, 1) and xb.shape == (64, 7, 1) and y.shape == (64,)
    assert x.dtype == torch.float32 and torch.equal(x.transpose(0, 1), xb) and torch.equal(y, yb)
    seqs, labels, _ = make_adding_numpy(64, 7, seed=3)
    np.testing.assert_array_equal(x[:, :, 0].T.numpy(), seqs)
    np.testing.assert_array_equal(y.numpy(), labels)
    assert not torch.equal(make_adding(64, 7, seed=4)[0], x)


def test_marker_window_and_errors():
    """Does marker_window confine the marker, and are bad sizes refused?"""
    _, _, pos = make_adding_numpy(200, 20, marker_window=3)
    assert pos.max() < 3
    with pytest.raises(ValueError, match="seq_len"):
        make_adding(5, 2)
    with pytest.raises(ValueError, match="marker_window"):
        make_adding(5, 10, marker_window=9)


# ---------------------------------------------------------------- the standard formulation

def test_adding_problem_has_one_marker_per_half_and_the_sum_as_target():
    """Does every sequence carry values in [0, 1], one marker in each half, and the marked values' sum as y?"""
    from seqlabs.adding import make_adding_problem

    x, y = make_adding_problem(500, 11, seed=3)  # odd length: halves [0, 5) and [5, 11)
    assert x.shape == (11, 500, 2) and y.shape == (500,) and x.dtype == y.dtype == torch.float32
    values, markers = x[..., 0], x[..., 1]  # [T, N]
    assert values.min() >= 0 and values.max() <= 1
    assert torch.equal(markers[:5].sum(0), torch.ones(500)) and torch.equal(markers[5:].sum(0), torch.ones(500))
    torch.testing.assert_close(y, (values * markers).sum(0))
    xb, yb = make_adding_problem(500, 11, seed=3, batch_first=True)
    assert torch.equal(xb, x.transpose(0, 1)) and torch.equal(yb, y)
    assert not torch.equal(make_adding_problem(500, 11, seed=4)[1], y)


def test_always_answering_one_scores_one_sixth():
    """Is the MSE of the constant answer 1 close to ALWAYS_ONE_MSE = 1/6 (the variance of U + U)?"""
    from seqlabs.adding import ALWAYS_ONE_MSE, make_adding_problem

    _, y = make_adding_problem(200_000, 4, seed=0)
    assert ALWAYS_ONE_MSE == pytest.approx(1 / 6)
    assert ((y - 1) ** 2).mean().item() == pytest.approx(ALWAYS_ONE_MSE, abs=2e-3)


def test_adding_problem_refuses_bad_sizes():
    from seqlabs.adding import make_adding_problem

    with pytest.raises(ValueError, match="seq_len"):
        make_adding_problem(4, 1)
    with pytest.raises(ValueError, match="num_samples"):
        make_adding_problem(0, 10)
