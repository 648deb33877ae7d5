"""Numericalising, PairDataset, bucketed batch sampling and [T, B] collation."""
import random

import numpy as np
import pytest
import torch

from seqlabs.text import Vocab
from seqlabs.text.batching import (BucketBatchSampler, PairCollator, PairDataset, RandomBatchSampler,
                                   make_loader, numericalize, pad_batch, pair_sort_keys, padded_lengths)


@pytest.fixture(scope="module")
def toy():
    rng = random.Random(0)
    words = "a b c d e f g h".split()
    src = [[rng.choice(words) for _ in range(rng.randint(1, 30))] for _ in range(1000)]
    trg = [[w.upper() for w in s][: max(1, len(s) - rng.randint(0, 3))] for s in src]
    sv, tv = Vocab.build(src), Vocab.build(trg)
    return src, trg, PairDataset(src, trg, sv, tv)


def test_numericalize_hand():
    """Is it [<sos>] + ids + [<eos>], with reversal applied to the tokens only?"""
    v = Vocab.build([["ein", "mann", "ein"]])  # ein=4, mann=5
    assert numericalize(["ein", "mann", "hund"], v) == [2, 4, 5, 0, 3]
    assert numericalize(["ein", "mann", "hund"], v, reverse=True) == [2, 0, 5, 4, 3]
    assert numericalize(["mann"], v, add_sos=False, add_eos=False) == [5]
    with pytest.raises(ValueError, match="empty sentence"):
        numericalize([], v)
    with pytest.raises(TypeError, match="tokenise"):
        numericalize("ein mann", v)


def test_pair_dataset(toy):
    """Does the dataset hold id tensors with <sos>/<eos> and report their lengths?"""
    src, trg, data = toy
    s, t = data[7]
    assert s.dtype == torch.long and s[0] == 2 and s[-1] == 3
    assert data.src_vocab.decode(s[1:-1]) == src[7] and data.trg_vocab.decode(t[1:-1]) == trg[7]
    assert data.src_lengths[7] == len(src[7]) + 2 and len(data) == 1000
    with pytest.raises(ValueError, match="pair 1: cannot numericalise an empty"):
        PairDataset([["a"], []], [["A"], ["B"]], data.src_vocab, data.trg_vocab)
    with pytest.raises(ValueError, match="aligned"):
        PairDataset([["a"]], [], data.src_vocab, data.trg_vocab)


@pytest.mark.parametrize("cls", [BucketBatchSampler, RandomBatchSampler])
@pytest.mark.parametrize("n, bs", [(1000, 32), (1000, 128), (7, 3), (5, 10)])
def test_sampler_covers_every_index_once(cls, n, bs):
    """Does one epoch yield every index exactly once, in len(sampler) batches of at most batch_size?"""
    lengths = np.random.default_rng(1).integers(1, 40, n)
    sampler = cls(lengths, bs, seed=3, pool_factor=4)
    batches = list(sampler)
    assert len(batches) == len(sampler) == -(-n // bs)
    assert sorted(i for b in batches for i in b) == list(range(n))
    assert all(1 <= len(b) <= bs for b in batches)


def test_sampler_seed_epoch_and_drop_last():
    """Are epochs reproducible from the seed, different from each other, and drop_last full batches?"""
    lengths = np.random.default_rng(1).integers(1, 40, 1000)
    a, b = BucketBatchSampler(lengths, 32, seed=5), BucketBatchSampler(lengths, 32, seed=5)
    e1, e2 = list(a), list(a)
    assert e1 == list(b) and e1 != e2
    a.set_epoch(0)
    assert list(a) == e1
    d = BucketBatchSampler(lengths, 32, seed=5, drop_last=True, pool_factor=4)
    got = list(d)
    assert all(len(x) == 32 for x in got) and len(got) <= len(d) == 1000 // 32


def test_sampler_sorted_without_shuffle():
    """Is shuffle=False the whole data set in length order (for evaluation)?"""
    lengths = np.array([5, 1, 4, 1, 3, 9, 2])
    batches = list(BucketBatchSampler(lengths, 3, shuffle=False))
    assert batches == [[1, 3, 6], [4, 2, 0], [5]]
    assert list(RandomBatchSampler(lengths, 3, shuffle=False)) == [[0, 1, 2], [3, 4, 5], [6]]


def test_bucketing_cuts_padding():
    """Does bucketing cut the mean padded length well below random batching (brute-force count)?"""
    lengths = np.random.default_rng(2).integers(3, 60, 5000)
    rnd = padded_lengths(list(RandomBatchSampler(lengths, 64, seed=0)), lengths).mean()
    bkt = padded_lengths(list(BucketBatchSampler(lengths, 64, seed=0)), lengths).mean()
    assert bkt < 0.6 * rnd
    # brute-force the oracle for padded_lengths
    b = [[0, 1], [2]]
    assert padded_lengths(b, [3, 7, 2]).tolist() == [7, 2]


def test_pair_sort_keys():
    """Are the keys (longer side, total length)?"""
    assert pair_sort_keys([3, 5], [4, 1]).tolist() == [[4, 7], [5, 6]]


def test_pad_batch_matches_manual():
    """Does pad_batch give [L, B] (or [B, L]) with lengths and a True-at-tokens mask, as built by hand?"""
    seqs = [torch.tensor([5, 6, 7]), torch.tensor([8]), torch.tensor([9, 10])]
    padded, lengths, mask = pad_batch(seqs, pad_index=1)
    manual = torch.tensor([[5, 8, 9], [6, 1, 10], [7, 1, 1]])
    assert torch.equal(padded, manual) and lengths.tolist() == [3, 1, 2]
    assert torch.equal(mask, manual != 1)
    pb, _, mb = pad_batch(seqs, pad_index=1, batch_first=True)
    assert torch.equal(pb, manual.T) and torch.equal(mb, mask.T)
    with pytest.raises(ValueError, match="empty batch"):
        pad_batch([], 1)


def test_loader_batches_roundtrip(toy):
    """Does every batch hold time-major [T, B] tensors whose columns decode to the original pairs?"""
    src, trg, data = toy
    loader = make_loader(data, 64, seed=0)
    seen = []
    for batch in loader:
        B = len(batch)
        assert batch.src.shape == (int(batch.src_lengths.max()), B)
        assert batch.trg.shape == (int(batch.trg_lengths.max()), B)
        assert batch.src_mask.shape == batch.src.shape and batch.src_mask.dtype == torch.bool
        assert torch.equal(batch.src_mask.sum(0), batch.src_lengths)
        for j, i in enumerate(batch.indices.tolist()):
            L = int(batch.trg_lengths[j])
            assert data.trg_vocab.decode(batch.trg[1:L - 1, j]) == trg[i]
            assert (batch.trg[L:, j] == data.trg_vocab.pad_index).all()
        seen += batch.indices.tolist()
    assert sorted(seen) == list(range(len(data)))


def test_loader_batch_first_and_sorted(toy):
    """Does batch_first give [B, T], and sort_within_batch order sources longest first (for packing)?"""
    _, _, data = toy
    batch = next(iter(make_loader(data, 16, batch_first=True, sort_within_batch=True, seed=1)))
    assert batch.batch_first and batch.src.shape == (16, int(batch.src_lengths.max()))
    assert batch.src_lengths.tolist() == sorted(batch.src_lengths.tolist(), reverse=True)
    emb = torch.nn.Embedding(len(data.src_vocab), 4)(batch.src)  # [B, S, 4]
    packed = torch.nn.utils.rnn.pack_padded_sequence(emb, batch.src_lengths, batch_first=True)
    assert packed.data.shape[0] == int(batch.src_lengths.sum())
    assert batch.to("cpu").src.shape == batch.src.shape


def test_collator_plain_pairs():
    """Does the collator accept plain (src, trg) pairs, as a DataLoader over PairDataset gives?"""
    batch = PairCollator(1, 1)([(torch.tensor([2, 5, 3]), torch.tensor([2, 3]))])
    assert batch.src.shape == (3, 1) and batch.indices.tolist() == [-1]


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(lengths=st.lists(st.integers(1, 50), min_size=1, max_size=300), bs=st.integers(1, 40),
       pool=st.integers(1, 5), seed=st.integers(0, 2**31 - 1), drop_last=st.booleans())
def test_sampler_property(lengths, bs, pool, seed, drop_last):
    """For any lengths: is every index used at most once (exactly once without drop_last), batches never too big?"""
    sampler = BucketBatchSampler(lengths, bs, pool_factor=pool, seed=seed, drop_last=drop_last)
    batches = list(sampler)
    flat = [i for b in batches for i in b]
    assert len(flat) == len(set(flat)) and all(0 < len(b) <= bs for b in batches)
    if drop_last:
        assert all(len(b) == bs for b in batches) and len(batches) <= len(sampler)
    else:
        assert sorted(flat) == list(range(len(lengths))) and len(batches) == len(sampler)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from(list("abcdefg")), min_size=1, max_size=8), min_size=1, max_size=30))
def test_vocab_roundtrip_property(lists):
    """For any token lists: does decode(encode(x)) give x back when every token is in the vocabulary?"""
    v = Vocab.build(lists)
    for toks in lists:
        assert v.decode(v.encode(toks)) == toks
        assert v.decode(numericalize(toks, v), strip_specials=True) == toks
