"""The a^n b^n EOS data of lab 1: generator, dictionaries, splits, one-hot."""
import numpy as np
import pytest
import torch

from seqlabs import sequences as S


def test_generate_shape_and_language():
    """Is every sample a^n b^n EOS with n in [1, 11], and the draw repeatable by seed?"""
    seqs = S.generate_dataset(500, seed=0)
    assert len(seqs) == 500
    ns = set()
    for s in seqs:
        n = (len(s) - 1) // 2
        assert s == ["a"] * n + ["b"] * n + ["EOS"]
        ns.add(n)
    assert ns == set(range(1, 12))  # 500 draws cover all 11 values
    assert S.generate_dataset(50, seed=0) == seqs[:50]
    assert S.generate_dataset(50, seed=1) != seqs[:50]


def test_generate_range_and_errors():
    """Do min_n/max_n bound n, and are bad bounds refused?"""
    assert S.generate_dataset(3, min_n=2, max_n=2) == [["a", "a", "b", "b", "EOS"]] * 3
    with pytest.raises(ValueError):
        S.generate_dataset(3, min_n=0)
    with pytest.raises(ValueError):
        S.generate_dataset(3, min_n=4, max_n=3)


def test_dicts_hand_computed():
    """Are indices a=0, b=1, EOS=2, UNK=3, with UNK as the default both ways?"""
    w2i, i2w, n, v = S.sequences_to_dicts([["a", "b", "EOS"], ["a", "a", "b", "b", "EOS"]])
    assert (n, v) == (2, 4)
    assert dict(w2i) == {"a": 0, "b": 1, "EOS": 2, "UNK": 3}
    assert w2i["zebra"] == 3 and i2w[99] == "UNK"
    assert [i2w[i] for i in range(4)] == ["a", "b", "EOS", "UNK"]


def test_dicts_by_frequency():
    """Are words numbered by decreasing frequency?"""
    w2i, _, _, v = S.sequences_to_dicts([["x", "y", "y", "z", "y", "z"]])
    assert [w for w, _ in sorted(w2i.items(), key=lambda kv: kv[1])] == ["y", "z", "x", "UNK"]
    assert v == 4


@pytest.mark.parametrize("n", [0, 1, 9, 10, 100, 101])
def test_split_sizes(n):
    """Are the splits int(0.8N), int(0.1N), int(0.1N), disjoint, in order?"""
    items = list(range(n))
    train, val, test = S.split_sequences(items)
    assert (len(train), len(val), len(test)) == (int(n * .8), int(n * .1), int(n * .1))
    assert train == items[:len(train)] and val == items[len(train):len(train) + len(val)]
    assert test == (items[n - len(test):] if test else [])
    assert not set(train) & set(val) and not set(val) & set(test) and not set(train) & set(test)


def test_create_datasets_inputs_targets():
    """Are inputs seq[:-1] and targets seq[1:]?"""
    seqs = S.generate_dataset(100, seed=3)
    train, val, test = S.create_datasets(seqs)
    assert (len(train), len(val), len(test)) == (80, 10, 10)
    x, y = train[0]
    assert x == seqs[0][:-1] and y == seqs[0][1:]
    x, y = test[-1]
    assert y[-1] == "EOS" and x == seqs[-1][:-1]


def test_one_hot_against_torch():
    """Does one_hot_encode_sequence agree with torch.nn.functional.one_hot, in (T, V, 1)?"""
    seqs = S.generate_dataset(20, seed=5)
    w2i, _, _, v = S.sequences_to_dicts(seqs)
    seq = seqs[0] + ["never-seen"]
    x = S.one_hot_encode_sequence(seq, w2i, v)
    assert x.shape == (len(seq), v, 1)
    oracle = torch.nn.functional.one_hot(torch.tensor([w2i[w] for w in seq]), v).numpy()
    np.testing.assert_array_equal(x[:, :, 0], oracle)
    assert x[-1, 3, 0] == 1.0  # UNK
    np.testing.assert_array_equal(S.one_hot_encode(2, 4), [0, 0, 1, 0])


def test_one_hot_tensor_time_major():
    """Does one_hot_tensor map [T, B] indices to [T, B, V] floats and refuse bad ids?"""
    idx = torch.tensor([[0, 1], [2, 3], [1, 1]])  # [T=3, B=2]
    out = S.one_hot_tensor(idx, 4)
    assert out.shape == (3, 2, 4) and out.dtype == torch.float32
    assert torch.equal(out.argmax(-1), idx)
    with pytest.raises(IndexError, match="indices must lie"):
        S.one_hot_tensor([0, 4], 4)
    with pytest.raises(IndexError):
        S.one_hot_encode(4, 4)
