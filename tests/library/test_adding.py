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
