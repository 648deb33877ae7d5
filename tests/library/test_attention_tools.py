"""Lab 5's given tools: BLEU by source length, attention sharpness, the BLEU-by-length plot, attention decoding."""
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from seqlabs.metrics import bleu_by_length, corpus_bleu, mean_max_attention  # noqa: E402
from seqlabs.plots import plot_bleu_by_length  # noqa: E402
from seqlabs.translate import free_running_outputs, greedy_decode_attention  # noqa: E402

HYPS = [["a", "man", "runs", "."], ["the", "dog"], ["a", "big", "red", "house", "on", "a", "hill", "."]]
REFS = [["a", "man", "runs", "."], ["the", "cat", "sleeps"], ["a", "red", "house", "on", "the", "hill", "."]]


def test_bleu_by_length_scores_each_bucket_as_its_own_corpus():
    """Is each bucket's BLEU the corpus BLEU of exactly its members, with counts and labels, empty buckets NaN?"""
    buckets = bleu_by_length(HYPS, REFS, [4, 3, 9], edges=[0, 4, 8, 20])
    assert [b.label for b in buckets] == ["0-3", "4-7", "8-19", "20+"]
    assert [b.count for b in buckets] == [1, 1, 1, 0]
    assert buckets[0].bleu == pytest.approx(corpus_bleu(HYPS[1:2], REFS[1:2]))
    assert buckets[1].bleu == pytest.approx(100.0)
    assert buckets[2].bleu == pytest.approx(corpus_bleu(HYPS[2:], REFS[2:]))
    assert math.isnan(buckets[3].bleu)


def test_bleu_by_length_refuses_misaligned_inputs_and_bad_edges():
    """Are mismatched lengths and non-increasing edges refused with a message that says which?"""
    with pytest.raises(ValueError, match="one of each per sentence"):
        bleu_by_length(HYPS, REFS, [4, 3], edges=[0])
    with pytest.raises(ValueError, match="increasing"):
        bleu_by_length(HYPS, REFS, [4, 3, 9], edges=[5, 5])


def test_mean_max_attention_is_one_over_s_for_uniform_and_one_for_one_hot():
    """Uniform weights over S give 1/S; one-hot rows give 1; every decoder step counts once."""
    assert mean_max_attention([np.full((3, 4), 0.25)]) == pytest.approx(0.25)
    assert mean_max_attention(torch.eye(5)) == pytest.approx(1.0)
    mixed = [np.full((1, 2), 0.5), np.eye(3)]  # steps: 0.5, 1, 1, 1
    assert mean_max_attention(mixed) == pytest.approx(3.5 / 4)
    with pytest.raises(ValueError, match=r"\[L, S\]"):
        mean_max_attention([np.ones(3)])


def test_plot_bleu_by_length_draws_one_bar_per_model_and_bucket():
    """Two models over three buckets: six bars, the bucket labels with their counts, one legend entry per model."""
    a = bleu_by_length(HYPS, REFS, [4, 3, 9], edges=[0, 4, 8])
    b = bleu_by_length(REFS, REFS, [4, 3, 9], edges=[0, 4, 8])
    fig = plot_bleu_by_length({"lab 4": a, "attention": b})
    (ax,) = fig.axes
    assert len(ax.patches) == 6
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0-3\n(n=1)", "4-7\n(n=1)", "8+\n(n=1)"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["lab 4", "attention"]
    plt.close(fig)
    with pytest.raises(ValueError, match="same edges"):
        plot_bleu_by_length({"x": a, "y": bleu_by_length(HYPS, REFS, [4, 3, 9], edges=[0, 5])})


class _Toy(nn.Module):
    """An attention-model interface stand-in: the decoder writes token (step + 4) and attends to position step."""

    class Enc(nn.Module):
        def forward(self, src, src_len):
            return torch.zeros(src.shape[0], src.shape[1], 2), torch.zeros(src.shape[1], 1)

    class Dec(nn.Module):
        def forward(self, token, hidden, encoder_outputs, mask):
            step = int(hidden[0, 0])
            logits = torch.zeros(token.shape[0], 9)
            logits[:, 3 if step == 3 else step + 4] = 1.0  # <eos> (3) at step 3
            weights = torch.zeros(token.shape[0], mask.shape[1])
            weights[:, min(step, mask.shape[1] - 1)] = 1.0
            return logits, hidden + 1, weights

    def __init__(self):
        super().__init__()
        self.encoder, self.decoder = self.Enc(), self.Dec()

    def create_mask(self, src):
        return (src != 1).T


def test_greedy_decode_attention_cuts_at_eos_and_keeps_the_eos_row_and_real_columns():
    """Ids stop before <eos>; the attention has one row per id plus the <eos> row, one column per real token."""
    src = torch.tensor([[2, 2], [5, 6], [7, 1], [3, 1]])  # [S=4, B=2], lengths 4 and 2
    hyps, attentions = greedy_decode_attention(_Toy(), src, torch.tensor([4, 2]), sos_index=2, eos_index=3,
                                               max_len=10)
    assert hyps == [[4, 5, 6], [4, 5, 6]]
    assert [tuple(a.shape) for a in attentions] == [(4, 4), (4, 2)]
    out = free_running_outputs(_Toy(), src, torch.tensor([4, 2]), 3, sos_index=2)
    assert out.shape == (3, 2, 9) and torch.all(out[0] == 0) and out[1:].argmax(-1).tolist() == [[4, 4], [5, 5]]
